"""Request and response bodies of the web app's page endpoints (Pydantic): video decisions,
the video list's sort orders, the overview cards, per-call costs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from gateway.payloads import Request, Text, UsdOut


class VideoPublish(Request):
    reason: str = Field("", max_length=1000,
                        description="Required to publish a rejected video (an owner override); "
                                    "kept in the audit log and on video.approved")


class VideoReject(Request):
    reason: Text = Field(min_length=1, max_length=1000)


VideoSort = Literal["-created_at", "created_at", "-cost", "cost", "-updated_at", "updated_at"]
"""Sort orders the list keeps fast (each has an index); '-' is newest/most expensive first."""


class CostCallOut(BaseModel):
    """One provider call the video paid for (or got from the cache for free)."""

    at: datetime
    stage: str
    provider: str
    model: str | None = Field(description="Null on calls recorded before models were kept")
    unit: str | None
    quantity: float | None
    usd: UsdOut
    cached: bool
    attempt: int


class VideoCosts(BaseModel):
    video_id: str
    total_usd: UsdOut
    calls: list[CostCallOut]
