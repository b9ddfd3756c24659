"""Costs and KPIs from ClickHouse (chdb), seeded through the sink's insert path: exact sums,
always only the caller's; projections from the price table against the channel's budgets."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from analytics.migrate import MIGRATIONS_DIR, migrate
from analytics.store import connect
from gateway.app import create_app
from gateway.channel_events import channel_emit
from gateway.config import GatewaySettings
from gateway.export import safe_cell
from gateway.models import Channel as ChannelRow
from gateway.models import User
from processors.ledger import build as build_ledger
from tests.analytics.seed import _value, insert_events
from tests.gateway.conftest import CHANNEL, Caller
from tests.typed import at_time, typed
from ytempire.core import projection as rule
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, cost_event, failed_event, plain
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

TODAY = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)


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
    gateway = GatewaySettings(consume=False, analytics_open_store=True, publish_timeout_s=1)
    with TestClient(create_app(gateway_settings, gateway)) as test_client:
        yield test_client


def upload_done(request: dict[str, Any]) -> dict[str, Any]:
    """A valid upload.done for the request (the analytics seed's own builder)."""
    return _value("upload.done", request, "publisher", passed=True)


class History:
    """Videos with known costs, written as the pipeline would write them."""

    def __init__(self, store: Client) -> None:
        self.store, self.emits = store, []
        self.codec = Codec(SchemaRegistry.load(Settings().schemas_dir))

    def video(self, owner: str, channel: str, video_id: str, days_ago: int,
              costs: list[tuple[str, str]], published: bool = True,
              platform: str | None = None, failed: str | None = None) -> None:
        """``failed``: the stage that gave up on the video after its costs (before the upload,
        which then follows a re-drive)."""
        at = TODAY - timedelta(days=days_ago)
        request = request_event(VideoRequest(topic=video_id, owner_id=owner, channel_id=channel,
                                             video_id=video_id, budget_usd=Decimal("0.50")))
        self._at(request, at)
        for index, (stage, usd) in enumerate(costs):
            self._at(cost_event(request.value.envelope, stage=stage, provider="p", model="m",
                                unit="u", quantity=1, usd=Decimal(usd), cached=usd == "0",
                                price_table_version="t", call_key=f"{video_id}{index}",
                                index=index), at + timedelta(seconds=index + 1))
        if failed is not None:
            self._at(failed_event(request.value.envelope, stage=failed, input_topic="x",
                                  error=TimeoutError("the provider timed out"), retryable=True),
                     at + timedelta(minutes=1))
        if published:
            value = upload_done(plain(request.value))
            value["platform"] = platform or value["platform"]
            done = Emit("upload.done", typed("upload.done", value))
            self._at(done, at + timedelta(minutes=2))

    def _at(self, emit: Emit, at: datetime) -> None:
        self.emits.append(at_time(emit, at))

    def write(self) -> None:
        insert_events(self.store, self.codec, self.emits)


@pytest.fixture
def seeded(client: TestClient, store: Client, make_user: Callable[..., Caller]) -> dict:
    alice, bob = make_user("alice"), make_user("bob")
    made = [client.post("/v1/channels", json={**CHANNEL, "name": n}, headers=alice.headers).json()
            for n in ("A", "B")]
    bobs = client.post("/v1/channels", json=CHANNEL, headers=bob.headers).json()
    history = History(store)
    history.video(alice.user_id, made[0]["id"], "va1", 0,
                  [("scriptwriter", "0.010000"), ("narrator", "0.200000")])
    history.video(alice.user_id, made[0]["id"], "va2", 1, [("narrator", "0.300000"),
                                                           ("assembler", "0")])
    history.video(alice.user_id, made[1]["id"], "vb1", 3, [("scriptwriter", "0.040000")],
                  published=False)
    history.video(alice.user_id, made[1]["id"], "vold", 40, [("narrator", "9.000000")])
    history.video(bob.user_id, bobs["id"], "vbob", 0, [("narrator", "5.000000")])
    history.write()
    return {"alice": alice, "bob": bob, "a": made[0]["id"], "b": made[1]["id"],
            "bobs": bobs["id"]}


def _spend(client: TestClient, caller: Caller, **params: object) -> dict:
    response = client.get("/v1/costs", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_spend_by_day_channel_stage_and_video_is_the_callers_only(client: TestClient,
                                                                  seeded: dict) -> None:
    alice, today = seeded["alice"], TODAY.date()
    by_day = _spend(client, alice, by="day")
    assert (by_day["total_usd"], by_day["calls"]) == ("0.55", 5)  # 9.00 is older than 30 days
    assert [(r["key"], r["usd"]) for r in by_day["rows"]] == [
        (str(today - timedelta(days=3)), "0.04"), (str(today - timedelta(days=1)), "0.30"),
        (str(today), "0.21")]
    assert [(r["key"], r["usd"]) for r in _spend(client, alice, by="channel")["rows"]] == [
        (seeded["a"], "0.51"), (seeded["b"], "0.04")]
    assert [(r["key"], r["usd"], r["calls"]) for r in _spend(client, alice, by="stage")["rows"]] \
        == [("narrator", "0.50", 2), ("scriptwriter", "0.05", 2), ("assembler", "0.00", 1)]
    assert [(r["key"], r["usd"]) for r in _spend(client, alice, by="video")["rows"]] == [
        ("va2", "0.30"), ("va1", "0.21"), ("vb1", "0.04")]
    bob = _spend(client, seeded["bob"], by="video")
    assert [(r["key"], r["usd"]) for r in bob["rows"]] == [("vbob", "5.00")]


def test_spend_filters_by_range_and_channel(client: TestClient, seeded: dict) -> None:
    alice, today = seeded["alice"], TODAY.date()
    old = _spend(client, alice, start=str(today - timedelta(days=45)),
                 end=str(today - timedelta(days=2)))
    assert old["total_usd"] == "9.04"
    one = _spend(client, alice, by="video", channel_id=seeded["b"], start=str(today - timedelta(
        days=60)))
    assert [r["key"] for r in one["rows"]] == ["vold", "vb1"] and one["total_usd"] == "9.04"
    headers = alice.headers
    assert client.get("/v1/costs", params={"channel_id": seeded["bobs"]},
                      headers=headers).status_code == 404
    backwards = client.get("/v1/costs", params={"start": str(today), "end": str(
        today - timedelta(days=1))}, headers=headers)
    assert backwards.status_code == 422 and "after end" in backwards.text
    too_long = client.get("/v1/costs", params={"start": "2020-01-01", "end": str(today)},
                          headers=headers)
    assert too_long.status_code == 422


def test_kpis_count_a_video_ready_but_not_uploaded_apart_from_the_published(
        client: TestClient, store: Client, make_user: Callable[..., Caller]) -> None:
    carol = make_user("carol")
    channel = client.post("/v1/channels", json=CHANNEL, headers=carol.headers).json()["id"]
    history = History(store)
    history.video(carol.user_id, channel, "vc1", 0, [("narrator", "0.100000")])
    history.video(carol.user_id, channel, "vc2", 0, [("narrator", "0.100000")], platform="none")
    history.write()
    doc = client.get("/v1/kpis", params={"days": 30}, headers=carol.headers).json()
    assert (doc["videos_requested"], doc["videos_published"], doc["videos_ready_not_uploaded"],
            doc["success_rate"]) == (2, 1, 1, 1.0)
    assert doc["p50_time_to_publish_s"] == 120.0  # the published one only


def test_kpis_count_the_callers_videos(client: TestClient, seeded: dict) -> None:
    kpis = client.get("/v1/kpis", params={"days": 30}, headers=seeded["alice"].headers)
    assert kpis.status_code == 200, kpis.text
    doc = kpis.json()
    assert (doc["videos_requested"], doc["videos_published"], doc["total_usd"]) == (3, 2, "0.55")
    assert doc["over_budget"] == 0 and doc["cache_hit_rate"] == 0.2
    assert doc["p50_time_to_publish_s"] == 120.0
    bob = client.get("/v1/kpis", headers=seeded["bob"].headers).json()
    assert (bob["videos_requested"], bob["total_usd"], bob["over_budget"]) == (1, "5.00", 1)


def test_projection_prices_a_planned_request_against_the_budgets(client: TestClient,
                                                                 alice: Caller,
                                                                 channel: dict) -> None:
    planned = client.get("/v1/costs/projection", headers=alice.headers,
                         params={"channel_id": channel["id"], "count": 10,
                                 "target_duration_s": 120})
    assert planned.status_code == 200, planned.text
    doc = planned.json()
    assert (doc["count"], doc["target_duration_s"], doc["fits_budget"]) == (10, 120, True)
    assert Decimal(doc["total_usd"]) == Decimal(doc["per_video_usd"]) * 10
    assert (doc["per_video_budget_usd"], doc["daily_budget_usd"]) == ("3.00", "30.00")
    assert doc["price_table_version"]


def test_no_sink_and_no_store_is_a_503_and_the_log_says_what_to_start(
        gateway_settings: Settings, make_user: Callable[..., Caller]) -> None:
    alice = make_user("carol")
    with TestClient(create_app(gateway_settings, GatewaySettings(consume=False))) as other:
        with capture_logs() as logs:
            response = other.get("/v1/kpis", headers=alice.headers)
    assert response.status_code == 503 and "sink is not running" in response.text
    assert str(gateway_settings.data_dir) not in response.text  # no path for every user
    assert any("ytempire analytics sink" in entry.get("detail", "") for entry in logs)


HOLDER = """
import os, sys, time
from analytics.server import KpiServer
from analytics.store import SinkOwner, chdb_path, connect
dsn = sys.argv[1]
server = KpiServer(connect(dsn))
SinkOwner(os.getpid(), server.start(), server.token).write(chdb_path(dsn))
print("ready", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def held_by_another_process(gateway_settings: Settings, seeded: dict,
                            store: Client) -> Iterator[dict]:
    """The seeded store, closed here and held by a separate process that serves it the way
    'ytempire analytics sink' does (analytics.server + the owner file)."""
    store.close()
    dsn = gateway_settings.effective_clickhouse_dsn
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, dsn], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, cwd=Path(__file__).parents[2])
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"ready"
    yield seeded
    holder.communicate(timeout=30)


@pytest.fixture
def sink_client(gateway_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(gateway_settings, GatewaySettings(consume=False))) as other:
        yield other


def test_spend_is_read_through_the_sink_that_holds_the_store(
        held_by_another_process: dict, sink_client: TestClient) -> None:
    alice = held_by_another_process["alice"]
    response = sink_client.get("/v1/costs", params={"by": "channel"}, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.json()["total_usd"] == "0.55"


def test_month_projection_is_pace_times_measured_cost_against_the_budgets(
        client: TestClient, seeded: dict) -> None:
    alice = seeded["alice"]
    headers = alice.headers
    lowered = client.patch(f"/v1/channels/{seeded['a']}", headers=headers,
                           json={"daily_budget_usd": "0.15", "per_video_budget_usd": "0.15"})
    assert lowered.status_code == 200, lowered.text
    assert client.patch("/v1/me", json={"monthly_budget_usd": "1.00"},
                        headers=headers).status_code == 200
    response = client.get("/v1/costs/month", headers=headers)
    assert response.status_code == 200, response.text
    doc = response.json()
    by_channel = {c["channel_id"]: c for c in doc["channels"]}
    a, b = by_channel[seeded["a"]], by_channel[seeded["b"]]
    # Channel A: weekday mornings (about 0.7 a day), two published videos: $0.21 and $0.30.
    assert (a["pace_from"], a["usd_per_video_from"], a["usd_per_video"]) == (
        "schedule", "measured", "0.255")
    assert 0.6 < a["videos_per_day"] < 0.8
    expected = Decimal("0.255") * Decimal(str(a["videos_per_day"])) * doc["days"]
    assert abs(Decimal(a["projected_usd"]) - expected) < Decimal("0.01")
    assert a["over_budget"] and Decimal(a["budget_usd"]) == Decimal("0.15") * doc["days"]
    # Channel B has no finished video yet: the estimate prices it (free offline providers).
    assert (b["usd_per_video_from"], b["over_budget"]) == ("estimate", False)
    assert doc["over_budget"] and doc["monthly_budget_usd"] == "1.00"
    # Reading it changes nothing: the ledger raises the alert (test_projection_alert.py).
    notices = client.get("/v1/notifications", headers=headers).json()
    assert [n for n in notices if n["kind"] == "cost.alert"] == []
    assert client.get("/v1/costs/month", headers=seeded["bob"].headers).json()["channels"][0][
        "channel_id"] == seeded["bobs"]


def test_month_projection_counts_failed_videos_as_the_ledger_does(
        client: TestClient, store: Client, gateway_settings: Settings,
        make_user: Callable[..., Caller]) -> None:
    """A failed video paid its providers: its spend is part of the cost per video, in the API
    and in the ledger alike, and a video that failed, was re-driven and published counts once."""
    carol = make_user("carol")
    channel = client.post("/v1/channels", json=CHANNEL, headers=carol.headers).json()["id"]
    history = History(store)
    history.video(carol.user_id, channel, "vc1", 0, [("narrator", "0.100000")])
    history.video(carol.user_id, channel, "vc2", 1, [("scriptwriter", "0.150000"),
                                                     ("narrator", "0.350000")],
                  published=False, failed="narrator")
    history.video(carol.user_id, channel, "vc3", 2, [("narrator", "0.200000"),
                                                     ("assembler", "0.100000")], failed="assembler")
    # In flight: a failure of the ledger itself (beside the line) does not end the video.
    history.video(carol.user_id, channel, "vc4", 0, [("narrator", "0.700000")], published=False,
                  failed="ledger")
    history.write()
    doc = client.get("/v1/costs/month", headers=carol.headers).json()
    [row] = doc["channels"]
    # (0.10 + 0.50 + 0.30) / 3 ended videos; without the failed one it would be 0.20.
    assert row["usd_per_video_from"] == "measured"
    assert Decimal(row["usd_per_video"]) == Decimal("0.30")

    ledger = build_ledger(gateway_settings)
    codec = Codec(SchemaRegistry.load(gateway_settings.schemas_dir))
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        updated = channel_emit(db.get(ChannelRow, channel), db.get(User, carol.user_id))
    for emit in [updated, *history.emits, *history.emits]:  # everything redelivered once
        ledger.handle(codec.decode_record(emit.topic, codec.encode(emit.topic,
                                                                   plain(emit.value))))
    projected = ledger.ledger.projections.projected(channel, datetime.now(UTC))
    assert projected == Decimal(row["projected_usd"]) and projected > 0


def test_the_stages_whose_failure_ends_a_video_are_the_same_in_clickhouse() -> None:
    """video_summary's failed_at (the API's ended videos) is set for the ledger's stages."""
    texts = [m.read_text() for m in sorted(MIGRATIONS_DIR.glob("*.sql"))]
    latest = [t for t in texts if "video_summary_milestones_mv TO" in t][-1]
    listed = re.search(r"JSONExtractString\(value, 'stage'\) IN \(([^)]*)\)", latest)
    assert listed is not None
    assert tuple(re.findall(r"'([^']+)'", listed.group(1))) == rule.ENDING_STAGES


def test_spend_exports_as_csv_by_provider_and_by_video(client: TestClient, seeded: dict) -> None:
    alice = seeded["alice"]
    response = client.get("/v1/costs/export", params={"by": "video"}, headers=alice.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="ytempire-costs-by-video-')
    assert list(csv.reader(io.StringIO(response.text))) == [
        ["video_id", "usd", "calls"], ["va2", "0.300000", "2"], ["va1", "0.210000", "2"],
        ["vb1", "0.040000", "1"]]
    by_provider = client.get("/v1/costs/export", headers=alice.headers, params={
        "by": "provider", "since": str(TODAY.date() - timedelta(days=60))})
    assert by_provider.text == "provider,usd,calls\r\np,9.550000,6\r\n"
    bob = client.get("/v1/costs/export", params={"by": "video"}, headers=seeded["bob"].headers)
    assert "va1" not in bob.text and "vbob" in bob.text


def test_exported_cells_never_run_as_spreadsheet_formulas(client: TestClient, store: Client,
                                                          seeded: dict) -> None:
    alice = seeded["alice"]
    hostile = '=HYPERLINK("http://evil.example","x"),"1'
    channel = client.get("/v1/channels", headers=alice.headers).json()[0]["id"]
    history = History(store)
    history.video(alice.user_id, channel, hostile, 200, [("narrator", "0.100000")])
    history.video(alice.user_id, channel, "@SUM(A1)", 200, [("narrator", "0.050000")])
    history.write()
    day = str(TODAY.date() - timedelta(days=200))
    response = client.get("/v1/costs/export", headers=alice.headers,
                          params={"by": "video", "start": day, "end": day})
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[1:] == [["'" + hostile, "0.100000", "1"], ["'@SUM(A1)", "0.050000", "1"]]
    assert safe_cell("-2+3") == "'-2+3" and safe_cell("0.10") == "0.10"


@pytest.mark.parametrize("params", [{"by": "owner"}, {"start": "not-a-day"},
                                    {"start": "2020-01-01", "end": "2026-01-01"}])
def test_a_bad_export_request_is_a_422(client: TestClient, seeded: dict, params: dict) -> None:
    response = client.get("/v1/costs/export", params=params, headers=seeded["alice"].headers)
    assert response.status_code == 422


def test_overview_spend_is_todays_and_this_months_from_analytics(client: TestClient,
                                                                 seeded: dict) -> None:
    card = client.get("/v1/overview", headers=seeded["alice"].headers).json()
    assert card["spend_unavailable"] is None and card["spend_today_usd"] == "0.21"
    month = sum((Decimal(u) for days, u in ((0, "0.21"), (1, "0.30"), (3, "0.04"))
                 if (TODAY - timedelta(days=days)).month == TODAY.month), Decimal("0"))
    assert Decimal(card["spend_month_usd"]) == month
