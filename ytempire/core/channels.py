"""Building ``channel.updated`` events: a channel as its owner set it, for whoever must know it
without reading the gateway's database (the scheduler)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

import msgspec

from ytempire.core.events import Emit, new_envelope
from ytempire.core.records import ChannelUpdated

TOPIC = "channel.updated"
TOPIC_MODES = ("auto", "manual")


@dataclass(frozen=True)
class ChannelSchedule:
    """When a channel makes videos: a cron read in ``timezone``, ``videos_per_slot`` each time;
    ``topic_mode`` auto takes the best new topic, manual only approved ones."""

    cron: str
    timezone: str = "UTC"
    videos_per_slot: int = 1
    paused: bool = False
    topic_mode: str = "auto"


@dataclass(frozen=True)
class TopicDecision:
    """An owner's decision on one backlog topic (``ytempire.core.backlog.DECISIONS``)."""

    topic_id: str
    title: str
    decision: str
    by_hand: bool = False


@dataclass(frozen=True)
class ChannelState:
    id: str
    owner_id: str
    version: datetime
    name: str
    niche: str
    per_video_budget_usd: Decimal
    daily_budget_usd: Decimal
    monthly_budget_usd: Decimal | None = None
    deleted: bool = False
    publish_target: str = "local"
    language: str = "en"
    voice: str = ""
    visual_style: str = ""
    format: str = "16:9"
    target_duration_s: int = 60
    quality_threshold: int = 70
    auto_publish: bool = True
    privacy: str = "private"
    schedule: ChannelSchedule | None = None
    topic_decisions: list[TopicDecision] = field(default_factory=list)
    """The owner's approvals, skips, pins and topics added by hand (``ytempire.core.backlog``)."""
    feeds: list[str] = field(default_factory=list)
    """RSS/Atom feed URLs the channel lists as a topic source (the trends stage reads them)."""


def channel_event(channel: ChannelState, producer: str = "gateway") -> Emit:
    """The ``channel.updated`` record, keyed by channel id; its id is fixed by the version."""
    value = asdict(channel)
    cid, owner = value.pop("id"), value.pop("owner_id")
    envelope = new_envelope(video_id="", channel_id=cid, owner_id=owner, producer=producer,
                            event_key=f"{cid}:{channel.version.isoformat()}")
    return Emit(TOPIC, msgspec.convert({"envelope": envelope, **value}, ChannelUpdated),
                key_field="channel_id")
