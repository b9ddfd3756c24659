"""Domain errors raised by the services; the app maps each to one HTTP status with a reason."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError


class GatewayError(Exception):
    status_code = 400
    headers: dict[str, str] | None = None


class NotFound(GatewayError):
    """Missing, or owned by someone else: the two are indistinguishable on purpose."""

    status_code = 404


class Conflict(GatewayError):
    status_code = 409


class Unavailable(GatewayError):
    """A dependency (the broker) did not answer; the request can be repeated with its key."""

    status_code = 503


def invalid(exc: ValidationError, where: str = "body") -> RequestValidationError:
    """A service-side validation failure shaped like FastAPI's own 422."""
    return RequestValidationError([{**e, "loc": (where, *e["loc"])} for e in exc.errors()])


def install(app: FastAPI) -> None:
    @app.exception_handler(GatewayError)
    async def _gateway_error(_: Request, exc: GatewayError) -> JSONResponse:
        headers = {"Retry-After": "1"} if isinstance(exc, Unavailable) else exc.headers
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code, headers=headers)
