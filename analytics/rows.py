"""A decoded event as a row of the ``events`` table (see migrations/0002_events.sql)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson

from ytempire.events import Event

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND = timedelta(milliseconds=1)

EVENT_COLUMNS = ["event_id", "video_id", "channel_id", "owner_id", "occurred_at", "producer",
                 "correlation_id", "attempt", "_topic", "_partition", "_offset", "value"]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def value_json(value: Event) -> str:
    """The event as JSON: decimals as exact strings, timestamps ISO 8601, bytes as hex.

    orjson, because the standard library's encoder was a third of the sink's time."""
    return orjson.dumps(value, default=_json_default).decode()


def event_row(topic: str, partition: int, offset: int, value: Event) -> list[Any]:
    """The row for ``events``, in ``EVENT_COLUMNS`` order; occurred_at as epoch milliseconds."""
    envelope = value["envelope"]
    occurred_at: datetime = envelope["occurred_at"]
    return [
        envelope["event_id"],
        envelope["video_id"],
        envelope["channel_id"],
        envelope["owner_id"],
        (occurred_at - EPOCH) // MILLISECOND,
        (envelope["producer"]["name"], envelope["producer"]["version"]),
        envelope["correlation_id"],
        envelope["attempt"],
        topic,
        partition,
        offset,
        value_json(value),
    ]
