"""The status projection: a consumer thread (group ``ytempire.gateway``) that applies the
pipeline topics to the ``videos`` rows and appends what changed to ``video_events``, and turns
budget alerts, failures and dead letters into the owners' notices (``gateway.notices``); the
scheduler's requests become video rows and its skipped slots notices (``gateway.scheduled``).

Offsets are committed after the database transaction, and every event is applied once by its
event id (a unique column), so redelivery after a crash changes nothing twice.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from confluent_kafka import Consumer, KafkaError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway import notices, scheduled
from gateway.config import GatewaySettings
from gateway.hub import Hub
from gateway.models import Video, VideoEvent
from gateway.videos import record
from ytempire.core.codec import Codec, UndecodableEvent
from ytempire.core.google import NOT_UPLOADED
from ytempire.core.logging import get_logger
from ytempire.core.manifest import PIPELINE
from ytempire.core.settings import Settings

log = get_logger()

# Each step's done topic, the stage that wrote it, its number and the stage after it all come
# from the pipeline manifest (ytempire.core.manifest).
STAGE_OF_TOPIC = PIPELINE.stage_of_topic
NEXT_STAGE = PIPELINE.next_stage
STAGE_NUMBER = {s.done_topic: s.step for s in PIPELINE.steps}
# Topics that are not a status change of a known video, and what each one does.
OTHERS = {**notices.HANDLERS, "script.requested": scheduled.on_request,
          "schedule.slot": scheduled.on_slot, "backlog.updated": scheduled.on_backlog}
TOPICS = [*STAGE_OF_TOPIC, "cost.incurred", "pipeline.failed", "upload.status", "cost.alert",
          "pipeline.dlq", "script.requested", "schedule.slot", "backlog.updated",
          "topics.discovered"]
STATUS_TOPICS = set(TOPICS) - {"cost.alert", "pipeline.dlq", "script.requested", "schedule.slot",
                               "backlog.updated", "topics.discovered"}
ARTIFACTS = {"voice.ready": ("audio", "word_timings"),
             "video.assembled": ("video", "thumbnail", "captions", "audio"),
             "upload.done": ("video", "thumbnail")}


def apply(video: Video, topic: str, value: dict[str, Any]) -> dict[str, Any]:
    """Change ``video`` for one event; returns details worth streaming beside the snapshot."""
    if topic == "cost.incurred":
        video.cost_usd = (video.cost_usd or Decimal("0")) + value["usd"]
        return {"stage": value["stage"], "provider": value["provider"],
                "model": value["model"], "unit": value["unit"],
                "quantity": value["quantity"], "usd": str(value["usd"]),
                "cached": value["cached"]}
    if topic == "upload.status":
        return youtube_processing(video, value)
    if video.status == "cancelled" and topic != "upload.done":
        return {}  # an upload.done means the upload had begun before the cancel: it went out
    if topic == "pipeline.failed":
        video.status, video.current_stage = "failed", None
        video.failure_reason = f"{value['stage']}: {value['error_type']}: {value['error_message']}"
        return {"stage": value["stage"], "retryable": value["retryable"]}
    video.stages_done = max(video.stages_done, STAGE_NUMBER[topic])
    video.status, video.current_stage = "processing", NEXT_STAGE[topic]
    new = {name: value[name] for name in ARTIFACTS.get(topic, ())}
    video.artifacts = {**video.artifacts, **new}
    if "script" in value:
        video.title = value["script"]["title"]
    if topic == "quality.scored":
        video.quality = {"score": round(value["score"], 2), "threshold": value["threshold"],
                         "passed": value["passed"], "reasons": value["reasons"]}
        if not value["passed"]:
            video.status, video.current_stage = "rejected", None
        elif not value["spec"]["auto_publish"]:
            video.status, video.current_stage = "awaiting_publish", None
    if topic == "upload.done":
        ready_only = value["platform"] == NOT_UPLOADED  # the channel is not connected
        video.status = "ready_not_uploaded" if ready_only else "published"
        video.url = value["url"]
        if value["platform"] == "youtube" and video.youtube_checked_at is None:
            video.youtube_upload_status = "uploaded"  # YouTube processes every new upload
    return {"stage": STAGE_OF_TOPIC[topic]}


def youtube_processing(video: Video, value: dict[str, Any]) -> dict[str, Any]:
    """What YouTube last said of the upload's processing (``upload.status``); a state read
    earlier than the one shown (topics are read side by side) changes nothing."""
    checked = value["envelope"]["occurred_at"]
    if video.youtube_checked_at is None or checked >= video.youtube_checked_at:
        video.youtube_upload_status = value["upload_status"]
        video.youtube_processing_status = value["processing_status"]
        video.youtube_checked_at = checked
    return {"upload_status": value["upload_status"],
            "processing_status": value["processing_status"]}


def apply_event(db: Session, topic: str, value: dict[str, Any],
                gateway: GatewaySettings, raw: bytes | None = None) -> bool:
    """Apply one decoded event in ``db`` (not committed); False when unknown or already seen.
    ``raw`` is the record's value: a ``quality.scored`` one is kept for a later approval."""
    if topic not in STATUS_TOPICS:
        OTHERS[topic](db, gateway, value)
        return False
    envelope = value["envelope"]
    video = db.get(Video, envelope["video_id"])
    if video is None or db.scalar(select(VideoEvent.id).where(
            VideoEvent.event_id == envelope["event_id"])) is not None:
        return False
    detail = apply(video, topic, value)
    if topic == "quality.scored" and raw is not None:
        video.scored_event = raw
    video.updated_at = datetime.now(UTC)
    record(db, video, topic, envelope["event_id"], envelope["occurred_at"], detail)
    db.flush()
    if topic == "pipeline.failed" and value["stage"] == notices.YOUTUBE_STAGE:
        notices.on_youtube_failed(db, gateway, value)
    elif topic == "pipeline.failed":
        notices.on_failed(db, gateway, value)
    elif topic == "upload.done" and value["platform"] == NOT_UPLOADED:
        notices.on_not_uploaded(db, gateway, value)
    elif topic == "script.ready" and value.get("fallbacks"):
        notices.on_fallback(db, gateway, value)
    return True


