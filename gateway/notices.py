"""Notices: what an owner should hear about without watching a dashboard.

- ``cost.alert``: the ledger's budget alert, passed on as is.
- ``stage.failing``: a stage failed ``notify_failures`` of the owner's videos within
  ``notify_failures_window_s`` (once per stage per window).
- ``dlq.growing``: the owner's dead letters of the last 24 hours reached one of
  ``notify_dlq_thresholds`` (each threshold once a day).
- ``schedule.skipped``: the scheduler skipped a slot of one of the owner's channels, and why
  (``gateway.scheduled``).
- ``video.not_uploaded``: a video is ready but was not uploaded: its channel is not connected
  to YouTube (nor set local only).
- ``video.youtube_failed``: YouTube rejected a published video, failed to process it or no
  longer has it, with YouTube's reason (the video turned ``failed``).
- ``provider.fallback``: a stage fell back to get a video's step done (the economy model for a
  failing script writer, the blocklist for a broken moderation answer), and why.
- ``topics.source_failed``: a topic source of a channel gave nothing on a discovery run (a feed
  that is not a feed, YouTube's quota short, the model failed), and why (``topics.discovered``).

Each is logged (warning), stored (``GET /v1/notifications``) and queued for the owner's
webhooks that chose its kind, in the projection's transaction and once by a deterministic
event id, so a redelivered event changes nothing. Events older than ``notify_max_age_s`` (a
consumer group reading old history) are logged and stored but not sent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway import webhooks
from gateway.config import GatewaySettings
from gateway.models import DeadLetter, Notice, User, VideoEvent
from ytempire.core.events import event_id
from ytempire.core.logging import get_logger

log = get_logger()

KINDS = ("cost.alert", "stage.failing", "dlq.growing", "schedule.skipped", "video.not_uploaded",
         "video.youtube_failed", "provider.fallback", "topics.source_failed")
YOUTUBE_STAGE = "metrics-collector"
"""Its only failures are YouTube's verdicts on a published video (rejected, processing failed,
deleted): each one is a notice of its own."""
DLQ_WINDOW = timedelta(days=1)


def notify(db: Session, settings: GatewaySettings, owner_id: str, kind: str, notice_id: str,
           occurred_at: datetime, data: dict[str, Any]) -> Notice | None:
    """Log, store and queue one notice; None when it was already given (or nobody owns it)."""
    if db.scalar(select(Notice.id).where(Notice.event_id == notice_id)) is not None:
        return None
    log.warning("notice", kind=kind, owner_id=owner_id, **data)
    if not owner_id or db.get(User, owner_id) is None:
        return None
    notice = Notice(event_id=notice_id, owner_id=owner_id, kind=kind, data=data,
                    occurred_at=occurred_at)
    db.add(notice)
    if datetime.now(UTC) - occurred_at <= timedelta(seconds=settings.notify_max_age_s):
        webhooks.enqueue_event(db, owner_id, notice_id, kind, occurred_at, data)
    db.flush()
    return notice


def on_cost_alert(db: Session, settings: GatewaySettings, value: dict[str, Any]) -> None:
    envelope = value["envelope"]
    notify(db, settings, envelope["owner_id"], "cost.alert", envelope["event_id"],
           envelope["occurred_at"], {
               "scope": value["scope"], "scope_id": value["scope_id"],
               "threshold_pct": value["threshold_pct"], "budget_usd": str(value["budget_usd"]),
               "spent_usd": str(value["spent_usd"]), "video_id": envelope["video_id"],
               "channel_id": envelope["channel_id"]})


def on_failed(db: Session, settings: GatewaySettings, value: dict[str, Any]) -> None:
    """Count the owner's recent failures of this stage (the projection recorded this one)."""
    envelope, stage = value["envelope"], value["stage"]
    owner_id, window = envelope["owner_id"], settings.notify_failures_window_s
    since = datetime.now(UTC) - timedelta(seconds=window)
    rows = db.execute(select(VideoEvent.video_id, VideoEvent.data).where(
        VideoEvent.owner_id == owner_id, VideoEvent.topic == "pipeline.failed",
        VideoEvent.recorded_at >= since)).all()
    videos = sorted({video_id for video_id, data in rows if data.get("stage") == stage})
    if len(videos) < settings.notify_failures:
        return
    recent = db.scalar(select(Notice.id).where(
        Notice.owner_id == owner_id, Notice.kind == "stage.failing",
        Notice.created_at >= since, Notice.data["stage"].as_string() == stage))
    if recent is not None:
        return
    notify(db, settings, owner_id, "stage.failing",
           event_id("stage.failing", owner_id, stage, envelope["event_id"]),
           envelope["occurred_at"], {
               "stage": stage, "failures": len(videos), "window_s": window,
               "video_ids": videos[-20:],
               "last_error": f"{value['error_type']}: {value['error_message']}"[:500]})


