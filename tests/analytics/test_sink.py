"""The sink on the real broker into chdb: money reconciles to the cent through duplicates, a
SIGKILL between insert and commit, and a replay from offset zero; poison goes to the DLQ."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import msgspec
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition

from analytics.sink import AnalyticsSink
from tests.analytics.seed import FAST_REJOIN, cost_emits
from ytempire.core.codec import Codec
from ytempire.core.events import Emit
from ytempire.core.kafka import EventProducer
from ytempire.core.settings import PROJECT_ROOT, Settings
from ytempire.core.topics import admin_client


def _unique_kafka_total(settings: Settings, codec: Codec, channel: str | None = None) -> Decimal:
    """The sum of unique cost.incurred events, read straight from the topic."""
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap,
                         "group.id": f"test.{uuid.uuid4()}", "enable.auto.commit": False})
    meta = consumer.list_topics("cost.incurred", timeout=10).topics["cost.incurred"]
    ends = {}
    for p in meta.partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition("cost.incurred", p), timeout=10)
        if high > low:
            ends[p] = high
    consumer.assign([TopicPartition("cost.incurred", p, 0) for p in ends])
    seen: dict[str, Decimal] = {}
    while ends:
        for msg in consumer.consume(1000, 1.0):
            if msg.error():
                continue
            if msg.offset() + 1 >= ends.get(msg.partition(), 0):
                ends.pop(msg.partition(), None)
            try:
                value = codec.decode("cost.incurred", msg.value())
            except Exception:
                continue
            if channel is None or value["envelope"]["channel_id"] == channel:
                seen[value["envelope"]["event_id"]] = value["usd"]
    consumer.close()
    return sum(seen.values(), Decimal(0))


def _clickhouse_totals(sink: AnalyticsSink, channel: str) -> tuple[Decimal, Decimal, Decimal]:
    """All-channels total, then this channel from the raw table and from the rollup."""
    total = sink.client.query("SELECT sum(usd) FROM cost_incurred FINAL").result_rows[0][0]
    raw = sink.client.query("SELECT sum(usd) FROM cost_incurred WHERE channel_id = {c:String}",
                            parameters={"c": channel}).result_rows[0][0]
    rollup = sink.client.query(
        "SELECT sum(usd) FROM video_summary FINAL WHERE channel_id = {c:String}",
        parameters={"c": channel}).result_rows[0][0]
    return total, raw, rollup


def test_totals_reconcile_to_the_cent_with_duplicates_and_after_a_replay(
        kafka_settings: Settings, codec: Codec) -> None:
    channel = f"reconcile-{uuid.uuid4().hex[:8]}"
    emits = cost_emits(channel, videos=40, calls=10)
    odd = msgspec.structs.replace(emits[7].value.envelope,
                                  event_id="odd\tid 'with' \\ quotes\nand lines")
    emits[7] = Emit(emits[7].topic, msgspec.structs.replace(emits[7].value, envelope=odd))
    producer = EventProducer(kafka_settings.kafka_bootstrap, codec)
    producer.send_all(emits)
    producer.send_all(emits[::3])  # a stage re-emitting after a crash: same ids, new offsets
    expected = sum((e.value.usd for e in emits), Decimal(0))

    sink = AnalyticsSink(kafka_settings, group=f"test.sink.{uuid.uuid4()}", lag_every_s=None,
                         batch_size=500)
    try:
        stats = sink.run(idle_s=2.0)
        assert stats.duplicates >= len(emits[::3])
        total, raw, rollup = _clickhouse_totals(sink, channel)
        assert raw == rollup == expected
        assert total == _unique_kafka_total(kafka_settings, codec)
    finally:
        sink.close()

    replay = AnalyticsSink(kafka_settings, group=f"test.replay.{uuid.uuid4()}", lag_every_s=None)
    try:
        stats = replay.run(idle_s=2.0)
        assert stats.read >= len(emits) and stats.inserted == 0
        assert _clickhouse_totals(replay, channel) == (total, expected, expected)
    finally:
        replay.close()


KILLABLE_SINK = """
import sys, time
from pathlib import Path
from analytics.sink import AnalyticsSink
from ytempire.core.settings import Settings

data_dir, bootstrap, group, marker = sys.argv[1:5]
inserted = []

def stall_after_third_insert(batch):
    if batch.topic == "cost.incurred" and batch.inserted:
        inserted.append(batch)
        if len(inserted) == 3:
            Path(marker).write_text(f"{batch.partition} {batch.last} {batch.inserted}")
            time.sleep(600)

