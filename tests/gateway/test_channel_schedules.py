"""Channel schedules over HTTP: stored and shown, refused with a reason when the scheduler could
not run them, and every channel change sent as channel.updated (the scheduler's only view)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from gateway.projection import apply_event
from processors.scheduler import TABLES, Scheduler
from processors.scheduler_clock import tick_event
from processors.trends import build as build_trends
from tests.gateway.conftest import CHANNEL, Caller
from tests.reliability.watch import Watch
from tests.typed import at_time
from ytempire.core.channels import ChannelSchedule, ChannelState, channel_event
from ytempire.core.events import cost_event, plain
from ytempire.core.settings import Settings
from ytempire.stage import MemoryState

SCHEDULE = {"publish_schedule": "0 8,14,20 * * *", "schedule_timezone": "Europe/Lisbon",
            "videos_per_slot": 2, "topic_mode": "manual"}


def test_a_schedule_round_trips_and_defaults_to_utc_one_video_auto(
    client: TestClient, alice: Caller,
) -> None:
    made = client.post("/v1/channels", json={**CHANNEL, **SCHEDULE}, headers=alice.headers)
    assert made.status_code == 201, made.text
    assert {k: made.json()[k] for k in SCHEDULE} == SCHEDULE
    assert made.json()["schedule_paused"] is False
    plain = client.post("/v1/channels", json={**CHANNEL, "publish_schedule": "0 9 * * *"},
                        headers=alice.headers).json()
    assert (plain["schedule_timezone"], plain["videos_per_slot"], plain["topic_mode"]) == (
        "UTC", 1, "auto")
    paused = client.patch(f"/v1/channels/{plain['id']}", json={"schedule_paused": True},
                          headers=alice.headers)
    assert paused.json()["schedule_paused"] is True


@pytest.mark.parametrize(("change", "says"), [
    ({"publish_schedule": "every day at 9"}, "5-field cron expression"),
    ({"publish_schedule": "0 9 * * *", "schedule_timezone": "Mars/Olympus"},
     "unknown time zone 'Mars/Olympus'"),
    ({"publish_schedule": "0 9 * * *", "videos_per_slot": 11}, "less than or equal to 10"),
    ({"publish_schedule": "0 */3 * * *"},
     "asks for up to 8 videos in one day, but the YouTube quota of 10,000 units a day "
     "allows 6 uploads"),
])
def test_a_schedule_the_scheduler_cannot_run_is_a_422_that_says_why(
    client: TestClient, alice: Caller, change: dict, says: str,
) -> None:
    created = client.post("/v1/channels", json={**CHANNEL, **change}, headers=alice.headers)
    assert created.status_code == 422
    assert says in created.text
    channel = client.post("/v1/channels", json=CHANNEL, headers=alice.headers).json()
    patched = client.patch(f"/v1/channels/{channel['id']}", json=change, headers=alice.headers)
    assert patched.status_code == 422
    assert says in patched.text
    kept = client.get(f"/v1/channels/{channel['id']}", headers=alice.headers).json()
    assert kept["publish_schedule"] == CHANNEL["publish_schedule"]


FEED = "https://example.com/space/feed.xml"


def test_topic_feeds_round_trip_and_what_is_not_a_feed_url_is_a_422_that_says_why(
    client: TestClient, alice: Caller,
) -> None:
    made = client.post("/v1/channels", json={**CHANNEL, "topic_feeds": [FEED]},
                       headers=alice.headers)
    assert made.status_code == 201, made.text
    assert made.json()["topic_feeds"] == [FEED]
    cid = made.json()["id"]
    for feeds, says in ((["file:///etc/passwd"], "http:// or https:// URL"),
                        (["https://user:secret@example.com/feed"], "user name or password"),
                        ([FEED] * 11, "at most 10 items"),
                        (["https://" + "a" * 500 + ".com"], "at most 500 characters")):
        refused = client.patch(f"/v1/channels/{cid}", json={"topic_feeds": feeds},
                               headers=alice.headers)
        assert refused.status_code == 422 and says in refused.text, refused.text
        assert "secret" not in refused.text
    cleared = client.patch(f"/v1/channels/{cid}", json={"topic_feeds": []},
                           headers=alice.headers)
    assert cleared.json()["topic_feeds"] == []


def test_every_channel_change_reaches_kafka_as_channel_updated(
    kafka_settings: Settings, tmp_path: Path,
) -> None:
    settings = kafka_settings.model_copy(update={
        "database_url": f"sqlite:///{tmp_path / 'gateway.db'}"})
    watch = Watch(settings, ["channel.updated"])
    app = create_app(settings, GatewaySettings(consume=False))
    try:
        with TestClient(app) as client:
            with app.state.sessions() as db:
                user, issued = create_user(db, f"scheduled-{uuid.uuid4().hex[:6]}")
            headers = {"Authorization": f"Bearer {issued.secret}"}
            channel = client.post("/v1/channels", json={**CHANNEL, **SCHEDULE,
                                                         "topic_feeds": [FEED]},
                                  headers=headers).json()
            client.patch(f"/v1/channels/{channel['id']}", json={"schedule_paused": True},
                         headers=headers)
            client.patch("/v1/me", json={"monthly_budget_usd": "50.00"}, headers=headers)
            client.delete(f"/v1/channels/{channel['id']}", headers=headers)

            def last(w: Watch) -> dict | None:
                mine = [v for v in w.values("channel.updated")
                        if v["envelope"]["channel_id"] == channel["id"]]
                return mine[-1] if mine else None

            assert watch.until(lambda w: (last(w) or {}).get("deleted") is True, 30)
    finally:
        watch.close()
    final = last(watch)
    assert final is not None
    assert final["envelope"]["owner_id"] == user.id
    assert final["schedule"] == {"cron": "0 8,14,20 * * *", "timezone": "Europe/Lisbon",
                                 "videos_per_slot": 2, "paused": True, "topic_mode": "manual"}
    assert str(final["monthly_budget_usd"]) == "50.000000"
    assert final["publish_target"] == "nowhere" and final["niche"] == CHANNEL["niche"]
    assert final["feeds"] == [FEED]  # for the trends stage's feeds source


def test_scheduled_requests_become_videos_and_skipped_slots_notices(
    client: TestClient, alice: Caller,
) -> None:
    channel = client.post("/v1/channels", json={**CHANNEL, **SCHEDULE},
                          headers=alice.headers).json()
    state = ChannelState(id=channel["id"], owner_id=alice.user_id, version=datetime.now(UTC),
                         name="Space", niche="space history",
                         per_video_budget_usd=Decimal("3.00"), daily_budget_usd=Decimal("8.00"),
                         schedule=ChannelSchedule(cron="0 8,14,20 * * *"))
    scheduler = Scheduler(MemoryState(TABLES), Settings())
    scheduler.handle(channel_event(state).value)
    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    emits = scheduler.tick(now) + scheduler.tick(now + timedelta(hours=7))
    request = next(e for e in emits if e.topic == "script.requested")
    cost = cost_event(request.value.envelope, stage="narrator", provider="p", model="m",
                      unit="u", quantity=1.0, usd=Decimal("6.00"), cached=False,
                      price_table_version="t", call_key="k")
    cost = at_time(cost, now + timedelta(hours=7))
    scheduler.handle(cost.value)
    emits += scheduler.tick(now + timedelta(hours=13))
    app = client.app
    with app.state.sessions() as db:  # type: ignore[attr-defined]
        for emit in emits:
            value = plain(emit.value)
            apply_event(db, emit.topic, value, app.state.gateway)  # type: ignore[attr-defined]
            apply_event(db, emit.topic, value, app.state.gateway)  # redelivered: once
        db.commit()
    video_id = request.value.envelope.video_id
    video = client.get(f"/v1/videos/{video_id}", headers=alice.headers).json()
    assert (video["status"], video["channel_id"]) == ("queued", channel["id"])
    assert video["topic"] == request.value.spec.topic
    listed = client.get("/v1/videos", headers=alice.headers).json()
    assert [v["id"] for v in listed["items"]] == [video_id]
    notes = client.get("/v1/notifications", headers=alice.headers).json()
    skipped = [n for n in notes if n["kind"] == "schedule.skipped"]
    assert len(skipped) == 1
    assert skipped[0]["data"]["reason"].startswith("daily_budget: $6.00 spent today")


def test_a_topic_source_that_gave_nothing_is_one_notice_a_day_for_the_owner(
    client: TestClient, alice: Caller, tmp_path: Path,
) -> None:
    channel = client.post("/v1/channels", json={**CHANNEL, **SCHEDULE},
                          headers=alice.headers).json()
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "page.xml").write_text("<html><p>not a feed</p></html>")
    trends = build_trends(Settings(data_dir=tmp_path))
    state = ChannelState(id=channel["id"], owner_id=alice.user_id, version=datetime.now(UTC),
                         name="Space", niche="space history",
                         per_video_budget_usd=Decimal("3.00"), daily_budget_usd=Decimal("8.00"),
                         schedule=ChannelSchedule(cron="0 8 * * *"))
    runs = trends.handle(channel_event(state).value)
    runs += trends.handle(tick_event(datetime.now(UTC) + timedelta(hours=2)).value)
    assert len(runs) == 2  # the same broken feed on two runs
    app = client.app
    with app.state.sessions() as db:  # type: ignore[attr-defined]
        for run in runs:
            apply_event(db, run.topic, plain(run.value), app.state.gateway)  # type: ignore
        db.commit()
    notes = [n for n in client.get("/v1/notifications", headers=alice.headers).json()
             if n["kind"] == "topics.source_failed"]
    assert len(notes) == 1
    assert notes[0]["data"]["channel_id"] == channel["id"]
    assert "page.xml is not an RSS or Atom feed" in notes[0]["data"]["problem"]
