"""Webhook bodies: the event kinds one may follow, the hook, its one-time secret, its deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from gateway.payloads.common import Request

EventType = Literal["*", "script.requested", "script.ready", "voice.ready", "video.assembled",
                    "quality.scored", "upload.done", "upload.status", "cost.incurred",
                    "pipeline.failed", "video.cancelled", "video.approved", "video.rejected",
                    "cost.alert", "stage.failing", "dlq.growing", "schedule.skipped",
                    "video.not_uploaded", "video.youtube_failed", "provider.fallback",
                    "topics.source_failed"]


class WebhookCreate(Request):
    url: HttpUrl = Field(description="Receives POSTs signed with YTEmpire-Signature")
    events: list[EventType] = Field(min_length=1, max_length=20, examples=[["upload.done"]])


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    events: list[str]
    created_at: datetime


class WebhookIssued(WebhookOut):
    secret: str = Field(description="Signing secret. Shown this once.")


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: str
    event_type: str
    status: str = Field(description="pending | delivered | failed")
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
