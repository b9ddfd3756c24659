"""Follows chosen videos through the pipeline topics: stage reached, cost, outcome, timings.

Used by ``ytempire generate --wait``, the demo and the end-to-end tests. It starts reading each
topic at the high watermark taken *before* the requests are produced, so it sees exactly the
events caused by them and nothing older.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from confluent_kafka import Consumer

from ytempire.core.codec import Codec, UndecodableEvent
from ytempire.core.google import NOT_UPLOADED
from ytempire.core.kafka import assign_at_end
from ytempire.core.manifest import PIPELINE as MANIFEST

PIPELINE = MANIFEST.progress_topics
"""The request topic, then each step's done topic (``ytempire.core.manifest``)."""
STAGE_OF_TOPIC = MANIFEST.stage_of_topic
WATCHED = [*PIPELINE, "cost.incurred", "pipeline.failed"]


@dataclass
class VideoProgress:
    video_id: str
    requested_at: float = field(default_factory=time.monotonic)
    reached: dict[str, float] = field(default_factory=dict)  # topic -> monotonic time seen
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # topic -> last value
    cost_event_ids: set[str] = field(default_factory=set)
    cost_usd: Decimal = Decimal("0")
    failure: str | None = None
    rejected: str | None = None

    @property
    def step(self) -> int:
        """How many of the pipeline's steps have finished."""
        return max((PIPELINE.index(t) for t in self.reached if t in PIPELINE), default=0)

    @property
    def done(self) -> bool:
        held = "quality.scored" in self.events and (
            not self.events["quality.scored"]["passed"]
            or not self.events["quality.scored"]["spec"]["auto_publish"]
        )
        return "upload.done" in self.reached or self.failure is not None or held

    @property
    def status(self) -> str:
        if self.failure:
            return "failed"
        if "upload.done" in self.reached:
            not_uploaded = self.events["upload.done"]["platform"] == NOT_UPLOADED
            return "ready_not_uploaded" if not_uploaded else "published"
        if self.rejected:
            return "rejected"
        if (
            "quality.scored" in self.events
            and not self.events["quality.scored"]["spec"]["auto_publish"]
        ):
            return "awaiting_publish"
        last = max(self.reached, key=self.reached.__getitem__, default="script.requested")
        return STAGE_OF_TOPIC.get(last, "requested")

    def stage_seconds(self) -> dict[str, float]:
        """Wall time of each stage: from its input event seen to its output event seen."""
        out, previous = {}, self.requested_at
        for topic in PIPELINE[1:]:
            if topic in self.reached:
                out[STAGE_OF_TOPIC[topic]] = self.reached[topic] - previous
                previous = self.reached[topic]
        return out

    def summary(self) -> dict[str, Any]:
        upload = self.events.get("upload.done")
        assembled = self.events.get("video.assembled") or {}
        scored = self.events.get("quality.scored") or {}
        return {
            "video_id": self.video_id,
            "status": self.status,
            "title": (scored.get("script") or assembled.get("script") or {}).get("title"),
            "mp4": upload["url"] if upload else None,
            "thumbnail": upload["thumbnail"]["uri"] if upload else None,
            "duration_s": round(assembled["duration_s"], 2) if assembled else None,
            "quality_score": round(scored["score"], 1) if scored else None,
            "cost_usd": str(self.cost_usd.quantize(Decimal("0.01"))),
            "failure": self.failure,
            "rejected": self.rejected,
            "seconds": round(
                (max(self.reached.values(), default=self.requested_at) - self.requested_at), 2
            ),
        }


class Tracker:
    def __init__(self, bootstrap: str, codec: Codec, topics: Iterable[str] = WATCHED) -> None:
        self.codec = codec
        self.videos: dict[str, VideoProgress] = {}
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"ytempire.tracker.{uuid.uuid4()}",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
            }
        )
        assign_at_end(self._consumer, topics)

    def watch(self, video_ids: Iterable[str]) -> None:
        for vid in video_ids:
            self.videos.setdefault(vid, VideoProgress(vid))

    def poll(self, timeout: float = 0.5) -> bool:
        """Read what is available; True when something about a watched video changed."""
        changed = False
        for msg in self._consumer.consume(500, timeout):
            if msg.error():
                continue
            try:
                value = self.codec.decode(msg.topic(), msg.value(), msg.partition(), msg.offset())
            except UndecodableEvent:
                continue
            video = self.videos.get(value["envelope"]["video_id"])
            if video is None:
                continue
            changed = True
            self._apply(video, msg.topic(), value)
        return changed

    def _apply(self, video: VideoProgress, topic: str, value: dict[str, Any]) -> None:
        if topic == "cost.incurred":
            if value["envelope"]["event_id"] not in video.cost_event_ids:
                video.cost_event_ids.add(value["envelope"]["event_id"])
                video.cost_usd += value["usd"]
            return
        if topic == "pipeline.failed":
            video.failure = f"{value['stage']}: {value['error_message']}"
            return
        video.reached.setdefault(topic, time.monotonic())
        video.events[topic] = value
        if topic == "quality.scored" and not value["passed"]:
            video.rejected = "; ".join(value["reasons"]) or "below the quality threshold"

    def wait(self, timeout: float, on_change: Any = None) -> bool:
        """Poll until every watched video is done; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.poll(0.5) and on_change:
                on_change(self)
            if all(v.done for v in self.videos.values()):
                return True
        return False

    def close(self) -> None:
        self._consumer.close()
