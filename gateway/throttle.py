"""Failed sign-ins counted per account and per client address (fixed windows).

In Redis when ``YTEMPIRE_GATEWAY_REDIS_URL`` is set (every gateway process sees the same
counts), else in this process. If Redis does not answer, the counts of this process are used
and the outage is logged: an attacker gains little, and sign-in keeps working. Keys hold a
sha256 of the email, not the email.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass

import redis

from gateway.config import GatewaySettings
from ytempire.core.logging import get_logger

log = get_logger()


@dataclass(frozen=True)
class Limit:
    key: str
    limit: int


class MemoryCounts:
    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, expires at, monotonic)
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[int, float]:
        """(count, seconds left in its window)."""
        count, expires = self._counts.get(key, (0, 0.0))
        left = expires - time.monotonic()
        return (count, left) if left > 0 else (0, 0.0)

    def incr(self, key: str, window_s: int) -> None:
        with self._lock:
            if len(self._counts) > 100_000:
                now = time.monotonic()
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            count, left = self.get(key)
            expires = time.monotonic() + (left if count else window_s)
            self._counts[key] = (count + 1, expires)

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class RedisCounts:
    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def get(self, key: str) -> tuple[int, float]:
        pipe = self._redis.pipeline()
        pipe.get(key)
        pipe.pttl(key)
        count, ttl_ms = pipe.execute()
        return (int(count), ttl_ms / 1000) if count is not None and ttl_ms > 0 else (0, 0.0)

    def incr(self, key: str, window_s: int) -> None:
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, window_s, nx=True)
        pipe.execute()

    def clear(self, key: str) -> None:
        self._redis.delete(key)


class LoginThrottle:
    def __init__(self, settings: GatewaySettings) -> None:
        self.window_s = settings.login_failure_window_s
        self.per_account = settings.login_failures_per_account
        self.per_address = settings.login_failures_per_address
        self._memory = MemoryCounts()
        self._redis = RedisCounts(settings.redis_url) if settings.redis_url else None
        self._down_logged_at = 0.0

    def limits(self, email: str, address: str) -> list[Limit]:
        account = hashlib.sha256(email.encode()).hexdigest()
        return [Limit(f"ytempire:login:account:{account}", self.per_account),
                Limit(f"ytempire:login:address:{address}", self.per_address)]

    def _call(self, method: str, *args: object) -> object:
        if self._redis is not None:
            try:
                return getattr(self._redis, method)(*args)
            except redis.RedisError as exc:
                now = time.monotonic()
                if now - self._down_logged_at > 60:
                    self._down_logged_at = now
                    log.error("login_throttle.redis_unavailable", error=str(exc))
        return getattr(self._memory, method)(*args)

    def wait_s(self, limits: list[Limit]) -> int:
        """Seconds until a sign-in may be tried again; 0 when it may be tried now."""
        waits = [left for item in limits
                 for count, left in [self._call("get", item.key)]  # type: ignore[misc]
                 if count >= item.limit]
        return max(1, math.ceil(max(waits))) if waits else 0

    def failed(self, limits: list[Limit]) -> None:
        for item in limits:
            self._call("incr", item.key, self.window_s)

    def succeeded(self, limits: list[Limit]) -> None:
        """The account's count starts over; the address keeps its count (one attacker may
        own one account and probe others from the same address)."""
        self._call("clear", limits[0].key)
