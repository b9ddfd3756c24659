"""The video page's reads: the MP4 and thumbnail with HTTP Range (owner-scoped, only files the
video's record names inside our directories) and every provider call with its cost."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway import videos
from gateway.config import GatewaySettings
from gateway.identity import Principal
from gateway.models import Video
from gateway.payloads.videos import VideoCreate
from gateway.projection import apply_event
from tests.gateway.conftest import Caller
from tests.typed import envelope_of
from ytempire.core.artifacts import ArtifactStore
from ytempire.core.events import cost_event, plain

MP4 = bytes(range(256)) * 40  # 10,240 bytes standing in for a rendered video


@pytest.fixture
def video(client: TestClient, alice: Caller, channel: dict) -> str:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    store = ArtifactStore(settings.artifacts_dir)
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        [row] = videos.create(db, Principal(alice.user_id, "", "free"),
                              [VideoCreate(channel_id=channel["id"], topic="Bees")], "page",
                              settings=settings)
        row.artifacts = {"video": store.put_bytes(MP4, ".mp4", "video/mp4"),
                         "thumbnail": store.put_bytes(b"\x89PNG fake", ".png", "image/png")}
        db.commit()
        return row.id


def test_the_mp4_is_served_whole_and_by_range(client: TestClient, alice: Caller,
                                              video: str) -> None:
    url = f"/v1/videos/{video}/artifacts/video"
    whole = client.get(url, headers=alice.headers)
    assert whole.status_code == 200 and whole.content == MP4
    assert whole.headers["content-type"] == "video/mp4"
    assert whole.headers["accept-ranges"] == "bytes"
    part = client.get(url, headers={**alice.headers, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == MP4[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(MP4)}"
    tail = client.get(url, headers={**alice.headers, "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == MP4[-10:]
    beyond = client.get(url, headers={**alice.headers, "Range": f"bytes={len(MP4)}-"})
    assert beyond.status_code == 416
    thumb = client.get(f"/v1/videos/{video}/artifacts/thumbnail", headers=alice.headers)
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/png"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_another_owner_or_an_unknown_kind_gets_no_file(client: TestClient, alice: Caller,
                                                       bob: Caller, video: str) -> None:
    assert client.get(f"/v1/videos/{video}/artifacts/video",
                      headers=bob.headers).status_code == 404
    for kind in ("audio", "..%2F..%2Fetc%2Fpasswd", "video/../../gateway.db"):
        response = client.get(f"/v1/videos/{video}/artifacts/{kind}", headers=alice.headers)
        assert response.status_code in (404, 422), kind


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("uri", ["file:///etc/passwd", "http://127.0.0.1/x.mp4",
                                 "file://evil.example/share/x.mp4", "file:///{data}/gateway.db",
                                 "file:///{artifacts}/../gateway.db", "not a uri", ""])
def test_a_recorded_uri_outside_our_directories_is_never_served(
        client: TestClient, alice: Caller, video: str, uri: str) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    hostile = uri.format(data=str(settings.data_dir).lstrip("/"),
                         artifacts=str(settings.artifacts_dir).lstrip("/"))
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        row = db.get_one(Video, video)
        row.artifacts = {**row.artifacts, "video": {**row.artifacts["video"], "uri": hostile}}
        db.commit()
    response = client.get(f"/v1/videos/{video}/artifacts/video", headers=alice.headers)
    assert response.status_code == 404, response.content[:100]


def test_every_provider_call_is_listed_with_its_cost(client: TestClient, alice: Caller,
                                                     bob: Caller, video: str) -> None:
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        row = db.get_one(Video, video)
        request = {"envelope": {
            "event_id": f"req-{video}", "video_id": video, "channel_id": row.channel_id,
            "owner_id": alice.user_id, "occurred_at": row.created_at,
            "producer": {"name": "gateway", "version": "0"}, "correlation_id": video,
            "attempt": 1, "cost_so_far_usd": Decimal(0)}}
        envelope = envelope_of(request)
        for index, (stage, usd) in enumerate([("scriptwriter", "0.012"), ("narrator", "0.3")]):
            emit = cost_event(envelope, stage=stage, provider="openai", model="gpt", unit="token",
                              quantity=1200.0, usd=Decimal(usd), cached=False,
                              price_table_version="t", call_key=f"k{index}", index=index)
            apply_event(db, "cost.incurred", plain(emit.value), GatewaySettings())
        db.commit()
    costs = client.get(f"/v1/videos/{video}/costs", headers=alice.headers).json()
    assert costs["total_usd"] == "0.312"
    assert [(c["stage"], c["usd"], c["model"], c["quantity"]) for c in costs["calls"]] == [
        ("scriptwriter", "0.012", "gpt", 1200.0), ("narrator", "0.30", "gpt", 1200.0)]
    assert client.get(f"/v1/videos/{video}/costs", headers=bob.headers).status_code == 404


def test_artifact_route_takes_no_path_from_the_request(tmp_path: Path) -> None:
    """The route's only inputs are the video id and a fixed kind (checked in the schema)."""
    from gateway.app import create_app
    from ytempire.core.settings import Settings

    app = create_app(Settings(data_dir=tmp_path), GatewaySettings(consume=False))
    params = app.openapi()["paths"]["/v1/videos/{video_id}/artifacts/{kind}"]["get"][
        "parameters"]
    kind = next(p for p in params if p["name"] == "kind")
    assert kind["schema"]["enum"] == ["video", "thumbnail"]
