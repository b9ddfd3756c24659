"""What a request must pass before anything reads it: a body-size limit enforced while the
body arrives, and a per-address limit on failed authentication.

Both sit in front of every route, so an unauthenticated 300 MiB upload is cut off after the
limit (64 KiB on the inbound receiver, 1 MiB elsewhere) with a 413, before JSON parsing or the
API-key check; a declared ``Content-Length`` over the limit is refused before one byte is read.
An address whose requests failed authentication ``anonymous_limit`` times in the window gets
429s until the window slides (counted per gateway process).
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.config import GatewaySettings
from gateway.ratelimit import RateLimiter

INBOUND = "/v1/inbound/"


class TooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")


class Guard:
    def __init__(self, app: ASGIApp, settings: GatewaySettings, limiter: RateLimiter) -> None:
        self.app, self.settings, self.limiter = app, settings, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = (self.settings.inbound_max_body_bytes if path.startswith(INBOUND)
                 else self.settings.max_body_bytes)
        address = (scope.get("client") or ("unknown", 0))[0]
        if path.startswith("/v1") and self.limiter.address_refused(address):
            await JSONResponse({"detail": "too many failed authentications from this address; "
                                          "retry later"}, 429,
                               {"Retry-After": str(self.limiter.window_s)})(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            code = 413 if declared.isdigit() else 400
            detail = TooLarge(limit).detail if code == 413 else "bad Content-Length"
            await JSONResponse({"detail": detail}, code,
                               {"Connection": "close"})(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge(limit)
            return message

        status = 0

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except TooLarge as exc:  # raised where no route catches it (a middleware's read)
            if status:
                raise
            await JSONResponse({"detail": exc.detail}, 413,
                               {"Connection": "close"})(scope, receive, send)
        if status == 401:
            self.limiter.refuse_address(address)
