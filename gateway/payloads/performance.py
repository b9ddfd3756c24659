"""Bodies of the performance endpoints: what YouTube measured of a channel's or a video's
videos, beside what they cost. Money is exact (decimal strings); a figure YouTube did not
report (revenue without the monetary scope) is null, never 0."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from gateway.money import UsdOut
from gateway.payloads.youtube import ConnectionStatus


class Totals(BaseModel):
    videos_measured: int
    views: int | None
    watch_hours: float | None
    average_view_percentage: float | None
    subscribers_gained: int | None
    revenue_usd: UsdOut | None = Field(description="null: revenue is not readable (the "
                                                    "monetary scope was not granted)")
    cost_usd: UsdOut | None
    roi_usd: UsdOut | None = Field(description="revenue minus cost")
    roi_ratio: float | None = Field(description="revenue over cost")
    rpm_usd: float | None = Field(description="revenue per 1,000 views")
    cost_per_1000_views_usd: float | None


class VideoFigures(BaseModel):
    video_id: str
    channel_id: str
    platform_video_id: str
    topic: str | None
    published_at: datetime | None
    cohort_week: date | None = Field(description="Monday of the publishing week")
    views: int | None
    watch_hours: float | None
    average_view_percentage: float | None
    subscribers_gained: int | None
    revenue_usd: UsdOut | None
    cost_usd: UsdOut | None
    roi_usd: UsdOut | None
    roi_ratio: float | None
    rpm_usd: float | None
    cost_per_1000_views_usd: float | None
    views_1d: int | None = Field(description="views in the first day after publishing")
    views_7d: int | None
    views_28d: int | None


class DayFigures(BaseModel):
    day: date
    views: int | None
    watch_hours: float | None
    average_view_duration_s: float | None
    average_view_percentage: float | None
    likes: int | None
    comments: int | None
    shares: int | None
    subscribers_gained: int | None
    subscribers_lost: int | None
    revenue_usd: UsdOut | None
    cpm: float | None
    playback_based_cpm: float | None
    ad_impressions: int | None


class GroupFigures(BaseModel):
    """A topic or a publishing week: its videos' sums."""

    key: str
    videos: int
    views: int
    revenue_usd: UsdOut | None
    cost_usd: UsdOut
    roi_usd: UsdOut | None


class ChannelAnalytics(BaseModel):
    channel_id: str
    connection: ConnectionStatus
    detail: str | None = Field(description="Why there are no figures, when there are none")
    start: date
    end: date
    totals: Totals | None
    best_videos: list[VideoFigures]
    worst_videos: list[VideoFigures]
    topics: list[GroupFigures]
    cohorts: list[GroupFigures] = Field(description="By publishing week (Monday)")
    days: list[DayFigures] = Field(description="The whole channel per day as YouTube Analytics "
                                               "reports it (every video on the channel, those "
                                               "made elsewhere too)")


class VideoAnalytics(BaseModel):
    video_id: str
    channel_id: str
    connection: ConnectionStatus
    detail: str | None
    start: date
    end: date
    figures: VideoFigures | None
    days: list[DayFigures]
