"""Channel rules: owner-scoped, at most five active per user, soft delete and restore."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.errors import Conflict, NotFound, invalid
from gateway.identity import Principal
from gateway.models import Channel, User
from gateway.payloads import ChannelCreate, ChannelUpdate

MAX_ACTIVE = 5


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


def create(db: Session, principal: Principal, body: ChannelCreate) -> Channel:
    _reserve_slot(db, principal)
    channel = Channel(owner_id=principal.user_id, **body.model_dump())
    db.add(channel)
    db.flush()
    return channel


def update(db: Session, principal: Principal, channel_id: str, body: ChannelUpdate) -> Channel:
    channel = get(db, principal, channel_id, active=True)
    current = {f: getattr(channel, f) for f in ChannelCreate.model_fields}
    try:
        merged = ChannelCreate(**{**current, **body.model_dump(exclude_unset=True)})
    except ValidationError as exc:
        raise invalid(exc) from None
    for field, value in merged.model_dump().items():
        setattr(channel, field, value)
    db.commit()
    return channel


def delete(db: Session, principal: Principal, channel_id: str) -> None:
    channel = get(db, principal, channel_id)
    if channel.deleted_at is None:
        channel.deleted_at = datetime.now(UTC)
        db.commit()


def restore(db: Session, principal: Principal, channel_id: str) -> Channel:
    channel = get(db, principal, channel_id)
    if channel.deleted_at is not None:
        _reserve_slot(db, principal)
        channel.deleted_at = None
        db.commit()
    return channel
