"""Channel bodies: settings with their validation, and the channel as answered."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gateway.money import UsdOut
from gateway.payloads.common import (
    MAX_FEEDS,
    Cron,
    FeedUrl,
    Format,
    Privacy,
    Request,
    Text,
    TimeZone,
    TopicMode,
    Usd,
)
from gateway.payloads.youtube import YouTubeOut


class ChannelSettings(Request):
    niche: Text = Field(min_length=1, max_length=100, examples=["space history"])
    language: str = Field("en", pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$",
                          description="BCP 47 language tag, e.g. en or pt-BR")
    voice: str = Field("", max_length=100, description="Provider voice name; empty = default")
    visual_style: Text = Field("informative", min_length=1, max_length=100)
    format: Format = "16:9"
    target_duration_s: int = Field(60, ge=15, le=1200)
    quality_threshold: int = Field(70, ge=0, le=100)
    per_video_budget_usd: Usd = Decimal("3.00")
    daily_budget_usd: Usd = Decimal("30.00")
    publish_schedule: Cron = Field(
        None, max_length=100, examples=["0 9,15,21 * * *"],
        description="When the scheduler makes a video (cron, read in schedule_timezone); "
                    "null: videos only when requested")
    schedule_timezone: TimeZone = "UTC"
    videos_per_slot: int = Field(1, ge=1, le=10, description="Videos made for each slot")
    schedule_paused: bool = Field(False, description="Skip slots (with a notice) until unset")
    topic_mode: TopicMode = Field(
        "auto", description="auto: the best new topic of the channel's source; manual: only "
                            "topics approved in its backlog")
    topic_feeds: list[FeedUrl] = Field(
        default_factory=list, max_length=MAX_FEEDS,
        description="RSS/Atom feeds whose entries become topic candidates (with the feeds "
                    "topic source); a feed that is not one is a notice on discovery's run")
    auto_publish: bool = True
    privacy: Privacy = "private"

    @model_validator(mode="after")
    def _budgets(self) -> ChannelSettings:
        if self.daily_budget_usd < self.per_video_budget_usd:
            raise ValueError("daily_budget_usd must be at least per_video_budget_usd")
        return self


class ChannelCreate(ChannelSettings):
    name: Text = Field(min_length=1, max_length=100)


class ChannelUpdate(Request):
    """Any subset of the channel's fields; the merged result is validated as a whole."""

    name: Text | None = Field(None, min_length=1, max_length=100)
    niche: Text | None = Field(None, min_length=1, max_length=100)
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
    voice: str | None = Field(None, max_length=100)
    visual_style: Text | None = Field(None, min_length=1, max_length=100)
    format: Format | None = None
    target_duration_s: int | None = Field(None, ge=15, le=1200)
    quality_threshold: int | None = Field(None, ge=0, le=100)
    per_video_budget_usd: Usd | None = None
    daily_budget_usd: Usd | None = None
    publish_schedule: Cron = Field(None, max_length=100)
    schedule_timezone: TimeZone | None = None
    videos_per_slot: int | None = Field(None, ge=1, le=10)
    schedule_paused: bool | None = None
    topic_mode: TopicMode | None = None
    topic_feeds: list[FeedUrl] | None = Field(None, max_length=MAX_FEEDS)
    auto_publish: bool | None = None
    privacy: Privacy | None = None


class ChannelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    niche: str
    language: str
    voice: str
    visual_style: str
    format: Format
    target_duration_s: int
    quality_threshold: int
    per_video_budget_usd: UsdOut
    daily_budget_usd: UsdOut
    publish_schedule: str | None
    schedule_timezone: str
    videos_per_slot: int
    schedule_paused: bool
    topic_mode: TopicMode
    topic_feeds: list[str]
    auto_publish: bool
    privacy: Privacy
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    youtube: YouTubeOut = Field(default_factory=YouTubeOut)

    @field_validator("youtube", mode="before")
    @classmethod
    def _not_connected(cls, value: object) -> object:
        return YouTubeOut() if value is None else value
