"""A channel's topic backlog over HTTP: the scheduler's topics listed with scores, parts and
reasons; the owner's approvals, skips, pins and topics added by hand reach the scheduler with the
channel and decide what its slots take; every bad input is a 4xx that says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from gateway.channel_events import channel_emit
from gateway.models import Channel, User
from gateway.projection import apply_event
from processors.scheduler import TABLES, Scheduler
from tests.gateway.conftest import CHANNEL, Caller
from ytempire.core.events import Emit, plain
from ytempire.core.settings import Settings
from ytempire.stage import MemoryState

DAILY = {"publish_schedule": "0 8,14,20 * * *"}
MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
    days=1)


@pytest.fixture
def scheduler() -> Scheduler:
    return Scheduler(MemoryState(TABLES), Settings())


def sync(client: TestClient, scheduler: Scheduler, channel_id: str,
         *ticks: datetime) -> list[Emit]:
    """The channel as the outbox sends it goes to the scheduler, then what the scheduler emits
    (its backlog, its requests) comes back through the gateway's projection."""
    app = client.app
    with app.state.sessions() as db:  # type: ignore[attr-defined]
        row = db.get(Channel, channel_id)
        value = channel_emit(row, db.get(User, row.owner_id)).value
    emits = scheduler.handle(value)
    for now in ticks:
        emits += scheduler.tick(now)
    with app.state.sessions() as db:  # type: ignore[attr-defined]
        for emit in emits:
            apply_event(db, emit.topic, plain(emit.value), app.state.gateway)  # type: ignore[attr-defined]
        db.commit()
    return emits


def make_channel(client: TestClient, caller: Caller, **changes: object) -> str:
    made = client.post("/v1/channels", json={**CHANNEL, **DAILY, **changes},
                       headers=caller.headers)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_a_scheduled_channels_backlog_lists_scores_parts_and_reasons(
    client: TestClient, alice: Caller, scheduler: Scheduler,
) -> None:
    cid = make_channel(client, alice)
    before = client.get(f"/v1/channels/{cid}/backlog", headers=alice.headers).json()
    assert (before["mode"], before["scored_at"], before["topics"]) == ("auto", None, [])
    sync(client, scheduler, cid)
    shown = client.get(f"/v1/channels/{cid}/backlog", headers=alice.headers).json()
    assert shown["scored_at"] is not None and len(shown["topics"]) >= 10
    first = shown["topics"][0]
    assert set(first["parts"]) == {"trend", "forecast", "fit", "novelty"}
    assert first["status"] == "candidate" and first["reasons"] and first["score"] > 0
    scores = [t["score"] for t in shown["topics"]]
    assert scores == sorted(scores, reverse=True)


