"""The scheduler's topic backlog: discovery fills it with scored topics, the owner's decisions
steer it, and each slot takes its topic from it (pinned first, then by score) exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from processors.scheduler import TABLES, MemoryState, Scheduler
from tests.processors.test_scheduler import T0, THREE_A_DAY, channel, requests, run, slots, tick
from ytempire.core.backlog import topic_id
from ytempire.core.channels import ChannelSchedule, TopicDecision, channel_event
from ytempire.core.events import Emit, plain
from ytempire.core.settings import Settings

MANUAL = ChannelSchedule(cron=THREE_A_DAY.cron, topic_mode="manual")


@pytest.fixture
def scheduler(settings: Settings) -> Scheduler:
    return Scheduler(MemoryState(TABLES), settings)


def backlogs(emits: list[Emit]) -> list[dict]:
    return [plain(e.value) for e in emits if e.topic == "backlog.updated"]


def update(scheduler: Scheduler, minutes: int, **changes: object) -> list[Emit]:
    """A newer version of the test channel, as the gateway sends it after a change."""
    return scheduler.handle(channel_event(channel(
        version=T0 + timedelta(minutes=minutes), **changes)).value)


def test_a_schedule_alone_fills_the_backlog_with_scored_topics_and_their_reasons(
    scheduler: Scheduler,
) -> None:
    [shown] = backlogs(update(scheduler, 0))
    assert shown["mode"] == "auto" and shown["envelope"]["channel_id"] == "chan-1"
    assert len(shown["topics"]) >= 10
    first = shown["topics"][0]
    assert {p["name"] for p in first["parts"]} == {"trend", "forecast", "fit", "novelty"}
    assert first["source"] == "offline" and first["reasons"] and not first["refused"]
    assert first["topic_id"] == topic_id("chan-1", first["title"])
    scores = [t["score"] for t in shown["topics"]]
    assert scores == sorted(scores, reverse=True)


def test_each_slot_takes_the_best_topic_and_no_topic_is_ever_taken_twice(
    scheduler: Scheduler,
) -> None:
    [shown] = backlogs(update(scheduler, 0))
    best = shown["topics"][0]["title"]
    emits = run(scheduler, T0, 48)
    made = [plain(e.value) for e in requests(emits)]
    assert len(made) == 6
    assert made[0]["spec"]["topic"] == best
    assert len({r["spec"]["topic"] for r in made}) == 6
    final = backlogs(emits)[-1]["topics"]
    used = {t["used_by"]: t["title"] for t in final if t["used_by"]}
    assert used == {r["envelope"]["video_id"]: r["spec"]["topic"] for r in made}


def test_manual_mode_skips_with_no_approved_topic_then_takes_the_approved_one(
    scheduler: Scheduler,
) -> None:
    [shown] = backlogs(update(scheduler, 0, schedule=MANUAL))
    first = run(scheduler, T0, 8)
    assert not requests(first)
    [skipped] = slots(first, "skipped")
    assert "no approved topic" in skipped["reason"]
    lowest = shown["topics"][-1]
    approved = TopicDecision(lowest["topic_id"], lowest["title"], "approved")
    update(scheduler, 1, schedule=MANUAL, topic_decisions=[approved])
    made = requests(run(scheduler, T0 + timedelta(hours=8), 7))
    assert [plain(r.value)["spec"]["topic"] for r in made] == [lowest["title"]]


def test_pinned_comes_first_skipped_never_and_a_topic_added_by_hand_is_scored(
    scheduler: Scheduler,
) -> None:
    [shown] = backlogs(update(scheduler, 0))
    best = shown["topics"][0]
    mine = "How astronauts sleep on the space station"
    decisions = [TopicDecision(best["topic_id"], best["title"], "skipped"),
                 TopicDecision(topic_id("chan-1", mine), mine, "pinned", by_hand=True)]
    [after] = backlogs(update(scheduler, 1, topic_decisions=decisions))
    added = next(t for t in after["topics"] if t["title"] == mine)
    assert (added["source"], added["decision"]) == ("by_hand", "pinned")
    assert added["score"] > 0 and {p["name"] for p in added["parts"]} == {
        "trend", "forecast", "fit", "novelty"}
    assert after["topics"][0]["title"] == mine  # what the next slot takes leads the list
    made = [plain(r.value)["spec"]["topic"] for r in requests(run(scheduler, T0, 48))]
    assert made[0] == mine
    assert best["title"] not in made


def test_an_older_channel_version_changes_no_decision(scheduler: Scheduler) -> None:
    [shown] = backlogs(update(scheduler, 5))
    first = shown["topics"][0]
    stale = channel(version=T0, topic_decisions=[
        TopicDecision(first["topic_id"], first["title"], "skipped")])
    assert scheduler.handle(channel_event(stale).value) == []
    made = [plain(r.value)["spec"]["topic"] for r in requests(tick(scheduler, T0 + timedelta(
        hours=7, minutes=59)))]
    assert made == [first["title"]]
