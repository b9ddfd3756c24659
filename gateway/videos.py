"""Video requests: validate against the channel, store, publish ``script.requested``, read back;
retry and cancel (``video.cancelled``).

The row is committed before the event is sent (with its idempotency record), and marked sent
once the broker acknowledges. An unsent row is re-sent by repeating the request with the same
``Idempotency-Key`` or by ``resend_stale`` in the background; the event id is the same every
time, so the pipeline sees one request. A cancellation travels the same way (its own row,
``resend_stale_cancellations``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import caps, channels, webhooks
from gateway.caps import TierCap
from gateway.errors import Conflict, GatewayError, NotFound, Unavailable
from gateway.estimate import estimate
from gateway.identity import Principal
from gateway.models import FIRST_STAGE, Cancellation, User, Video, VideoEvent
from gateway.payloads.videos import VideoCreate
from ytempire.core import schedule
from ytempire.core.events import Emit, event_id, new_envelope
from ytempire.core.manifest import PIPELINE
from ytempire.core.records import ScriptRequested, VideoCancelled
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.settings import Settings

if TYPE_CHECKING:  # the outbox calls this module's resend_* functions
    from gateway.outbox import RequestPublisher

TERMINAL = {"published", "ready_not_uploaded", "rejected", "failed", "cancelled",
            "awaiting_publish"}
RETRYABLE = {"rejected", "failed", "cancelled"}
STEPS = len(PIPELINE.steps)
"""How many steps a video's progress counts (``ytempire.core.manifest``)."""


class OverBudget(GatewayError):
    status_code = 422


def _spec(body: VideoCreate, channel: channels.Channel) -> dict[str, object]:
    def pick(name: str, channel_field: str | None = None) -> object:
        value = getattr(body, name)
        return value if value is not None else getattr(channel, channel_field or name)

    return {
        "format": pick("format"),
        "target_duration_s": pick("target_duration_s"),
        "language": pick("language"),
        "style": channel.visual_style,
        "voice": pick("voice"),
        "quality_threshold": pick("quality_threshold"),
        "budget_usd": str(pick("budget_usd", "per_video_budget_usd")),
        "privacy": pick("privacy"),
        "auto_publish": pick("auto_publish"),
        "daily_budget_usd": str(channel.daily_budget_usd),
        "visual_style": channel.visual_style,
        "category_id": body.category_id,
        "made_for_kids": body.made_for_kids,
        "publish_at": _publish_at(body, channel),
    }


def _publish_at(body: VideoCreate, channel: channels.Channel) -> str | None:
    """The request's time, else the next slot of the channel's schedule (in its time zone)."""
    if body.publish_at is not None:
        return body.publish_at.astimezone(UTC).isoformat()
    if channel.publish_schedule:
        return schedule.next_slot(channel.publish_schedule, channel.schedule_timezone,
                                  datetime.now(UTC)).isoformat()
    return None


def _emit(video: Video, monthly_budget_usd: Decimal | None) -> Emit:
    """The video's request; the owner's monthly budget is the one set when it is sent."""
    stored = {**video.spec, "topic": video.topic, "channel_id": video.channel_id,
              "owner_id": video.owner_id, "video_id": video.id}
    # the row keeps the spec as JSON (decimals and times as strings): typed back in one step
    emit = request_event(msgspec.convert(stored, VideoRequest, strict=False), producer="gateway")
    request = emit.value
    assert isinstance(request, ScriptRequested)
    request = msgspec.structs.replace(
        request, spec=msgspec.structs.replace(request.spec, monthly_budget_usd=monthly_budget_usd))
    if video.attempt > 1:
        envelope = new_envelope(video_id=video.id, channel_id=video.channel_id,
                                owner_id=video.owner_id, producer="gateway",
                                event_key=f"attempt-{video.attempt}")
        request = msgspec.structs.replace(
            request, envelope=msgspec.structs.replace(envelope, attempt=video.attempt))
    return Emit(emit.topic, request)


def spent_today(db: Session, channel_id: str) -> Decimal:
    since = datetime.now(UTC) - timedelta(days=1)
    rows = db.execute(select(Video.cost_usd, Video.estimate_usd).where(
        Video.channel_id == channel_id, Video.created_at >= since, Video.status != "cancelled"))
    return sum((max(cost, est) for cost, est in rows), Decimal("0"))


