"""Browser sessions: a random token in an HttpOnly cookie, only its sha256 in ``web_sessions``.

CSRF is a double-submit token bound to the session: the ``ytempire_csrf`` cookie (readable by
the page's script) holds an HMAC of the session token, and every change made with the session
cookie must repeat it in ``X-CSRF-Token``. A page on another site can make the browser send the
cookies but cannot read them, so it cannot fill in the header; a planted csrf cookie does not
help either, since it must also match the session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.models import User, WebSession

SESSION_COOKIE = "ytempire_session"
CSRF_COOKIE = "ytempire_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"ytempire csrf", hashlib.sha256).hexdigest()


def csrf_ok(request: Request, session_token: str) -> bool:
    """The header equals the cookie and both belong to this session (constant-time checks)."""
    sent = request.headers.get(CSRF_HEADER, "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    expected = csrf_token(session_token)
    return bool(sent) and hmac.compare_digest(sent.encode(), cookie.encode()) \
        and hmac.compare_digest(sent.encode(), expected.encode())


@dataclass(frozen=True)
class Resolved:
    session: WebSession
    user: User


def start(db: Session, user: User, request: Request, ttl_s: int) -> tuple[WebSession, str]:
    """A new session for ``user`` (not committed) and the token for its cookie."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    client = request.client.host if request.client else ""
    row = WebSession(user_id=user.id, token_hash=token_hash(token), created_at=now,
                     last_seen_at=now, expires_at=now + timedelta(seconds=ttl_s),
                     user_agent=request.headers.get("user-agent", "")[:300],
                     address=client[:64])
    db.add(row)
    db.flush()
    return row, token


def resolve(db: Session, token: str) -> Resolved | None:
    """The live session for a cookie's token; ``last_seen_at`` written at most once a minute."""
    row = db.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                     .where(WebSession.token_hash == token_hash(token))).first()
    now = datetime.now(UTC)
    if row is None or row.WebSession.revoked_at is not None or row.WebSession.expires_at <= now:
        db.rollback()
        return None
    session = row.WebSession
    if now - session.last_seen_at >= LAST_SEEN_RESOLUTION:
        session.last_seen_at = now
        db.commit()
    else:
        db.rollback()
    return Resolved(session, row.User)


def revoke(db: Session, user_id: str, session_id: str) -> bool:
    """Revoke one of the user's sessions (not committed); False when it is not theirs."""
    result = db.execute(update(WebSession).where(
        WebSession.id == session_id, WebSession.user_id == user_id)
        .values(revoked_at=datetime.now(UTC)).execution_options(synchronize_session=False))
    return result.rowcount > 0  # type: ignore[attr-defined]


def revoke_others(db: Session, user_id: str, keep: str | None) -> None:
    """Revoke every live session of the user but ``keep`` (not committed)."""
    query = update(WebSession).where(WebSession.user_id == user_id,
                                     WebSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(WebSession.id != keep)
    db.execute(query.values(revoked_at=datetime.now(UTC))
               .execution_options(synchronize_session=False))


def live(db: Session, user_id: str) -> list[WebSession]:
    return list(db.scalars(select(WebSession).where(
        WebSession.user_id == user_id, WebSession.revoked_at.is_(None),
        WebSession.expires_at > datetime.now(UTC)).order_by(WebSession.created_at.desc())))


def set_cookies(response: Response, request: Request, token: str, ttl_s: int) -> None:
    """Secure everywhere but on a localhost address (browsers refuse Secure cookies over
    plain http, which is how the local gateway is served)."""
    secure = request.url.hostname not in LOCAL_HOSTS
    response.set_cookie(SESSION_COOKIE, token, max_age=ttl_s, path="/", httponly=True,
                        samesite="lax", secure=secure)
    response.set_cookie(CSRF_COOKIE, csrf_token(token), max_age=ttl_s, path="/",
                        httponly=False, samesite="lax", secure=secure)


def clear_cookies(response: Response, request: Request) -> None:
    secure = request.url.hostname not in LOCAL_HOSTS
    for name, http_only in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(name, path="/", httponly=http_only, samesite="lax",
                               secure=secure)
