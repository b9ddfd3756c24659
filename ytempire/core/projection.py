"""The month's projected spend of a channel: its pace (videos per day) times its measured cost per
video times the days of the month, against its daily budget times those days; an owner's is
the sum over their channels, against their monthly budget.

One rule for both readers: the ledger, which alerts the owner when a projection passes a budget
(``processors.ledger_projection``), and the gateway, which shows the projection
(``gateway.projections``). Pace and cost per video are taken over the last ``WINDOW``.

The cost per video is what a requested video is expected to cost: the spend of the videos that
ended (published or ready, rejected by the quality gate, or failed: a ``pipeline.failed`` from a
stage of the line, which the runner writes only once its retries are used up) over their
number. A failed video paid its providers too; leaving it out would price a channel that fails
often as if every slot came out well. A failed video that an operator re-drives and that ends
again is still one video, with all it spent.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from ytempire.core import schedule
from ytempire.core.manifest import PIPELINE

WINDOW = timedelta(days=30)
MICRO = Decimal("0.000001")
CHANNEL_SCOPE = "channel_month_projection"
"""``cost.alert`` scope of a channel's projection; its scope id is ``<channel>:<YYYY-MM>``."""
OWNER_SCOPE = "owner_month_projection"
"""``cost.alert`` scope of an owner's projection; its scope id is ``<owner>:<YYYY-MM>``."""
ENDING_STAGES = tuple(step.name for step in PIPELINE.steps)
"""The stages whose ``pipeline.failed`` ends a video (a reader beside the line, such as the
metrics collector, failing on a published video does not); ClickHouse's ``video_summary``
records ``failed_at`` for the same stages (a test holds them together)."""


def month_of(now: datetime) -> str:
    return f"{now.astimezone(UTC):%Y-%m}"


def days_in_month(now: datetime) -> int:
    at = now.astimezone(UTC)
    return calendar.monthrange(at.year, at.month)[1]


@lru_cache(maxsize=4096)
def scheduled_per_day(cron: str, timezone: str, videos_per_slot: int, paused: bool,
                      day: date) -> float:
    """Videos a day a schedule makes over the ``WINDOW`` from ``day`` (UTC midnight); 0 paused.
    Cached: the ledger asks on every event, the answer changes once a day."""
    if paused:
        return 0.0
    start = datetime.combine(day, time(), UTC)
    slots = schedule.slots(cron, timezone, start, start + WINDOW)
    return round(len(slots) * videos_per_slot / WINDOW.days, 3)


def requested_per_day(requested: int) -> float:
    """The pace of a channel without a schedule: its requests over the ``WINDOW``."""
    return round(requested / WINDOW.days, 3)


def ends_video(failed_stage: str) -> bool:
    """Whether a ``pipeline.failed`` of ``failed_stage`` ends its video."""
    return failed_stage in ENDING_STAGES


def cost_per_video(ended_usd: Decimal, ended: int) -> Decimal | None:
    """Mean spend of the ended videos (published, rejected or failed); None before one."""
    return ended_usd / ended if ended > 0 else None


def month_projection(per_video: Decimal, per_day: float, now: datetime) -> Decimal:
    return (per_video * Decimal(str(per_day)) * days_in_month(now)).quantize(MICRO)


def channel_month_budget(daily_budget: Decimal, now: datetime) -> Decimal:
    return daily_budget * days_in_month(now)


def over_budget(projected: Decimal, budget: Decimal | None) -> bool:
    return budget is not None and projected > budget
