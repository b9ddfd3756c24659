"""Channel and video performance: the owner-scoped queries over what YouTube Analytics measured
(the rollups of ``video_metrics``, analytics migration 0014, kept by the sink: 100,000 videos x
90 days answer in tens of ms instead of seconds) joined with what the videos cost. A channel
that is not connected, and has no figures from an earlier connection, answers "not connected"
with no numbers: nothing is made up. Simulated rows never reach these queries (they filter them
out in SQL)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from gateway import channels, videos
from gateway.analytics import Analytics
from gateway.costs import date_range
from gateway.identity import Principal
from gateway.models import YouTubeConnection
from gateway.payloads.performance import (
    ChannelAnalytics,
    DayFigures,
    GroupFigures,
    Totals,
    VideoAnalytics,
    VideoFigures,
)

RANKED = 5
NOT_CONNECTED = ("this channel is not connected to YouTube, so nothing is measured: connect it "
                 "(POST /v1/channels/{id}/youtube/connect)")


def _connection(db: Session, channel_id: str) -> str:
    row = db.get(YouTubeConnection, channel_id)
    return row.status if row is not None else "not_connected"


def _detail(connection: str, measured: bool) -> str | None:
    if measured:
        return None
    if connection == "connected":
        return "no YouTube Analytics figures yet for this range (YouTube reports a day late)"
    if connection == "reconnect_needed":
        return "Google revoked this channel's grant: reconnect it to read new figures"
    return NOT_CONNECTED


def channel(db: Session, analytics: Analytics, principal: Principal, channel_id: str,
            start: date | None, end: date | None) -> ChannelAnalytics:
    channels.get(db, principal, channel_id)
    first, last = date_range(start, end)
    connection = _connection(db, channel_id)
    params = {"owner_id": principal.user_id, "channel_id": channel_id, "video_id": "",
              "start": first.isoformat(), "end": last.isoformat()}
    reader = analytics.reader()
    per_video = [VideoFigures(**row) for row in reader.query("video_performance", params)]
    [totals] = reader.query("performance_totals", params)
    measured = bool(per_video)
    ranked = sorted(per_video, key=_rank, reverse=True)
    return ChannelAnalytics(
        channel_id=channel_id, connection=connection, detail=_detail(connection, measured),
        start=first, end=last, totals=Totals(**totals) if measured else None,
        best_videos=ranked[:RANKED], worst_videos=ranked[::-1][:RANKED] if measured else [],
        topics=_groups(per_video, lambda v: v.topic or ""),
        cohorts=_groups(per_video, lambda v: str(v.cohort_week or "")))


def video(db: Session, analytics: Analytics, principal: Principal, video_id: str,
          start: date | None, end: date | None) -> VideoAnalytics:
    found = videos.get(db, principal, video_id)
    first, last = date_range(start, end)
    connection = _connection(db, found.channel_id)
    params = {"owner_id": principal.user_id, "channel_id": found.channel_id,
              "video_id": video_id, "start": first.isoformat(), "end": last.isoformat()}
    reader = analytics.reader()
    rows = reader.query("video_performance", params)
    days = [DayFigures(**row) for row in reader.query("video_metrics_daily", params)]
    return VideoAnalytics(
        video_id=video_id, channel_id=found.channel_id, connection=connection,
        detail=_detail(connection, bool(rows)), start=first, end=last,
        figures=VideoFigures(**rows[0]) if rows else None, days=days)


def _rank(v: VideoFigures) -> tuple[int, Decimal | int]:
    """Best first: by ROI where revenue is known, else by views."""
    if v.roi_usd is not None:
        return (1, v.roi_usd)
    return (0, v.views or 0)


def _groups(rows: Iterable[VideoFigures], key: Callable[[VideoFigures], str]
            ) -> list[GroupFigures]:
    sums: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"videos": 0, "views": 0, "revenue_usd": None, "cost_usd": Decimal(0)})
    for row in rows:
        group = sums[key(row)]
        group["videos"] += 1
        group["views"] += row.views or 0
        group["cost_usd"] += row.cost_usd or 0
        if row.revenue_usd is not None:
            group["revenue_usd"] = (group["revenue_usd"] or Decimal(0)) + row.revenue_usd
    out = [GroupFigures(key=k, roi_usd=None if g["revenue_usd"] is None
                        else g["revenue_usd"] - g["cost_usd"], **g) for k, g in sums.items()]
    return sorted(out, key=lambda g: (g.roi_usd is not None, g.roi_usd or 0, g.views),
                  reverse=True)
