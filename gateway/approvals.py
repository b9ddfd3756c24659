"""A person's decision on a held video: approve (publish at its slot), publish now (also an
owner override of a quality rejection, with a reason), or reject.

An approval is a row committed with the video's new status, then ``video.approved`` on Kafka,
marked sent once the broker acknowledges and re-sent by the outbox until then (the same event
id every time), exactly like a cancellation. The event repeats what the publisher needs from
the video's ``quality.scored``, whose Avro bytes the status projection kept on the video row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import msgspec
from croniter import croniter
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import videos
from gateway.channel_events import publish_target
from gateway.errors import Conflict, GatewayError, Unavailable
from gateway.identity import Principal
from gateway.models import Approval, Channel, Video
from ytempire import __version__
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, event_id
from ytempire.core.records import VideoApproved

if TYPE_CHECKING:  # the outbox calls this module's resend_stale
    from gateway.outbox import RequestPublisher

TOPIC = "video.approved"
REPEATED = ("spec", "script", "video", "thumbnail", "duration_s", "width", "height", "score",
            "threshold", "passed", "reasons")


class ReasonNeeded(GatewayError):
    status_code = 422


def _slot(db: Session, video: Video, now: datetime) -> datetime | None:
    """The requested time if still ahead, else the channel's next schedule slot, else now."""
    wanted = video.spec.get("publish_at")
    if wanted and datetime.fromisoformat(wanted) > now:
        return datetime.fromisoformat(wanted)
    schedule = db.scalar(select(Channel.publish_schedule).where(Channel.id == video.channel_id))
    return croniter(schedule, now).get_next(datetime) if schedule else None


def decide(db: Session, principal: Principal, video_id: str, *, now_: bool,
           reason: str) -> tuple[Video, Approval]:
    """Record the approval (not committed). A held (``awaiting_publish``) video may be approved
    or published now; a ``rejected`` one only published now, with a reason (an override); one
    left ``ready_not_uploaded`` either way once its channel publishes somewhere (connected to
    YouTube, or set local only): the made video goes up without being made again."""
    video = videos.get(db, principal, video_id)
    earlier = db.scalar(select(Approval).where(Approval.video_id == video.id,
                                               Approval.attempt == video.attempt))
    if video.status == "rejected":
        if not now_:
            raise Conflict(f"video {video_id} was rejected; publish it now with a reason "
                           "(POST .../publish) to override")
        if not reason.strip():
            raise ReasonNeeded("publishing a rejected video is an owner override: give a reason")
    elif video.status == "ready_not_uploaded":
        channel = db.get_one(Channel, video.channel_id)
        if publish_target(channel) == "nowhere":
            raise Conflict(f"video {video_id} is ready but its channel is not connected to "
                           "YouTube: connect the channel (or set it local only), then publish")
        reason = reason.strip() or (earlier.reason if earlier is not None else "")
    elif video.status != "awaiting_publish":
        raise Conflict(f"video {video_id} is {video.status}; only videos awaiting publish, "
                       "ready but not uploaded, or rejected (with a reason) can be published")
    if video.scored_event is None:
        raise Conflict(f"video {video_id} has no quality score the gateway kept; retry it")
    now = datetime.now(UTC)
    override = not (video.quality or {}).get("passed", False)
    if earlier is None:
        approval_id = event_id("gateway", "approve", video.id, video.attempt)
    else:  # this attempt was approved before and went nowhere: a new decision, a new event
        approval_id = event_id("gateway", "approve", video.id, video.attempt, earlier.event_id)
        db.delete(earlier)  # the audit log keeps it; the outbox keeps one per attempt
        db.flush()
    approval = Approval(event_id=approval_id,
                        video_id=video.id, attempt=video.attempt, override=override,
                        publish_at=None if now_ else _slot(db, video, now),
                        reason=reason.strip(), approved_by=principal.actor, requested_at=now)
    db.add(approval)
    video.status, video.current_stage, video.failure_reason = "processing", "publisher", None
    videos.record(db, video, TOPIC, approval.event_id, now, {
        "approved_by": approval.approved_by, "reason": approval.reason, "override": override,
        "publish_at": approval.publish_at.isoformat() if approval.publish_at else None})
    db.flush()
    return video, approval


def reject(db: Session, principal: Principal, video_id: str, reason: str) -> Video:
    """Keep a held video from being published (not committed); it can still be published
    later with a reason, or retried."""
    video = videos.get(db, principal, video_id)
    if video.status != "awaiting_publish":
        raise Conflict(f"video {video_id} is {video.status}; only videos awaiting publish can "
                       "be rejected")
    now = datetime.now(UTC)
    video.status, video.failure_reason = "rejected", f"rejected by the owner: {reason.strip()}"
    videos.record(db, video, "video.rejected",
                  event_id("gateway", "reject", video.id, video.attempt), now,
                  {"rejected_by": principal.actor, "reason": reason.strip()})
    db.flush()
    return video


def _emit(codec: Codec, video: Video, approval: Approval) -> Emit:
    scored = codec.decode("quality.scored", video.scored_event)
    envelope = {**scored["envelope"], "event_id": approval.event_id,
                "occurred_at": approval.requested_at, "attempt": approval.attempt,
                "producer": {"name": "gateway", "version": __version__}}
    value = {name: scored[name] for name in REPEATED}
    value["spec"] = {**scored["spec"], "auto_publish": True, "publish_at": approval.publish_at}
    return Emit(TOPIC, msgspec.convert(
        {**value, "envelope": envelope, "approved_by": approval.approved_by,
         "reason": approval.reason, "override": approval.override}, VideoApproved))


def send(db: Session, publisher: RequestPublisher, codec: Codec,
         approvals: Sequence[Approval]) -> None:
    """Publish ``video.approved`` for rows not yet acknowledged; 503 if the broker does not
    answer (the approval stays recorded and is sent later)."""
    pending = [a for a in approvals if a.sent_at is None]
    if not pending:
        return
    emits = [_emit(codec, db.get_one(Video, a.video_id), a) for a in pending]
    if not publisher.send(emits):
        raise Unavailable("the broker did not acknowledge the approval; it is recorded and "
                          "will be sent when the broker answers")
    now = datetime.now(UTC)
    for approval in pending:
        approval.sent_at = now
    db.commit()


def unsent(db: Session, video: Video) -> list[Approval]:
    return list(db.scalars(select(Approval).where(Approval.video_id == video.id,
                                                  Approval.sent_at.is_(None))))


def resend_stale(db: Session, publisher: RequestPublisher, codec: Codec,
                 older_than_s: float = 30) -> int:
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
    stale = list(db.scalars(select(Approval).where(Approval.sent_at.is_(None),
                                                   Approval.requested_at < cutoff).limit(100)))
    try:
        send(db, publisher, codec, stale)
    except Unavailable:
        return 0
    return len(stale)
