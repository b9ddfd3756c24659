"""Test helpers for the reliability tests: watch topics from now on, snapshot the caches."""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer

from ytempire.codec import Codec, UndecodableEvent
from ytempire.kafka import assign_at_end
from ytempire.replay import plain_consumer
from ytempire.schemas import SchemaRegistry
from ytempire.settings import Settings

PIPELINE_TOPICS = ["script.requested", "script.ready", "voice.ready", "video.assembled",
                   "quality.scored", "upload.done", "cost.incurred", "cost.alert",
                   "pipeline.failed", "pipeline.dlq"]


class Watch:
    """Every record that lands on ``topics`` after construction, decoded (None if it is not)."""

    def __init__(self, settings: Settings, topics: Iterable[str] = PIPELINE_TOPICS) -> None:
        self.codec = Codec(SchemaRegistry.load(settings.schemas_dir))
        self.consumer: Consumer = plain_consumer(settings, "test-watch")
        assign_at_end(self.consumer, list(topics))
        self.records: list[tuple[str, int, int, dict[str, Any] | None]] = []

    def poll(self, timeout: float = 0.5) -> None:
        for msg in self.consumer.consume(1000, timeout):
            if msg.error():
                continue
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
