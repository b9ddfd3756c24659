"""Topic discovery bills under a per-channel-day id, not a video's: it counts in a channel's
spend and not as a video in the cost-per-video KPIs."""

from __future__ import annotations

from decimal import Decimal

from clickhouse_connect.driver.client import Client

from analytics.kpi import run_queries
from tests.analytics.seed import insert_events
from ytempire.core.codec import Codec
from ytempire.core.events import cost_event, new_envelope
from ytempire.core.requests import VideoRequest, request_event


def test_a_discovery_run_counts_in_spend_and_not_as_a_video(chdb_client: Client,
                                                             codec: Codec) -> None:
    request = request_event(VideoRequest(topic="Bees", channel_id="chan", owner_id="owner",
                                         video_id="video-1"))
    video = request.value.envelope
    discovery = new_envelope(video_id="topics-chan-2030-01-07", channel_id="chan",
                             owner_id="owner", producer="trends")
    insert_events(chdb_client, codec, [
        request,
        cost_event(video, stage="scriptwriter", provider="openai", model="gpt-4o",
                   unit="tokens", quantity=1000.0, usd=Decimal("0.40"), cached=False,
                   price_table_version="t", call_key="script"),
        cost_event(discovery, stage="trends", provider="openai", model="gpt-4o-mini",
                   unit="tokens", quantity=500.0, usd=Decimal("0.10"), cached=False,
                   price_table_version="t", call_key="brainstorm"),
    ])
    kpis = {r.name: r for r in run_queries(chdb_client, days=30,
                                            names=["cost_per_video", "cost_by_channel"])}
    [per_video] = kpis["cost_per_video"].rows
    assert dict(zip(kpis["cost_per_video"].columns, per_video, strict=True))["videos"] == 1
    assert dict(zip(kpis["cost_per_video"].columns, per_video, strict=True))["avg_usd"] == (
        Decimal("0.4"))
    [channel] = kpis["cost_by_channel"].rows
    row = dict(zip(kpis["cost_by_channel"].columns, channel, strict=True))
    assert (row["usd"], row["videos"], row["avg_usd_per_video"]) == (
        Decimal("0.5"), 1, Decimal("0.4"))
