"""Request and response bodies (Pydantic), kept apart from the SQLAlchemy models on purpose."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from croniter import croniter
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    field_validator,
    model_validator,
)

from gateway.money import UsdOut
from gateway.performance_payloads import Totals
from gateway.youtube_payloads import YouTubeOut
from ytempire.core import schedule

Format = Literal["16:9", "9:16"]
Privacy = Literal["private", "unlisted", "public"]
Usd = Annotated[Decimal, Field(gt=0, le=10_000, decimal_places=6)]
MonthlyUsd = Annotated[Decimal, Field(gt=0, le=100_000, decimal_places=6)]
"""An owner's monthly budget: up to $100,000 (more is taken for a typo)."""




def _cron(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value.split()) != 5 or not croniter.is_valid(value):
        raise ValueError("publish_schedule must be a 5-field cron expression, e.g. '0 9 * * 1-5'")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain something other than whitespace")
    return value.strip()


def _timezone(value: str | None) -> str | None:
    if value is not None:
        try:
            schedule.zone(value)
        except schedule.ScheduleError as exc:
            raise ValueError(str(exc)) from None
    return value


Cron = Annotated[str | None, AfterValidator(_cron)]
TimeZone = Annotated[str, Field(max_length=64, examples=["Europe/Lisbon"]),
                     AfterValidator(_timezone)]
