"""The ``Authorization: Bearer`` dependency: every route but ``/health`` takes a Principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.db import DB
from gateway.identity import Principal, authenticate

bearer = HTTPBearer(auto_error=False, description="An API key from `ytempire users create`.")


async def current_principal(
    request: Request,
    db: DB,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """On the event loop when the key is cached (the common case); the database in a worker
    thread otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing 'Authorization: Bearer <key>'",
                            headers={"WWW-Authenticate": "Bearer"})
    keys = request.app.state.keys
    principal = keys.fresh(credentials.credentials) or await run_in_threadpool(
        authenticate, db, credentials.credentials, keys)
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or revoked API key",
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
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
