"""Typed event records, one per topic. Generated from schemas/ by ``python -m
ytempire.core.recordgen``: do not edit, change the .avsc and regenerate.

Records are frozen msgspec structs built by keyword; the codec turns Avro values into them and
back (``Codec.decode_record``, ``Codec.encode``). ``Event`` is every topic record: it carries
the envelope. ``RECORDS`` maps a topic to its record. Longer than our ~400-line modules on
purpose: one class per schema, generated, read by searching for a record's name.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

import msgspec


class Record(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every record: immutable, built by keyword, refuses fields its schema does not have."""


class Producer(Record, frozen=True, kw_only=True):
    """Which program emitted an event."""

    name: str
    version: str


class Envelope(Record, frozen=True, kw_only=True):
    """Carried by every event value: identity, ownership, provenance and tracing."""

    #: Deterministic: a redelivered input yields the same ids.
    event_id: str
    video_id: str
    channel_id: str
    owner_id: str
    occurred_at: datetime
    producer: Producer
    correlation_id: str
    attempt: int = 1
    #: What the video has cost up to this event (the sum of the paid cost.incurred of the
    #: stages before; null on events older than the field); a stage steps down to its economy
    #: tier when its projected cost would pass spec.budget_usd.
    cost_so_far_usd: Decimal | None = None


class Event(Record, frozen=True, kw_only=True):
    """Every topic's body: the envelope, then its own fields."""

    envelope: Envelope


class ScorePart(Record, frozen=True, kw_only=True):
    """The ``ScorePart``."""

    #: trend | fit | novelty
    name: str
    value: float


class BacklogTopic(Record, frozen=True, kw_only=True):
    """The ``BacklogTopic``."""

    topic_id: str
    title: str
    #: offline | feed | youtube_trending | youtube_search | by_hand
    source: str
    ref: str = ""
    #: 0..1, the weighted sum of parts (processors.discovery.scoring).
    score: float
    parts: list[ScorePart]
    reasons: list[str]
    #: Why it can never be taken (near duplicate, policy); empty when it can.
    refused: str = ""
    #: empty (no decision) | approved | skipped | pinned
    decision: str = ""
    #: The video made on it; empty while unused.
    used_by: str = ""
    used_at: datetime | None = None


class BacklogUpdated(Event, frozen=True, kw_only=True):
    """A channel's topic backlog as the scheduler holds it after a change (the latest per channel
    id is the truth: the topic is compacted). The gateway shows it to the owner.
    """

    #: auto | manual: the channel's topic mode when the backlog changed.
    mode: str
    topics: list[BacklogTopic]


class ChannelSchedule(Record, frozen=True, kw_only=True):
    """The ``ChannelSchedule``."""

    #: 5 fields, read in wall time of timezone.
    cron: str
    timezone: str = "UTC"
    videos_per_slot: int = 1
    paused: bool = False
    #: auto (best approved or auto-approved topic) | manual (only approved topics)
    topic_mode: str = "auto"


class TopicDecision(Record, frozen=True, kw_only=True):
    """The ``TopicDecision``."""

    #: ytempire.core.backlog.topic_id(channel, title)
    topic_id: str
    title: str
    #: approved | skipped | pinned (approved and taken first)
    decision: str
    #: Added by the owner, not found by discovery.
    by_hand: bool = False


class ChannelUpdated(Event, frozen=True, kw_only=True):
    """A channel as the gateway holds it after a change (the latest per channel id is the truth:
    the topic is compacted). The scheduler rebuilds its view of every channel from it.
    """

    #: When the gateway changed the channel; an older version never replaces a newer one.
    version: datetime
    name: str
    niche: str
    deleted: bool = False
    #: youtube (connected) | local (local only: a channel folder) | nowhere (not connected:
    #: videos end ready, not uploaded)
    publish_target: str = "local"
    language: str = "en"
    voice: str = ""
    visual_style: str = ""
    #: 16:9 | 9:16
    format: str = "16:9"
    target_duration_s: int = 60
    quality_threshold: int = 70
    per_video_budget_usd: Decimal
    daily_budget_usd: Decimal
    #: The owner's monthly budget (null: none).
    monthly_budget_usd: Decimal | None = None
    auto_publish: bool = True
    privacy: str = "private"
    #: null: no videos are made on a schedule.
    schedule: ChannelSchedule | None = None
    #: The owner's decisions on the channel's topic backlog; the scheduler holds the backlog
    #: and applies them.
    topic_decisions: list[TopicDecision] = msgspec.field(default_factory=list)
    #: RSS/Atom feed URLs the channel lists as a topic source (the trends stage reads them).
    feeds: list[str] = msgspec.field(default_factory=list)


