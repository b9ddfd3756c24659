"""Rate limits per API key, sized by the user's tier, with the IETF draft ``RateLimit-*`` headers.

A sliding-window counter from the ``limits`` library: in-process by default, in Redis (one Lua
script per hit, shared by every gateway process) when ``YTEMPIRE_GATEWAY_REDIS_URL`` is set.
If Redis does not answer, requests are let through and the outage is logged: a limiter outage
must not become an API outage.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.config import GatewaySettings
from gateway.errors import GatewayError
from gateway.identity import Principal
from ytempire.logging import get_logger

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
                         f"for this API key; retry in {quota.reset_s}s")
        self.headers = {**quota.headers(), "Retry-After": str(quota.reset_s)}


class RateLimiter:
    def __init__(self, settings: GatewaySettings) -> None:
        self.window_s = settings.rate_limit_window_s
        self.per_tier = dict(settings.rate_limits)
        self.backend = "redis" if settings.redis_url else "memory"
        self.storage: Storage = (storage_from_string(settings.redis_url, socket_timeout=0.5,
                                                     socket_connect_timeout=0.5)
                                 if settings.redis_url else MemoryStorage())
        self._strategy = SlidingWindowCounterRateLimiter(self.storage)
        self._down_logged_at = 0.0

    def limit_of(self, tier: str) -> int:
        """The tier's requests per window; an unknown tier gets the smallest configured limit."""
        return self.per_tier.get(tier, min(self.per_tier.values()))

    def check(self, principal: Principal) -> Quota | None:
        """Count one request of the key; raise RateLimited when over. None if Redis is down."""
        limit = self.limit_of(principal.tier)
        item = RateLimitItemPerSecond(limit, self.window_s)
        try:
            allowed = self._strategy.hit(item, "key", principal.key_id)
            stats = self._strategy.get_window_stats(item, "key", principal.key_id)
        except Exception as exc:  # redis-py raises several types; any of them means "unknown"
            now = time.monotonic()
            if now - self._down_logged_at > 60:
                self._down_logged_at = now
                log.error("ratelimit.backend_unavailable", backend=self.backend, error=str(exc))
            return None
        reset = max(1, math.ceil(stats.reset_time - time.time())) if not allowed else max(
            0, math.ceil(stats.reset_time - time.time()))
        quota = Quota(limit, stats.remaining, reset, self.window_s)
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
