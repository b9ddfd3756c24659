"""The caller's password and browser sessions: change the password, list and revoke sessions."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from gateway import accounts, sessions
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.errors import NotFound
from gateway.payloads.accounts import PasswordChange, SessionOut
from gateway.routes.auth import client_address

router = APIRouter(prefix="/me", tags=["accounts"])


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT,
             responses={403: {"description": "current_password not right"},
                        429: {"description": "Too many wrong passwords; see Retry-After"}})
def change_password(request: Request, body: PasswordChange, db: DB,
                    principal: CurrentUser) -> None:
    """Set a new password; every other browser session is signed out (API keys keep working)."""
    accounts.change_password(db, request.app.state.login_throttle, principal.user_id,
                             body.current_password, body.new_password, client_address(request))
    sessions.revoke_others(db, principal.user_id, keep=principal.session_id)
    db.commit()


@router.get("/sessions", response_model=list[SessionOut])
def list_sessions(db: DB, principal: CurrentUser) -> list[SessionOut]:
    """Signed-in browsers, newest first."""
    return [SessionOut(id=s.id, created_at=s.created_at, last_seen_at=s.last_seen_at,
                       user_agent=s.user_agent, address=s.address,
                       current=s.id == principal.session_id)
            for s in sessions.live(db, principal.user_id)]


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_session(session_id: str, db: DB, principal: CurrentUser) -> None:
    """Sign that browser out (its next request answers 401)."""
    if not sessions.revoke(db, principal.user_id, session_id[:36]):
        raise NotFound(f"session {session_id[:36]} not found")
    db.commit()