class CostAlert(Event, frozen=True, kw_only=True):
    """The ``cost.alert`` event."""

    #: video | channel_day | owner_month
    scope: str
    scope_id: str
    threshold_pct: int
    budget_usd: Decimal
    spent_usd: Decimal


class CostIncurred(Event, frozen=True, kw_only=True):
    """One paid (or free) provider call, priced from the dated price table."""

    stage: str
    provider: str
    model: str
    #: characters | tokens_in | tokens_out | seconds | images | requests | youtube_quota
    unit: str
    quantity: float
    usd: Decimal
    cached: bool
    price_table_version: str
    #: Input hash of the provider call; equal keys are one call.
    call_key: str


class MetricsRequested(Event, frozen=True, kw_only=True):
    """Asks the metrics collector to read a channel's YouTube Analytics days again (`ytempire
    metrics backfill --channel C --since D`); envelope.channel_id names the channel, video_id is
    empty.
    """

    #: First day (ISO date), inclusive.
    since: str
    #: Last day (ISO date), inclusive.
    until: str


class PipelineDlq(Event, frozen=True, kw_only=True):
    """A message a stage could not process, kept whole so it can be inspected and re-driven."""

    stage: str
    source_topic: str
    source_partition: int
    source_offset: int
    original_key: bytes | None = None
    original_value: bytes
    error_type: str
    error_message: str
    attempts: int


class PipelineFailed(Event, frozen=True, kw_only=True):
    """A stage gave up on a video."""

    stage: str
    input_topic: str
    input_event_id: str
    error_type: str
    error_message: str
    retryable: bool


VideoFormat = Literal["LANDSCAPE", "SHORTS"]


class VideoSpec(Record, frozen=True, kw_only=True):
    """What was asked for; travels with the video so every stage is stateless."""

    topic: str
    #: LANDSCAPE is 16:9 1920x1080, SHORTS is 9:16 1080x1920.
    format: VideoFormat
    target_duration_s: int
    language: str = "en"
    style: str = "informative"
    voice: str = ""
    quality_threshold: int = 70
    budget_usd: Decimal
    privacy: str = "private"
    auto_publish: bool = True
    #: The channel's daily budget when the request was made; the ledger alerts at 80% and 100%
    #: of it.
    daily_budget_usd: Decimal | None = None
    #: The channel's visual style (stock footage keywords, palette); empty = the visuals
    #: provider's default.
    visual_style: str = ""
    #: YouTube video category id (27 = Education).
    category_id: str = "27"
    made_for_kids: bool = False
    #: Scheduled publish time: uploaded private, made public by the platform at this time.
    publish_at: datetime | None = None
    #: The owner's monthly budget when the request was sent (null: none set); the ledger alerts
    #: at 80% and 100% of it per UTC month.
    monthly_budget_usd: Decimal | None = None


class ScriptSection(Record, frozen=True, kw_only=True):
    """The ``ScriptSection``."""

    heading: str
    narration: str
    on_screen_text: str
    keywords: list[str] = msgspec.field(default_factory=list)


class Script(Record, frozen=True, kw_only=True):
    """The ``Script``."""

    #: At most 100 characters (YouTube's limit).
    title: str
    hook: str
    sections: list[ScriptSection]
    call_to_action: str
    #: At most 5000 bytes (YouTube's limit).
    description: str
    #: At most 500 characters together (YouTube's limit).
    tags: list[str]
    word_count: int
    language: str


class Artifact(Record, frozen=True, kw_only=True):
    """A large object in the artifact store; events carry this, never the bytes."""

    uri: str
    size_bytes: int
    sha256: str
    media_type: str


class QualityCheck(Record, frozen=True, kw_only=True):
    """The ``QualityCheck``."""

    #: script | audio | video | metadata | policy
    category: str
    name: str
    score: float
    max_score: float
    detail: str


class QualityScored(Event, frozen=True, kw_only=True):
    """The ``quality.scored`` event."""

    spec: VideoSpec
    script: Script
    video: Artifact
    thumbnail: Artifact
    duration_s: float
    width: int
    height: int
    #: 0 to 100.
    score: float
    threshold: int
    passed: bool
    checks: list[QualityCheck]
    #: Why points were lost, for the video's status.
    reasons: list[str]