def on_not_uploaded(db: Session, settings: GatewaySettings, value: dict[str, Any]) -> None:
    """An ``upload.done`` with platform ``none`` (the projection recorded it)."""
    envelope = value["envelope"]
    notify(db, settings, envelope["owner_id"], "video.not_uploaded",
           event_id("video.not_uploaded", envelope["event_id"]), envelope["occurred_at"], {
               "video_id": envelope["video_id"], "channel_id": envelope["channel_id"],
               "title": value["title"][:200],
               "detail": "the video is ready but was not uploaded: its channel is not "
                         "connected to YouTube. Connect it (POST /v1/channels/{id}/youtube/"
                         "connect) or set it local only (PATCH /v1/channels/{id}/youtube)"})


def on_youtube_failed(db: Session, settings: GatewaySettings, value: dict[str, Any]) -> None:
    """A ``pipeline.failed`` from the metrics collector (the projection recorded it)."""
    envelope = value["envelope"]
    notify(db, settings, envelope["owner_id"], "video.youtube_failed",
           event_id("video.youtube_failed", envelope["event_id"]), envelope["occurred_at"], {
               "video_id": envelope["video_id"], "channel_id": envelope["channel_id"],
               "error_type": value["error_type"], "detail": value["error_message"][:500]})


def on_dead_letter(db: Session, settings: GatewaySettings, value: dict[str, Any]) -> None:
    envelope = value["envelope"]
    if db.scalar(select(DeadLetter.id).where(
            DeadLetter.event_id == envelope["event_id"])) is not None:
        return
    owner_id = envelope["owner_id"]
    db.add(DeadLetter(event_id=envelope["event_id"], owner_id=owner_id[:36],
                      video_id=envelope["video_id"][:200], stage=value["stage"][:50],
                      source_topic=value["source_topic"][:50],
                      error=f"{value['error_type']}: {value['error_message']}"[:2000],
                      occurred_at=envelope["occurred_at"]))
    db.flush()
    now = datetime.now(UTC)
    count = db.scalar(select(func.count()).select_from(DeadLetter).where(
        DeadLetter.owner_id == owner_id, DeadLetter.occurred_at >= now - DLQ_WINDOW)) or 0
    if count not in settings.notify_dlq_thresholds:
        return
    notify(db, settings, owner_id, "dlq.growing",
           event_id("dlq.growing", owner_id, str(count), now.date().isoformat()),
           envelope["occurred_at"], {
               "entries_last_24h": count, "stage": value["stage"],
               "source_topic": value["source_topic"], "video_id": envelope["video_id"],
               "last_error": f"{value['error_type']}: {value['error_message']}"[:500]})


def on_fallback(db: Session, settings: GatewaySettings, value: dict[str, Any]) -> None:
    """A ``script.ready`` whose ``fallbacks`` say what stood in (the projection recorded it)."""
    envelope = value["envelope"]
    notify(db, settings, envelope["owner_id"], "provider.fallback",
           event_id("provider.fallback", envelope["event_id"]), envelope["occurred_at"], {
               "video_id": envelope["video_id"], "channel_id": envelope["channel_id"],
               "stage": envelope["producer"]["name"], "writer": value["writer"],
               "fallbacks": [f[:500] for f in value["fallbacks"][:5]]})


def on_discovered(db: Session, settings: GatewaySettings, value: dict[str, Any]) -> None:
    """Each source problem of a discovery run, once (a run repeats its notices every refresh
    while the feed stays broken: one notice per channel, problem and UTC day)."""
    envelope = value["envelope"]
    day = envelope["occurred_at"].astimezone(UTC).date().isoformat()
    for problem in value["notices"][:10]:
        notify(db, settings, envelope["owner_id"], "topics.source_failed",
               event_id("topics.source_failed", envelope["channel_id"], problem, day),
               envelope["occurred_at"], {"channel_id": envelope["channel_id"],
                                         "problem": problem[:500]})


HANDLERS = {"cost.alert": on_cost_alert, "pipeline.dlq": on_dead_letter,
            "pipeline.failed": on_failed, "topics.discovered": on_discovered}
