"""Web accounts: sign-up (open, by invite, or closed), sign-in with throttling, password change,
invites. Route functions call these; sessions and cookies live in ``gateway.sessions``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway import passwords
from gateway.config import GatewaySettings
from gateway.errors import Conflict, GatewayError
from gateway.models import Invite, User
from gateway.throttle import LoginThrottle

REFUSED = "email or password is not right"


class LoginRefused(GatewayError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__(REFUSED)


class TooManyAttempts(GatewayError):
    status_code = 429

    def __init__(self, wait_s: int) -> None:
        super().__init__(f"too many failed sign-ins for this account or address; try again in "
                         f"{wait_s} seconds")
        self.headers = {"Retry-After": str(wait_s)}


class SignupRefused(GatewayError):
    status_code = 403


def normalize_email(email: str) -> str:
    return email.strip().lower()


def login(db: Session, throttle: LoginThrottle, email: str, password: str,
          address: str) -> User:
    """The user whose email and password these are. Every refusal says the same thing and
    takes as long (an unknown email still costs one argon2 check)."""
    email = normalize_email(email)
    limits = throttle.limits(email, address)
    if wait := throttle.wait_s(limits):
        raise TooManyAttempts(wait)
    user = db.scalar(select(User).where(User.email == email))
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        throttle.failed(limits)
        raise LoginRefused()
    throttle.succeeded(limits)
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def signup(db: Session, settings: GatewaySettings, *, email: str, password: str, name: str,
           invite_token: str | None) -> User:
    """A new web user (committed), by the gateway's ``signup`` setting."""
    if settings.signup == "closed":
        raise SignupRefused("sign-up is closed on this gateway; ask its operator for an account")
    email = normalize_email(email)
    invite = None
    if settings.signup == "invite":
        invite = _usable_invite(db, invite_token, email)
    if db.scalar(select(User.id).where((User.email == email) | (User.name == name))):
        raise Conflict("an account with this email or name already exists")
    user = User(name=name, email=email, password_hash=passwords.hash_password(password))
    db.add(user)
    try:
        db.flush()
        if invite is not None:
            claimed = db.execute(update(Invite).where(
                Invite.id == invite.id, Invite.used_at.is_(None))
                .values(used_at=datetime.now(UTC), used_by=user.id)
                .execution_options(synchronize_session=False))
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise SignupRefused("this invite was already used")
        db.commit()
    except IntegrityError:
        db.rollback()
        raise Conflict("an account with this email or name already exists") from None
    except SignupRefused:
        db.rollback()
        raise
    return user


def _usable_invite(db: Session, token: str | None, email: str) -> Invite:
    if not token:
        raise SignupRefused("sign-up needs an invite on this gateway (invite_token)")
    invite = db.scalar(select(Invite).where(Invite.token_hash == _hash(token)))
    if invite is None or invite.used_at is not None or invite.expires_at <= datetime.now(UTC):
        raise SignupRefused("this invite is unknown, used or expired; ask for a new one")
    if invite.email is not None and invite.email != email:
        raise SignupRefused("this invite is for another email address")
    return invite


def change_password(db: Session, throttle: LoginThrottle, user_id: str, current: str,
                    new: str, address: str) -> None:
    """Store a new hash (not committed) once the current password is proven; wrong guesses
    count against the account like failed sign-ins."""
    user = db.get_one(User, user_id)
    limits = throttle.limits(user.email or user.id, address)
    if wait := throttle.wait_s(limits):
        raise TooManyAttempts(wait)
    if not passwords.verify(user.password_hash, current):
        throttle.failed(limits)
        raise WrongPassword("current_password is not right")
    user.password_hash = passwords.hash_password(new)


class WrongPassword(GatewayError):
    status_code = 403


def create_invite(db: Session, admin_id: str, email: str | None,
                  ttl_s: int) -> tuple[Invite, str]:
    """A one-time invite (committed) and its token, shown once."""
    token = secrets.token_urlsafe(32)
    invite = Invite(token_hash=_hash(token), created_by=admin_id,
                    email=normalize_email(email) if email else None,
                    expires_at=datetime.now(UTC) + timedelta(seconds=ttl_s))
    db.add(invite)
    db.commit()
    return invite, token


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
