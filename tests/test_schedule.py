"""Schedule arithmetic: slots from cron + time zone, slot video ids, lead time, quota density."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ytempire.core import schedule as sched

T0 = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


def test_slots_are_read_in_the_channels_wall_time_across_daylight_saving() -> None:
    # 09:00 in New York is 14:00 UTC in winter and 13:00 UTC from the change on 14 March 2027.
    before = sched.slots("0 9 * * *", "America/New_York", datetime(2027, 3, 12, tzinfo=UTC),
                         datetime(2027, 3, 16, tzinfo=UTC))
    assert [s.hour for s in before] == [14, 14, 13, 13]
    assert all(s.tzinfo == UTC for s in before)


def test_slots_lie_strictly_after_the_start_and_up_to_the_end() -> None:
    found = sched.slots("0 8,14,20 * * *", "UTC", T0 + timedelta(hours=8), T0 + timedelta(hours=32))
    assert [s - T0 for s in found] == [timedelta(hours=h) for h in (14, 20, 32)]


def test_a_slots_video_id_depends_on_channel_slot_and_index_only() -> None:
    slot = T0 + timedelta(hours=9)
    first = sched.slot_video_id("chan-1", slot)
    assert first == sched.slot_video_id("chan-1", slot.astimezone(sched.PACIFIC))
    others = {sched.slot_video_id("chan-2", slot), sched.slot_video_id("chan-1", slot, 1),
              sched.slot_video_id("chan-1", slot + timedelta(hours=1))}
    assert first not in others and len(others) == 3


def test_every_video_of_a_slot_gets_its_own_publish_time_before_the_next_slot() -> None:
    slot = T0 + timedelta(hours=9)
    times = sched.publish_times(slot, slot + timedelta(hours=6), 3)
    assert times == [slot, slot + timedelta(hours=2), slot + timedelta(hours=4)]


def test_lead_time_is_the_p90_of_measured_times_plus_margin_or_the_default() -> None:
    margin, default = timedelta(minutes=30), timedelta(hours=2)
    assert sched.lead_time([], margin, default) == default
    samples = [600.0] * 9 + [3000.0]  # one slow video in ten: the p90 is the fast ones
    assert sched.lead_time(samples, margin, default) == timedelta(seconds=600) + margin
    assert sched.lead_time([600.0, 3000.0], margin, default) == timedelta(seconds=3000) + margin


@pytest.mark.parametrize(("cron", "tz", "complaint"), [
    ("0 9 * *", "UTC", "invalid cron expression '0 9 * *'"),
    ("61 9 * * *", "UTC", "invalid cron expression"),
    ("0 9 * * *", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ("0 9 * * *", "", "unknown time zone ''"),
])
def test_bad_schedules_say_which_part_is_wrong(cron: str, tz: str, complaint: str) -> None:
    with pytest.raises(sched.ScheduleError) as refused:
        sched.check_schedule(cron, tz, 1, 10_000, T0)
    assert complaint in str(refused.value)


def test_a_schedule_denser_than_the_youtube_quota_is_refused_with_the_numbers() -> None:
    sched.check_schedule("0 8,14,20 * * *", "UTC", 2, 10_000, T0)  # 6 uploads: 9,900 units
    with pytest.raises(sched.ScheduleError, match=r"up to 8 videos in one day.*allows 6 uploads"):
        sched.check_schedule("0 */6 * * *", "UTC", 2, 10_000, T0)
    with pytest.raises(sched.ScheduleError, match="videos_per_slot must be 1 to 10"):
        sched.check_schedule("0 9 * * *", "UTC", 0, 10_000, T0)
