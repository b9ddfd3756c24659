"""Channel rules: owner-scoped, at most five active per user, soft delete and restore, a
schedule the YouTube quota can take; every change is flagged for ``channel.updated``."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.errors import Conflict, GatewayError, NotFound, invalid
from gateway.identity import Principal
from gateway.models import Channel, User
from gateway.payloads import ChannelCreate, ChannelUpdate
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


def _reserve_slot(db: Session, principal: Principal) -> None:
    """Lock the owner's row (PostgreSQL) so two concurrent creates cannot both take slot five."""
    db.execute(select(User.id).where(User.id == principal.user_id).with_for_update())
    active = db.scalar(select(func.count()).select_from(Channel).where(
        Channel.owner_id == principal.user_id, Channel.deleted_at.is_(None)))
    if active >= MAX_ACTIVE:
        raise Conflict(f"at most {MAX_ACTIVE} active channels per user; delete one first")


def create(db: Session, principal: Principal, body: ChannelCreate,
           daily_quota: int) -> Channel:
    _check_schedule(body, daily_quota)
    _reserve_slot(db, principal)
    channel = Channel(owner_id=principal.user_id, **body.model_dump())
    db.add(channel)
    db.flush()
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
        channel.deleted_at = datetime.now(UTC)
        channel.event_pending = True
        db.commit()


def restore(db: Session, principal: Principal, channel_id: str) -> Channel:
    channel = get(db, principal, channel_id)
    if channel.deleted_at is not None:
        _reserve_slot(db, principal)
        channel.deleted_at = None
        channel.event_pending = True
        db.commit()
    return channel