def test_manual_mode_takes_only_the_approved_topic_and_shows_it_used(
    client: TestClient, alice: Caller, scheduler: Scheduler,
) -> None:
    cid = make_channel(client, alice, topic_mode="manual")
    emits = sync(client, scheduler, cid, MIDNIGHT + timedelta(hours=7, minutes=59))
    skipped = [plain(e.value) for e in emits if e.topic == "schedule.slot"
               and plain(e.value)["status"] == "skipped"]
    assert "no approved topic" in skipped[0]["reason"]
    topics = client.get(f"/v1/channels/{cid}/backlog", headers=alice.headers).json()["topics"]
    chosen = topics[-1]
    approved = client.post(f"/v1/channels/{cid}/backlog/{chosen['topic_id']}/approve",
                           headers=alice.headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["topics"][0]["topic_id"] == chosen["topic_id"]
    emits = sync(client, scheduler, cid, MIDNIGHT + timedelta(hours=13, minutes=59))
    [request] = [plain(e.value) for e in emits if e.topic == "script.requested"]
    assert request["spec"]["topic"] == chosen["title"]
    shown = client.get(f"/v1/channels/{cid}/backlog", headers=alice.headers).json()["topics"]
    used = next(t for t in shown if t["topic_id"] == chosen["topic_id"])
    assert (used["status"], used["used_by"]) == ("used", request["envelope"]["video_id"])
    again = client.post(f"/v1/channels/{cid}/backlog/{chosen['topic_id']}/pin",
                        headers=alice.headers)
    assert again.status_code == 409 and "already used by video" in again.text


def test_a_topic_added_by_hand_and_pinned_is_taken_first_and_a_skipped_one_never(
    client: TestClient, alice: Caller, scheduler: Scheduler,
) -> None:
    cid = make_channel(client, alice)
    sync(client, scheduler, cid)
    best = client.get(f"/v1/channels/{cid}/backlog", headers=alice.headers).json()["topics"][0]
    assert client.post(f"/v1/channels/{cid}/backlog/{best['topic_id']}/skip",
                       headers=alice.headers).status_code == 200
    added = client.post(f"/v1/channels/{cid}/backlog",
                        json={"title": "  How   astronauts sleep in orbit "},
                        headers=alice.headers)
    assert added.status_code == 201, added.text
    mine = next(t for t in added.json()["topics"] if t["source"] == "by_hand")
    assert (mine["title"], mine["status"], mine["score"]) == (
        "How astronauts sleep in orbit", "approved", None)
    pinned = client.post(f"/v1/channels/{cid}/backlog/{mine['topic_id']}/pin",
                         headers=alice.headers).json()
    assert pinned["topics"][0]["topic_id"] == mine["topic_id"]
    emits = sync(client, scheduler, cid, MIDNIGHT + timedelta(hours=7, minutes=59),
                 MIDNIGHT + timedelta(hours=13, minutes=59))
    made = [plain(e.value)["spec"]["topic"] for e in emits if e.topic == "script.requested"]
    assert made[0] == "How astronauts sleep in orbit" and best["title"] not in made
    shown = client.get(f"/v1/channels/{cid}/backlog", headers=alice.headers).json()["topics"]
    scored = next(t for t in shown if t["topic_id"] == mine["topic_id"])
    assert scored["score"] is not None and set(scored["parts"]) == {
        "trend", "forecast", "fit", "novelty"}


@pytest.mark.parametrize(("title", "says"), [
    ("", "at least 1 character"),
    ("  a ", "3 to 200 characters"),
    ("x" * 201, "3 to 200 characters"),
    ("bees\x00 and wasps", "control or invisible characters"),
    ("bees\u202e and wasps", "control or invisible characters"),
    ("?!  ...", "no letters or digits"),
])
def test_a_title_nobody_could_make_a_video_of_is_a_422_that_says_why(
    client: TestClient, alice: Caller, title: str, says: str,
) -> None:
    cid = make_channel(client, alice)
    refused = client.post(f"/v1/channels/{cid}/backlog", json={"title": title},
                          headers=alice.headers)
    assert refused.status_code == 422 and says in refused.text
    assert client.get(f"/v1/channels/{cid}/backlog", headers=alice.headers).json()["topics"] == []


def test_unknown_topics_duplicates_deleted_channels_and_strangers_get_a_4xx(
    client: TestClient, alice: Caller, bob: Caller,
) -> None:
    cid = make_channel(client, alice)
    base = f"/v1/channels/{cid}/backlog"
    assert client.post(f"{base}/..%2F..%2Fkeys/approve", headers=alice.headers).status_code in (
        404, 422)
    assert client.post(f"{base}/ZZZZ/approve", headers=alice.headers).status_code == 422
    unknown = client.post(f"{base}/0123456789abcdef/approve", headers=alice.headers)
    assert unknown.status_code == 404 and "is not in the backlog" in unknown.text
    assert client.post(base, json={"title": "Bees"}, headers=alice.headers).status_code == 201
    twice = client.post(base, json={"title": "  bees "}, headers=alice.headers)
    assert twice.status_code == 409 and "already in the backlog" in twice.text
    assert client.post(base, json={"title": "Wasps", "score": 1},
                       headers=alice.headers).status_code == 422
    assert client.get(base, headers=bob.headers).status_code == 404
    assert client.post(base, json={"title": "Mine"}, headers=bob.headers).status_code == 404
    client.delete(f"/v1/channels/{cid}", headers=alice.headers)
    gone = client.post(base, json={"title": "Moths"}, headers=alice.headers)
    assert gone.status_code == 409 and "is deleted" in gone.text
