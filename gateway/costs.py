"""Spend, projections and KPIs for the caller: ClickHouse rows, always filtered by owner_id.

The owner id is never taken from the request: it is the principal's, bound as a query
parameter, so one user's money and videos never reach another.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from gateway import channels, videos
from gateway.analytics import Analytics
from gateway.errors import GatewayError
from gateway.estimate import estimate
from gateway.identity import Principal
from gateway.payloads.costs import (
    CostProjection,
    EstimateLineOut,
    OwnerKpis,
    SpendBy,
    SpendReport,
    SpendRow,
)
from gateway.payloads.performance import Totals
from ytempire.core.settings import Settings

MAX_DAYS = 366


class BadRange(GatewayError):
    status_code = 422


def date_range(start: date | None, end: date | None) -> tuple[date, date]:
    """Default: the last 30 days including today (UTC)."""
    end = end or datetime.now(UTC).date()
    start = start or end - timedelta(days=29)
    if start > end:
        raise BadRange(f"start {start} is after end {end}")
    if (end - start).days >= MAX_DAYS:
        raise BadRange(f"at most {MAX_DAYS} days per request; narrow start..end")
    return start, end


def spend(db: Session, analytics: Analytics, principal: Principal, by: SpendBy,
          start: date | None, end: date | None, channel_id: str | None,
          limit: int) -> SpendReport:
    first, last = date_range(start, end)
    if channel_id is not None:
        channels.get(db, principal, channel_id)
    params: dict[str, Any] = {"owner_id": principal.user_id, "start": first.isoformat(),
                              "end": last.isoformat(), "channel_id": channel_id or "",
                              "limit": limit}
    reader = analytics.reader()
    rows = reader.query(f"spend_by_{by}", params)
    [total] = reader.query("spend_total", params) or [{"usd": "0", "calls": 0}]
    return SpendReport(by=by, start=first, end=last, channel_id=channel_id,
                       total_usd=Decimal(str(total["usd"] or 0)), calls=int(total["calls"] or 0),
                       rows=[SpendRow(**row) for row in rows])


def projection(db: Session, settings: Settings, principal: Principal, channel_id: str,
               count: int, target_duration_s: int | None) -> CostProjection:
    channel = channels.get(db, principal, channel_id, active=True)
    duration = target_duration_s or channel.target_duration_s
    planned = estimate(settings, channel.id, {
        "target_duration_s": duration, "budget_usd": channel.per_video_budget_usd,
        "format": channel.format, "language": channel.language})
    per_video = planned.usd
    committed = videos.spent_today(db, channel.id)
    total = per_video * count
    return CostProjection(
        channel_id=channel.id, count=count, target_duration_s=duration, per_video_usd=per_video,
        total_usd=total, per_video_budget_usd=channel.per_video_budget_usd,
        daily_budget_usd=channel.daily_budget_usd, committed_last_24h_usd=committed,
        fits_budget=(per_video <= channel.per_video_budget_usd
                     and committed + total <= channel.daily_budget_usd),
        price_table_version=planned.price_table_version, tier=planned.tier,
        lines=[EstimateLineOut(**vars(line)) for line in planned.lines])


def kpis(analytics: Analytics, principal: Principal, days: int) -> OwnerKpis:
    since = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    reader = analytics.reader()
    [row] = reader.query("owner_kpis", {"owner_id": principal.user_id, "since": since})
    today = datetime.now(UTC).date()
    [measured] = reader.query("performance_totals", {
        "owner_id": principal.user_id, "channel_id": "",
        "start": (today - timedelta(days=days - 1)).isoformat(), "end": today.isoformat()})
    return OwnerKpis(days=days, **row,
                     performance=Totals(**measured) if measured["videos_measured"] else None)
