"""A channel's topic backlog: list it with scores, parts and reasons; approve, skip or pin a
topic; add one by hand. Each change is sent to the scheduler with the channel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from gateway import backlog
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.payloads.backlog import BacklogOut, TopicAdd

router = APIRouter(prefix="/channels/{channel_id}/backlog", tags=["backlog"])
TopicId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="16 hex digits")]
USED = {409: {"description": "The topic was already used by a video, or the channel is "
                             "deleted"}}


@router.get("", response_model=BacklogOut)
def list_backlog(channel_id: str, db: DB, principal: CurrentUser) -> BacklogOut:
    return backlog.show(db, principal, channel_id)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=BacklogOut,
             responses={409: {"description": "Already in the backlog"}})
def add_topic(request: Request, channel_id: str, body: TopicAdd, db: DB,
              principal: CurrentUser) -> BacklogOut:
    shown = backlog.add(db, principal, channel_id, body.title)
    request.app.state.outbox.kick()
    return shown


def _decide(request: Request, channel_id: str, topic_id: str, db: DB, principal: CurrentUser,
            decision: str) -> BacklogOut:
    shown = backlog.decide(db, principal, channel_id, topic_id, decision)
    request.app.state.outbox.kick()
    return shown


@router.post("/{topic_id}/approve", response_model=BacklogOut, responses=USED)
def approve_topic(request: Request, channel_id: str, topic_id: TopicId, db: DB,
                  principal: CurrentUser) -> BacklogOut:
    """Approve a topic: manual mode takes only approved (and pinned) topics."""
    return _decide(request, channel_id, topic_id, db, principal, "approved")


@router.post("/{topic_id}/skip", response_model=BacklogOut, responses=USED)
def skip_topic(request: Request, channel_id: str, topic_id: TopicId, db: DB,
               principal: CurrentUser) -> BacklogOut:
    """Skip a topic: no slot takes it."""
    return _decide(request, channel_id, topic_id, db, principal, "skipped")


@router.post("/{topic_id}/pin", response_model=BacklogOut, responses=USED)
def pin_topic(request: Request, channel_id: str, topic_id: TopicId, db: DB,
              principal: CurrentUser) -> BacklogOut:
    """Pin a topic: the next slot takes it before any unpinned one."""
    return _decide(request, channel_id, topic_id, db, principal, "pinned")
