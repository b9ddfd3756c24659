"""The month's projected spend per channel and per owner, as the owner reads it.

The rule is the kernel's (``ytempire.core.projection``), with inputs from ClickHouse: a
channel's pace is its publish schedule's (videos per day over the next 30 days) or, without
one, its requests over the last 30 days; its cost per video is the mean spend of its ended
videos (published, rejected or failed) of the last 30 days, the estimate until one has ended.
Reading it changes nothing: the ledger raises the alert (a ``cost.alert`` of scope
``channel_month_projection`` or ``owner_month_projection``, once a month) when spend, an ended
video or a schedule pushes a projection past its budget, whether or not anyone looks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from gateway import channels
from gateway.analytics import Analytics
from gateway.estimate import estimate
from gateway.identity import Principal
from gateway.models import Channel, User
from gateway.payloads.costs import ChannelMonthProjection, MonthProjection
from ytempire.core import projection as rule
from ytempire.core.settings import Settings


def _channel(settings: Settings, channel: Channel, measured: dict[str, object] | None,
             now: datetime) -> ChannelMonthProjection:
    if channel.publish_schedule:
        per_day = rule.scheduled_per_day(channel.publish_schedule, channel.schedule_timezone,
                                         channel.videos_per_slot, channel.schedule_paused,
                                         now.date())
        pace = "schedule"
    else:
        per_day = rule.requested_per_day(int(measured["requested"]) if measured else 0)
        pace = "history"
    per_video = None if measured is None else rule.cost_per_video(
        Decimal(str(measured["ended_usd"])), int(measured["ended"]))
    basis = "measured"
    if per_video is None:
        per_video = estimate(settings, channel.id, {
            "target_duration_s": channel.target_duration_s,
            "budget_usd": channel.per_video_budget_usd, "format": channel.format,
            "language": channel.language}).usd
        basis = "estimate"
    projected = rule.month_projection(per_video, per_day, now)
    budget = rule.channel_month_budget(channel.daily_budget_usd, now)
    return ChannelMonthProjection(
        channel_id=channel.id, videos_per_day=per_day, pace_from=pace,
        usd_per_video=per_video.quantize(rule.MICRO), usd_per_video_from=basis,
        projected_usd=projected, budget_usd=budget,
        over_budget=rule.over_budget(projected, budget))


def month(db: Session, settings: Settings, analytics: Analytics, principal: Principal,
          now: datetime | None = None) -> MonthProjection:
    """This UTC month's projection for the caller's active channels."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    since = (now - rule.WINDOW).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    rows = analytics.reader().query("channel_cost_per_video",
                                    {"owner_id": principal.user_id, "since": since})
    measured = {str(row["channel_id"]): row for row in rows}
    owned = channels.list_(db, principal, include_deleted=False)
    projections = [_channel(settings, c, measured.get(c.id), now) for c in owned]
    user = db.get(User, principal.user_id)
    budget = user.monthly_budget_usd if user is not None else None
    total = sum((p.projected_usd for p in projections), Decimal(0))
    return MonthProjection(month=rule.month_of(now), days=rule.days_in_month(now),
                           channels=projections, projected_usd=total, monthly_budget_usd=budget,
                           over_budget=rule.over_budget(total, budget))
