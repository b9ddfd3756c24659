"""What the scheduler does, as the gateway shows it: a scheduled video's request becomes a video
row (so it is listed, streamed, approved and cancelled like one requested over HTTP), a
skipped slot becomes the owner's ``schedule.skipped`` notice with the reason, and a channel's
topic backlog is kept as last sent (``gateway.backlog`` shows it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from gateway import notices
from gateway.config import GatewaySettings
from gateway.models import Channel, ChannelBacklog, Video
from gateway.videos import record

SCHEDULER = "scheduler"
FORMATS = {"LANDSCAPE": "16:9", "SHORTS": "9:16"}


def on_request(db: Session, settings: GatewaySettings, value: dict[str, Any]) -> None:
    """A ``script.requested`` the scheduler sent: a video row, once (the gateway's own requests
    already have theirs)."""
    envelope, spec = value["envelope"], value["spec"]
    if envelope["producer"]["name"] != SCHEDULER or db.get(Video, envelope["video_id"]):
        return
    channel = db.get(Channel, envelope["channel_id"])
    if channel is None or channel.owner_id != envelope["owner_id"]:
        return
    stored = {
        **{k: spec[k] for k in ("target_duration_s", "language", "style", "voice",
                                "quality_threshold", "privacy", "auto_publish", "visual_style",
                                "category_id", "made_for_kids")},
        "format": FORMATS.get(spec["format"], spec["format"]),
        "budget_usd": str(spec["budget_usd"]),
        "daily_budget_usd": None if spec.get("daily_budget_usd") is None
        else str(spec["daily_budget_usd"]),
        "publish_at": None if spec.get("publish_at") is None else spec["publish_at"].isoformat(),
    }
    video = Video(id=envelope["video_id"], owner_id=channel.owner_id, channel_id=channel.id,
                  idempotency_key=f"scheduled:{envelope['video_id']}", topic=spec["topic"],
                  spec=stored, estimate_usd=Decimal(spec["budget_usd"]), artifacts={},
                  request_sent_at=envelope["occurred_at"], created_at=envelope["occurred_at"])
    db.add(video)
    db.flush()
    record(db, video, "script.requested", envelope["event_id"], envelope["occurred_at"],
           {"scheduled": True})


def on_slot(db: Session, settings: GatewaySettings, value: dict[str, Any]) -> None:
    if value["status"] != "skipped":
        return
    envelope = value["envelope"]
    notices.notify(db, settings, envelope["owner_id"], "schedule.skipped", envelope["event_id"],
                   envelope["occurred_at"], {
                       "channel_id": envelope["channel_id"],
                       "slot_at": value["slot_at"].isoformat(), "reason": value["reason"],
                       "video_ids": list(value["video_ids"])})


def on_backlog(db: Session, settings: GatewaySettings, value: dict[str, Any]) -> None:
    """The channel's latest backlog replaces the one kept, unless it is older."""
    envelope = value["envelope"]
    channel = db.get(Channel, envelope["channel_id"])
    if channel is None or channel.owner_id != envelope["owner_id"]:
        return
    kept = db.get(ChannelBacklog, channel.id)
    if kept is not None and kept.occurred_at > envelope["occurred_at"]:
        return
    topics = [{**t, "used_at": None if t["used_at"] is None else t["used_at"].isoformat()}
              for t in value["topics"]]
    if kept is None:
        db.add(ChannelBacklog(channel_id=channel.id, occurred_at=envelope["occurred_at"],
                              mode=value["mode"], topics=topics))
    else:
        kept.occurred_at, kept.mode, kept.topics = envelope["occurred_at"], value["mode"], topics