sink = AnalyticsSink(Settings(data_dir=data_dir, kafka_bootstrap=bootstrap), group=group,
                     topics=["cost.incurred"], batch_size=200, lag_every_s=None,
                     after_insert=stall_after_third_insert,
                     consumer_config={"session.timeout.ms": 6000, "heartbeat.interval.ms": 1000})
sink.run()
"""


def test_a_sink_killed_between_insert_and_commit_double_counts_nothing(
        kafka_settings: Settings, codec: Codec, tmp_path: Path) -> None:
    channel = f"killed-{uuid.uuid4().hex[:8]}"
    emits = cost_emits(channel, videos=60, calls=20)
    EventProducer(kafka_settings.kafka_bootstrap, codec).send_all(emits)
    expected = sum((e.value.usd for e in emits), Decimal(0))
    group, marker = f"test.killed.{uuid.uuid4()}", tmp_path / "inserted-not-committed"
    env = {**os.environ, "YTEMPIRE_LOG_FORMAT": "json"}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLABLE_SINK, str(kafka_settings.data_dir),
         kafka_settings.kafka_bootstrap, group, str(marker)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            assert time.monotonic() < deadline, "the sink never inserted three batches"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    partition, last, inserted = map(int, marker.read_text().split())
    assert _committed(kafka_settings, group, partition) <= last  # inserted, never committed

    restarted = AnalyticsSink(kafka_settings, group=group, lag_every_s=None,
                              topics=["cost.incurred"], consumer_config=FAST_REJOIN)
    try:
        stats = restarted.run(idle_s=2.0)
        assert stats.duplicates >= inserted  # the killed batch came again and was dropped
        _, raw, rollup = _clickhouse_totals(restarted, channel)
        assert raw == rollup == expected
        assert restarted.client.query(
            "SELECT count(), uniqExact(event_id) FROM cost_incurred WHERE channel_id = {c:String}",
            parameters={"c": channel}).result_rows[0] == (len(emits), len(emits))
    finally:
        restarted.close()
    assert _committed(kafka_settings, group, partition) > last


def _committed(settings: Settings, group: str, partition: int) -> int:
    request = [ConsumerGroupTopicPartitions(group, [TopicPartition("cost.incurred", partition)])]
    admin = admin_client(settings.kafka_bootstrap)
    future = admin.list_consumer_group_offsets(request, request_timeout=10)[group]
    return future.result(timeout=30).topic_partitions[0].offset


def test_poison_goes_to_the_dlq_with_its_bytes_and_the_sink_goes_on(
        kafka_settings: Settings, codec: Codec) -> None:
    channel = f"poison-{uuid.uuid4().hex[:8]}"
    producer = EventProducer(kafka_settings.kafka_bootstrap, codec)
    garbage = b"\xc3\x01not an event at all"
    wrong_topic = codec.encode("cost.incurred", cost_emits(channel, 1, 1)[0].value)
    producer.send_raw("voice.ready", channel.encode(), garbage)
    producer.send_raw("upload.done", channel.encode(), wrong_topic)
    good = cost_emits(channel, videos=1, calls=3)
    producer.send_all(good)

    sink = AnalyticsSink(kafka_settings, group=f"test.poison.{uuid.uuid4()}", lag_every_s=None)
    try:
        sink.run(idle_s=2.0)
        dead = sink.client.query(
            "SELECT d.stage, d.source_topic, d.source_partition, d.source_offset, d.error_type, "
            "JSONExtractString(e.value, 'original_value') FROM pipeline_dlq AS d "
            "INNER JOIN events AS e ON e.event_id = d.event_id "
            "WHERE d.video_id = {v:String} ORDER BY d.source_topic",
            parameters={"v": channel}).result_rows
        stored = sink.client.query(
            "SELECT count() FROM cost_incurred WHERE channel_id = {c:String}",
            parameters={"c": channel}).result_rows[0][0]
    finally:
        sink.close()
    assert [(r[0], r[1], r[4], bytes.fromhex(r[5])) for r in dead] == [
        ("analytics-sink", "upload.done", "UndecodableEvent", wrong_topic),
        ("analytics-sink", "voice.ready", "UndecodableEvent", garbage)]
    assert all(r[3] >= 0 for r in dead)
    assert stored == len(good)


def test_the_sink_records_consumer_lag_per_stage(kafka_settings: Settings) -> None:
    sink = AnalyticsSink(kafka_settings, group=f"test.lag.{uuid.uuid4()}", lag_every_s=0.0,
                         topics=["cost.alert"])
    try:
        sink.run(idle_s=0.5)
        consumers = {r[0] for r in sink.client.query(
            "SELECT DISTINCT consumer FROM consumer_lag").result_rows}
    finally:
        sink.close()
    assert {"scriptwriter", "narrator", "assembler", "quality", "publisher",
            "analytics-sink"} <= consumers
