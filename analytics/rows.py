"""A decoded event as rows: of ``events`` (migrations/0002), and of its typed raw table for the
topics whose body lives there instead of in ``events.value`` (cost.incurred, migrations/0010)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from clickhouse_connect.driver.client import Client

from ytempire.core.events import Event

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


COST_COLUMNS = ["event_id", "video_id", "channel_id", "owner_id", "occurred_at", "stage",
                "provider", "model", "unit", "quantity", "usd", "cached", "price_table_version",
                "call_key", "cost_so_far_usd"]


def event_row(topic: str, partition: int, offset: int, value: Event) -> list[Any]:
    """The row for ``events``, in ``EVENT_COLUMNS`` order; occurred_at as epoch milliseconds.

    ``value`` is the event as JSON, or empty for a topic in ``TYPED`` (its body is there)."""
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
        "" if topic in TYPED else value_json(value),
    ]


def cost_row(value: Event) -> list[Any]:
    """A cost.incurred event as the row of ``cost_incurred``, in ``COST_COLUMNS`` order."""
    envelope = value["envelope"]
    return [
        envelope["event_id"],
        envelope["video_id"],
        envelope["channel_id"],
        envelope["owner_id"],
        (envelope["occurred_at"] - EPOCH) // MILLISECOND,
        value["stage"],
        value["provider"],
        value["model"],
        value["unit"],
        value["quantity"],
        value["usd"],
        value["cached"],
        value["price_table_version"],
        value["call_key"],
        envelope.get("cost_so_far_usd"),
    ]


# Topics whose body is stored in a typed table of its own (table, columns, row) instead of as
# JSON in ``events.value``: the busiest topic, where the JSON cost a third of the sink's time.
TYPED = {"cost.incurred": ("cost_incurred", COST_COLUMNS, cost_row)}


def insert_decoded(client: Client, topic: str, rows: list[list[Any]], values: list[Event],
                   token: str | None) -> None:
    """Decoded events of ``topic`` (their ``events`` rows and values) into ``events``, and their
    bodies into the topic's typed table if it has one (``analytics.rows.TYPED``).

    With a dedup ``token`` every table and view checks it itself, so a repeat fills only those
    that missed the block."""
    settings = {} if token is None else {
        "insert_deduplication_token": token,
        "deduplicate_blocks_in_dependent_materialized_views": 1}
    client.insert("events", list(zip(*rows, strict=True)), column_names=EVENT_COLUMNS,
                  column_oriented=True, settings=settings)
    if topic in TYPED:
        table, columns, row = TYPED[topic]
        client.insert(table, [row(value) for value in values], column_names=columns,
                      settings=settings)
