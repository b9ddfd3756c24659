"""The sink prepares a batch while the one before it is still being inserted: the prepared one
must count the in-flight one's ids as stored, and must be checked again when the one before it
fell back to the Python path (which may leave out a poison record whose id it took as stored).

The batches are made by hand from real records on the session broker (``writer.put`` with the
runs the loop would hand over), and the first insert is held until the second is prepared.
"""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal
from typing import Any

from confluent_kafka import Consumer, Message, Producer, TopicPartition

from analytics.batches import Batch
from analytics.sink import AnalyticsSink
from tests.analytics.seed import cost_emits
from ytempire.core.codec import Codec
from ytempire.core.events import Emit
from ytempire.core.settings import Settings

TOPIC = "cost.incurred"
PARTITION = 5


def _produce(settings: Settings, values: list[bytes]) -> list[Message]:
    """``values`` onto one partition, read back as the sink's consumer would get them."""
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap})
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap,
                         "group.id": f"test.{uuid.uuid4()}", "enable.auto.commit": False})
    try:
        _, start = consumer.get_watermark_offsets(TopicPartition(TOPIC, PARTITION), timeout=10)
        for value in values:
            producer.produce(TOPIC, value=value, key=b"pipeline", partition=PARTITION)
        producer.flush(10)
        consumer.assign([TopicPartition(TOPIC, PARTITION, start)])
        out: list[Message] = []
        while len(out) < len(values):
            out += [m for m in consumer.consume(100, 1.0) if m.error() is None]
        return out[:len(values)]
    finally:
        consumer.close()


class HeldInsert:
    """Holds the sink's first staged insert until the second batch is prepared."""

    def __init__(self, sink: AnalyticsSink) -> None:
        second_prepared = threading.Event()
        insert, prepare = sink.staging.insert, sink.writer.prepare
        prepares, inserts = [0], [0]

        def held_insert(*args: Any, **kwargs: Any) -> None:
            inserts[0] += 1
            if inserts[0] == 1:
                assert second_prepared.wait(30), "the second batch was not prepared meanwhile"
            insert(*args, **kwargs)

        def noted_prepare(*args: Any) -> Any:
            job = prepare(*args)
            prepares[0] += 1
            if prepares[0] == 2:
                second_prepared.set()
            return job

        sink.staging.insert = held_insert  # type: ignore[method-assign]
        sink.writer.prepare = noted_prepare


def _run(settings: Settings, runs: list[list[Message]]) -> tuple[AnalyticsSink, list[Batch]]:
    sink = AnalyticsSink(settings, group=f"test.pipeline.{uuid.uuid4()}", topics=[TOPIC],
                         lag_every_s=None)
    HeldInsert(sink)
    for messages in runs:
        sink.writer.put(TOPIC, [(PARTITION, messages)])
    sink.writer.drain()
    return sink, [batch for batches in sink.writer.take_finished() for batch in batches]


def _stored(sink: AnalyticsSink, channel: str) -> dict[str, Decimal]:
    rows = sink.client.query(
        "SELECT event_id, usd FROM cost_incurred WHERE channel_id = {c:String}",
        parameters={"c": channel}).result_rows
    assert len(rows) == len({event_id for event_id, _ in rows}), "an event stored twice"
    return dict(rows)


def _encoded(codec: Codec, emits: list[Emit]) -> list[bytes]:
    return [codec.encode(e.topic, e.value) for e in emits]


def test_a_batch_prepared_during_an_insert_drops_that_inserts_ids(
        kafka_settings: Settings, codec: Codec) -> None:
    channel = f"inflight-{uuid.uuid4().hex[:8]}"
    emits = cost_emits(channel, videos=3, calls=10)
    values = _encoded(codec, emits)
    # the second batch re-emits ten of the first batch's events (a stage after a crash)
    messages = _produce(kafka_settings, values[:20] + values[:10] + values[20:])
    sink, batches = _run(kafka_settings, [messages[:20], messages[20:]])
    try:
        assert [(b.inserted, b.duplicates) for b in batches] == [(20, 0), (10, 10)]
        assert _stored(sink, channel) == {e.value.envelope.event_id: e.value.usd
                                          for e in emits}
    finally:
        sink.close()


def test_a_batch_prepared_before_a_fallback_is_checked_again(
        kafka_settings: Settings, codec: Codec) -> None:
    channel = f"fallback-{uuid.uuid4().hex[:8]}"
    emits = cost_emits(channel, videos=2, calls=10)
    values = _encoded(codec, emits)
    # A record with the id of emits[15] and a cut body: readable enough to be staged with the
    # first batch (so its id is "in flight"), refused by ClickHouse, then dead-lettered by the
    # Python path. The real emits[15] comes in the second batch and must be stored.
    poison = values[15][:-1]
    messages = _produce(kafka_settings, values[:10] + [poison] + values[10:])
    sink, batches = _run(kafka_settings, [messages[:11], messages[11:]])
    try:
        assert [(b.inserted, b.dead_lettered) for b in batches] == [(10, 1), (10, 0)]
        assert _stored(sink, channel) == {e.value.envelope.event_id: e.value.usd
                                          for e in emits}
    finally:
        sink.close()
