"""Request and response bodies of the web app's page endpoints (Pydantic): video decisions,
the video list's sort orders, the overview cards, per-call costs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from gateway.money import UsdOut
from gateway.payloads.common import Request, Text


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


class Overview(BaseModel):
    """The overview page's cards. Spend comes from analytics: null, with ``spend_unavailable``
    saying why, when ClickHouse cannot be read; the rest from the gateway's own records."""

    channels_active: int = Field(description="Not deleted, paused ones included")
    channels_paused: int = Field(description="Of the active ones, those whose schedule is "
                                 "paused (the scheduler skips their slots)")
    channels_deleted: int
    videos_today: int = Field(description="Requested since 00:00 UTC")
    videos_7d: int
    spend_today_usd: UsdOut | None
    spend_month_usd: UsdOut | None = Field(description="This UTC month so far")
    spend_unavailable: str | None = Field(description="Why spend is null")
    monthly_budget_usd: UsdOut | None
    success_rate_30d: float | None = Field(
        description="Published or awaiting publish, of the videos finished in 30 days")
    average_quality_30d: float | None = Field(
        description="Mean quality score of the last 1,000 scored videos of 30 days")
    average_cost_per_video_30d: UsdOut | None
