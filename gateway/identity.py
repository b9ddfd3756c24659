"""Users and API keys: a key is shown once, stored as its sha256, found by that hash.

Keys carry 256 bits of randomness, so a plain sha256 is enough (no slow KDF needed: there is
nothing to brute-force), and lookup by hash is a single indexed read.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import ApiKey, User

KEY_PREFIX = "yte_"
LAST_USED_RESOLUTION = timedelta(seconds=60)


class UserExists(ValueError):
    pass


@dataclass(frozen=True)
class Principal:
    """Who is calling: every query is scoped by ``user_id``."""

    user_id: str
    key_id: str
    tier: str
    admin: bool = False


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # the full key; never stored, shown once


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(db: Session, user_id: str, name: str = "") -> IssuedKey:
    prefix = KEY_PREFIX + secrets.token_hex(4)
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(user_id=user_id, name=name, prefix=prefix, key_hash=hash_key(secret))
    db.add(key)
    db.flush()
    return IssuedKey(key, secret)


def create_user(db: Session, name: str, tier: str = "free",
                admin: bool = False) -> tuple[User, IssuedKey]:
    """A new user and its first API key (the operator hands the key over); ``admin`` users may
    also call the operator endpoints under ``/v1/admin``."""
    if db.scalar(select(User).where(User.name == name)) is not None:
        raise UserExists(f"user {name!r} already exists")
    user = User(name=name, tier=tier, is_admin=admin)
    db.add(user)
    db.flush()
    issued = issue_key(db, user.id, name="first key")
    db.commit()
    return user, issued


def authenticate(db: Session, secret: str) -> Principal | None:
    """The principal for a presented key, or None when unknown or revoked.

    ``last_used_at`` is written at most once a minute per key, so reads stay reads.
    """
    row = db.execute(
        select(ApiKey, User.tier, User.is_admin).join(User, User.id == ApiKey.user_id)
        .where(ApiKey.key_hash == hash_key(secret))
    ).first()
    if row is None or row[0].revoked_at is not None:
        return None
    key, tier, admin = row
    now = datetime.now(UTC)
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
        db.commit()
    return Principal(user_id=key.user_id, key_id=key.id, tier=tier, admin=admin)
