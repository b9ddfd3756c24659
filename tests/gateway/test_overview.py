"""The overview cards from the gateway's own records; spend is null with a reason when
analytics cannot be read (its figures are checked against ClickHouse in test_costs.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from gateway.models import Video
from tests.gateway.conftest import CHANNEL, Caller
from tests.gateway.test_video_list import seed_videos


def test_overview_counts_the_callers_channels_videos_and_outcomes(
        client: TestClient, alice: Caller, bob: Caller, channel: dict) -> None:
    spare = client.post("/v1/channels", json={**CHANNEL, "name": "Spare"},
                        headers=alice.headers).json()
    assert client.delete(f"/v1/channels/{spare['id']}", headers=alice.headers).is_success
    paused = client.post("/v1/channels", json={**CHANNEL, "name": "Resting"},
                         headers=alice.headers).json()
    assert client.patch(f"/v1/channels/{paused['id']}", json={"schedule_paused": True},
                        headers=alice.headers).is_success
    seed_videos(client, alice.user_id, channel["id"], 8,
                start=datetime.now(UTC) - timedelta(seconds=30))
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        db.execute(update(Video).values(
            quality={"score": 80.0, "threshold": 70, "passed": True, "reasons": []}))
        db.commit()
    card = client.get("/v1/overview", headers=alice.headers).json()
    assert (card["channels_active"], card["channels_paused"], card["channels_deleted"]) == (
        2, 1, 1)
    assert card["videos_7d"] == 8 and card["videos_today"] in (0, 8)  # 0 just after midnight
    # finished: 2 published, 2 awaiting publish, 2 failed; their costs 0+.01+.03+.04+.05+.07
    assert card["success_rate_30d"] == 0.6667
    assert card["average_cost_per_video_30d"] == "0.033333"
    assert card["average_quality_30d"] == 80.0
    assert card["spend_today_usd"] is None and "analytics" in card["spend_unavailable"].lower()
    other = client.get("/v1/overview", headers=bob.headers).json()
    assert (other["channels_active"], other["videos_7d"]) == (0, 0)
    assert client.get("/v1/overview", params={"channel_id": channel["id"]},
                      headers=bob.headers).status_code == 404