TopicMode = Literal["auto", "manual"]
Text = Annotated[str, AfterValidator(_not_blank)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class VideoCreate(Request):
    """A video for one of the caller's channels; unset options come from the channel."""

    channel_id: str = Field(max_length=36)
    topic: Text = Field(min_length=1, max_length=500, examples=["How honeybees make honey"])
    format: Format | None = None
    target_duration_s: int | None = Field(None, ge=15, le=1200)
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
    voice: str | None = Field(None, max_length=100)
    quality_threshold: int | None = Field(None, ge=0, le=100)
    budget_usd: Usd | None = None
    privacy: Privacy | None = None
    auto_publish: bool | None = None
    category_id: str = Field("27", pattern=r"^[0-9]{1,3}$",
                             description="YouTube category id (27 = Education)")
    made_for_kids: bool = False
    publish_at: AwareDatetime | None = Field(
        None, description="Make it public at this time; default: the channel's next "
                          "publish_schedule slot, if it has one")


class VideoCancel(Request):
    reason: str = Field("", max_length=500, description="Why; kept with the video.cancelled event")


class VideoBatchCreate(Request):
    videos: list[VideoCreate] = Field(min_length=1, max_length=50)


class VideoAccepted(BaseModel):
    id: str
    channel_id: str
    status: str
    status_url: str
    cost_estimate_usd: UsdOut


class VideoBatchAccepted(BaseModel):
    videos: list[VideoAccepted]


class ArtifactOut(BaseModel):
    uri: str
    size_bytes: int
    sha256: str
    media_type: str


class QualityOut(BaseModel):
    score: float
    threshold: int
    passed: bool
    reasons: list[str]


class VideoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    channel_id: str
    topic: str
    spec: dict[str, Any]
    status: str = Field(description="queued | processing | awaiting_publish | published | "
                                    "rejected | failed | cancelled")
    current_stage: str | None
    progress: float = Field(description="Share of the five stages finished, 0 to 1")
    attempt: int
    cost_usd: UsdOut
    cost_estimate_usd: UsdOut
    title: str | None
    url: str | None
    quality: QualityOut | None
    artifacts: dict[str, ArtifactOut]
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime


class VideoPage(BaseModel):
    items: list[VideoOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end")
    total: int | None = Field(None, description="Videos matching the filters, with ?total=true")


class KeyCreate(Request):
    name: str = Field("", max_length=100)


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyIssued(KeyOut):
    key: str = Field(description="The full key. Shown this once; only its hash is stored.")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    email: str | None = Field(description="The web app's sign-in name; null: API keys only")
    tier: str
    is_admin: bool
    monthly_budget_usd: UsdOut | None = Field(
        description="What all your channels may spend per UTC month before the 80% and 100% "
                    "cost.alert notices; null: no monthly budget")
    created_at: datetime


class UserUpdate(Request):
    """Your account settings; a field left out keeps its value."""

    monthly_budget_usd: MonthlyUsd | None = Field(
        None, description="Alert at 80% and 100% of it per UTC month (cost.alert, scope "
                          "owner_month), from your next video request on; null removes it")


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: bool
    projection: str


EventType = Literal["*", "script.requested", "script.ready", "voice.ready", "video.assembled",
                    "quality.scored", "upload.done", "cost.incurred", "pipeline.failed",
                    "video.cancelled", "video.approved", "video.rejected", "cost.alert",
                    "stage.failing", "dlq.growing", "schedule.skipped"]


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


class InboundSourceCreate(Request):
    name: Text = Field(min_length=1, max_length=100, examples=["content calendar"])
    channel_id: str | None = Field(None, max_length=36,
                                   description="Where requested videos go unless they name one")


class InboundSourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    channel_id: str | None
    created_at: datetime


class InboundSourceIssued(InboundSourceOut):
    secret: str = Field(description="Signs what the source sends (YTEmpire-Signature). Shown "
                                    "this once.")
    receive_url: str = Field(description="Where the source POSTs its signed events")


class InboundVideo(VideoCreate):
    channel_id: str | None = Field(None, max_length=36,  # type: ignore[assignment]
                                   description="Default: the source's channel")


class InboundPayload(Request):
    """What an external system POSTs to ``/v1/inbound/{source_id}``, signed like our webhooks."""

    id: str | None = Field(None, min_length=1, max_length=150,
                           description="The sender's event id: a repeat is answered, not redone")
    type: Literal["video.requested"]
    data: InboundVideo


class InboundEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    type: str
    status: str = Field(description="accepted | rejected")
    video_id: str | None
    error: str | None
    received_at: datetime


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
        description="Finished videos of the last 30 days, else the estimate")
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


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: str = Field(description="Also the webhook delivery's id")
    kind: Literal["cost.alert", "stage.failing", "dlq.growing", "schedule.skipped"]
    data: dict[str, Any]
    occurred_at: datetime
    created_at: datetime
    read_at: datetime | None = Field(None, description="Null: unread")


class DlqRetried(BaseModel):
    entry_id: str
    retried_at: datetime
    topic: str
    partition: int
    offset: int
    forced: bool


class DlqEntryOut(BaseModel):
    id: str = Field(description="<partition>-<offset> on pipeline.dlq")
    partition: int
    offset: int
    timestamp: datetime
    stage: str
    source_topic: str
    source_partition: int
    source_offset: int
    error_type: str
    error_message: str
    attempts: int
    video_id: str
    event_id: str
    status: Literal["pending", "retried"]
    retried: DlqRetried | None
    original_bytes: int


class DlqEntryDetail(DlqEntryOut):
    original_key: str | None
    original: dict[str, Any] | None = Field(description="The failed message, decoded")
    original_error: str | None = Field(description="Why it does not decode, if it does not")
    original_hex: str | None = None


class DlqListing(BaseModel):
    count: int
    pending: int
    by_stage: dict[str, int]
    by_topic: dict[str, int]
    entries: list[DlqEntryOut]


class DlqRetryOut(BaseModel):
    id: str
    status: Literal["retried", "skipped"]
    reason: str
    retried: DlqRetried | None


class DlqRetryMatching(Request):
    """Retry every entry matching all the given conditions (already retried ones are skipped)."""

    stage: str | None = Field(None, max_length=50)
    topic: str | None = Field(None, max_length=100)
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    force: bool = False


class DlqRetryReport(BaseModel):
    outcomes: list[DlqRetryOut]


class DlqPurge(Request):
    before: AwareDatetime | None = Field(None, description="Only entries older than this")
    include_pending: bool = Field(False, description="Also drop entries nobody retried")
    dry_run: bool = False


class DlqPurgeOut(BaseModel):
    removed: int
    kept_pending: int
    dry_run: bool
    partitions: dict[str, dict[str, int]]


class KpiOut(BaseModel):
    name: str
    description: str
    columns: list[str]
    rows: list[list[Any]]
    seconds: float
    error: str | None