def create(db: Session, principal: Principal, bodies: Sequence[VideoCreate],
           key: str | None, *, settings: Settings, cap: TierCap | None = None) -> list[Video]:
    """Rows for ``bodies`` (not committed); a keyed batch gives item i the key ``key#i``.
    Each is estimated with the providers ``settings`` configure for the stages; the batch must
    fit the tier's ``cap`` and the owner's monthly budget (``gateway.caps``)."""
    videos, planned = [], {}
    for index, body in enumerate(bodies):
        channel = channels.get(db, principal, body.channel_id, active=True)
        spec = _spec(body, channel)
        planned_cost = estimate(settings, channel.id, spec)
        cost = planned_cost.usd
        if cost > Decimal(str(spec["budget_usd"])):
            raise OverBudget(f"videos[{index}]: estimated ${cost} ({planned_cost.tier} tier) "
                             f"exceeds its budget ${spec['budget_usd']}")
        if channel.id not in planned:
            planned[channel.id] = spent_today(db, channel.id)
        planned[channel.id] += cost
        if planned[channel.id] > channel.daily_budget_usd:
            raise Conflict(f"channel {channel.id} would pass its daily budget "
                           f"${channel.daily_budget_usd}; raise it or wait")
        item_key = (key if len(bodies) == 1 else f"{key}#{index}") if key else str(uuid.uuid4())
        video_id = event_id("video", principal.user_id, item_key)
        video = Video(id=video_id, owner_id=principal.user_id, channel_id=channel.id,
                      idempotency_key=item_key, topic=body.topic, spec=spec,
                      estimate_usd=cost, artifacts={})
        videos.append(video)
    caps.enforce(db, principal, cap, [(int(v.spec["target_duration_s"]), v.estimate_usd)
                                      for v in videos])
    db.add_all(videos)
    db.flush()
    return videos


def send_unsent(db: Session, publisher: RequestPublisher, videos: Sequence[Video]) -> None:
    """Publish the requests of rows not yet acknowledged; 503 if the broker does not answer.
    A video cancelled before its request went out is never requested."""
    pending = [v for v in videos if v.request_sent_at is None and v.status != "cancelled"]
    if not pending:
        return
    budgets = {owner: budget for owner, budget in db.execute(select(
        User.id, User.monthly_budget_usd).where(User.id.in_({v.owner_id for v in pending})))}
    emits = [_emit(v, budgets.get(v.owner_id)) for v in pending]
    if not publisher.send(emits):
        raise Unavailable("the broker did not acknowledge the request; repeat it with the same "
                          "Idempotency-Key (nothing is duplicated)")
    now = datetime.now(UTC)
    for video, emit in zip(pending, emits, strict=True):
        video.request_sent_at = now
        record(db, video, "script.requested", emit.value.envelope.event_id, now)
    db.commit()