class ScheduleSlot(Event, frozen=True, kw_only=True):
    """What the scheduler did with one slot of a channel's schedule: planned it, requested its
    videos, or skipped it and why.
    """

    slot_at: datetime
    #: planned | requested | skipped
    status: str
    #: For skipped: paused | daily_budget | monthly_budget | youtube_quota | no_topic | missed,
    #: then a sentence.
    reason: str = ""
    #: When its videos are (or were to be) requested.
    request_at: datetime
    video_ids: list[str]
    publish_at: list[datetime]
    topics: list[str] = msgspec.field(default_factory=list)


class SchedulerTick(Event, frozen=True, kw_only=True):
    """The scheduler's clock: it plans and requests as of `now` and reads no other clock, so tests
    drive time by producing ticks. In production `ytempire scheduler-clock` sends the wall time
    every few seconds (two clocks are harmless: every slot's video id is fixed).
    """

    now: datetime


class ScriptReady(Event, frozen=True, kw_only=True):
    """The ``script.ready`` event."""

    spec: VideoSpec
    script: Script
    #: Provider and model that wrote the script.
    writer: str
    #: Each fallback taken to write this script and why (a failing writer's economy model, the
    #: blocklist for a broken moderation answer); empty when none. The owner gets a
    #: provider.fallback notice.
    fallbacks: list[str] = msgspec.field(default_factory=list)


class ScriptRequested(Event, frozen=True, kw_only=True):
    """A video was requested: the pipeline's entry point."""

    spec: VideoSpec


class DiscoveredPart(Record, frozen=True, kw_only=True):
    """The ``DiscoveredPart``."""

    name: str
    value: float


class DiscoveredTopic(Record, frozen=True, kw_only=True):
    """The ``DiscoveredTopic``."""

    title: str
    #: offline | feed | youtube_trending | youtube_search | llm
    source: str
    #: Where it was found: a feed entry's link, a video's URL.
    ref: str = ""
    #: 0..1, the weighted sum of parts (processors.discovery.scoring).
    score: float
    parts: list[DiscoveredPart]
    #: Of its source videos, between their last two snapshots.
    views_per_hour: float = 0.0
    reasons: list[str]
    #: Why it can never be taken (near duplicate, policy); empty when it can.
    refused: str = ""


class TopicsDiscovered(Event, frozen=True, kw_only=True):
    """One discovery run for a channel (the trends stage): its candidates scored with their parts,
    near duplicates and policy hits refused with the reason, and what went wrong with a source.
    The scheduler merges the candidates into the channel's backlog, which it alone holds.
    """

    #: The time of the run (the tick's, or the channel change's).
    at: datetime
    #: The sources asked: offline | feeds | youtube | llm.
    sources: list[str]
    topics: list[DiscoveredTopic]
    #: A source that gave nothing and why (not a feed, quota short, the model failed).
    notices: list[str] = msgspec.field(default_factory=list)


class UploadDone(Event, frozen=True, kw_only=True):
    """The ``upload.done`` event."""

    #: youtube | local (the channel folder) | none (ready, not uploaded: the channel is not
    #: connected)
    platform: str
    platform_video_id: str
    url: str
    title: str
    video: Artifact
    thumbnail: Artifact
    duration_s: float
    privacy: str
    quality_score: float


class UploadStatus(Event, frozen=True, kw_only=True):
    """What YouTube says of an uploaded video's processing, sent by the metrics collector when it
    first reads the video and whenever that changes: upload_status 'uploaded' while YouTube is
    still processing it, 'processed' once it is watchable. A video YouTube rejected, failed to
    process or deleted becomes a pipeline.failed instead. The event id derives from (video,
    upload_status, processing_status): a re-read that finds the same state is a duplicate.
    """

    platform_video_id: str
    #: YouTube's status.uploadStatus: uploaded (still processing) | processed.
    upload_status: str
    #: YouTube's processingDetails.processingStatus: processing | succeeded | terminated (no
    #: longer reported); null when YouTube gave none.
    processing_status: str | None = None


class VideoApproved(Event, frozen=True, kw_only=True):
    """A person let a held video be published: one that passed with auto_publish off (approve: at
    its slot; publish: now), or, as an owner override with a reason, one the quality gate
    rejected. It repeats what the publisher needs from the video's quality.scored, so the
    publisher acts on it alone.
    """

    #: The scored spec, auto_publish set and publish_at the chosen time (null: now).
    spec: VideoSpec
    script: Script
    video: Artifact
    thumbnail: Artifact
    duration_s: float
    width: int
    height: int
    score: float
    threshold: int
    #: The quality gate's verdict; false with override true is an owner override.
    passed: bool
    reasons: list[str]
    #: Who, as '<kind>:<id>' ('session:<id>' or 'api-key:<id>'; the owner is
    #: envelope.owner_id).
    approved_by: str
    #: Why, in the approver's words (required for an override).
    reason: str = ""
    #: True when the quality gate had rejected the video.
    override: bool = False


