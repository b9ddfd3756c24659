"""structlog set-up: pretty on a terminal, JSON otherwise; a correlation id bound per video."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

SECRET_KEYS = ("api_key", "token", "secret", "password", "authorization", "refresh_token")


def _redact(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in list(event_dict):
        if any(s in key.lower() for s in SECRET_KEYS):
            event_dict[key] = "***"
    return event_dict


def configure(log_format: str = "auto", level: str = "info", stream: Any = None) -> None:
    stream = stream or sys.stderr
    use_json = log_format == "json" or (log_format == "auto" and not stream.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name) if name else structlog.get_logger()


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    """Bind values (correlation_id, video_id, stage...) to every log line inside the block."""
    with structlog.contextvars.bound_contextvars(**values):
        yield
