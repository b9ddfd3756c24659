"""A channel's publishing schedule as pure arithmetic: slots from cron + time zone, the video id
of each slot, when to request it, and whether the schedule fits the YouTube quota.

Shared by the gateway (validation, 4xx) and the scheduler stage (planning); no clock is read
here, every function takes ``now`` so tests drive time.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from ytempire.core.events import event_id

PACIFIC = ZoneInfo("America/Los_Angeles")
"""YouTube's daily quota resets at midnight Pacific time."""
INSERT_UNITS = 1600
"""What ``videos.insert`` costs of the daily YouTube quota."""
THUMBNAIL_UNITS = 50
"""What ``thumbnails.set`` costs of it."""
UPLOAD_QUOTA_UNITS = INSERT_UNITS + THUMBNAIL_UNITS
"""What one published video costs of the daily quota (the publisher reserves it, the estimate
prices it, the scheduler and the gateway's schedule check count it)."""
MAX_VIDEOS_PER_SLOT = 10


class ScheduleError(ValueError):
    """A schedule that cannot be planned; the message says which part and why."""


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Lisbon``), or a ScheduleError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(f"unknown time zone {name!r}; use an IANA name such as "
                            "'Europe/Lisbon' or 'UTC'") from None


def check_cron(expression: str) -> str:
    """A 5-field cron expression, or a ScheduleError that shows the form."""
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise ScheduleError(f"invalid cron expression {expression!r}; give 5 fields "
                            "(minute hour day month weekday), e.g. '0 9,15,21 * * *'")
    return expression


def _wall_times(cron: str, tz: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Cron times after ``after`` in UTC. croniter walks naive wall time (its own handling of
    aware times skips an hour after a daylight saving change); zoneinfo then places each wall
    time, so '0 9 * * *' stays 09:00 local and a wall time in the spring gap runs an hour later.
    """
    it = croniter(check_cron(cron), after.astimezone(tz).replace(tzinfo=None))
    while True:
        wall: datetime = it.get_next(datetime)
        moment = wall.replace(tzinfo=tz).astimezone(UTC)
        if moment > after:
            yield moment


def slots(cron: str, tz: str, after: datetime, until: datetime) -> list[datetime]:
    """Slot times in (``after``, ``until``], in UTC; the cron is read in wall time of ``tz``."""
    if after.tzinfo is None or until.tzinfo is None:
        raise ValueError("after and until must carry a time zone")
    found: list[datetime] = []
    for slot in _wall_times(cron, zone(tz), after):
        if slot > until:
            return found
        found.append(slot)
    return found


def next_slot(cron: str, tz: str, after: datetime) -> datetime:
    """The first slot strictly after ``after``, in UTC."""
    return next(_wall_times(cron, zone(tz), after))


def slot_key(slot: datetime) -> str:
    """The name of a slot: its UTC time to the minute, e.g. '2026-12-07T09:00Z'."""
    return slot.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def slot_video_id(channel_id: str, slot: datetime, index: int = 0) -> str:
    """The video of a slot: derived from (channel, slot, index), so a crash, a restart or a
    second scheduler asking for the same slot ask for the same video."""
    return event_id("scheduled-video", channel_id, slot_key(slot), index)


def publish_times(slot: datetime, following: datetime, count: int) -> list[datetime]:
    """Each video of a slot gets its own publishAt: spread evenly from the slot towards the
    next one (never the same moment twice), rounded to the minute."""
    gap = (following - slot) / max(count, 1)
    return [(slot + gap * i).replace(second=0, microsecond=0) for i in range(count)]


def lead_time(samples: Sequence[float], margin: timedelta, default: timedelta) -> timedelta:
    """How long before its slot a video is requested: the 90th percentile of the channel's
    measured request-to-published times (seconds; the slowest one for under ten) plus
    ``margin``; ``default`` (already with its margin) until anything was measured."""
    if not samples:
        return default
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]
    return timedelta(seconds=max(0.0, p90)) + margin


def videos_per_quota_day(cron: str, tz: str, videos_per_slot: int, start: datetime,
                         days: int = 14) -> int:
    """The most videos the schedule asks for in one Pacific quota day, over ``days`` ahead."""
    per_day = Counter(slot.astimezone(PACIFIC).date()
                      for slot in slots(cron, tz, start, start + timedelta(days=days)))
    return max(per_day.values(), default=0) * videos_per_slot


def check_schedule(cron: str, tz: str, videos_per_slot: int, daily_quota: int,
                   now: datetime) -> None:
    """Refuse a schedule that cannot run: a bad cron, an unknown zone, too many videos per
    slot, or more uploads a day than the YouTube quota allows (``UPLOAD_QUOTA_UNITS`` each)."""
    check_cron(cron)
    zone(tz)
    if not 1 <= videos_per_slot <= MAX_VIDEOS_PER_SLOT:
        raise ScheduleError(f"videos_per_slot must be 1 to {MAX_VIDEOS_PER_SLOT}, "
                            f"not {videos_per_slot}")
    most = videos_per_quota_day(cron, tz, videos_per_slot, now)
    allowed = daily_quota // UPLOAD_QUOTA_UNITS
    if most > allowed:
        raise ScheduleError(
            f"schedule {cron!r} ({tz}) asks for up to {most} videos in one day, but the YouTube "
            f"quota of {daily_quota:,} units a day allows {allowed} uploads "
            f"({UPLOAD_QUOTA_UNITS:,} units each); use fewer slots or videos per slot")
