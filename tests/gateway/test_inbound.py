"""Inbound webhooks: signed events from an external system request videos; nothing unsigned,
stale or replayed gets through, and every verified event is logged with its outcome."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.signing import HEADER, sign
from tests.gateway.conftest import CHANNEL, Caller
from ytempire.core.settings import Settings


@pytest.fixture
def client(gateway_settings: Settings) -> Iterator[TestClient]:
    """No broker answers (port 9): accepted requests wait in the outbox, as in an outage."""
    dead = gateway_settings.model_copy(update={"kafka_bootstrap": "127.0.0.1:9"})
    with TestClient(create_app(dead, GatewaySettings(consume=False,
                                                     publish_timeout_s=0.2))) as test_client:
        yield test_client


@pytest.fixture
def source(client: TestClient, alice: Caller, channel: dict) -> dict:
    made = client.post("/v1/inbound-sources", headers=alice.headers,
                       json={"name": "calendar", "channel_id": channel["id"]})
    assert made.status_code == 201, made.text
    return made.json()


def _post(client: TestClient, source: dict, payload: dict | bytes, secret: str | None = None,
          timestamp: int | None = None) -> object:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signature = sign(secret or source["secret"], body, timestamp)
    return client.post(source["receive_url"], content=body,
                       headers={HEADER: signature, "Content-Type": "application/json"})


def _log(client: TestClient, alice: Caller, source: dict) -> list[dict]:
    return client.get(f"/v1/inbound-sources/{source['id']}/events", headers=alice.headers).json()


REQUEST = {"id": "cal-42", "type": "video.requested",
           "data": {"topic": "Why octopuses have three hearts", "target_duration_s": 45}}


def test_signed_request_creates_one_video_on_the_sources_channel(
        client: TestClient, alice: Caller, channel: dict, source: dict) -> None:
    first = _post(client, source, REQUEST)
    assert first.status_code == 202, first.text
    again = _post(client, source, REQUEST)  # re-signed later: same event id, same answer
    assert again.status_code == 202 and again.json() == first.json()
    video_id = first.json()["video_id"]
    video = client.get(f"/v1/videos/{video_id}", headers=alice.headers).json()
    assert (video["channel_id"], video["topic"], video["spec"]["target_duration_s"]) == (
        channel["id"], REQUEST["data"]["topic"], 45)
    assert video["spec"]["voice"] == CHANNEL["voice"]
    assert len(client.get("/v1/videos", headers=alice.headers).json()["items"]) == 1
    [logged] = _log(client, alice, source)
    assert (logged["status"], logged["video_id"], logged["type"]) == (
        "accepted", video_id, "video.requested")
    assert "RateLimit-Remaining" in first.headers


def test_unsigned_forged_or_unknown_deliveries_are_401_and_not_stored(
        client: TestClient, alice: Caller, source: dict) -> None:
    body = json.dumps(REQUEST).encode()
    attempts = [
        client.post(source["receive_url"], content=body),
        _post(client, source, REQUEST, secret="whsec_guess"),
        client.post(source["receive_url"], content=body + b" ",
                    headers={HEADER: sign(source["secret"], body)}),
        client.post(source["receive_url"].replace(source["id"], "no-such-source"),
                    content=body, headers={HEADER: sign(source["secret"], body)}),
        client.post(source["receive_url"], content=body, headers={HEADER: "v1=deadbeef"}),
    ]
    assert [r.status_code for r in attempts] == [401] * 5, [r.text for r in attempts]
    assert len({r.text for r in attempts}) == 1  # nothing tells an unknown source apart
    assert _log(client, alice, source) == []
    assert client.get("/v1/videos", headers=alice.headers).json()["items"] == []


def test_a_delivery_signed_outside_the_replay_window_is_refused_like_a_forgery(
        client: TestClient, alice: Caller, source: dict) -> None:
    stale = _post(client, source, REQUEST, timestamp=int(time.time()) - 301)
    forged = _post(client, source, REQUEST, secret="whsec_guess")
    assert stale.status_code == 401 and stale.text == forged.text
    assert _log(client, alice, source) == []


def test_deleted_source_is_refused(client: TestClient, alice: Caller, source: dict) -> None:
    deleted = client.delete(f"/v1/inbound-sources/{source['id']}", headers=alice.headers)
    assert deleted.status_code == 204
    assert _post(client, source, REQUEST).status_code == 401
    assert client.get("/v1/inbound-sources", headers=alice.headers).json() == []


def test_rejected_requests_say_why_are_logged_and_can_be_sent_again(
        client: TestClient, alice: Caller, bob: Caller, channel: dict) -> None:
    bare = client.post("/v1/inbound-sources", headers=alice.headers,
                       json={"name": "cms"}).json()
    no_channel = _post(client, bare, REQUEST)
    assert no_channel.status_code == 422 and "channel_id is required" in no_channel.text
    bobs = client.post("/v1/channels", json=CHANNEL, headers=bob.headers).json()
    foreign = {**REQUEST, "id": "cal-43", "data": {**REQUEST["data"], "channel_id": bobs["id"]}}
    assert _post(client, bare, foreign).status_code == 404
    assert [e["status"] for e in _log(client, alice, bare)] == ["rejected", "rejected"]
    fixed = {**REQUEST, "data": {**REQUEST["data"], "channel_id": channel["id"]}}
    accepted = _post(client, bare, fixed)  # same event id as the first rejection
    assert accepted.status_code == 202 and accepted.json()["video_id"]
    assert [e["status"] for e in _log(client, alice, bare)] == ["rejected", "accepted"]


@pytest.mark.parametrize("body", [b"not json", b'{"type": "video.deleted", "data": {}}',
                                  b'{"type": "video.requested", "data": {"topic": ""}}'])
def test_malformed_signed_body_is_a_422(client: TestClient, source: dict, body: bytes) -> None:
    response = _post(client, source, body)
    assert response.status_code == 422, response.text


def test_source_channel_must_be_the_callers(client: TestClient, alice: Caller,
                                            bob: Caller) -> None:
    bobs = client.post("/v1/channels", json=CHANNEL, headers=bob.headers).json()
    made = client.post("/v1/inbound-sources", headers=alice.headers,
                       json={"name": "x", "channel_id": bobs["id"]})
    assert made.status_code == 404
