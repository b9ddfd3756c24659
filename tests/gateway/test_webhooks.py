"""Webhooks: signed deliveries, retried with backoff, logged; signatures refuse replays."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from gateway import videos
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import Principal
from gateway.payloads.videos import VideoCreate
from gateway.signing import HEADER, BadSignature, sign, verify
from tests.gateway.conftest import CHANNEL, Caller
from ytempire.core.settings import Settings


class Receiver:
    """A real HTTP endpoint that answers with the queued status codes, then 200."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.received = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def gateway_settings(kafka_settings: Settings, database_url: str) -> Settings:
    """On the session broker: a cancel is acknowledged there before it answers."""
    return kafka_settings.model_copy(update={"database_url": database_url})


@pytest.fixture
def client(gateway_settings: Settings) -> Iterator[TestClient]:
    gateway = GatewaySettings(consume=False, webhook_backoff_base_s=0.2, webhook_max_attempts=3,
                              egress_allow=["127.0.0.0/8"])  # the receivers run on this machine
    with TestClient(create_app(gateway_settings, gateway)) as test_client:
        yield test_client


def _cancel_a_video(client: TestClient, alice: Caller) -> str:
    channel = client.post("/v1/channels", json=CHANNEL, headers=alice.headers).json()
    with client.app.state.sessions() as db:
        [video] = videos.create(db, Principal(alice.user_id, "", "free"),
                                [VideoCreate(channel_id=channel["id"], topic="Owls")], None,
                                settings=client.app.state.settings)
        db.commit()
    assert client.post(f"/v1/videos/{video.id}/cancel", headers=alice.headers).status_code == 200
    return video.id


def _deliveries(client: TestClient, caller: Caller, hook_id: str, until: str) -> list[dict]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        log = client.get(f"/v1/webhooks/{hook_id}/deliveries", headers=caller.headers).json()
        if log and log[0]["status"] == until:
            return log
        time.sleep(0.1)
    raise AssertionError(f"delivery never became {until}: {log}")


def test_delivery_is_signed_retried_and_logged(client: TestClient, alice: Caller) -> None:
    receiver = Receiver([500])
    made = client.post("/v1/webhooks", headers=alice.headers,
                       json={"url": receiver.url, "events": ["video.cancelled"]})
    assert made.status_code == 201
    hook = made.json()
    assert "secret" not in client.get("/v1/webhooks", headers=alice.headers).json()[0]
    video_id = _cancel_a_video(client, alice)
    [delivery] = _deliveries(client, alice, hook["id"], "delivered")
    assert (delivery["attempts"], delivery["last_status_code"]) == (2, 200)
    assert len(receiver.received) == 2
    headers, body = receiver.received[-1]
    verify(hook["secret"], headers[HEADER], body)
    payload = json.loads(body)
    assert (payload["type"], payload["data"]["video_id"], payload["data"]["status"]) == (
        "video.cancelled", video_id, "cancelled")
    with pytest.raises(BadSignature, match="does not match"):
        verify("whsec_other", headers[HEADER], body)
    with pytest.raises(BadSignature, match="does not match"):
        verify(hook["secret"], headers[HEADER], body + b" ")


def test_endpoint_that_keeps_failing_is_given_up_after_max_attempts(client: TestClient,
                                                                    alice: Caller) -> None:
    receiver = Receiver([500, 502, 503, 504])
    hook = client.post("/v1/webhooks", headers=alice.headers,
                       json={"url": receiver.url, "events": ["*"]}).json()
    _cancel_a_video(client, alice)
    [delivery] = _deliveries(client, alice, hook["id"], "failed")
    assert (delivery["attempts"], delivery["last_error"]) == (3, "HTTP 503")


def test_events_not_chosen_are_not_sent(client: TestClient, alice: Caller) -> None:
    receiver = Receiver([])
    hook = client.post("/v1/webhooks", headers=alice.headers,
                       json={"url": receiver.url, "events": ["upload.done"]}).json()
    _cancel_a_video(client, alice)
    time.sleep(1.0)
    assert client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=alice.headers).json() == []


def test_signature_outside_the_replay_window_is_refused() -> None:
    body = b'{"x":1}'
    old = sign("whsec_s", body, timestamp=int(time.time()) - 301)
    with pytest.raises(BadSignature, match="replay window"):
        verify("whsec_s", old, body)
    verify("whsec_s", sign("whsec_s", body), body)
    with pytest.raises(BadSignature, match="malformed"):
        verify("whsec_s", "v1=abc", body)


@pytest.mark.parametrize("body", [{"url": "not a url", "events": ["*"]},
                                  {"url": "http://x.test/h", "events": []},
                                  {"url": "http://x.test/h", "events": ["video.deleted"]}])
def test_invalid_webhook_is_a_422(client: TestClient, alice: Caller, body: dict) -> None:
    assert client.post("/v1/webhooks", json=body, headers=alice.headers).status_code == 422


def test_a_test_delivery_reaches_the_endpoint_signed_whatever_events_it_chose(
        client: TestClient, alice: Caller, bob: Caller) -> None:
    receiver = Receiver([])
    hook = client.post("/v1/webhooks", headers=alice.headers,
                       json={"url": receiver.url, "events": ["cost.alert"]}).json()
    assert client.post(f"/v1/webhooks/{hook['id']}/test", headers=bob.headers).status_code == 404
    queued = client.post(f"/v1/webhooks/{hook['id']}/test", headers=alice.headers)
    assert queued.status_code == 202 and queued.json()["event_type"] == "webhook.test"
    [delivery] = _deliveries(client, alice, hook["id"], "delivered")
    assert delivery["id"] == queued.json()["id"]
    headers, body = receiver.received[-1]
    verify(hook["secret"], headers[HEADER], body)
    assert json.loads(body)["data"]["webhook_id"] == hook["id"]
