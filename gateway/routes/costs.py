"""Costs and KPIs of the caller's videos, read from ClickHouse; projections from the price table."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from gateway import costs, export, projections
from gateway.auth import CurrentUser
from gateway.db import DB
from gateway.payloads.costs import CostProjection, MonthProjection, OwnerKpis, SpendBy, SpendReport

router = APIRouter(tags=["costs"])

UNAVAILABLE = {503: {"description": "ClickHouse (or the analytics sink) cannot be read now"}}


@router.get("/costs", response_model=SpendReport, responses=UNAVAILABLE)
def get_spend(
    request: Request, db: DB, principal: CurrentUser,
    by: Annotated[SpendBy, Query(description="Group by day, channel, stage or video")] = "day",
    start: Annotated[date | None, Query(description="First day (UTC); default 29 days "
                                                    "before end")] = None,
    end: Annotated[date | None, Query(description="Last day, inclusive; default today")] = None,
    channel_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> SpendReport:
    """Spend of the caller's videos over a date range, as the analytics sink recorded it."""
    return costs.spend(db, request.app.state.analytics, principal, by, start, end, channel_id,
                       limit)


@router.get("/costs/export", response_class=Response, responses={
    **UNAVAILABLE, 200: {"content": {"text/csv": {}}, "description": "A header row, then one "
                         "row per day, provider, stage, channel or video"}})
def export_spend(
    request: Request, db: DB, principal: CurrentUser,
    by: Annotated[SpendBy, Query(description="One row per day, provider, channel, stage or "
                                             "video")] = "day",
    start: Annotated[date | None, Query(description="First day (UTC); default 29 days "
                                                    "before end")] = None,
    end: Annotated[date | None, Query(description="Last day, inclusive; default today")] = None,
    since: Annotated[date | None, Query(description="Same as start")] = None,
    until: Annotated[date | None, Query(description="Same as end")] = None,
    channel_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Response:
    """The caller's spend over a date range as CSV (cells that a spreadsheet would run as a
    formula are written as text)."""
    report = costs.spend(db, request.app.state.analytics, principal, by, start or since,
                         end or until, channel_id, export.MAX_ROWS)
    name = export.filename(report, report.start, report.end)
    return Response(export.spend_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Content-Type-Options": "nosniff"})


@router.get("/costs/projection", response_model=CostProjection)
def get_projection(
    request: Request, db: DB, principal: CurrentUser,
    channel_id: Annotated[str, Query(max_length=36)],
    count: Annotated[int, Query(ge=1, le=50)] = 1,
    target_duration_s: Annotated[int | None, Query(ge=15, le=1200)] = None,
) -> CostProjection:
    """What ``count`` videos on the channel would cost, and whether the budgets allow them."""
    return costs.projection(db, request.app.state.settings, principal, channel_id, count,
                            target_duration_s)


@router.get("/costs/month", response_model=MonthProjection, responses=UNAVAILABLE)
def get_month_projection(request: Request, db: DB, principal: CurrentUser) -> MonthProjection:
    """This month's projected spend per channel and in all, against the budgets; the ledger
    raises a ``cost.alert`` notice (once a month) when a projection passes a budget."""
    state = request.app.state
    return projections.month(db, state.settings, state.analytics, principal)


@router.get("/kpis", response_model=OwnerKpis, responses=UNAVAILABLE)
def get_kpis(request: Request, principal: CurrentUser,
             days: Annotated[int, Query(ge=1, le=366)] = 30) -> OwnerKpis:
    """The caller's KPIs over videos requested in the last ``days`` days."""
    return costs.kpis(request.app.state.analytics, principal, days)
