"""Channel rules: owner-scoped, at most five active per user, soft delete and restore, a
schedule the YouTube quota can take; every change is flagged for ``channel.updated``.

The limit is the database's: an active channel holds one of five numbered slots, unique per
owner, so of two requests racing for the last slot one insert fails (SQLite has no row locks,
so ``SELECT ... FOR UPDATE`` guarded nothing there). The loser re-reads and gets a 409 when
the slots are taken, or another free slot.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.errors import Conflict, GatewayError, NotFound, invalid
from gateway.identity import Principal
from gateway.models import Channel
from gateway.payloads.channels import ChannelCreate, ChannelUpdate
from ytempire.core import schedule

MAX_ACTIVE = 5


class BadSchedule(GatewayError):
    status_code = 422


def _check_schedule(values: ChannelCreate, daily_quota: int) -> None:
    """A schedule the scheduler can run: within the YouTube quota a day (``daily_quota``)."""
    if values.publish_schedule is None:
        return
    try:
        schedule.check_schedule(values.publish_schedule, values.schedule_timezone,
                                values.videos_per_slot, daily_quota, datetime.now(UTC))
    except schedule.ScheduleError as exc:
        raise BadSchedule(str(exc)) from None


def get(db: Session, principal: Principal, channel_id: str, *, active: bool = False) -> Channel:
    channel = db.scalar(select(Channel).where(Channel.id == channel_id,
                                              Channel.owner_id == principal.user_id))
    if channel is None:
        raise NotFound(f"channel {channel_id} not found")
    if active and channel.deleted_at is not None:
        raise Conflict(f"channel {channel_id} is deleted; restore it first "
                       f"(POST /v1/channels/{channel_id}/restore)")
    return channel


def list_(db: Session, principal: Principal, include_deleted: bool) -> list[Channel]:
    query = select(Channel).where(Channel.owner_id == principal.user_id)
    if not include_deleted:
        query = query.where(Channel.deleted_at.is_(None))
    return list(db.scalars(query.order_by(Channel.created_at, Channel.id)))


def _free_slot(db: Session, principal: Principal) -> int:
    taken = set(db.scalars(select(Channel.slot).where(Channel.owner_id == principal.user_id,
                                                      Channel.deleted_at.is_(None))))
    free = [slot for slot in range(1, MAX_ACTIVE + 1) if slot not in taken]
    if len(taken) >= MAX_ACTIVE or not free:
        raise Conflict(f"at most {MAX_ACTIVE} active channels per user; delete one first")
    return free[0]


def _take_slot(db: Session, principal: Principal, channel: Channel) -> None:
    """Make ``channel`` active in a free slot and flush. A concurrent taker of the same slot
    makes the flush fail: roll back (nothing else is pending yet) and try the next free one."""
    for _ in range(MAX_ACTIVE + 1):
        channel.slot, channel.deleted_at = _free_slot(db, principal), None
        db.add(channel)
        try:
            db.flush()
            return
        except IntegrityError:
            db.rollback()
    raise Conflict(f"at most {MAX_ACTIVE} active channels per user; delete one first")


def create(db: Session, principal: Principal, body: ChannelCreate,
           daily_quota: int) -> Channel:
    _check_schedule(body, daily_quota)
    channel = Channel(owner_id=principal.user_id, **body.model_dump())
    _take_slot(db, principal, channel)
    return channel


def update(db: Session, principal: Principal, channel_id: str, body: ChannelUpdate,
           daily_quota: int) -> Channel:
    channel = get(db, principal, channel_id, active=True)
    current = {f: getattr(channel, f) for f in ChannelCreate.model_fields}
    try:
        merged = ChannelCreate(**{**current, **body.model_dump(exclude_unset=True)})
    except ValidationError as exc:
        raise invalid(exc) from None
    _check_schedule(merged, daily_quota)
    for field, value in merged.model_dump().items():
        setattr(channel, field, value)
    channel.event_pending = True
    db.commit()
    return channel


def delete(db: Session, principal: Principal, channel_id: str) -> None:
    channel = get(db, principal, channel_id)
    if channel.deleted_at is None:
        channel.deleted_at, channel.slot = datetime.now(UTC), None
        channel.event_pending = True
        db.commit()


def restore(db: Session, principal: Principal, channel_id: str) -> Channel:
    channel = get(db, principal, channel_id)
    if channel.deleted_at is not None:
        _take_slot(db, principal, channel)
        channel.event_pending = True
        db.commit()
    return channel
