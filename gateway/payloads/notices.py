"""Notifications as answered."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: str = Field(description="Also the webhook delivery's id")
    kind: Literal["cost.alert", "stage.failing", "dlq.growing", "schedule.skipped",
                  "video.not_uploaded", "video.youtube_failed", "provider.fallback",
                  "topics.source_failed"]
    data: dict[str, Any]
    occurred_at: datetime
    created_at: datetime
    read_at: datetime | None = Field(None, description="Null: unread")
