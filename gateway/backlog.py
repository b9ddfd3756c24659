"""A channel's topic backlog for its owner: the scheduler's latest ``backlog.updated``
(``ChannelBacklog``) with the owner's decisions laid over it (``BacklogDecision``, which may be
newer than the scheduler's copy), and the decisions themselves.

The scheduler holds the backlog (it takes topics and marks them used in the step that requests
the video, so nothing is taken twice); the gateway holds only what the owner decided, and sends
it with the channel on ``channel.updated``. A decision is saved and flagged in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway import channels
from gateway.errors import Conflict, GatewayError, NotFound
from gateway.identity import Principal
from gateway.models import BacklogDecision, Channel, ChannelBacklog, utcnow
from gateway.payloads.backlog import BacklogOut, BacklogTopicOut
from ytempire.core import backlog

WAITING = "waiting for the scheduler to score it"


class BadTopic(GatewayError):
    status_code = 422


def _status(topic: dict[str, Any]) -> str:
    if topic["used_by"]:
        return "used"
    if topic["refused"]:
        return "refused"
    if topic["decision"]:
        return str(topic["decision"])
    return "candidate"


def show(db: Session, principal: Principal, channel_id: str) -> BacklogOut:
    """The backlog in the order slots would take it: pinned, then by score (approved before
    candidates in manual mode); used ones last."""
    channel = channels.get(db, principal, channel_id)
    stored = db.get(ChannelBacklog, channel.id)
    topics = {t["topic_id"]: {**t, "parts": {p["name"]: p["value"] for p in t["parts"]}}
              for t in (stored.topics if stored else [])}
    decisions = db.scalars(select(BacklogDecision).where(BacklogDecision.channel_id == channel.id))
    for decision in decisions:
        topic = topics.get(decision.topic_id)
        if topic is None:
            topic = topics[decision.topic_id] = {
                "topic_id": decision.topic_id, "title": decision.title, "source": "by_hand",
                "ref": "", "score": None, "parts": {}, "reasons": [WAITING], "refused": "",
                "used_by": "", "used_at": None}
        topic["decision"] = decision.decision
    mode = channel.topic_mode
    # In manual mode a candidate is taken by no slot until approved: it comes after them.
    rank = {"pinned": 0, "approved": 1, "candidate": 1 if mode == "auto" else 2, "skipped": 3,
            "refused": 4, "used": 5}
    answered = [BacklogTopicOut(**{**t, "used_by": t["used_by"] or None},
                                status=_status(t)) for t in topics.values()]
    answered.sort(key=lambda t: (rank[t.status], -(t.score or 0.0), t.title))
    return BacklogOut(channel_id=channel.id, mode=mode,
                      scored_at=stored.occurred_at if stored else None, topics=answered)


def _known(db: Session, channel: Channel, topic_id: str) -> tuple[str, dict[str, Any] | None]:
    """The topic's title and the scheduler's copy of it; 404 when neither side knows it."""
    stored = db.get(ChannelBacklog, channel.id)
    topic = next((t for t in (stored.topics if stored else []) if t["topic_id"] == topic_id),
                 None)
    decided = db.get(BacklogDecision, (channel.id, topic_id))
    if topic is None and decided is None:
        raise NotFound(f"topic {topic_id} is not in the backlog of channel {channel.id}")
    return (topic["title"] if topic else decided.title if decided else ""), topic


def _save(db: Session, channel: Channel, topic_id: str, title: str, decision: str,
          by_hand: bool = False) -> None:
    row = db.get(BacklogDecision, (channel.id, topic_id))
    if row is None:
        count = db.scalar(select(func.count()).select_from(BacklogDecision)
                          .where(BacklogDecision.channel_id == channel.id)) or 0
        if count >= backlog.MAX_DECISIONS:
            raise Conflict(f"channel {channel.id} holds {backlog.MAX_DECISIONS} topic decisions, "
                           "the most it keeps")
        row = BacklogDecision(channel_id=channel.id, topic_id=topic_id, title=title,
                              by_hand=by_hand)
        db.add(row)
    row.decision, row.decided_at = decision, utcnow()
    # The channel's version moves, so the scheduler takes this channel.updated as newer.
    channel.event_pending, channel.updated_at = True, _later(channel.updated_at)
    db.commit()


def _later(version: datetime) -> datetime:
    now = utcnow()
    return now if now > version else version + timedelta(microseconds=1)


def decide(db: Session, principal: Principal, channel_id: str, topic_id: str,
           decision: str) -> BacklogOut:
    """Approve, skip or pin a topic; a used one can no longer be decided on (409)."""
    channel = channels.get(db, principal, channel_id, active=True)
    title, topic = _known(db, channel, topic_id)
    if topic is not None and topic["used_by"]:
        raise Conflict(f"topic {topic_id} was already used by video {topic['used_by']}")
    _save(db, channel, topic_id, title, decision)
    return show(db, principal, channel_id)


def add(db: Session, principal: Principal, channel_id: str, text: str) -> BacklogOut:
    """A topic typed in by the owner: approved at once, scored by the scheduler next."""
    channel = channels.get(db, principal, channel_id, active=True)
    try:
        title = backlog.clean_title(text)
    except backlog.BadTitle as exc:
        raise BadTopic(str(exc)) from None
    tid = backlog.topic_id(channel.id, title)
    stored = db.get(ChannelBacklog, channel.id)
    if db.get(BacklogDecision, (channel.id, tid)) is not None or any(
            t["topic_id"] == tid for t in (stored.topics if stored else [])):
        raise Conflict(f"{title!r} is already in the backlog as topic {tid}")
    _save(db, channel, tid, title, "approved", by_hand=True)
    return show(db, principal, channel_id)
