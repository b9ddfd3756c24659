"""scheduler: one request per slot with its own publishAt, redelivery-safe, skips with reasons."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from processors.scheduler import TABLES, MemoryState, Scheduler
from processors.scheduler_clock import tick_event
from tests.typed import at_time, upload_done
from ytempire.core.channels import ChannelSchedule, ChannelState, channel_event
from ytempire.core.events import Emit, Envelope, Event, cost_event, new_envelope, plain
from ytempire.core.settings import Settings

T0 = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
THREE_A_DAY = ChannelSchedule(cron="0 8,14,20 * * *", timezone="UTC")


def channel(cid: str = "chan-1", version: datetime = T0, **changes: object) -> ChannelState:
    fields: dict[str, object] = {
        "id": cid, "owner_id": "owner-1", "version": version, "name": "Space",
        "niche": "space history", "per_video_budget_usd": Decimal("3.00"),
        "daily_budget_usd": Decimal("30.00"), "schedule": THREE_A_DAY, **changes}
    return ChannelState(**fields)  # type: ignore[arg-type]


@pytest.fixture
def scheduler(settings: Settings) -> Scheduler:
    return Scheduler(MemoryState(TABLES), settings)


def paid(envelope: Envelope, usd: str, at: datetime, unit: str = "characters",
         quantity: float = 1.0) -> Event:
    """A cost.incurred record of ``usd`` for the video of ``envelope``, occurred at ``at``."""
    emit = cost_event(envelope, stage="narrator", provider="p", model="m", unit=unit,
                      quantity=quantity, usd=Decimal(usd), cached=False,
                      price_table_version="t", call_key=f"{usd}{unit}")
    return at_time(emit, at).value


def tick(scheduler: Scheduler, now: datetime) -> list[Emit]:
    return scheduler.handle(tick_event(now).value)


def run(scheduler: Scheduler, start: datetime, hours: float, step_min: int = 10) -> list[Emit]:
    emits = []
    for n in range(int(hours * 60 / step_min) + 1):
        emits += tick(scheduler, start + timedelta(minutes=n * step_min))
    return emits


def requests(emits: list[Emit]) -> list[Emit]:
    return [e for e in emits if e.topic == "script.requested"]


def slots(emits: list[Emit], status: str) -> list[dict]:
    return [
        plain(e.value)
        for e in emits
        if e.topic == "schedule.slot" and plain(e.value)["status"] == status
    ]


def test_three_slots_a_day_give_one_video_per_slot_each_with_its_own_publish_time(
    scheduler: Scheduler,
) -> None:
    scheduler.handle(channel_event(channel()).value)
    emits = run(scheduler, T0, 48)
    asked = requests(emits)
    publish = [plain(e.value)["spec"]["publish_at"] for e in asked]
    expected = [T0 + timedelta(days=d, hours=h) for d in (0, 1) for h in (8, 14, 20)]
    assert publish == expected
    assert len({plain(e.value)["envelope"]["video_id"] for e in asked}) == 6
    assert len({plain(e.value)["spec"]["topic"] for e in asked}) == 6
    # Requested the default lead (2 h) before its slot, never again on later ticks.
    assert [s["request_at"] for s in slots(emits, "requested")] == [
        t - timedelta(hours=2) for t in expected]
    assert all(plain(e.value)["envelope"]["producer"]["name"] == "scheduler" for e in asked)


def test_two_videos_a_slot_get_two_ids_and_two_publish_times(scheduler: Scheduler) -> None:
    two = ChannelSchedule(cron="0 8,14,20 * * *", videos_per_slot=2)
    scheduler.handle(channel_event(channel(schedule=two)).value)
    asked = requests(run(scheduler, T0, 10))
    assert [plain(e.value)["spec"]["publish_at"] for e in asked] == [
        T0 + timedelta(hours=8), T0 + timedelta(hours=11)]
    assert len({plain(e.value)["envelope"]["video_id"] for e in asked}) == 2


def test_a_redelivered_tick_asks_for_the_same_videos_with_the_same_event_ids(
    settings: Settings,
) -> None:
    state = MemoryState(TABLES)
    first = Scheduler(state, settings)
    first.handle(channel_event(channel()).value)
    tick(first, T0)
    saved = {t: {k: v for k, v in rows.items()} for t, rows in state.tables.items()}
    once = requests(tick(first, T0 + timedelta(hours=6)))
    state.tables = saved  # the crash: the tick's writes never reached the changelog
    again = requests(tick(Scheduler(state, settings), T0 + timedelta(hours=6, minutes=5)))
    assert [plain(e.value)["envelope"]["event_id"] for e in once] == [
        plain(e.value)["envelope"]["event_id"] for e in again]
    assert len(once) == 1


def test_a_budget_that_runs_out_mid_day_skips_the_remaining_slots_with_notices(
    scheduler: Scheduler,
) -> None:
    scheduler.handle(channel_event(channel(daily_budget_usd=Decimal("8.00"))).value)
    morning = requests(run(scheduler, T0, 7))
    assert len(morning) == 1
    envelope = morning[0].value.envelope
    cost = paid(envelope, "6.50", T0 + timedelta(hours=7))
    scheduler.handle(cost)
    scheduler.handle(cost)  # a redelivered cost counts once
    rest = run(scheduler, T0 + timedelta(hours=7), 16)
    assert requests(rest) == []
    skipped = slots(rest, "skipped")
    assert [s["slot_at"] for s in skipped] == [T0 + timedelta(hours=14), T0 + timedelta(hours=20)]
    assert all(s["reason"].startswith("daily_budget: $6.50 spent today + $3.00") for s in skipped)
    assert len(requests(run(scheduler, T0 + timedelta(hours=23), 10))) == 1  # a new day


def test_the_owners_monthly_budget_counts_every_channel_of_the_owner(
    scheduler: Scheduler,
) -> None:
    scheduler.handle(channel_event(channel(monthly_budget_usd=Decimal("10.00"))).value)
    scheduler.handle(channel_event(channel("chan-2", schedule=None)).value)
    envelope = new_envelope(video_id="v", channel_id="chan-2", owner_id="owner-1",
                            producer="gateway")
    scheduler.handle(paid(envelope, "8.00", T0 - timedelta(days=3)))
    skipped = slots(run(scheduler, T0, 7), "skipped")
    assert skipped[0]["reason"].startswith("monthly_budget: $8.00 spent this month + $3.00")


def test_a_youtube_channel_skips_when_the_days_quota_is_spent(scheduler: Scheduler) -> None:
    scheduler.handle(channel_event(channel(publish_target="youtube")).value)
    envelope = new_envelope(video_id="v", channel_id="other", owner_id="o", producer="publisher")
    scheduler.handle(paid(envelope, "0", T0 + timedelta(hours=1), "youtube_quota", 9000.0))
    skipped = slots(run(scheduler, T0 + timedelta(hours=1), 6), "skipped")
    assert skipped[0]["reason"].startswith("youtube_quota: 9,000 of 10,000 units used")


def test_pause_skips_due_slots_and_resume_requests_the_next_ones(scheduler: Scheduler) -> None:
    paused = ChannelSchedule(cron=THREE_A_DAY.cron, paused=True)
    scheduler.handle(channel_event(channel(schedule=paused)).value)
    emits = run(scheduler, T0, 7)
    assert requests(emits) == []
    assert slots(emits, "skipped")[0]["reason"].startswith("paused")
    scheduler.handle(channel_event(channel(version=T0 + timedelta(hours=7))).value)
    resumed = requests(run(scheduler, T0 + timedelta(hours=7), 6))
    assert [plain(e.value)["spec"]["publish_at"] for e in resumed] == [T0 + timedelta(hours=14)]


def test_changing_the_schedule_replans_future_slots_only(scheduler: Scheduler) -> None:
    scheduler.handle(channel_event(channel()).value)
    first = requests(run(scheduler, T0, 7))  # 08:00 requested at 06:00
    later = ChannelSchedule(cron="30 9,21 * * *")
    scheduler.handle(channel_event(channel(version=T0 + timedelta(hours=7),
                                           schedule=later)).value)
    scheduler.handle(
        channel_event(channel(version=T0, schedule=None)).value
    )  # stale: ignored
    after = requests(run(scheduler, T0 + timedelta(hours=7), 24))
    assert [plain(e.value)["spec"]["publish_at"] for e in first + after] == [
        T0 + timedelta(hours=8), T0 + timedelta(hours=9, minutes=30),
        T0 + timedelta(hours=21, minutes=30)]


def test_manual_mode_without_approved_topics_skips_with_the_reason(scheduler: Scheduler) -> None:
    manual = ChannelSchedule(cron=THREE_A_DAY.cron, topic_mode="manual")
    scheduler.handle(channel_event(channel(schedule=manual)).value)
    skipped = slots(run(scheduler, T0, 7), "skipped")
    assert skipped[0]["reason"].startswith("no_topic:")


def test_topics_never_repeat_across_the_owners_channels(scheduler: Scheduler) -> None:
    scheduler.handle(channel_event(channel()).value)
    scheduler.handle(channel_event(channel("chan-2")).value)
    topics = [
        plain(e.value)["spec"]["topic"] for e in requests(run(scheduler, T0, 48, step_min=30))
    ]
    assert len(topics) == 12 and len(set(topics)) == 12


def test_measured_time_to_publish_sets_how_early_a_slot_is_requested(
    scheduler: Scheduler,
) -> None:
    scheduler.handle(channel_event(channel()).value)
    asked = requests(run(scheduler, T0, 7))[0].value.envelope
    done = at_time(Emit("upload.done", upload_done(asked, "local", "x")),
                   asked.occurred_at + timedelta(minutes=20)).value
    scheduler.handle(done)
    emits = run(scheduler, T0 + timedelta(hours=7), 7, step_min=5)
    # Lead: 20 min measured + 30 min margin, so 14:00 is requested at 13:10, not 12:00.
    assert [s["request_at"] for s in slots(emits, "requested")] == [
        T0 + timedelta(hours=13, minutes=10)]
    times = Counter(e.topic for e in emits)
    assert times["script.requested"] == 1


def test_scheduler_benchmark_smoke_run_requests_every_due_slot() -> None:
    """A tiny run of tests/benchmarks/bench_scheduler.py (the figures are in benchmarks.md)."""
    from tests.benchmarks.bench_scheduler import run as bench

    report = bench(channels=20, hours=13, tick_s=300)
    assert report["slots_planned"] == 20 * 7  # 48 h ahead at 3 a day, then 08:xx of day 3
    assert report["videos_requested"] == 20 * 2  # 08:xx and 14:xx fall due within 13 h
    assert report["request_lag_s"]["max"] < 300  # never more than one tick late
