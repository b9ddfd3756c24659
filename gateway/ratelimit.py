"""Rate limits per user (all its keys and inbound sources together), sized by the user's tier,
with the IETF draft ``RateLimit-*`` headers; a batch of n videos counts n requests.

A sliding-window counter: in Redis through the ``limits`` library (Lua scripts, shared by every
gateway process) when ``YTEMPIRE_GATEWAY_REDIS_URL`` is set, else in-process with the same
arithmetic (``LocalWindows``: ``limits``' memory storage starts a timer thread per request,
which cost a tenth of a request's CPU). If Redis does not answer, this process counts alone
until it does (each gateway process then allows the full limit: looser, never unlimited), and
the outage is logged: a limiter outage must become neither an API outage nor an open door.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.config import GatewaySettings
from gateway.errors import GatewayError
from gateway.identity import Principal
from ytempire.core.logging import get_logger

log = get_logger()


@dataclass(frozen=True)
class Quota:
    """What the headers say: the limit, what is left of it, seconds until it refills."""

    limit: int
    remaining: int
    reset_s: int
    window_s: int

    def headers(self) -> dict[str, str]:
        return {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
                "RateLimit-Reset": str(self.reset_s),
                "RateLimit-Policy": f"{self.limit};w={self.window_s}"}


class RateLimited(GatewayError):
    status_code = 429

    def __init__(self, quota: Quota) -> None:
        super().__init__(f"rate limit of {quota.limit} requests per {quota.window_s}s reached "
                         f"for this user (all its keys together); retry in {quota.reset_s}s")
        self.headers = {**quota.headers(), "Retry-After": str(quota.reset_s)}


class Windows(Protocol):
    def hit(self, limit: int, window_s: int, key: str,
            cost: int = 1) -> tuple[bool, int, float]:
        """Count ``cost`` requests: (allowed, remaining, unix time the quota next refills)."""
        ...


class RedisWindows:
    """``limits``' sliding-window counter on Redis (two Lua calls per hit)."""

    def __init__(self, url: str) -> None:
        storage = storage_from_string(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._strategy = SlidingWindowCounterRateLimiter(storage)

    def hit(self, limit: int, window_s: int, key: str,
            cost: int = 1) -> tuple[bool, int, float]:
        item = RateLimitItemPerSecond(limit, window_s)
        allowed = self._strategy.hit(item, "key", key, cost=cost)
        stats = self._strategy.get_window_stats(item, "key", key)
        return allowed, stats.remaining, stats.reset_time


class LocalWindows:
    """The same sliding-window counter in this process: the previous window's count, weighted
    by how much of it still overlaps the sliding window, plus the current window's count."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int, int]] = {}  # key -> (window no, previous, now)
        self._lock = threading.Lock()

    def hit(self, limit: int, window_s: int, key: str,
            cost: int = 1) -> tuple[bool, int, float]:
        now = time.time()
        window, into = divmod(now, window_s)
        number = int(window)
        with self._lock:
            seen, previous, current = self._counts.get(key, (number, 0, 0))
            if seen != number:
                previous, current = (current if seen == number - 1 else 0), 0
            weighted = previous * (window_s - into) / window_s + current
            allowed = weighted + cost <= limit
            if allowed:
                current += cost
                weighted += cost
            self._counts[key] = (number, previous, current)
        remaining = max(0, limit - math.floor(weighted))
        if allowed:
            return True, remaining, now + window_s - into
        return False, remaining, now + retry_in(limit, window_s, into, previous, current)


    def full(self, limit: int, window_s: int, key: str) -> bool:
        """Whether the next request of ``key`` would be refused (counts nothing)."""
        now = time.time()
        window, into = divmod(now, window_s)
        with self._lock:
            seen, previous, current = self._counts.get(key, (int(window), 0, 0))
        if seen != int(window):
            previous, current = (current if seen == int(window) - 1 else 0), 0
        return previous * (window_s - into) / window_s + current + 1 > limit


def retry_in(limit: int, window_s: float, into: float, previous: int, current: int) -> float:
    """Seconds until the weighted count leaves room for one more request."""
    room = limit - 1 - current
    if previous and room >= 0:  # the previous window's weight fades within this one
        return max(0.0, window_s * (1 - room / previous) - into)
    # next window: this window's count becomes the fading previous one
    return window_s - into + window_s * max(0.0, 1 - (limit - 1) / current)


class RateLimiter:
    def __init__(self, settings: GatewaySettings) -> None:
        self.window_s = settings.rate_limit_window_s
        self.per_tier = dict(settings.rate_limits)
        self.anonymous = settings.anonymous_limit
        self.backend = "redis" if settings.redis_url else "memory"
        self.local = LocalWindows()
        self.windows: Windows = (RedisWindows(settings.redis_url) if settings.redis_url
                                 else self.local)
        self._down_logged_at = 0.0

    def limit_of(self, tier: str) -> int:
        """The tier's requests per window; an unknown tier gets the smallest configured limit."""
        return self.per_tier.get(tier, min(self.per_tier.values()))

    def check(self, principal: Principal, cost: int = 1) -> Quota:
        """Count ``cost`` requests of the user; raise RateLimited when over."""
        return self._count(self.limit_of(principal.tier), f"user:{principal.user_id}", cost)

    def refuse_address(self, address: str) -> None:
        """Count a failed authentication of a client address (in this process)."""
        self.local.hit(self.anonymous, self.window_s, f"addr:{address}")

    def address_refused(self, address: str) -> bool:
        """Whether the address has failed authentication too often in the window."""
        return self.local.full(self.anonymous, self.window_s, f"addr:{address}")

    def _count(self, limit: int, key: str, cost: int) -> Quota:
        try:
            allowed, remaining, reset_at = self.windows.hit(limit, self.window_s, key, cost)
        except Exception as exc:  # redis-py raises several types; any of them means "unknown"
            now = time.monotonic()
            if now - self._down_logged_at > 60:
                self._down_logged_at = now
                log.error("ratelimit.backend_unavailable", backend=self.backend,
                          error=type(exc).__name__, fallback="this process counts alone")
            allowed, remaining, reset_at = self.local.hit(limit, self.window_s, key, cost)
        wait = math.ceil(reset_at - time.time())
        quota = Quota(limit, remaining, max(1, wait) if not allowed else max(0, wait),
                      self.window_s)
        if not allowed:
            raise RateLimited(quota)
        return quota


class RateLimitHeaders:
    """Copies the quota the auth dependency left in the request state onto the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1"):
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            quota: Quota | None = scope.get("state", {}).get("quota")
            if message["type"] == "http.response.start" and quota is not None:
                have = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in quota.headers().items()
                         if k.lower().encode() not in have]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_wrapper)
