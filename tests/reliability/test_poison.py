"""Poison on every stage's input topic, one stack for all (the shared offline one): garbage bytes
and a valid event of the wrong schema end in pipeline.dlq (original bytes, source, stage), and the
good event queued behind them on the same partition is processed."""

from __future__ import annotations

import signal
from datetime import UTC, datetime

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from processors.scheduler_clock import tick_event
from ytempire.app.stack import Stack
from ytempire.core.codec import Codec
from ytempire.core.events import failed_event
from ytempire.core.kafka import EventProducer
from ytempire.core.manifest import PIPELINE
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

from .watch import Watch

pytestmark = pytest.mark.slow

# Which stages read each input topic (the ledger reads requests for budgets too).
READERS = {topic: [e.name for e in PIPELINE if e.inputs[0] == topic]
           for topic in {e.inputs[0] for e in PIPELINE}}
READERS["script.requested"].append("ledger")
READERS["pipeline.failed"] = ["ledger"]  # a stage's give-up ends a video in its projection


def _committed(settings: Settings, stage: str, topic: str, partition: int) -> int:
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap,
                         "group.id": settings.group_id(stage)})
    try:
        [tp] = consumer.committed([TopicPartition(topic, partition)], timeout=10)
        return tp.offset
    finally:
        consumer.close()


def test_poison_on_every_input_topic_is_dead_lettered_and_the_next_event_processed(
    offline_stack: Stack,
) -> None:
    settings = offline_stack.settings
    # The shared stack runs what a requested video passes through; the clock-driven readers of
    # scheduler.tick and upload.done join it here (they start at the end of all their inputs,
    # so they see only this test's events).
    added = sorted(set(PIPELINE.names) - set(offline_stack.workers))
    for stage in added:
        offline_stack.start_group_at_end(stage)
        offline_stack.start_worker(stage)
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    watch = Watch(settings)
    good = request_event(VideoRequest(topic="Why bread rises", target_duration_s=15))
    video = good.value.envelope.video_id
    stranger = request_event(VideoRequest(topic="x", video_id=video)).value
    wrong_on_requests = codec.encode("pipeline.failed", failed_event(
        stranger.envelope, stage="test", input_topic="x", error=ValueError("x"),
        retryable=False).value)
    poison: dict[tuple[str, bytes], tuple[int, int]] = {}

    def delivered(err: object, msg: object) -> None:
        assert err is None, err
        poison[(msg.topic(), msg.value())] = (msg.partition(), msg.offset())  # type: ignore

    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap})
    try:
        for topic in READERS:
            garbage = b"\x00garbage for " + topic.encode()
            wrong = (wrong_on_requests if topic == "script.requested"
                     else codec.encode("script.requested", stranger))
            for value in (garbage, wrong):  # keyed by the good video: same partition, before it
                producer.produce(topic, value=value, key=video.encode(), on_delivery=delivered)
        assert producer.flush(30) == 0
        EventProducer(settings.kafka_bootstrap, codec).send_all([good])
        # A good tick behind the poison on its partition (ticks are keyed "*" elsewhere).
        tick = codec.encode("scheduler.tick", tick_event(datetime.now(UTC)).value)
        EventProducer(settings.kafka_bootstrap, codec).send_raw("scheduler.tick", video.encode(),
                                                                tick)
        # A good failure behind the poison on its partition, of another video (this one must
        # not fail) and from beside the line, so it ends nothing.
        other = request_event(VideoRequest(topic="y")).value
        EventProducer(settings.kafka_bootstrap, codec).send_raw(
            "pipeline.failed", video.encode(), codec.encode("pipeline.failed", failed_event(
                other.envelope, stage="metrics-collector", input_topic="x",
                error=ValueError("x"), retryable=False).value))

        expected = {(stage, topic, value) for (topic, value) in poison
                    for stage in READERS[topic]}

        def dead(w: Watch) -> set[tuple[str, str, bytes]]:
            return {(v["stage"], v["source_topic"], v["original_value"])
                    for v in w.values("pipeline.dlq")}

        assert watch.until(lambda w: expected <= dead(w) and w.values("upload.done", [video]),
                           240), {"missing": expected - dead(watch),
                                  "failed": watch.values("pipeline.failed", [video])}
        for entry in watch.values("pipeline.dlq"):
            key = (entry["source_topic"], entry["original_value"])
            if key in poison:
                assert (entry["source_partition"], entry["source_offset"]) == poison[key]
                assert entry["error_type"] == "UndecodableEvent"
                assert entry["original_key"] == video.encode()
        wrong_reasons = {v["error_message"].split(": ", 1)[1] for v in watch.values("pipeline.dlq")
                         if v["original_value"] in (wrong_on_requests,
                                                    codec.encode("script.requested", stranger))}
        assert any("written with the schema of script.requested" in r for r in wrong_reasons)
        assert any("written with the schema of pipeline.failed" in r for r in wrong_reasons)

        # Every reader went past its poison and the good event behind it (offsets are committed
        # only after a record's outputs are durable): the ledger's proof, since it emits nothing.
        behind = {t: max(o for (tt, _), (_, o) in poison.items() if tt == t) + 1 for t in READERS}
        partition = {t: p for (t, _), (p, _) in poison.items()}  # topics differ in partitions
        assert watch.until(lambda w: all(
            _committed(settings, stage, topic, partition[topic]) > behind[topic]
            for topic, stages in READERS.items() for stage in stages), 60)
        assert not watch.values("pipeline.failed", [video])
        assert not offline_stack.dead_workers()
    finally:
        watch.close()
        for stage in added:  # the other tests sharing the stack run without them
            offline_stack.kill_worker(stage, signal.SIGTERM)


def test_readers_cover_every_stage() -> None:
    assert {s for stages in READERS.values() for s in stages} == set(PIPELINE.names)
