"""Spend, estimates, month projections and the owner's KPIs."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from gateway.money import UsdOut
from gateway.payloads.performance import Totals

SpendBy = Literal["day", "provider", "channel", "stage", "video"]


class SpendRow(BaseModel):
    key: str = Field(description="The day (YYYY-MM-DD), provider, channel id, stage or video id")
    usd: UsdOut
    calls: int = Field(description="Provider calls (cost.incurred events)")


class SpendReport(BaseModel):
    by: SpendBy
    start: date
    end: date = Field(description="Inclusive")
    channel_id: str | None
    total_usd: UsdOut
    calls: int
    rows: list[SpendRow]


class EstimateLineOut(BaseModel):
    """One expected provider call of a planned video, priced from the price table."""

    stage: str
    provider: str
    model: str
    unit: str
    quantity: float
    usd: UsdOut


class CostProjection(BaseModel):
    """What a planned request would cost, priced before any work, against the channel's budgets.
    The providers are the ones the stages are configured with; ``tier`` says which of their
    tiers the estimate assumed (premium, economy when the budget makes a stage step down, or
    offline when no paid provider is configured)."""

    channel_id: str
    count: int
    target_duration_s: int
    per_video_usd: UsdOut
    total_usd: UsdOut
    per_video_budget_usd: UsdOut
    daily_budget_usd: UsdOut
    committed_last_24h_usd: UsdOut = Field(
        description="Spent or estimated for the channel's videos of the last 24 hours")
    fits_budget: bool = Field(description="Within the per-video and the daily budget")
    price_table_version: str
    tier: Literal["premium", "economy", "offline"]
    lines: list[EstimateLineOut] = Field(description="The expected calls of one video")


class ChannelMonthProjection(BaseModel):
    channel_id: str
    videos_per_day: float
    pace_from: Literal["schedule", "history"] = Field(
        description="The publish schedule's slots, else the last 30 days' requests")
    usd_per_video: UsdOut
    usd_per_video_from: Literal["measured", "estimate"] = Field(
        description="Mean spend of the last 30 days' ended videos (published, rejected or "
                    "failed), else the estimate")
    projected_usd: UsdOut = Field(description="videos_per_day x usd_per_video x days")
    budget_usd: UsdOut = Field(description="The channel's daily budget x days")
    over_budget: bool


class MonthProjection(BaseModel):
    """This UTC month's spend projected from each channel's pace and measured cost per video."""

    month: str
    days: int
    channels: list[ChannelMonthProjection]
    projected_usd: UsdOut
    monthly_budget_usd: UsdOut | None
    over_budget: bool = Field(description="The owner's projection passes the monthly budget")


class OwnerKpis(BaseModel):
    days: int
    videos_requested: int
    videos_published: int
    videos_ready_not_uploaded: int = Field(
        description="Made and ready, not uploaded: their channel is not connected to YouTube")
    awaiting_publish: int
    videos_rejected: int
    videos_failed: int
    success_rate: float | None = Field(description="Share of finished videos that succeeded")
    total_usd: UsdOut
    avg_usd_per_video: UsdOut | None
    over_budget: int = Field(description="Videos that cost more than their budget")
    cache_hit_rate: float | None
    p50_time_to_publish_s: float | None
    p95_time_to_publish_s: float | None
    performance: Totals | None = Field(
        default=None, description="What YouTube Analytics measured of the owner's videos over "
                                  "the same days, and ROI; null: nothing measured (no channel "
                                  "connected)")
