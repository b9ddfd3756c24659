"""What a video earns, end to end through the real broker: a channel connected to YouTube (the
local Google fake, reached through google-api-python-client as in production) publishes a video
(publisher worker), the metrics collector reads its statistics and its YouTube Analytics day on
the clock's tick (collector worker), the sink stores them beside the video's costs, and the
gateway's analytics, KPIs and ROI answer with exactly the numbers the fake served; after every
table is dropped and the topics are replayed, the same numbers again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from analytics.sink import AnalyticsSink
from analytics.store import connect
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from gateway.models import YouTubeConnection
from processors.providers.google.youtube_metrics import report_day
from processors.scheduler_clock import tick_event
from tests.fakes.google_server import ALL_SCOPES, CLIENT_ID, CLIENT_SECRET, FakeGoogle
from tests.gateway.conftest import CHANNEL
from tests.gateway.test_videos import Requests
from tests.polling import until
from tests.processors.test_publisher import scored
from tests.replaying import between, drop_everything, start_group_at, topic_ends
from tests.typed import typed
from ytempire.app.cli.replay import sink_factory
from ytempire.app.stack import Stack
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, cost_event, derive_envelope
from ytempire.core.kafka import EventProducer
from ytempire.core.records import Envelope
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.core.vault import Vault
from ytempire.runtime import replay

pytestmark = pytest.mark.slow

KEY = Vault.new_key()
COSTS = (Decimal("0.4125"), Decimal("0.0875"))  # what the video paid before it was published


@pytest.fixture
def settings(kafka_settings: Settings, google: FakeGoogle, tmp_path: Path) -> Settings:
    """The gateway's and the workers' settings: one database, Google at the fake."""
    return kafka_settings.model_copy(update={
        "database_url": f"sqlite:///{tmp_path / 'gateway.db'}",
        "youtube_client_id": CLIENT_ID, "youtube_client_secret": CLIENT_SECRET,
        "youtube_token_uri": google.token_url, "youtube_api_base_url": google.url,
        "youtube_analytics_base_url": google.url, "youtube_token_keys": SecretStr(KEY)})


def _costs(envelope: Envelope) -> list[Emit]:
    return [cost_event(envelope, stage="narrator", provider="elevenlabs",
                       model="eleven_multilingual_v2", unit="characters", quantity=1000.0 + i,
                       usd=usd, cached=False, price_table_version="2026-11-01",
                       call_key=f"{envelope.video_id}:{i}", index=i)
            for i, usd in enumerate(COSTS)]


def test_a_connected_channel_publishes_and_its_video_earns_the_numbers_youtube_reported(
        settings: Settings, google: FakeGoogle) -> None:
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    producer = EventProducer(settings.kafka_bootstrap, codec)
    app = create_app(settings, GatewaySettings(consume=False, analytics_open_store=True))
    stack = Stack(settings, stages=["publisher", "metrics-collector"])
    starts = topic_ends(settings)
    group = f"{settings.consumer_group_prefix}.sink"
    start_group_at(settings, group, starts)
    sink = AnalyticsSink(settings, group=group, lag_every_s=None)
    stop = threading.Event()
    live = threading.Thread(target=sink.run, kwargs={"stop": stop}, daemon=True)
    with TestClient(app) as client:
        with app.state.sessions() as db:
            headers = {"Authorization": f"Bearer {create_user(db, 'earner')[1].secret}"}
        channel = client.post("/v1/channels", json=CHANNEL, headers=headers).json()["id"]
        with app.state.sessions() as db:  # what the consent flow leaves (tested on its own)
            db.add(YouTubeConnection(
                channel_id=channel, status="connected", youtube_channel_id="UCoperator",
                youtube_channel_title="Operator", scopes=" ".join(ALL_SCOPES),
                refresh_token_sealed=Vault([KEY]).seal(google.refresh_token),
                connected_at=datetime.now(UTC)))
            db.commit()
        assert client.get(f"/v1/channels/{channel}/analytics", headers=headers
                          ).json()["totals"] is None  # connected, nothing measured yet

        stack.start(with_broker=False, from_end=True)
        live.start()
        try:
            requests = Requests(settings.kafka_bootstrap, codec)
            uploads = Requests(settings.kafka_bootstrap, codec, "upload.done")
            video = client.post("/v1/videos", json={"channel_id": channel, "topic": "Tides"},
                                headers=headers).json()["id"]
            [request] = requests.read(1)
            requests.consumer.close()
            value = scored(settings)
            envelope = derive_envelope(msgspec.convert(request["envelope"], Envelope),
                                       "quality", "quality.scored")
            producer.send_all([*_costs(envelope), Emit("quality.scored", typed(
                "quality.scored", {**value, "envelope": envelope, "spec": request["spec"]}))])
            [done] = uploads.read(1, timeout=120)
            uploads.consumer.close()
            assert (done["envelope"]["video_id"], done["platform"]) == (video, "youtube")
            platform_id = done["platform_video_id"]
            assert google.videos[platform_id]["content"]  # the MP4 really went up

            # What YouTube says about it: counters now, and yesterday's Analytics row.
            google.set_statistics(platform_id, views=1234, likes=56, comments=7)
            now = datetime.now(UTC)
            yesterday = report_day(now) - timedelta(days=1)
            google.set_daily(platform_id, yesterday, views=1200, estimatedMinutesWatched=900,
                             averageViewDuration=45, averageViewPercentage=61.5, likes=50,
                             comments=6, shares=3, subscribersGained=9, subscribersLost=1,
                             estimatedRevenue=2.75, cpm=4.1, playbackBasedCpm=3.9,
                             adImpressions=800)
            producer.send_all([tick_event(now + timedelta(minutes=15))])

            def figures() -> dict[str, Any] | None:
                doc = client.get(f"/v1/videos/{video}/analytics", headers=headers).json()
                got = doc.get("figures")
                return doc if got and got.get("views") and got.get("cost_usd") == "0.50" \
                    else None

            doc = until(figures, "the video's analytics show YouTube's numbers", 120)
        finally:
            stop.set()
            live.join(30)
            sink.close()
            stack.stop()
            producer.close()
        ends = topic_ends(settings)

        figures_before = doc["figures"]
        assert figures_before["views"] == 1200
        assert figures_before["revenue_usd"] == "2.75"
        assert figures_before["cost_usd"] == "0.50"
        assert figures_before["roi_usd"] == "2.25"
        assert figures_before["subscribers_gained"] == 9
        channel_doc = client.get(f"/v1/channels/{channel}/analytics", headers=headers).json()
        assert channel_doc["connection"] == "connected"
        assert {k: channel_doc["totals"][k] for k in ("videos_measured", "views", "revenue_usd",
                                                      "cost_usd", "roi_usd")} == {
            "videos_measured": 1, "views": 1200, "revenue_usd": "2.75", "cost_usd": "0.50",
            "roi_usd": "2.25"}
        kpis = client.get("/v1/kpis", params={"days": 30}, headers=headers).json()
        assert kpis["performance"] == channel_doc["totals"]

        # Replay: every table dropped, every topic read again from where this test began.
        store = connect(settings.effective_clickhouse_dsn)
        try:
            assert drop_everything(store) >= 10
        finally:
            store.close()
        rebuilt = replay.replay_into_analytics(settings, between(starts, ends),
                                               sink_factory(settings))
        assert rebuilt.detail["inserted"] > 0
        assert client.get(f"/v1/videos/{video}/analytics", headers=headers).json() == doc
        assert client.get(f"/v1/channels/{channel}/analytics", headers=headers
                          ).json() == channel_doc
