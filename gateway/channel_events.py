"""``channel.updated``: every change of a channel, sent to Kafka through an outbox so the
scheduler (which never reads this database) rebuilds its view of the channels from the topic.

A change sets ``Channel.event_pending`` in the same transaction and kicks the gateway's outbox
loop, which sends the channel as it is then (``resend_pending``) and clears the flag only if the
row did not change meanwhile; what the broker did not acknowledge is tried again next round.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.models import Channel, User
from ytempire.core import google
from ytempire.core.channels import ChannelSchedule, ChannelState, TopicDecision, channel_event
from ytempire.core.events import Emit

if TYPE_CHECKING:
    from gateway.outbox import RequestPublisher


def publish_target(channel: Channel) -> str:
    """youtube, local or nowhere, as ``youtube_connections`` says (``core.google``'s rule, the
    one the publisher follows): the topic carries it for the scheduler, it decides nothing."""
    binding = channel.youtube
    if binding is None:
        return google.publish_target(channel.id, False, "not_connected")
    return google.publish_target(channel.id, binding.local_only, binding.status)


def channel_emit(channel: Channel, owner: User) -> Emit:
    schedule = None
    if channel.publish_schedule:
        schedule = ChannelSchedule(cron=channel.publish_schedule,
                                   timezone=channel.schedule_timezone,
                                   videos_per_slot=channel.videos_per_slot,
                                   paused=channel.schedule_paused, topic_mode=channel.topic_mode)
    return channel_event(ChannelState(
        id=channel.id, owner_id=channel.owner_id, version=channel.updated_at, name=channel.name,
        niche=channel.niche, per_video_budget_usd=channel.per_video_budget_usd,
        daily_budget_usd=channel.daily_budget_usd, monthly_budget_usd=owner.monthly_budget_usd,
        deleted=channel.deleted_at is not None, publish_target=publish_target(channel),
        language=channel.language, voice=channel.voice, visual_style=channel.visual_style,
        format=channel.format, target_duration_s=channel.target_duration_s,
        quality_threshold=channel.quality_threshold, auto_publish=channel.auto_publish,
        privacy=channel.privacy, schedule=schedule,
        topic_decisions=[TopicDecision(d.topic_id, d.title, d.decision, d.by_hand)
                         for d in channel.decisions], feeds=list(channel.topic_feeds or [])))


def send(db: Session, publisher: RequestPublisher, channels: Sequence[Channel]) -> bool:
    """Send the channels as they are now; clear their flags unless they changed meanwhile.
    False when the broker did not acknowledge (the outbox loop tries again)."""
    if not channels:
        return True
    owners = {u.id: u for u in db.scalars(select(User).where(
        User.id.in_({c.owner_id for c in channels})))}
    versions = [(c.id, c.updated_at) for c in channels]
    if not publisher.send([channel_emit(c, owners[c.owner_id]) for c in channels]):
        return False
    for cid, version in versions:
        # updated_at given explicitly: clearing the flag is not a change of the channel.
        db.execute(update(Channel).where(Channel.id == cid, Channel.updated_at == version)
                   .values(event_pending=False, updated_at=version))
    db.commit()
    return True


def mark_owner(db: Session, owner_id: str) -> None:
    """The owner's channels carry the owner's monthly budget: send them all again."""
    db.execute(update(Channel).where(Channel.owner_id == owner_id).values(event_pending=True))


def resend_pending(db: Session, publisher: RequestPublisher, limit: int = 100) -> int:
    pending = list(db.scalars(select(Channel).where(Channel.event_pending.is_(True))
                              .order_by(Channel.updated_at).limit(limit)))
    return len(pending) if send(db, publisher, pending) else 0
