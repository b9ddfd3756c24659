"""Server-Sent Events: one stream per video and one per user, fed by the status projection.

Each event's id is its ``video_events`` row id, so a reconnecting client (``Last-Event-ID``)
gets exactly what it missed. A video's stream ends shortly after its final status. Every stream
opens with a comment carrying its start position as id, so a client knows at once that the
stream is open and has a ``Last-Event-ID`` to resume from even before the first event.

The user's stream also carries the user's new notices as ``notice`` events. They have no id
(a notice is not a video event; resuming is by video event), so a client that reconnects
reads the notices it may have missed from ``GET /v1/notifications``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy import func, select

from gateway import videos
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.models import Notice, Video, VideoEvent
from gateway.payloads.notices import NoticeOut

router = APIRouter(tags=["live"])
POLL_S = 1.0
SETTLE_S = 2.0  # events of other topics (late costs) may follow the final status


@dataclass
class Position:
    """The last video event and the last notice a stream has passed (``notice`` None: the
    stream carries no notices)."""

    event: int
    notice: int | None = None


def _since(request: Request, owner_id: str, video_id: str | None,
           at: Position) -> tuple[list[VideoEvent], list[Notice]]:
    query = select(VideoEvent).where(VideoEvent.owner_id == owner_id, VideoEvent.id > at.event)
    if video_id is not None:
        query = query.where(VideoEvent.video_id == video_id)
    with request.app.state.sessions() as db:
        rows = list(db.scalars(query.order_by(VideoEvent.id).limit(500)))
        notices = [] if at.notice is None else list(db.scalars(
            select(Notice).where(Notice.owner_id == owner_id, Notice.id > at.notice)
            .order_by(Notice.id).limit(100)))
    return rows, notices


async def _stream(request: Request, owner_id: str, video_id: str | None, at: Position,
                  follow: bool) -> AsyncIterator[ServerSentEvent]:
    idle, finished = 0.0, False
    ping_s = request.app.state.gateway.sse_ping_s
    yield ServerSentEvent(comment="open", id=str(at.event))
    while True:
        rows, notices = await run_in_threadpool(_since, request, owner_id, video_id, at)
        for notice in notices:
            at.notice = notice.id
            yield ServerSentEvent(event="notice", data=NoticeOut.model_validate(notice))
        for row in rows:
            at.event = row.id
            finished = finished or (video_id is not None
                                    and row.data.get("status") in videos.TERMINAL)
            yield ServerSentEvent(id=str(row.id), event=row.topic, data=row.data)
        if rows or notices:
            idle = 0.0
            continue
        if not follow or (finished and idle >= SETTLE_S) or await request.is_disconnected():
            return
        await request.app.state.hub.wait(POLL_S)
        idle += POLL_S
        if idle >= ping_s:
            idle = 0.0
            yield ServerSentEvent(comment="ping")


LastEventId = Annotated[int | None, Header(alias="Last-Event-ID", ge=0, le=2**63 - 1)]
"""A row id: at most a BIGINT (a larger one reached SQLite as an OverflowError, a 500)."""


def owned_video(video_id: str, db: DB, principal: CurrentUser) -> Video:
    """Resolved before the stream starts, so a foreign or unknown video is a plain 404; the
    session is closed at once, so an open stream holds no pooled connection."""
    video = videos.get(db, principal, video_id)
    db.close()
    return video


@router.get("/videos/{video_id}/events", response_class=EventSourceResponse)
async def video_events(request: Request, video: Annotated[Video, Depends(owned_video)],
                       follow: bool = True,
                       last_event_id: LastEventId = None) -> AsyncIterator[ServerSentEvent]:
    """The video's changes from the request on; ends once the video is finished."""
    at = Position(event=last_event_id or 0)
    async for event in _stream(request, video.owner_id, video.id, at, follow):
        yield event


def stream_start(db: DB, principal: CurrentUser, last_event_id: LastEventId = None) -> Position:
    """Where a user's stream starts: after ``Last-Event-ID`` when resuming, else after the
    caller's newest event; notices after the newest one. Read before the response starts, so
    nothing that happens after the client sees the stream open is missed; the session is
    closed at once, as in ``owned_video``."""
    owner = principal.user_id
    if last_event_id is None:
        last_event_id = db.scalar(select(func.max(VideoEvent.id))
                                  .where(VideoEvent.owner_id == owner)) or 0
    at = Position(event=last_event_id, notice=db.scalar(
        select(func.max(Notice.id)).where(Notice.owner_id == owner)) or 0)
    db.close()
    return at


@router.get("/events", response_class=EventSourceResponse)
async def user_events(request: Request, principal: CurrentUser,
                      at: Annotated[Position, Depends(stream_start)],
                      follow: bool = True) -> AsyncIterator[ServerSentEvent]:
    """Every change to any of the caller's videos from now on (a page reads the current state
    from the REST routes), and each new notice as a ``notice`` event (a ``NoticeOut``).
    ``Last-Event-ID`` resumes after that event; ``Last-Event-ID: 0`` replays the whole history."""
    async for event in _stream(request, principal.user_id, None, at, follow):
        yield event
