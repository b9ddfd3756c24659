"""The month's projected spend per channel and per owner, and an alert when it passes a budget.

A channel's projection is its pace (videos per day: its publish schedule's slots over the next
30 days, else what it requested over the last 30) times its measured cost per finished video
(the last 30 days in ClickHouse; the estimate until one has finished) times the days of the
month. Its budget for the month is its daily budget times those days; the owner's is the
owner's monthly budget. Passing one is an alert in the answer, a notice, and a ``cost.alert``
event on the broker (scope ``channel_month_projection`` or ``owner_month_projection``, one id
per scope and month), so webhooks, ClickHouse and Grafana see it with the ledger's alerts.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from croniter import croniter
from sqlalchemy.orm import Session

from gateway import channels, notices
from gateway.analytics import Analytics
from gateway.config import GatewaySettings
from gateway.estimate import estimate
from gateway.identity import Principal
from gateway.models import Channel, User
from gateway.outbox import RequestPublisher
from gateway.payloads.costs import ChannelMonthProjection, MonthProjection
from ytempire.core.events import Emit, new_envelope
from ytempire.core.logging import get_logger
from ytempire.core.records import CostAlert
from ytempire.core.settings import Settings

log = get_logger()

WINDOW = timedelta(days=30)
CENT = Decimal("0.01")
MICRO = Decimal("0.000001")


def scheduled_per_day(cron: str | None, now: datetime) -> float | None:
    """Slots per day of a cron schedule over the next 30 days; None without a schedule."""
    if not cron:
        return None
    slots, it, end = 0, croniter(cron, now), now + WINDOW
    while it.get_next(datetime) <= end:
        slots += 1
    return round(slots / WINDOW.days, 3)


def _channel(settings: Settings, channel: Channel, measured: dict[str, object] | None,
             now: datetime, days: int) -> ChannelMonthProjection:
    per_day = scheduled_per_day(channel.publish_schedule, now)
    pace = "schedule"
    if per_day is None:
        per_day, pace = round(int(measured["requested"]) / WINDOW.days, 3) if measured else 0.0, \
            "history"
    if measured and int(measured["finished"]) > 0:
        per_video = Decimal(str(measured["finished_usd"])) / int(measured["finished"])
        basis = "measured"
    else:
        per_video = estimate(settings, channel.id, {
            "target_duration_s": channel.target_duration_s,
            "budget_usd": channel.per_video_budget_usd, "format": channel.format,
            "language": channel.language}).usd
        basis = "estimate"
    projected = (per_video * Decimal(str(per_day)) * days).quantize(MICRO)
    budget = channel.daily_budget_usd * days
    return ChannelMonthProjection(
        channel_id=channel.id, videos_per_day=per_day, pace_from=pace,
        usd_per_video=per_video.quantize(MICRO), usd_per_video_from=basis,
        projected_usd=projected, budget_usd=budget, over_budget=projected > budget)


def alert_event(owner_id: str, channel_id: str, scope: str, scope_id: str, budget: Decimal,
                projected: Decimal) -> CostAlert:
    """The ``cost.alert`` of a projection past its budget; its id depends on scope and month."""
    envelope = new_envelope(video_id="", channel_id=channel_id, owner_id=owner_id,
                            producer="gateway", event_key=f"projection:{scope}:{scope_id}")
    return CostAlert(envelope=envelope, scope=scope, scope_id=scope_id, threshold_pct=100,
                     budget_usd=budget.quantize(MICRO), spent_usd=projected.quantize(MICRO))


def month(db: Session, settings: Settings, gateway: GatewaySettings, analytics: Analytics,
          publisher: RequestPublisher, principal: Principal, now: datetime | None = None
          ) -> MonthProjection:
    """This UTC month's projection for the caller's active channels; alerts become notices."""
    now = now or datetime.now(UTC)
    days = calendar.monthrange(now.year, now.month)[1]
    since = (now - WINDOW).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    rows = analytics.reader().query("channel_cost_per_video",
                                    {"owner_id": principal.user_id, "since": since})
    measured = {str(row["channel_id"]): row for row in rows}
    owned = [c for c in channels.list_(db, principal, include_deleted=False)]
    projections = [_channel(settings, c, measured.get(c.id), now, days) for c in owned]
    user = db.get(User, principal.user_id)
    budget = user.monthly_budget_usd if user is not None else None
    total = sum((p.projected_usd for p in projections), Decimal(0))
    result = MonthProjection(month=f"{now:%Y-%m}", days=days, channels=projections,
                             projected_usd=total, monthly_budget_usd=budget,
                             over_budget=budget is not None and total > budget)
    period = f"{now:%Y-%m}"
    owner = principal.user_id
    alerts = [alert_event(owner, p.channel_id, "channel_month_projection",
                          f"{p.channel_id}:{period}", p.budget_usd, p.projected_usd)
              for p in projections if p.over_budget]
    if result.over_budget and budget is not None:
        alerts.append(alert_event(owner, "", "owner_month_projection", f"{owner}:{period}",
                                  budget, total))
    new = []
    for value in alerts:
        data = {"scope": value.scope, "scope_id": value.scope_id, "threshold_pct": 100,
                "budget_usd": str(value.budget_usd.quantize(CENT)),
                "spent_usd": str(value.spent_usd.quantize(CENT)), "projected": True}
        # The notice takes the event's id, so reading the event back adds no second notice.
        if notices.notify(db, gateway, owner, "cost.alert", value.envelope.event_id, now,
                          data) is not None:
            new.append(Emit("cost.alert", value))
    db.commit()
    if new and not publisher.send(new):
        log.warning("projection_alert_unsent", alerts=len(new),
                    reason="broker did not acknowledge; the notices are stored")
    return result
