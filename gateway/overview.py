"""The overview page's cards, from the gateway's own tables (always there) and ClickHouse's
spend (null, with the reason, when analytics cannot be read)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway import channels
from gateway.analytics import Analytics, AnalyticsUnavailable
from gateway.identity import Principal
from gateway.models import Channel, User, Video
from gateway.payloads.pages import Overview

SUCCEEDED = ("published", "ready_not_uploaded", "awaiting_publish")
FINISHED = (*SUCCEEDED, "rejected", "failed")
QUALITY_SAMPLE = 1000
WINDOW = timedelta(days=30)


def overview(db: Session, analytics: Analytics, principal: Principal,
             channel_id: str | None) -> Overview:
    if channel_id is not None:
        channels.get(db, principal, channel_id)
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    mine = [Video.owner_id == principal.user_id]
    if channel_id:
        mine.append(Video.channel_id == channel_id)

    def count(*where: Any) -> int:
        return int(db.scalar(select(func.count()).select_from(Video).where(*mine, *where)) or 0)

    def channel_count(*where: Any) -> int:
        return int(db.scalar(select(func.count()).select_from(Channel).where(
            Channel.owner_id == principal.user_id, *where)) or 0)

    recent = [*mine, Video.created_at >= now - WINDOW]
    by_status = dict(db.execute(select(Video.status, func.count()).where(*recent)
                                .group_by(Video.status)).all())
    finished = sum(by_status.get(s, 0) for s in FINISHED)
    costs = db.execute(select(func.sum(Video.cost_usd), func.count()).where(
        *recent, Video.status.in_(FINISHED))).one()
    scores = [q["score"] for q in db.scalars(
        select(Video.quality).where(*recent, Video.quality.is_not(None))
        .order_by(Video.created_at.desc()).limit(QUALITY_SAMPLE)) if q and "score" in q]
    spend_today, spend_month, reason = _spend(analytics, principal, channel_id, now)
    return Overview(
        channels_active=channel_count(Channel.deleted_at.is_(None)),
        channels_paused=channel_count(Channel.deleted_at.is_(None),
                                      Channel.schedule_paused.is_(True)),
        channels_deleted=channel_count(Channel.deleted_at.is_not(None)),
        videos_today=count(Video.created_at >= midnight),
        videos_7d=count(Video.created_at >= now - timedelta(days=7)),
        spend_today_usd=spend_today, spend_month_usd=spend_month, spend_unavailable=reason,
        monthly_budget_usd=db.scalar(select(User.monthly_budget_usd).where(
            User.id == principal.user_id)),
        success_rate_30d=round(sum(by_status.get(s, 0) for s in SUCCEEDED) / finished, 4)
        if finished else None,
        average_quality_30d=round(sum(scores) / len(scores), 2) if scores else None,
        average_cost_per_video_30d=(Decimal(costs[0] or 0) / costs[1]).quantize(
            Decimal("0.000001")) if costs[1] else None)


def _spend(analytics: Analytics, principal: Principal, channel_id: str | None,
           now: datetime) -> tuple[Decimal | None, Decimal | None, str | None]:
    params = {"owner_id": principal.user_id, "channel_id": channel_id or "",
              "end": now.date().isoformat()}
    try:
        reader = analytics.reader()
        [today] = reader.query("spend_total", {**params, "start": now.date().isoformat()})
        [month] = reader.query("spend_total", {
            **params, "start": now.date().replace(day=1).isoformat()})
    except AnalyticsUnavailable as exc:
        return None, None, str(exc)
    return Decimal(str(today["usd"] or 0)), Decimal(str(month["usd"] or 0)), None
