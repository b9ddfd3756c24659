"""A channel neither connected to YouTube nor local only: its finished video shows
``ready_not_uploaded``, never ``published``, and its owner hears why; ``channel.updated`` says
where the channel publishes from the same ``youtube_connections`` row the publisher reads."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from gateway import videos
from gateway.channel_events import publish_target
from gateway.config import GatewaySettings
from gateway.identity import Principal
from gateway.models import Channel
from gateway.payloads.videos import VideoCreate
from gateway.projection import apply_event
from processors.providers.google.connections import Connections
from tests.gateway.conftest import Caller
from ytempire.core.settings import Settings

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ARTIFACT = {"uri": "file:///data/artifacts/ab/abc.mp4", "size_bytes": 10, "sha256": "ab" * 32,
            "media_type": "video/mp4"}


def upload_done(video_id: str, channel_id: str, owner_id: str, platform: str) -> dict:
    """``upload.done`` as the projection reads it (decoded Avro)."""
    return {"envelope": {
        "event_id": f"up-{video_id}", "video_id": video_id, "channel_id": channel_id,
        "owner_id": owner_id, "occurred_at": datetime.now(UTC),
        "producer": {"name": "publisher", "version": "2"}, "correlation_id": video_id,
        "attempt": 1, "cost_so_far_usd": Decimal(0)},
        "platform": platform, "platform_video_id": "", "url": ARTIFACT["uri"], "title": "Bees",
        "video": ARTIFACT, "thumbnail": {**ARTIFACT, "media_type": "image/png"},
        "duration_s": 61.0, "privacy": "private", "quality_score": 90.0}


def test_a_video_of_a_channel_not_connected_ends_ready_not_uploaded_with_a_notice(
        client: TestClient, alice: Caller, channel: dict) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        made = videos.create(db, Principal(alice.user_id, "", "free"),
                             [VideoCreate(channel_id=channel["id"], topic=t)
                              for t in ("Bees", "Ants")], "ready", settings=settings)
        ids = [v.id for v in made]
        db.commit()
        for video_id, platform in zip(ids, ("none", "local"), strict=True):
            apply_event(db, "upload.done",
                        upload_done(video_id, channel["id"], alice.user_id, platform),
                        GatewaySettings())
        db.commit()
    ready, local = (client.get(f"/v1/videos/{i}", headers=alice.headers).json() for i in ids)
    assert ready["status"] == "ready_not_uploaded" and local["status"] == "published"
    listed = client.get("/v1/videos", params={"status": "ready_not_uploaded"},
                        headers=alice.headers).json()
    assert [v["id"] for v in listed["items"]] == [ids[0]]
    notices = client.get("/v1/notifications", headers=alice.headers).json()
    assert [(n["kind"], n["data"]["video_id"]) for n in notices] == [
        ("video.not_uploaded", ids[0])]
    assert "not connected" in notices[0]["data"]["detail"]


def test_publish_target_follows_the_connection_row_the_publisher_reads(
        client: TestClient, alice: Caller, channel: dict, gateway_settings: Settings) -> None:
    def target() -> tuple[str, str, datetime]:
        with client.app.state.sessions() as db:  # type: ignore[attr-defined]
            row = db.get_one(Channel, channel["id"])
            answer = client.get(f"/v1/channels/{channel['id']}/youtube", headers=alice.headers)
            return publish_target(row), answer.json()["publishes_to"], row.updated_at

    *before, version = target()
    assert before == ["nowhere", "nowhere"]
    assert Connections.from_settings(gateway_settings).link(channel["id"]).mode == \
        "not_connected"
    client.patch(f"/v1/channels/{channel['id']}/youtube", json={"local_only": True},
                 headers=alice.headers)
    *after, resent = target()
    assert after == ["local", "local"] and resent > version  # a new channel.updated version
    assert Connections.from_settings(gateway_settings).link(channel["id"]).mode == "local_only"
