"""Domain errors raised by the services; the app maps each to one HTTP status with a reason."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError


class GatewayError(Exception):
    status_code = 400
    headers: dict[str, str] | None = None


class NotFound(GatewayError):
    """Missing, or owned by someone else: the two are indistinguishable on purpose."""

    status_code = 404


class Unprocessable(GatewayError):
    """Well-formed, but not acceptable (a webhook URL that reaches a private address)."""

    status_code = 422


class Conflict(GatewayError):
    status_code = 409


class Unavailable(GatewayError):
    """A dependency (the broker) did not answer; the request can be repeated with its key."""

    status_code = 503


def invalid(exc: ValidationError, where: str = "body") -> RequestValidationError:
    """A service-side validation failure shaped like FastAPI's own 422."""
    return RequestValidationError([{**e, "loc": (where, *e["loc"])} for e in exc.errors()])


SECRET_FIELDS = frozenset({"password", "current_password", "new_password", "invite_token",
                           "topic_feeds"})
"""Fields whose value a 422 never repeats (FastAPI echoes each invalid ``input``); a feed URL
may carry a token."""


def _redacted(error: dict) -> dict:  # type: ignore[type-arg]
    """The error without its ``input`` when that could be a secret: a secret field's value, or
    the whole body when it was not an object."""
    loc = tuple(error.get("loc", ()))
    if loc == ("body",) or SECRET_FIELDS.intersection(str(part) for part in loc):
        return {key: value for key, value in error.items() if key != "input"}
    return error


def finite(value: Any) -> Any:
    """``value`` with NaN and infinities as strings: JSON has no spelling for them, so a 422
    that echoed ``1e400`` (parsed as infinity) would itself fail to render."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        redacted = [_redacted(e) for e in exc.errors()]
        cleaned = RequestValidationError(finite(jsonable_encoder(redacted)), body=None)
        return await request_validation_exception_handler(request, cleaned)

    @app.exception_handler(GatewayError)
    async def _gateway_error(_: Request, exc: GatewayError) -> JSONResponse:
        headers = {"Retry-After": "1"} if isinstance(exc, Unavailable) else exc.headers
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code, headers=headers)