class Credit(Record, frozen=True, kw_only=True):
    """Who made a stock asset used in a video and under which licence (shown in the description)."""

    #: pexels, ...
    provider: str
    #: video | photo
    kind: str
    asset_id: str
    url: str
    author: str
    author_url: str
    license: str
    license_url: str


class VideoAssembled(Event, frozen=True, kw_only=True):
    """The ``video.assembled`` event."""

    spec: VideoSpec
    script: Script
    video: Artifact
    thumbnail: Artifact
    captions: Artifact
    audio: Artifact
    duration_s: float
    narration_duration_s: float
    width: int
    height: int
    render_seconds: float
    #: Attribution and licence of every stock asset in the video (also appended to the
    #: description).
    credits: list[Credit] = msgspec.field(default_factory=list)


class VideoCancelled(Event, frozen=True, kw_only=True):
    """A person cancelled a video: from now on every stage (but the ledger) skips its events of
    this attempt and earlier ones; a retry (a later attempt) runs again.
    """

    #: Why, in the words of whoever cancelled; empty when none was given.
    reason: str = ""
    #: Who asked, as '<kind>:<id>': 'api-key:<key id>' for a call to the gateway (the owner is
    #: envelope.owner_id).
    cancelled_by: str


MetricsSource = Literal["STATISTICS", "ANALYTICS", "CHANNEL"]


class VideoMetrics(Event, frozen=True, kw_only=True):
    """What YouTube reports of a published video: a STATISTICS snapshot (videos.list: lifetime
    totals as of observed_at) or an ANALYTICS day (YouTube Analytics API v2 reports.query,
    dimensions video,day: that day's figures), or a CHANNEL day (reports.query, dimension day:
    the whole channel's figures that day, every video on it included; video_id and
    platform_video_id are empty). The event id is derived from (video, source, day, values): a
    re-read that finds the same values is a duplicate; a revised day is a new event and the
    latest observed_at wins. A null metric was not asked for (or not granted: revenue needs the
    monetary scope).
    """

    platform_video_id: str
    youtube_channel_id: str = ""
    source: MetricsSource
    #: ISO date: the report day (ANALYTICS and CHANNEL, YouTube's Pacific day) or the UTC day
    #: observed (STATISTICS).
    day: str
    observed_at: datetime
    #: When upload.done said the video was published (days-after-publishing KPIs).
    published_at: datetime | None = None
    #: Made up by a simulator, never by YouTube: KPIs leave these out.
    simulated: bool = False
    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    estimated_minutes_watched: float | None = None
    average_view_duration_s: float | None = None
    average_view_percentage: float | None = None
    subscribers_gained: int | None = None
    subscribers_lost: int | None = None
    estimated_revenue_usd: Decimal | None = None
    cpm: float | None = None
    playback_based_cpm: float | None = None
    ad_impressions: int | None = None


class VoiceReady(Event, frozen=True, kw_only=True):
    """The ``voice.ready`` event."""

    spec: VideoSpec
    script: Script
    audio: Artifact
    #: JSON list of {word, start_s, end_s, section}.
    word_timings: Artifact
    duration_s: float
    section_starts_s: list[float]
    loudness_lufs: float
    #: Provider and voice that spoke.
    voice: str


RECORDS: dict[str, type[Event]] = {
    "backlog.updated": BacklogUpdated,
    "channel.updated": ChannelUpdated,
    "cost.alert": CostAlert,
    "cost.incurred": CostIncurred,
    "metrics.requested": MetricsRequested,
    "pipeline.dlq": PipelineDlq,
    "pipeline.failed": PipelineFailed,
    "quality.scored": QualityScored,
    "schedule.slot": ScheduleSlot,
    "scheduler.tick": SchedulerTick,
    "script.ready": ScriptReady,
    "script.requested": ScriptRequested,
    "topics.discovered": TopicsDiscovered,
    "upload.done": UploadDone,
    "upload.status": UploadStatus,
    "video.approved": VideoApproved,
    "video.assembled": VideoAssembled,
    "video.cancelled": VideoCancelled,
    "video.metrics": VideoMetrics,
    "voice.ready": VoiceReady,
}
