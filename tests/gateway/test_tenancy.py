"""Every /v1 route refuses callers without a key (401) and hides other users' things (404)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway import videos
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import Principal
from gateway.payloads.videos import VideoCreate
from tests.gateway.conftest import CHANNEL, Caller
from ytempire.core.settings import Settings

BODIES = {
    ("POST", "/v1/channels"): CHANNEL,
    ("PATCH", "/v1/channels/{channel_id}"): {"name": "mine now"},
    ("POST", "/v1/keys"): {"name": "k"},
    ("POST", "/v1/webhooks"): {"url": "http://127.0.0.1:9/hook", "events": ["*"]},
    ("POST", "/v1/inbound-sources"): {"name": "calendar"},
    ("POST", "/v1/videos/{video_id}/reject"): {"reason": "not mine"},
    ("POST", "/v1/videos/{video_id}/publish"): {"reason": "not mine"},
    ("PATCH", "/v1/channels/{channel_id}/youtube"): {"local_only": True},
    ("POST", "/v1/channels/{channel_id}/backlog"): {"title": "Moons of Jupiter"},
}
SIGNED = {("POST", "/v1/inbound/{source_id}")}  # authenticated by signature: a key opens nothing
PUBLIC = {("GET", "/v1/auth/config"), ("POST", "/v1/auth/signup"), ("POST", "/v1/auth/login"),
          ("GET", "/v1/youtube/oauth/callback")}  # Google's redirect: bound by its state


@pytest.fixture
def client(gateway_settings: Settings) -> Iterator[TestClient]:
    """Webhooks may name this machine (the operator's allowance for a local deployment), and
    the many 401s asked for here do not lock the test client's address out."""
    app = create_app(gateway_settings, GatewaySettings(
        consume=False, egress_allow=["127.0.0.0/8"], anonymous_limit=10_000))
    with TestClient(app) as test_client:
        yield test_client


def _routes(client: TestClient) -> list[tuple[str, str]]:
    """Every operation the OpenAPI document promises under /v1."""
    paths = client.get("/openapi.json").json()["paths"]
    routes = sorted((method.upper(), path) for path, operations in paths.items()
                    if path.startswith("/v1") for method in operations)
    assert len(routes) >= 15
    return routes


@pytest.fixture
def alices_things(client: TestClient, alice: Caller, channel: dict) -> dict[str, str]:
    with client.app.state.sessions() as db:
        [video] = videos.create(db, Principal(alice.user_id, "", "free"),
                                [VideoCreate(channel_id=channel["id"], topic="Bees")], "v1",
                                settings=client.app.state.settings)
        db.commit()
    key_id = client.get("/v1/keys", headers=alice.headers).json()[0]["id"]
    webhook = client.post("/v1/webhooks", json=BODIES[("POST", "/v1/webhooks")],
                          headers=alice.headers).json()
    source = client.post("/v1/inbound-sources", json={"name": "cal", "channel_id": channel["id"]},
                         headers=alice.headers).json()
    return {"channel_id": channel["id"], "video_id": video.id, "key_id": key_id,
            "webhook_id": webhook["id"], "source_id": source["id"], "entry_id": "0-0",
            "session_id": "00000000-0000-0000-0000-000000000000", "kind": "video",
            "notice_id": "1", "topic_id": "0123456789abcdef"}


def test_every_v1_route_needs_a_key(client: TestClient, alices_things: dict) -> None:
    for method, path in _routes(client):
        if (method, path) in PUBLIC:
            continue
        url = path.format(**alices_things)
        response = client.request(method, url, json=BODIES.get((method, path)))
        assert response.status_code == 401, (method, path, response.status_code)


def test_routes_on_another_users_resources_answer_404(client: TestClient, alice: Caller,
                                                      bob: Caller,
                                                      alices_things: dict) -> None:
    checked = 0
    for method, path in _routes(client):
        if not re.search(r"\{\w+\}", path):
            continue
        url = path.format(**alices_things)
        response = client.request(method, url, json=BODIES.get((method, path)),
                                  headers=bob.headers)
        expected = (401 if (method, path) in SIGNED
                    else 403 if path.startswith("/v1/admin/") else 404)
        assert response.status_code == expected, (method, path, response.status_code,
                                                  response.text)
        checked += 1
    assert checked == 36  # one per parametrised operation; update when adding routes
    channel = client.get(f"/v1/channels/{alices_things['channel_id']}", headers=alice.headers)
    assert channel.json()["name"] == CHANNEL["name"] and channel.json()["deleted_at"] is None
    assert client.get("/v1/me", headers=alice.headers).status_code == 200


def test_lists_and_streams_show_only_the_callers_things(client: TestClient, bob: Caller,
                                                        alices_things: dict) -> None:
    for url in ("/v1/channels?include_deleted=true", "/v1/videos", "/v1/keys",
                "/v1/events?follow=false", "/v1/webhooks", "/v1/inbound-sources",
                "/v1/notifications"):
        response = client.get(url, headers={**bob.headers, "Last-Event-ID": "0"})  # all history
        assert response.status_code == 200, url
        for name, value in alices_things.items():
            if name in ("kind", "notice_id", "topic_id"):  # route words, small numbers, made up
                continue
            assert value not in response.text, url


def test_bob_cannot_request_a_video_on_alices_channel(client: TestClient, bob: Caller,
                                                      alices_things: dict) -> None:
    for path, body in (("/v1/videos", {"channel_id": alices_things["channel_id"], "topic": "x"}),
                       ("/v1/videos/batch", {"videos": [{"channel_id":
                                                         alices_things["channel_id"],
                                                         "topic": "x"}]})):
        assert client.post(path, json=body, headers=bob.headers).status_code == 404


def test_bob_cannot_price_or_read_costs_of_alices_channel(client: TestClient, bob: Caller,
                                                          alices_things: dict) -> None:
    channel_id = alices_things["channel_id"]
    for url in (f"/v1/costs/projection?channel_id={channel_id}",
                f"/v1/costs?channel_id={channel_id}"):
        assert client.get(url, headers=bob.headers).status_code == 404, url
