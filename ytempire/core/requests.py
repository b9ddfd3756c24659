"""Building ``script.requested`` events: the one way a video enters the pipeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ytempire.core.events import Emit, event_id, new_envelope

FORMATS = {"16:9": "LANDSCAPE", "9:16": "SHORTS"}
RESOLUTIONS = {"LANDSCAPE": (1920, 1080), "SHORTS": (1080, 1920)}


@dataclass(frozen=True)
class VideoRequest:
    topic: str
    format: str = "16:9"
    target_duration_s: int = 60
    language: str = "en"
    style: str = "informative"
    voice: str = ""
    quality_threshold: int = 70
    budget_usd: Decimal = Decimal("3.00")
    privacy: str = "private"
    auto_publish: bool = True
    daily_budget_usd: Decimal | None = None
    visual_style: str = ""
    category_id: str = "27"
    made_for_kids: bool = False
    publish_at: datetime | None = None
    channel_id: str = "local"
    owner_id: str = "local"
    idempotency_key: str | None = None
    video_id: str = field(default="")

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        if not self.topic.strip():
            raise ValueError("topic must not be empty")
        if self.publish_at is not None and self.publish_at.tzinfo is None:
            raise ValueError("publish_at must carry a time zone")


def request_event(req: VideoRequest, producer: str = "cli") -> Emit:
    """The ScriptRequested event for ``req``; an idempotency key gives a stable video id."""
    if req.video_id:
        video_id = req.video_id
    elif req.idempotency_key:
        video_id = event_id("video", req.owner_id, req.idempotency_key)
    else:
        video_id = str(uuid.uuid4())
    envelope = new_envelope(
        video_id=video_id, channel_id=req.channel_id, owner_id=req.owner_id, producer=producer
    )
    return Emit(
        "script.requested",
        {
            "envelope": envelope,
            "spec": {
                "topic": req.topic.strip(),
                "format": FORMATS[req.format],
                "target_duration_s": req.target_duration_s,
                "language": req.language,
                "style": req.style,
                "voice": req.voice,
                "quality_threshold": req.quality_threshold,
                "budget_usd": req.budget_usd,
                "privacy": req.privacy,
                "auto_publish": req.auto_publish,
                "daily_budget_usd": req.daily_budget_usd,
                "visual_style": req.visual_style,
                "category_id": req.category_id,
                "made_for_kids": req.made_for_kids,
                "publish_at": req.publish_at,
            },
        },
    )