class Projection:
    def __init__(self, settings: Settings, codec: Codec, sessions: sessionmaker[Session],
                 hub: Hub, gateway: GatewaySettings) -> None:
        self.codec, self.sessions, self.hub, self.gateway = codec, sessions, hub, gateway
        self.state = "starting"
        self._stop = threading.Event()
        self._consumer = Consumer({
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": gateway.consumer_group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "client.id": "ytempire.gateway.projection",
        })
        self._thread = threading.Thread(target=self._run, name="gateway-projection", daemon=True)

    def start(self) -> None:
        self._consumer.subscribe(TOPICS)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)
        self._consumer.close()
        self.state = "stopped"

    def _run(self) -> None:
        self.state = "running"
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # keep projecting; the batch is re-read since nothing was committed
                self.state = "retrying"
                log.exception("projection.batch_failed")
                self._stop.wait(1.0)

    def poll_once(self, timeout: float = 0.5) -> int:
        messages = self._consumer.consume(500, timeout)
        if not messages:
            return 0
        changed = 0
        with self.sessions() as db:
            for msg in messages:
                if msg.error():
                    if msg.error().code() != KafkaError._PARTITION_EOF:
                        log.warning("projection.kafka_error", error=str(msg.error()))
                    continue
                try:
                    value = self.codec.decode(msg.topic(), msg.value(), msg.partition(),
                                              msg.offset())
                except UndecodableEvent as exc:
                    log.warning("projection.undecodable", error=str(exc))
                    continue
                changed += apply_event(db, msg.topic(), value, self.gateway, msg.value())
            db.commit()
        self._consumer.commit(asynchronous=False)
        self.state = "running"
        if changed:
            self.hub.notify()
        return changed
