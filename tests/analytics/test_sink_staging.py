"""cost.incurred decoded by ClickHouse: the same rows as the Python path (the envelope in
``events``, the body in ``cost_incurred``), and a run it cannot read exactly is refused whole by
both of its views (then decoded in Python, its poison dead-lettered)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError

from analytics.rows import event_row, insert_decoded
from analytics.sink import AnalyticsSink
from analytics.staging import Staging
from ytempire.core.codec import HEADER_LEN, Codec
from ytempire.core.events import Emit, cost_event, new_envelope, plain
from ytempire.core.kafka import EventProducer
from ytempire.core.settings import Settings

TABLES = ["events", "cost_incurred", "video_summary", "cost_daily"]


def _costs(tag: str, count: int) -> list[Emit]:
    parent = new_envelope(video_id=f"{tag}-v", channel_id=tag, owner_id="owner", producer="cli")
    return [cost_event(parent, stage="narrator", provider="elevenlabs", model="eleven_turbo_v2",
                       unit="characters", quantity=100 + i, usd=Decimal(i * 7 + 1) / 1000,
                       cached=i % 3 == 0, price_table_version="2026-11-25", call_key=f"k{i}",
                       index=i) for i in range(count)]


def _snapshot(client: Client) -> dict[str, list[tuple]]:
    """What each table holds, minus when it was ingested."""
    return {
        "events": client.query(
            "SELECT event_id, video_id, channel_id, owner_id, occurred_at, producer, "
            "correlation_id, attempt, _topic, _partition, _offset, value FROM events "
            "ORDER BY event_id").result_rows,
        "cost_incurred": client.query("SELECT * FROM cost_incurred ORDER BY event_id").result_rows,
        "video_summary": client.query(
            "SELECT video_id, channel_id, usd, calls, cached_calls, last_cost_at "
            "FROM video_summary FINAL ORDER BY video_id").result_rows,
        "cost_daily": client.query("SELECT * FROM cost_daily ORDER BY ALL").result_rows,
    }


def test_staged_rows_equal_the_decoded_rows(chdb_client: Client, codec: Codec) -> None:
    staging = Staging(chdb_client, codec.registry)
    assert set(staging.tables) == {"cost.incurred"}, "cost.incurred's current schema has no " \
        "staging table: add a migration like 0009 for it (the sink is 3x slower without)"
    emits = _costs(f"stage-{uuid.uuid4().hex[:6]}", 40)
    records = [(100 + i, codec.encode(e.topic, e.value)) for i, e in enumerate(emits)]

    table = staging.for_run("cost.incurred", [value for _, value in records])
    assert table is not None
    staging.insert(table, table.block([(3, *r, True) for r in records]
                                      + [(3, 140, records[0][1], False)]), "t:s")
    staged = _snapshot(chdb_client)
    for name in TABLES:
        chdb_client.command(f"TRUNCATE TABLE {name}")

    values = [codec.decode("cost.incurred", value) for _, value in records]
    rows = [event_row("cost.incurred", 3, offset, value)
            for (offset, _), value in zip(records, values, strict=True)]
    insert_decoded(chdb_client, "cost.incurred", rows, values, "t:py")
    assert staged == _snapshot(chdb_client)
    assert sorted(row[9:] for row in staged["events"]) == [(3, 100 + i, "") for i in range(40)]
    # the body is in cost_incurred, every field of it (cost_so_far_usd from the envelope too)
    by_id = {e.value.envelope.event_id: plain(e.value) for e in emits}
    for row in staged["cost_incurred"]:
        value = by_id[row[0]]
        assert row[5:] == (value["stage"], value["provider"], value["model"], value["unit"],
                           value["quantity"], value["usd"], value["cached"],
                           value["price_table_version"], value["call_key"],
                           value["envelope"]["cost_so_far_usd"])
    assert len(staged["cost_incurred"]) == 40


def _truncate(body: bytes) -> bytes:
    return body[:-1]


def _trailing(body: bytes) -> bytes:
    return body + b"\x00"


def _longer_id(body: bytes) -> bytes:
    return b"\x4a" + body[1:]  # the event id's length says 37 characters, not 36


def _not_utf8(body: bytes) -> bytes:
    at = body.index(b"narrator")
    return body[:at] + b"\xff" + body[at + 1:]


@pytest.mark.parametrize("corrupt", [_truncate, _trailing, _longer_id, _not_utf8])
def test_a_run_clickhouse_cannot_read_exactly_is_refused_whole(
        chdb_client: Client, codec: Codec, corrupt: Callable[[bytes], bytes]) -> None:
    staging = Staging(chdb_client, codec.registry)
    records = [(i, codec.encode("cost.incurred", e.value))
               for i, e in enumerate(_costs(f"bad-{uuid.uuid4().hex[:6]}", 50))]
    head, body = records[20][1][:HEADER_LEN], records[20][1][HEADER_LEN:]
    records[20] = (20, head + corrupt(body))
    table = staging.for_run("cost.incurred", [value for _, value in records])
    assert table is not None
    with pytest.raises(DatabaseError):
        staging.insert(table, table.block([(0, *r, i != 20) for i, r in enumerate(records)]),
                       "t:bad")
    for table in ("events", "cost_incurred", "cost_daily", "video_summary"):
        assert chdb_client.query(f"SELECT count() FROM {table}").result_rows == [(0,)], table


def test_a_staged_run_with_poison_is_decoded_and_dead_lettered(
        kafka_settings: Settings, codec: Codec) -> None:
    channel = f"staged-poison-{uuid.uuid4().hex[:8]}"
    good = _costs(channel, 60)
    poison = codec.encode("cost.incurred", good[0].value)[:-1]  # a sound header, a short body
    producer = EventProducer(kafka_settings.kafka_bootstrap, codec)
    producer.send_all(good[:30])
    producer.send_raw("cost.incurred", f"{channel}-v".encode(), poison)
    producer.send_all(good[30:])

    sink = AnalyticsSink(kafka_settings, group=f"test.staged.{uuid.uuid4()}", lag_every_s=None,
                         topics=["cost.incurred"])
    try:
        stats = sink.run(idle_s=2.0)
        stored = sink.client.query(
            "SELECT count(), sum(usd) FROM cost_incurred WHERE channel_id = {c:String}",
            parameters={"c": channel}).result_rows[0]
    finally:
        sink.close()
    assert stored == (60, sum((e.value.usd for e in good), Decimal(0)))
    assert stats.dead_lettered >= 1  # ours; the topic is shared with the session's other tests
