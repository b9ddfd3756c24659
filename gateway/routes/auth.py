"""Sign-up, sign-in and sign-out of the web app (cookie sessions beside the API keys)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from gateway import accounts, sessions
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.identity import Principal
from gateway.models import User
from gateway.payloads.accounts import AuthConfig, Login, Signup
from gateway.payloads.keys import UserOut

router = APIRouter(prefix="/auth", tags=["accounts"])


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def signed_in(request: Request, db: DB, user: User, code: int) -> JSONResponse:
    """Start a session for ``user`` (committed) and answer with the user and the cookies."""
    ttl = request.app.state.gateway.session_ttl_s
    session, token = sessions.start(db, user, request, ttl)
    db.commit()
    request.state.principal = Principal(user_id=user.id, key_id=session.id, tier=user.tier,
                                        admin=user.is_admin, session_id=session.id)
    response = JSONResponse(UserOut.model_validate(user).model_dump(mode="json"),
                            status_code=code)
    sessions.set_cookies(response, request, token, ttl)
    return response


@router.get("/config", response_model=AuthConfig)
def auth_config(request: Request) -> AuthConfig:
    """Public: whether the sign-up page is open, needs an invite, or is closed."""
    return AuthConfig(signup=request.app.state.gateway.signup)


@router.post("/signup", status_code=status.HTTP_201_CREATED, response_model=UserOut,
             responses={403: {"description": "Sign-up closed, or the invite is missing, "
                                             "used, expired or for another email"},
                        409: {"description": "Email or name taken"}})
def signup(request: Request, body: Signup, db: DB) -> JSONResponse:
    """Make an account and sign in (sets the session and CSRF cookies)."""
    user = accounts.signup(db, request.app.state.gateway, email=body.email,
                           password=body.password, name=body.name,
                           invite_token=body.invite_token)
    return signed_in(request, db, user, status.HTTP_201_CREATED)


@router.post("/login", response_model=UserOut,
             responses={401: {"description": "Email or password not right (one message for "
                                             "both)"},
                        429: {"description": "Too many failed sign-ins; see Retry-After"}})
def login(request: Request, body: Login, db: DB) -> JSONResponse:
    """Sign in (sets the ``ytempire_session`` and ``ytempire_csrf`` cookies)."""
    user = accounts.login(db, request.app.state.login_throttle, body.email, body.password,
                          client_address(request))
    return signed_in(request, db, user, status.HTTP_200_OK)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, db: DB, principal: CurrentUser) -> Response:
    """End this browser session and clear its cookies."""
    if principal.session_id is not None:
        sessions.revoke(db, principal.user_id, principal.session_id)
        db.commit()
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    sessions.clear_cookies(response, request)
    return response
