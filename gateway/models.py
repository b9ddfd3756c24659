"""The gateway's tables (SQLAlchemy 2 typed mappings). Changes go through a new Alembic revision.

Longer than our ~400-line modules on purpose: every table is one short class, read by searching
for its name, and one module is what keeps ``Base.metadata`` whole by construction (Alembic's
``env.py`` and ``tests/gateway/test_migrations.py`` compare the migrations with it, which only
sees the tables of modules imported). In order: column types; accounts and the audit log;
channels, videos and what happens to them (approvals, cancellations, events, idempotency keys);
webhooks and inbound events; notices and dead letters; YouTube connections and topic backlogs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from ytempire.core.manifest import PIPELINE

FIRST_STAGE = PIPELINE.steps[0].name
"""Where a new video starts (``ytempire.core.manifest``)."""

MICRO = Decimal("0.000001")


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way out, whatever the backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """USD as integer micro-dollars: exact sums in SQL on every backend, Decimal in Python."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> int | None:
        return None if value is None else int((Decimal(value) / MICRO).to_integral_value())

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        return None if value is None else (Decimal(value) * MICRO).quantize(MICRO)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    tier: Mapped[str] = mapped_column(String(20), default="free")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    monthly_budget_usd: Mapped[Decimal | None] = mapped_column(Money)
    """Sent with every request so the ledger alerts at 80% and 100% of it per UTC month."""
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    """Lower-cased; the login name of the web app (users made by the CLI may have none)."""
    password_hash: Mapped[str | None] = mapped_column(String(200))
    """argon2id (``gateway.passwords``); None: the user signs in with API keys only."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the row only its sha256."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Invite(Base):
    """A one-time sign-up link an admin made; the link holds a token, the row its sha256."""

    __tablename__ = "invites"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    """When set, only this address may use the invite."""
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class AuditEntry(Base):
    """One API request. Append-only: a database trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[str | None] = mapped_column(String(36), index=True)
    key_id: Mapped[str | None] = mapped_column(String(36))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[int] = mapped_column(Integer)
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    duration_ms: Mapped[float] = mapped_column(default=0.0)
    note: Mapped[str | None] = mapped_column(Text)
    """What the request decided and why, when it overrode something (a publish over the
    quality gate); set by the route through ``request.state.audit_note``."""


