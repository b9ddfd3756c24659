"""Who is calling: an ``Authorization: Bearer`` API key (programs) or the ``ytempire_session``
cookie (the web app, with a CSRF header on every change). Every route but ``/health`` and the
sign-in routes takes a Principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from gateway import sessions
from gateway.db import DB
from gateway.identity import Principal, authenticate

bearer = HTTPBearer(auto_error=False, description="An API key from `ytempire users create`.")
session_cookie = APIKeyCookie(name=sessions.SESSION_COOKIE, auto_error=False,
                              description="The web app's session (POST /v1/auth/login); "
                                          "changes also need the X-CSRF-Token header.")


def _from_session(db: DB, token: str) -> Principal | None:
    found = sessions.resolve(db, token)
    if found is None:
        return None
    return Principal(user_id=found.user.id, key_id=found.session.id, tier=found.user.tier,
                     admin=found.user.is_admin, session_id=found.session.id)


async def current_principal(
    request: Request,
    db: DB,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    cookie: Annotated[str | None, Depends(session_cookie)],
) -> Principal:
    """On the event loop when the key is cached (the common case); the database in a worker
    thread otherwise. A Bearer key wins over a cookie (no CSRF check then: a browser never
    adds that header on its own)."""
    if credentials is not None and credentials.scheme.lower() == "bearer":
        keys = request.app.state.keys
        principal = keys.fresh(credentials.credentials) or await run_in_threadpool(
            authenticate, db, credentials.credentials, keys)
        if principal is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or revoked API key",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    elif cookie:
        principal = await run_in_threadpool(_from_session, db, cookie)
        if principal is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                                "session expired or signed out; sign in again")
        if request.method not in sessions.SAFE_METHODS and not sessions.csrf_ok(request, cookie):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong X-CSRF-Token")
    else:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing 'Authorization: Bearer <key>'"
                            " or a session cookie (POST /v1/auth/login)",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.principal = principal
    limiter = request.app.state.limiter
    request.state.quota = (limiter.check(principal) if limiter.backend == "memory"
                           else await run_in_threadpool(limiter.check, principal))
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


def current_admin(principal: CurrentUser) -> Principal:
    """Operator endpoints: an admin user's key (``ytempire users create NAME --admin``)."""
    if not principal.admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "operator endpoint: needs an admin "
                            "user's key ('ytempire users create NAME --admin')")
    return principal


CurrentAdmin = Annotated[Principal, Depends(current_admin)]
