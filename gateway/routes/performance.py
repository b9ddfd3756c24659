"""What YouTube measured of a channel's and a video's videos, and their ROI (owner-scoped)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from gateway import performance
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.payloads.performance import ChannelAnalytics, VideoAnalytics

router = APIRouter(tags=["performance"])

UNAVAILABLE = {503: {"description": "ClickHouse (or the analytics sink) cannot be read now"}}
Start = Annotated[date | None, Query(description="First day (YouTube's Pacific days); "
                                                 "default 29 days before end")]
End = Annotated[date | None, Query(description="Last day, inclusive; default today")]


@router.get("/channels/{channel_id}/analytics", response_model=ChannelAnalytics,
            responses=UNAVAILABLE)
def channel_analytics(channel_id: str, request: Request, db: DB, principal: CurrentUser,
                      start: Start = None, end: End = None) -> ChannelAnalytics:
    """Totals, best and worst videos, topics and weekly cohorts of the channel's videos."""
    return performance.channel(db, request.app.state.analytics, principal, channel_id,
                               start, end)


@router.get("/videos/{video_id}/analytics", response_model=VideoAnalytics,
            responses=UNAVAILABLE)
def video_analytics(video_id: str, request: Request, db: DB, principal: CurrentUser,
                    start: Start = None, end: End = None) -> VideoAnalytics:
    """The video's figures over the range, day by day, and its ROI."""
    return performance.video(db, request.app.state.analytics, principal, video_id, start, end)
