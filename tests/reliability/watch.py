"""Test helpers for the reliability tests: watch topics from now on, snapshot the caches."""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from tests.conftest import VIDEO_STAGES
from ytempire.core.codec import Codec, UndecodableEvent
from ytempire.core.manifest import PIPELINE
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.runtime.replay import partitions, plain_consumer

PIPELINE_TOPICS = ["script.requested", "script.ready", "voice.ready", "video.assembled",
                   "quality.scored", "upload.done", "cost.incurred", "cost.alert",
                   "pipeline.failed", "pipeline.dlq"]
# What each stage reads (the ledger reads requests for budgets too).
INPUTS = {entry.name: list(entry.inputs) for entry in PIPELINE}
STAGES = VIDEO_STAGES  # the stages the video-pipeline test stacks run


def _ends(consumer: Consumer, topics: Iterable[str]) -> dict[tuple[str, int], int]:
    return {(t, p): consumer.get_watermark_offsets(TopicPartition(t, p), timeout=10)[1]
            for t in topics for p in partitions(consumer, t)}


def idle(settings: Settings, stages: Iterable[str] = STAGES) -> bool:
    """Every stage's group has committed every record on its inputs. A stage commits a record
    only once its outputs are acknowledged, so whatever the stages will emit is on the broker."""
    for stage in stages:
        consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap,
                             "group.id": settings.group_id(stage), "enable.auto.commit": False})
        try:
            ends = _ends(consumer, INPUTS[stage])
            committed = consumer.committed([TopicPartition(t, p) for t, p in ends], timeout=10)
            if any(tp.offset < ends[(tp.topic, tp.partition)] for tp in committed
                   if ends[(tp.topic, tp.partition)] > 0):
                return False
        finally:
            consumer.close()
    return True


class Watch:
    """Every record that lands on ``topics`` after construction, decoded (None if it is not)."""

    def __init__(self, settings: Settings, topics: Iterable[str] = PIPELINE_TOPICS) -> None:
        self.codec = Codec(SchemaRegistry.load(settings.schemas_dir))
        self.consumer: Consumer = plain_consumer(settings, "test-watch")
        self.next = _ends(self.consumer, topics)  # per partition: the next offset to read
        self.consumer.assign([TopicPartition(t, p, o) for (t, p), o in self.next.items()])
        self.records: list[tuple[str, int, int, dict[str, Any] | None]] = []

    def poll(self, timeout: float = 0.5) -> None:
        for msg in self.consumer.consume(1000, timeout):
            if msg.error():
                continue
            self.next[(msg.topic(), msg.partition())] = msg.offset() + 1
            try:
                value = self.codec.decode(msg.topic(), msg.value())
            except UndecodableEvent:
                value = None
            self.records.append((msg.topic(), msg.partition(), msg.offset(), value))

    def until(self, done: Callable[[Watch], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll(0.5)
            if done(self):
                return True
        return done(self)

    def settle(self, settings: Settings, stages: Iterable[str] = STAGES, timeout: float = 60
               ) -> None:
        """Until ``stages`` (their groups named by ``settings``) are idle and every record they
        emitted has been read: what the tests used to wait a few seconds for."""
        assert self.until(lambda w: idle(settings, stages), timeout), "the stages never idled"
        consumer = plain_consumer(settings, "test-watch-ends")  # the watch's own would block
        try:
            ends = _ends(consumer, {t for t, _ in self.next})
        finally:
            consumer.close()
        assert self.until(lambda w: all(w.next[k] >= end for k, end in ends.items()), timeout)

    def values(self, topic: str, videos: Iterable[str] | None = None) -> list[dict[str, Any]]:
        wanted = set(videos) if videos is not None else None
        return [v for t, _, _, v in self.records if t == topic and v is not None
                and (wanted is None or v["envelope"]["video_id"] in wanted)]

    def ids_by_video(self, topic: str, videos: Iterable[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for value in self.values(topic, videos):
            out[value["envelope"]["video_id"]].append(value["envelope"]["event_id"])
        return dict(out)

    def close(self) -> None:
        self.consumer.close()


def without_time(value: Any) -> Any:
    """An event value with every ``occurred_at`` removed (the one field a re-emit may change)."""
    if isinstance(value, dict):
        return {k: without_time(v) for k, v in value.items() if k != "occurred_at"}
    if isinstance(value, list):
        return [without_time(v) for v in value]
    return value


def cache_snapshot(settings: Settings) -> dict[str, tuple[int, str]]:
    """Every cached side effect: path -> (mtime ns, sha256); a recomputed one changes both."""
    root = settings.data_dir / "cache"
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns,
                                       hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(Path(root).rglob("*.json"))}
