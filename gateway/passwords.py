"""Password hashing: argon2id (argon2-cffi) with RFC 9106's second recommended profile.

Time cost 3, 64 MiB, 4 lanes: 0.22 s of CPU per check on this project's 2-core machines
(docs/benchmarks.md), so one process signs in at most ~9 people a second. Each hash holds
64 MiB, so at most ``MAX_CONCURRENT`` run at once; more sign-ins wait their turn instead of
exhausting memory. An unknown email is checked against a
dummy hash with the same parameters, so the answer's timing does not reveal which emails exist.
"""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)
MAX_CONCURRENT = 2
_slots = threading.BoundedSemaphore(MAX_CONCURRENT)
_DUMMY = HASHER.hash("not a password anyone has: only spends the time of a real check")


def hash_password(password: str) -> str:
    with _slots:
        return HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; with no stored hash a dummy is checked (and
    False returned) so both refusals take the same time."""
    with _slots:
        try:
            return HASHER.verify(stored or _DUMMY, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def needs_rehash(stored: str) -> bool:
    """True after the parameters above were raised: the next sign-in stores a new hash."""
    return HASHER.check_needs_rehash(stored)
