"""Users and API keys: a key is shown once, stored as its sha256, found by that hash.

Keys carry 256 bits of randomness, so a plain sha256 is enough (no slow KDF needed: there is
nothing to brute-force), and lookup by hash is a single indexed read.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
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
    """The API key's id, or the browser session's id when ``session_id`` is set."""
    tier: str
    admin: bool = False
    session_id: str | None = None

    @property
    def actor(self) -> str:
        """Who acted, for records people read: ``api-key:<id>`` or ``session:<id>``."""
        return f"session:{self.session_id}" if self.session_id else f"api-key:{self.key_id}"


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


def create_user(db: Session, name: str, tier: str = "free", admin: bool = False,
                email: str | None = None, password_hash: str | None = None,
                ) -> tuple[User, IssuedKey]:
    """A new user and its first API key (the operator hands the key over); ``admin`` users may
    also call the operator endpoints under ``/v1/admin``. With an email and a password hash
    the user can also sign in to the web app."""
    if db.scalar(select(User).where(User.name == name)) is not None:
        raise UserExists(f"user {name!r} already exists")
    if email is not None and db.scalar(select(User).where(User.email == email)) is not None:
        raise UserExists(f"a user with email {email!r} already exists")
    user = User(name=name, tier=tier, is_admin=admin, email=email, password_hash=password_hash)
    db.add(user)
    db.flush()
    issued = issue_key(db, user.id, name="first key")
    db.commit()
    return user, issued


class KeyCache:
    """Principals by key hash for ``ttl_s`` seconds, so the hot path reads no row per request.

    A key revoked through this process is forgotten at once; one revoked through another
    gateway process stops working within ``ttl_s``. ``last_used_at`` is written by one request
    per key per ``LAST_USED_RESOLUTION``, not by every request of a burst.
    """

    def __init__(self, ttl_s: float = 5.0) -> None:
        self.ttl_s = ttl_s
        self._principals: dict[str, tuple[float, Principal]] = {}
        self._touched: dict[str, float] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> Principal | None:
        hit = self._principals.get(digest)
        return hit[1] if hit is not None and time.monotonic() - hit[0] < self.ttl_s else None

    def put(self, digest: str, principal: Principal) -> None:
        with self._lock:
            if len(self._principals) > 100_000:
                self._principals.clear()
            self._principals[digest] = (time.monotonic(), principal)

    def forget(self, key_id: str) -> None:
        with self._lock:
            for digest, (_, principal) in list(self._principals.items()):
                if principal.key_id == key_id:
                    del self._principals[digest]

    def fresh(self, secret: str) -> Principal | None:
        """The cached principal when nothing needs the database (no ``last_used_at`` due)."""
        principal = self.get(hash_key(secret))
        if principal is None:
            return None
        touched = self._touched.get(principal.key_id, -1e9)
        due = time.monotonic() - touched >= LAST_USED_RESOLUTION.total_seconds()
        return None if due else principal

    def claim_touch(self, key_id: str) -> bool:
        """True for the one caller that should write the key's ``last_used_at`` now."""
        now = time.monotonic()
        with self._lock:
            if now - self._touched.get(key_id, -1e9) < LAST_USED_RESOLUTION.total_seconds():
                return False
            self._touched[key_id] = now
            return True


def authenticate(db: Session, secret: str, cache: KeyCache | None = None) -> Principal | None:
    """The principal for a presented key, or None when unknown or revoked.

    ``last_used_at`` is written at most once a minute per key, so reads stay reads.
    """
    digest = hash_key(secret)
    principal = cache.get(digest) if cache is not None else None
    if principal is None:
        row = db.execute(
            select(ApiKey.id, ApiKey.user_id, ApiKey.revoked_at, ApiKey.last_used_at, User.tier,
                   User.is_admin).join(User, User.id == ApiKey.user_id)
            .where(ApiKey.key_hash == digest)
        ).first()
        if row is None or row.revoked_at is not None:
            db.rollback()
            return None
        principal = Principal(user_id=row.user_id, key_id=row.id, tier=row.tier,
                              admin=row.is_admin)
        if cache is not None:
            cache.put(digest, principal)
        elif (row.last_used_at is not None
              and datetime.now(UTC) - row.last_used_at <= LAST_USED_RESOLUTION):
            db.rollback()
            return principal
    if cache is None or cache.claim_touch(principal.key_id):
        db.execute(update(ApiKey).where(ApiKey.id == principal.key_id)
                   .values(last_used_at=datetime.now(UTC)))
        db.commit()
    else:
        db.rollback()  # hold no connection while the request waits (a stream may last hours)
    return principal
