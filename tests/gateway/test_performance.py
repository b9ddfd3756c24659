"""Channel and video performance from ClickHouse (chdb), seeded through the sink's insert path:
the exact figures YouTube reported, the latest value per day, ROI against the videos' costs,
simulated rows left out, "not connected" without numbers, only the caller's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
from clickhouse_connect.driver.client import Client
from fastapi.testclient import TestClient

from analytics.migrate import migrate
from analytics.store import connect
from gateway import videos
from gateway.analytics import sql
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import Principal
from gateway.models import YouTubeConnection
from gateway.payloads.videos import VideoCreate
from tests.analytics.seed import insert_events
from tests.gateway.conftest import CHANNEL, Caller
from tests.typed import typed
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, cost_event, new_envelope
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

PUBLISHED = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) \
    - timedelta(days=12)
P = PUBLISHED.date()


@pytest.fixture
def gateway_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'gateway.db'}")


@pytest.fixture
def store(gateway_settings: Settings) -> Iterator[Client]:
    client = connect(gateway_settings.effective_clickhouse_dsn)
    migrate(client)
    yield client
    client.close()


@pytest.fixture
def client(gateway_settings: Settings, store: Client) -> Iterator[TestClient]:
    gateway = GatewaySettings(consume=False, analytics_open_store=True)
    with TestClient(create_app(gateway_settings, gateway)) as test_client:
        yield test_client


def metrics(video_id: str, channel: str, owner: str, day: int, observed: int = 0,
            simulated: bool = False, source: str = "ANALYTICS", **values: Any) -> Emit:
    """A video.metrics ANALYTICS day (or a CHANNEL day, video_id "") as the collector writes
    it."""
    at = PUBLISHED + timedelta(days=day + 1, hours=observed)
    envelope = msgspec.structs.replace(
        new_envelope(video_id=video_id, channel_id=channel, owner_id=owner,
                     producer="metrics-collector", event_key=f"{day}:{observed}"),
        occurred_at=at)
    fields = ("views", "likes", "comments", "shares", "estimated_minutes_watched",
              "average_view_duration_s", "average_view_percentage", "subscribers_gained",
              "subscribers_lost", "estimated_revenue_usd", "cpm", "playback_based_cpm",
              "ad_impressions")
    return Emit("video.metrics", typed("video.metrics", {
        "envelope": envelope, "platform_video_id": f"yt-{video_id}" if video_id else "",
        "youtube_channel_id": "",
        "source": source, "day": str(P + timedelta(days=day)), "observed_at": at,
        "published_at": PUBLISHED if video_id else None, "simulated": simulated,
        **{f: None for f in fields}, **values}))


@pytest.fixture
def seeded(client: TestClient, store: Client, make_user: Callable[..., Caller]) -> dict:
    alice, bob = make_user("alice"), make_user("bob")
    a, b = (client.post("/v1/channels", json={**CHANNEL, "name": n},
                        headers=alice.headers).json()["id"] for n in ("A", "B"))
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        v1, v2 = videos.create(db, Principal(alice.user_id, "", "free"),
                               [VideoCreate(channel_id=a, topic="Bees"),
                                VideoCreate(channel_id=a, topic="Ants")], "v1",
                               settings=client.app.state.settings)  # type: ignore[attr-defined]
        db.add(YouTubeConnection(channel_id=a, status="connected", local_only=False,
                                 youtube_channel_title="A on YouTube", scopes=""))
        db.commit()
        ids = (v1.id, v2.id)
    emits: list[Emit] = []
    for video_id, topic, usd in ((ids[0], "Bees", "0.50"), (ids[1], "Ants", "0.25")):
        request = request_event(VideoRequest(topic=topic, owner_id=alice.user_id, channel_id=a,
                                             video_id=video_id, budget_usd=Decimal("3")))
        emits += [request, cost_event(request.value.envelope, stage="narrator",
                                      provider="p", model="m", unit="u", quantity=1,
                                      usd=Decimal(usd), cached=False, price_table_version="t",
                                      call_key=video_id)]
    own = {"channel": a, "owner": alice.user_id}
    emits += [
        metrics(ids[0], **own, day=0, views=100, estimated_minutes_watched=120,
                average_view_percentage=50.0, subscribers_gained=3,
                estimated_revenue_usd=Decimal("0.40")),
        metrics(ids[0], **own, day=1, views=50, estimated_minutes_watched=60,
                average_view_percentage=40.0, estimated_revenue_usd=Decimal("0.20")),
        metrics(ids[0], **own, day=1, observed=5, views=60, estimated_minutes_watched=72,
                average_view_percentage=40.0, estimated_revenue_usd=Decimal("0.30")),  # revised
        metrics(ids[0], **own, day=10, views=30, estimated_minutes_watched=30,
                average_view_percentage=30.0, subscribers_gained=1,
                estimated_revenue_usd=Decimal("0.10")),
        metrics(ids[1], **own, day=0, views=10, estimated_minutes_watched=12,
                average_view_percentage=20.0, estimated_revenue_usd=Decimal("0.05")),
        metrics(ids[1], **own, day=2, simulated=True, views=1_000_000,
                estimated_revenue_usd=Decimal("999")),
        # the whole channel (its other videos too), day 1 revised; never in the video figures
        metrics("", **own, day=0, source="CHANNEL", views=500, estimated_minutes_watched=600),
        metrics("", **own, day=1, source="CHANNEL", views=300),
        metrics("", **own, day=1, observed=5, source="CHANNEL", views=320,
                estimated_revenue_usd=Decimal("1.50")),
    ]
    insert_events(store, Codec(SchemaRegistry.load(Settings().schemas_dir)), emits)
    return {"alice": alice, "bob": bob, "a": a, "b": b, "v1": ids[0], "v2": ids[1],
            "emits": emits}


def get(client: TestClient, caller: Caller, path: str, **params: object) -> dict:
    response = client.get(path, params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_channel_analytics_are_the_reported_figures_with_roi(client: TestClient,
                                                             seeded: dict) -> None:
    doc = get(client, seeded["alice"], f"/v1/channels/{seeded['a']}/analytics")
    assert doc["connection"] == "connected" and doc["detail"] is None
    assert doc["totals"] == {
        "videos_measured": 2, "views": 200, "watch_hours": 3.9,
        "average_view_percentage": 42.5,  # weighted by views: (5000+2400+900+200)/200
        "subscribers_gained": 4, "revenue_usd": "0.85", "cost_usd": "0.75",
        "roi_usd": "0.10", "roi_ratio": 1.1333, "rpm_usd": 4.25,
        "cost_per_1000_views_usd": 3.75}
    assert [v["video_id"] for v in doc["best_videos"]] == [seeded["v1"], seeded["v2"]]
    assert doc["worst_videos"][0]["video_id"] == seeded["v2"]
    best = doc["best_videos"][0]
    assert (best["views"], best["revenue_usd"], best["cost_usd"], best["roi_usd"]) == (
        190, "0.80", "0.50", "0.30")
    assert (best["views_1d"], best["views_7d"], best["views_28d"]) == (100, 160, 190)
    assert best["topic"] == "Bees" and best["rpm_usd"] == pytest.approx(4.2105, abs=1e-4)
    assert [(t["key"], t["roi_usd"]) for t in doc["topics"]] == [("Bees", "0.30"),
                                                                 ("Ants", "-0.20")]
    assert [(c["videos"], c["views"]) for c in doc["cohorts"]] == [(2, 200)]
    performance = get(client, seeded["alice"], "/v1/kpis", days=30)["performance"]
    assert performance == doc["totals"]
    assert [(d["day"], d["views"], d["watch_hours"], d["revenue_usd"]) for d in doc["days"]] == [
        (str(P), 500, 10.0, None), (str(P + timedelta(days=1)), 320, None, "1.50")]


def test_a_date_range_counts_only_its_days_and_unconnected_channels_have_no_numbers(
        client: TestClient, seeded: dict) -> None:
    doc = get(client, seeded["alice"], f"/v1/videos/{seeded['v1']}/analytics",
              start=str(P + timedelta(days=1)), end=str(P + timedelta(days=5)))
    assert doc["figures"]["views"] == 60 and doc["figures"]["revenue_usd"] == "0.30"
    assert doc["figures"]["views_28d"] == 190  # anchored on publishing, not on the range
    assert [(d["day"], d["views"], d["revenue_usd"]) for d in doc["days"]] == [
        (str(P + timedelta(days=1)), 60, "0.30")]
    doc = get(client, seeded["alice"], f"/v1/channels/{seeded['b']}/analytics")
    assert doc["connection"] == "not_connected" and "not connected" in doc["detail"]
    assert doc["totals"] is None and doc["best_videos"] == [] and doc["topics"] == []


def test_performance_is_the_owners_only_and_ranges_are_checked(
        client: TestClient, seeded: dict) -> None:
    bob = seeded["bob"]
    assert client.get(f"/v1/channels/{seeded['a']}/analytics",
                      headers=bob.headers).status_code == 404
    assert client.get(f"/v1/videos/{seeded['v1']}/analytics",
                      headers=bob.headers).status_code == 404
    assert get(client, bob, "/v1/kpis")["performance"] is None
    response = client.get(f"/v1/channels/{seeded['a']}/analytics",
                          params={"start": "2026-02-01", "end": "2026-01-01"},
                          headers=seeded["alice"].headers)
    assert response.status_code == 422


RAW = Path(__file__).parent / "raw_performance"  # the queries over video_metrics FINAL alone


def test_the_rollups_answer_exactly_what_the_raw_metrics_answer(
        store: Client, seeded: dict) -> None:
    """Every read of the performance API, from the rollups (analytics migration 0014) and from
    video_metrics alone, over ranges that keep, cut and miss the seeded days; then again after
    a revised day and a new day arrive."""
    alice = seeded["alice"].user_id

    def compare(ranges: tuple[tuple[int, int], ...] = ((0, 40), (1, 5), (20, 30))) -> int:
        checked = 0
        for first, last in ranges:
            for channel, video in (("", ""), (seeded["a"], ""), (seeded["b"], ""),
                                   (seeded["a"], seeded["v2"])):
                params = {"owner_id": alice, "channel_id": channel, "video_id": video,
                          "start": str(P + timedelta(days=first)),
                          "end": str(P + timedelta(days=last))}
                for name in ("performance_totals", "video_performance"):
                    rolled = store.query(sql(name), parameters=params)
                    raw = store.query((RAW / f"{name}.sql").read_text(), parameters=params)
                    assert rolled.column_names == raw.column_names
                    assert rolled.result_rows == raw.result_rows, (name, params)
                    checked += len(raw.result_rows)
        return checked

    def written() -> dict[tuple[str, str], object]:
        """When each rollup row was last written: a video's, or a channel-day's."""
        videos = store.query("SELECT video_id, '', max(refreshed_at) FROM performance_video "
                             "GROUP BY video_id").result_rows
        days = store.query("SELECT channel_id, toString(day), max(refreshed_at) "
                           "FROM performance_channel_day GROUP BY channel_id, day").result_rows
        return {(a, b): at for a, b, at in [*videos, *days]}

    assert compare() > 12
    codec = Codec(SchemaRegistry.load(Settings().schemas_dir))
    own = {"channel": seeded["a"], "owner": alice}
    before = written()
    later = [metrics(seeded["v2"], **own, day=0, observed=9, views=12,
                     estimated_minutes_watched=15, average_view_percentage=25.0,
                     estimated_revenue_usd=Decimal("0.07")),
             metrics(seeded["v2"], **own, day=3, views=4, subscribers_gained=2)]
    insert_events(store, codec, later)  # a revised day and a new day of one video
    compare()
    after = written()
    rewritten = {key for key in after if after[key] != before.get(key)}
    assert rewritten == {(seeded["v2"], ""), (seeded["a"], str(P)),
                         (seeded["a"], str(P + timedelta(days=3)))}  # only what changed
    total = [(190 + 12 + 4,)]
    assert store.query("SELECT sum(views) FROM performance_channel_day FINAL").result_rows == total

    insert_events(store, codec, [*seeded["emits"][-6:], *later])  # delivered twice
    compare(((0, 40),))
    for table in ("video_metrics", "performance_video", "performance_channel_day",
                  "performance_dirty_days"):
        store.command(f"TRUNCATE TABLE {table}")
    insert_events(store, codec, [*seeded["emits"], *later])  # a replay into emptied tables
    assert compare() > 12
    assert store.query("SELECT sum(views) FROM performance_channel_day FINAL").result_rows == total
