"""An insert interrupted between its materialized views is repeated exactly on restart.

The crash is made deterministic: the view that feeds ``cost_incurred`` from the staged Avro (and
through it the ``video_summary`` and ``cost_daily`` rollups) is detached while the first sink
inserts, so
``events`` gets the rows and the money tables do not, and the sink dies right after that insert,
before committing. The restarted sink gets the same records again; it must not drop them as
"already stored" but repeat the interrupted insert so the views that missed it catch up, and
the rollups must hold every cost once, to the cent.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client
from confluent_kafka import Consumer, TopicPartition

from analytics.batches import Batch
from analytics.migrate import migrate
from analytics.sink import AnalyticsSink
from analytics.store import connect
from tests.analytics.seed import FAST_REJOIN, cost_emits
from ytempire.core.codec import Codec
from ytempire.core.kafka import EventProducer
from ytempire.core.settings import Settings

TOPIC = "cost.incurred"


class Killed(RuntimeError):
    """The sink process dying after ClickHouse wrote part of an insert."""


def _money(client: Client, channel: str) -> dict[str, tuple[int, Decimal]]:
    """Rows and dollars of ``channel`` in events and in each money table."""
    param = {"c": channel}
    out = {}
    for name, sql in {
        "events": "SELECT count(), 0 FROM events FINAL WHERE _topic = 'cost.incurred' "
                  "AND channel_id = {c:String}",
        "cost_incurred": "SELECT count(), sum(usd) FROM cost_incurred "
                         "WHERE channel_id = {c:String}",
        "video_summary": "SELECT count(), sum(usd) FROM video_summary FINAL "
                         "WHERE channel_id = {c:String}",
        "cost_daily": "SELECT sum(calls), sum(usd) FROM cost_daily FINAL "
                      "WHERE channel_id = {c:String}",
    }.items():
        count, usd = client.query(sql, parameters=param).result_rows[0]
        out[name] = (int(count), Decimal(usd))
    return out


def _start_at_end(settings: Settings, group: str) -> None:
    """Commits the topic's end offsets for ``group``: it starts with what is produced next."""
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap, "group.id": group,
                         "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(TOPIC, timeout=10).topics[TOPIC].partitions
        ends = [TopicPartition(TOPIC, p, consumer.get_watermark_offsets(
            TopicPartition(TOPIC, p), timeout=10)[1]) for p in partitions]
        consumer.commit(offsets=ends, asynchronous=False)
    finally:
        consumer.close()


def _die_after_first_insert(batch: Batch) -> None:
    raise Killed(f"killed after inserting {batch.token}")


def test_an_insert_cut_between_its_views_is_repeated_exactly_after_a_restart(
        kafka_settings: Settings, codec: Codec, tmp_path: Path) -> None:
    channel = f"cut-{uuid.uuid4().hex[:8]}"
    emits = cost_emits(channel, videos=5, calls=20)
    expected = sum((e.value.usd for e in emits), Decimal(0))
    group = kafka_settings.group_id(f"interrupted-{uuid.uuid4().hex[:8]}")
    _start_at_end(kafka_settings, group)  # the sinks read our records only (not others' poison)
    producer = EventProducer(kafka_settings.kafka_bootstrap, codec)
    producer.send_all(emits)
    producer.close()
    client = connect(kafka_settings.effective_clickhouse_dsn)  # a handle beside the sinks' own
    try:
        migrate(client)
        client.command("DETACH TABLE cost_incurred_avro_typed_mv")  # the views after it never run
        # One flush carries all our records in one staged insert.
        first = AnalyticsSink(kafka_settings, group=group,
                              topics=["cost.incurred"], batch_size=200_000, flush_interval_s=3.0,
                              lag_every_s=None, after_insert=_die_after_first_insert,
                              consumer_config=FAST_REJOIN)
        with pytest.raises(Killed):
            try:
                first.run(idle_s=5.0)
            finally:
                first.close()
        cut = _money(client, channel)
        assert cut["events"][0] == len(emits)  # the insert reached events ...
        assert cut["cost_incurred"][0] == 0  # ... and not the money tables
        client.command("ATTACH TABLE cost_incurred_avro_typed_mv")

        restarted = AnalyticsSink(kafka_settings, group=group,
                                  topics=["cost.incurred"], lag_every_s=None,
                                  consumer_config=FAST_REJOIN)
        try:
            restarted.run(idle_s=2.0)
        finally:
            restarted.close()
        assert not (kafka_settings.data_dir / "analytics-sink" / group).exists()  # cleared
        money = _money(client, channel)
        assert money == {"events": (len(emits), Decimal(0)),
                         "cost_incurred": (len(emits), expected),
                         "video_summary": (5, expected),
                         "cost_daily": (len(emits), expected)}
        assert client.query(
            "SELECT uniqExact(event_id) FROM cost_incurred WHERE channel_id = {c:String}",
            parameters={"c": channel}).result_rows[0][0] == len(emits)

        again = AnalyticsSink(kafka_settings, group=group + ".replay",
                              topics=["cost.incurred"], lag_every_s=None,
                              consumer_config=FAST_REJOIN)
        try:
            again.run(idle_s=2.0)  # a replay from offset zero adds nothing
        finally:
            again.close()
        assert _money(client, channel) == money
    finally:
        client.close()