def resend_stale(db: Session, publisher: RequestPublisher, older_than_s: float = 30) -> int:
    """Send requests whose first attempt got no acknowledgement (the caller may be gone)."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    stale = list(db.scalars(select(Video).where(Video.request_sent_at.is_(None),
                                                Video.status != "cancelled",
                                                Video.created_at < cutoff).limit(100)))
    try:
        send_unsent(db, publisher, stale)
    except Unavailable:
        return 0
    return len(stale)


def get(db: Session, principal: Principal, video_id: str) -> Video:
    video = db.scalar(select(Video).where(Video.id == video_id,
                                          Video.owner_id == principal.user_id))
    if video is None:
        raise NotFound(f"video {video_id} not found")
    return video


def by_ids(db: Session, principal: Principal, ids: Sequence[str]) -> list[Video]:
    rows = {v.id: v for v in db.scalars(select(Video).where(
        Video.id.in_(ids), Video.owner_id == principal.user_id))}
    return [rows[i] for i in ids]


def retry(db: Session, principal: Principal, video_id: str) -> Video:
    video = get(db, principal, video_id)
    if video.status not in RETRYABLE:
        raise Conflict(f"video {video_id} is {video.status}; only "
                       f"{', '.join(sorted(RETRYABLE))} videos can be retried")
    video.attempt += 1
    video.status, video.current_stage, video.stages_done = "queued", FIRST_STAGE, 0
    video.failure_reason, video.quality, video.request_sent_at = None, None, None
    video.scored_event = None
    db.flush()
    return video


def cancel(db: Session, principal: Principal, video_id: str, reason: str = "") -> Video:
    """Cancel the video's current attempt (not committed; ``send_cancellations`` then tells the
    pipeline). From the event on, every stage skips the attempt's events; a stage already at
    work finishes its step, the next one skips it. An upload that has begun cannot be taken
    back: the video then turns ``published`` when ``upload.done`` arrives. A retry runs again."""
    video = get(db, principal, video_id)
    if video.status in TERMINAL:
        raise Conflict(f"video {video_id} is already {video.status}")
    video.status, video.current_stage = "cancelled", None
    now = datetime.now(UTC)
    cancellation = Cancellation(event_id=event_id("gateway", "cancel", video.id, video.attempt),
                                video_id=video.id, attempt=video.attempt, reason=reason,
                                cancelled_by=principal.actor, requested_at=now)
    db.add(cancellation)
    record(db, video, "video.cancelled", cancellation.event_id, now, {"reason": reason})
    db.flush()
    return video


def _cancel_emit(video: Video, cancellation: Cancellation) -> Emit:
    envelope = new_envelope(video_id=video.id, channel_id=video.channel_id,
                            owner_id=video.owner_id, producer="gateway")
    return Emit("video.cancelled", VideoCancelled(
        envelope=msgspec.structs.replace(
            envelope, event_id=cancellation.event_id, occurred_at=cancellation.requested_at,
            attempt=cancellation.attempt),
        reason=cancellation.reason, cancelled_by=cancellation.cancelled_by))


def unsent_cancellations(db: Session, video: Video) -> list[Cancellation]:
    return list(db.scalars(select(Cancellation).where(Cancellation.video_id == video.id,
                                                      Cancellation.sent_at.is_(None))))


def send_cancellations(db: Session, publisher: RequestPublisher,
                       cancellations: Sequence[Cancellation]) -> None:
    """Publish ``video.cancelled`` for rows not yet acknowledged; 503 if the broker does not
    answer (the cancellation stays recorded and is sent later)."""
    pending = [c for c in cancellations if c.sent_at is None]
    if not pending:
        return
    emits = [_cancel_emit(db.get_one(Video, c.video_id), c) for c in pending]
    if not publisher.send(emits):
        raise Unavailable("the broker did not acknowledge the cancellation; it is recorded and "
                          "will be sent when the broker answers (repeat with the same "
                          "Idempotency-Key to try now)")
    now = datetime.now(UTC)
    for cancellation in pending:
        cancellation.sent_at = now
    db.commit()


def resend_stale_cancellations(db: Session, publisher: RequestPublisher,
                               older_than_s: float = 30) -> int:
    """Send cancellations whose first sending got no acknowledgement."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    stale = list(db.scalars(select(Cancellation).where(Cancellation.sent_at.is_(None),
                                                       Cancellation.requested_at < cutoff)
                            .limit(100)))
    try:
        send_cancellations(db, publisher, stale)
    except Unavailable:
        return 0
    return len(stale)


def record(db: Session, video: Video, topic: str, event_id: str, occurred_at: datetime,
           detail: dict[str, object] | None = None) -> None:
    """Append a change to the video's event log (SSE) and queue it for the owner's webhooks."""
    event = VideoEvent(event_id=event_id, video_id=video.id, owner_id=video.owner_id,
                       topic=topic, data={**snapshot(video), **(detail or {})},
                       occurred_at=occurred_at)
    db.add(event)
    webhooks.enqueue(db, event)


def snapshot(video: Video) -> dict[str, object]:
    """What SSE clients and webhooks receive for a change: the video's status right after it."""
    return {
        "video_id": video.id,
        "channel_id": video.channel_id,
        "status": video.status,
        "current_stage": video.current_stage,
        "progress": round(video.stages_done / STEPS, 2),
        "attempt": video.attempt,
        "cost_usd": str(video.cost_usd or Decimal("0")),
        "title": video.title,
        "url": video.url,
        "quality": video.quality,
        "failure_reason": video.failure_reason,
    }


def cost_calls(db: Session, principal: Principal, video_id: str) -> list[VideoEvent]:
    """The video's ``cost.incurred`` events as the projection recorded them, oldest first."""
    get(db, principal, video_id)
    return list(db.scalars(select(VideoEvent).where(
        VideoEvent.video_id == video_id, VideoEvent.topic == "cost.incurred")
        .order_by(VideoEvent.id)))