class Channel(Base):
    """An active channel holds one of its owner's slots (1 to 5): the database refuses a sixth
    active channel however many requests race (a unique constraint on SQLite and PostgreSQL)."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("owner_id", "slot", name="uq_channels_owner_slot"),
                      CheckConstraint("slot BETWEEN 1 AND 5", name="ck_channels_slot"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    niche: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(16))
    voice: Mapped[str] = mapped_column(String(100))
    visual_style: Mapped[str] = mapped_column(String(100))
    format: Mapped[str] = mapped_column(String(8))
    target_duration_s: Mapped[int] = mapped_column(Integer)
    quality_threshold: Mapped[int] = mapped_column(Integer)
    per_video_budget_usd: Mapped[Decimal] = mapped_column(Money)
    daily_budget_usd: Mapped[Decimal] = mapped_column(Money)
    publish_schedule: Mapped[str | None] = mapped_column(String(100))
    """A 5-field cron read in ``schedule_timezone``: when the scheduler makes this channel's
    videos (and the publish time of a video requested by hand)."""
    schedule_timezone: Mapped[str] = mapped_column(String(64), default="UTC",
                                                   server_default="UTC")
    videos_per_slot: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    schedule_paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    topic_mode: Mapped[str] = mapped_column(String(10), default="auto", server_default="auto")
    topic_feeds: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    """RSS/Atom feed URLs the owner lists as a topic source (the trends stage reads them)."""
    auto_publish: Mapped[bool] = mapped_column(Boolean)
    privacy: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    slot: Mapped[int | None] = mapped_column(Integer)
    """1-5 while active, NULL once deleted"""
    event_pending: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    """The outbox of ``channel.updated``: set with every change, cleared once the broker
    acknowledged the channel as of that change (``gateway.channel_events``)."""
    youtube: Mapped[YouTubeConnection | None] = relationship(lazy="selectin", viewonly=True)
    decisions: Mapped[list[BacklogDecision]] = relationship(
        lazy="selectin", viewonly=True, order_by="BacklogDecision.decided_at")


class Video(Base):
    """A requested video and its status, projected from the pipeline topics."""

    __tablename__ = "videos"
    __table_args__ = (
        Index("ix_videos_owner_created", "owner_id", "created_at", "id"),
        Index("ix_videos_owner_channel_created", "owner_id", "channel_id", "created_at", "id"),
        Index("ix_videos_owner_status_created", "owner_id", "status", "created_at", "id"),
        Index("ix_videos_owner_cost", "owner_id", "cost_usd", "id"),
        Index("ix_videos_owner_updated", "owner_id", "updated_at", "id"),
        UniqueConstraint("owner_id", "idempotency_key", name="uq_videos_owner_idempotency"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(500))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    current_stage: Mapped[str | None] = mapped_column(String(20), default=FIRST_STAGE)
    stages_done: Mapped[int] = mapped_column(Integer, default=0)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    estimate_usd: Mapped[Decimal] = mapped_column(Money)
    cost_usd: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    title: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    quality: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    artifacts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    failure_reason: Mapped[str | None] = mapped_column(Text)
    youtube_upload_status: Mapped[str | None] = mapped_column(String(20))
    """YouTube's uploadStatus of the upload: ``uploaded`` (YouTube still processing it) from
    ``upload.done`` on, ``processed`` once ``upload.status`` says so; None off YouTube."""
    youtube_processing_status: Mapped[str | None] = mapped_column(String(20))
    youtube_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the metrics collector last found a change (``upload.status``); None: not read yet."""
    request_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scored_event: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    """The Avro value of the video's last ``quality.scored``: what an approval repeats to the
    publisher (``gateway.approvals``)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Approval(Base):
    """A person's publish decision for one attempt of a held video, and the outbox of its
    ``video.approved`` event: sent after the commit, re-sent until acknowledged (``sent_at``)."""

    __tablename__ = "approvals"
    __table_args__ = (UniqueConstraint("video_id", "attempt", name="uq_approvals_attempt"),
                      Index("ix_approvals_unsent", "sent_at", "requested_at"))

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """None: publish now."""
    override: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    approved_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Cancellation(Base):
    """A cancel of one attempt of a video, and the outbox of its ``video.cancelled`` event: sent
    after the commit, re-sent until the broker acknowledges it (``sent_at``)."""

    __tablename__ = "cancellations"
    __table_args__ = (UniqueConstraint("video_id", "attempt", name="uq_cancellations_attempt"),
                      Index("ix_cancellations_unsent", "sent_at", "requested_at"))

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VideoEvent(Base):
    """A pipeline event applied to a video; the row id is the SSE event id (resumable streams)."""

    __tablename__ = "video_events"
    __table_args__ = (Index("ix_video_events_owner_id", "owner_id", "id"),
                      Index("ix_video_events_video_id", "video_id", "id"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id"))
    owner_id: Mapped[str] = mapped_column(String(36))
    topic: Mapped[str] = mapped_column(String(50))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyRecord(Base):
    """The first response to a POST with an ``Idempotency-Key``, replayed for any repeat until it
    expires; a response that issued a secret is stored with the secret redacted."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("owner_id", "key", name="uq_idempotency_owner_key"),
                      Index("ix_idempotency_created", "created_at"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Webhook(Base):
    """A user's endpoint and the video event types (topics) it wants; the secret signs them."""

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON)
    secret_sealed: Mapped[str] = mapped_column(Text)
    """The signing secret, sealed (``Vault.for_signing_secrets``); opened only to sign"""
    previous_secret_sealed: Mapped[str | None] = mapped_column(Text)
    """The secret before the last rotation (sealed), still signing until
    ``previous_secret_until``"""
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """One event for one webhook: queued with the event, then attempted until done or failed."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("webhook_id", "event_id", name="uq_delivery_event"),
                      Index("ix_deliveries_due", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboundSource(Base):
    """An external system allowed to post signed events for a user (to one default channel)."""

    __tablename__ = "inbound_sources"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    channel_id: Mapped[str | None] = mapped_column(ForeignKey("channels.id"))
    secret_sealed: Mapped[str] = mapped_column(Text)
    """The signing secret, sealed (``Vault.for_signing_secrets``); opened only to verify"""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboundEvent(Base):
    """A verified inbound delivery, stored before it is acted on; a replay hits the unique key."""

    __tablename__ = "inbound_events"
    __table_args__ = (UniqueConstraint("source_id", "event_key", name="uq_inbound_source_event"),
                      Index("ix_inbound_events_source_id", "source_id", "id"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("inbound_sources.id"))
    owner_id: Mapped[str] = mapped_column(String(36))
    event_key: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))
    video_id: Mapped[str | None] = mapped_column(String(36))
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notice(Base):
    """Something the owner should hear about (budget alert, failing stage, growing DLQ): logged,
    listed at /v1/notifications and queued for the owner's webhooks, once by its event id."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_owner_id", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    owner_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(50))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the owner marked it read in the web app; None: unread."""


class DeadLetter(Base):
    """A ``pipeline.dlq`` entry seen by the projection: what the DLQ-growth notices count."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("ix_dead_letters_owner_at", "owner_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    owner_id: Mapped[str] = mapped_column(String(36))
    video_id: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(50))
    source_topic: Mapped[str] = mapped_column(String(50))
    error: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)


class YouTubeConnection(Base):
    """How a channel publishes: bound to a YouTube channel through OAuth, or local only.

    The refresh token is sealed with ``ytempire.core.vault`` (never stored in clear); the
    publisher and the metrics collector read this row with the same keys
    (``processors.providers.publish.youtube_connections``). A pending consent keeps its state
    (hashed) and PKCE verifier (sealed) here until Google sends the owner back.
    """

    __tablename__ = "youtube_connections"

    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    local_only: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="not_connected")
    """not_connected | connected | reconnect_needed"""
    youtube_channel_id: Mapped[str | None] = mapped_column(String(64))
    youtube_channel_title: Mapped[str] = mapped_column(String(200), default="")
    scopes: Mapped[str] = mapped_column(Text, default="")
    refresh_token_sealed: Mapped[str | None] = mapped_column(Text)
    state_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    verifier_sealed: Mapped[str | None] = mapped_column(Text)
    state_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)


class BacklogDecision(Base):
    """An owner's decision on one topic of a channel's backlog (approved, skipped, pinned, or a
    topic added by hand); every change sends the channel, decisions included, to the scheduler,
    which holds the backlog itself (``gateway.backlog``)."""

    __tablename__ = "backlog_decisions"

    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    topic_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(10))
    by_hand: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelBacklog(Base):
    """The latest ``backlog.updated`` of a channel: its topics, scores and uses as the scheduler
    holds them, projected for the owner to read."""

    __tablename__ = "channel_backlogs"

    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(String(10))
    topics: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
