"""Budget alerts, a stage failing repeatedly and a growing DLQ reach the owner's webhooks, the
notification list and the logs, once each, through the real broker and the projection."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from gateway import videos
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import Principal
from gateway.payloads.videos import VideoCreate
from gateway.signing import HEADER, verify
from tests.gateway.conftest import CHANNEL, Caller
from tests.gateway.test_webhooks import Receiver
from tests.typed import envelope_of, typed
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, derive_envelope, failed_event, plain
from ytempire.core.kafka import EventProducer
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

KINDS = ["cost.alert", "dlq.growing", "stage.failing"]


@pytest.fixture
def gateway_settings(kafka_settings: Settings, database_url: str) -> Settings:
    return kafka_settings.model_copy(update={"database_url": database_url})


@pytest.fixture
def client(gateway_settings: Settings) -> Iterator[TestClient]:
    gateway = GatewaySettings(consumer_group=f"gateway-test-{uuid.uuid4().hex[:8]}",
                              notify_failures=2, webhook_backoff_base_s=0.2,
                              egress_allow=["127.0.0.0/8"])  # the receivers run on this machine
    with TestClient(create_app(gateway_settings, gateway)) as test_client:
        yield test_client


def _requests(client: TestClient, alice: Caller, count: int) -> list[dict]:
    """Rows for alice's videos, and the request events the pipeline would have started from."""
    channel = client.post("/v1/channels", json=CHANNEL, headers=alice.headers).json()
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        rows = videos.create(db, Principal(alice.user_id, "", "free"),
                             [VideoCreate(channel_id=channel["id"], topic=f"T{i}")
                              for i in range(count)], None,
                             settings=client.app.state.settings)
        db.commit()
    return [plain(request_event(VideoRequest(topic=v.topic, video_id=v.id,
                                             owner_id=alice.user_id,
                                             channel_id=channel["id"])).value) for v in rows]


def _alert(request: dict) -> Emit:
    return Emit("cost.alert", typed("cost.alert", {
        "envelope": derive_envelope(envelope_of(request), "ledger", "cost.alert"),
        "scope": "video", "scope_id": request["envelope"]["video_id"], "threshold_pct": 80,
        "budget_usd": Decimal("3.00"), "spent_usd": Decimal("2.50")}))


def _dead_letter(request: dict) -> Emit:
    return Emit("pipeline.dlq", typed("pipeline.dlq", {
        "envelope": derive_envelope(envelope_of(request), "narrator", "pipeline.dlq"),
        "stage": "narrator", "source_topic": "script.ready", "source_partition": 0,
        "source_offset": 3, "original_key": b"k", "original_value": b"v",
        "error_type": "PermanentError", "error_message": "voice not found", "attempts": 1}))


def _delivered(receiver: Receiver, want: int, timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(receiver.received) < want and time.monotonic() < deadline:
        time.sleep(0.1)
    return [json.loads(body) for _, body in receiver.received]


def test_alerts_failures_and_dead_letters_reach_the_owner_once(
        client: TestClient, alice: Caller, bob: Caller, gateway_settings: Settings) -> None:
    receiver, bobs_receiver = Receiver([]), Receiver([])
    hook = client.post("/v1/webhooks", headers=alice.headers,
                       json={"url": receiver.url, "events": KINDS}).json()
    client.post("/v1/webhooks", headers=bob.headers, json={"url": bobs_receiver.url,
                                                           "events": ["*"]})
    first, second, third = _requests(client, alice, 3)
    error = RuntimeError("espeak-ng: no such voice")
    failures = [failed_event(envelope_of(r), stage="narrator", input_topic="script.ready",
                             error=error, retryable=False) for r in (first, second)]
    events = [_alert(first), failures[0], _dead_letter(first), failures[1]]
    producer = EventProducer(gateway_settings.kafka_bootstrap,
                             Codec(SchemaRegistry.load(gateway_settings.schemas_dir)))
    with capture_logs() as logs:
        producer.send_all(events)
        payloads = _delivered(receiver, 3)
        producer.send_all(events)  # redelivered: nothing new
        time.sleep(2.0)
    producer.close()

    assert sorted(p["type"] for p in payloads) == KINDS, payloads
    assert len(receiver.received) == 3 and bobs_receiver.received == []
    for headers, body in receiver.received:
        verify(hook["secret"], headers[HEADER], body)
    by_kind = {p["type"]: p["data"] for p in payloads}
    assert by_kind["cost.alert"] == {
        "scope": "video", "scope_id": first["envelope"]["video_id"], "threshold_pct": 80,
        "budget_usd": "3.000000", "spent_usd": "2.500000",
        "video_id": first["envelope"]["video_id"], "channel_id": first["envelope"]["channel_id"]}
    failing = by_kind["stage.failing"]
    assert (failing["stage"], failing["failures"]) == ("narrator", 2)
    assert sorted(failing["video_ids"]) == sorted(r["envelope"]["video_id"]
                                                  for r in (first, second))
    assert "no such voice" in failing["last_error"]
    assert by_kind["dlq.growing"]["entries_last_24h"] == 1
    assert third["envelope"]["video_id"] not in json.dumps(payloads)

    listed = client.get("/v1/notifications", headers=alice.headers).json()
    assert sorted(n["kind"] for n in listed) == KINDS
    assert client.get("/v1/notifications", headers=bob.headers).json() == []
    # The projection's new group reads the session's history too: other owners' notices are
    # logged (operators see them), but only alice's are hers.
    logged = [e for e in logs if e["event"] == "notice" and e["owner_id"] == alice.user_id]
    # Logged once each, unless a batch was retried (logs are not transactional).
    retried = [e for e in logs if e["event"] == "projection.batch_failed"]
    assert len(logged) == 3 + len(retried) and {e["kind"] for e in logged} == set(KINDS), (
        logged, retried)
    assert all(e["log_level"] == "warning" for e in logged)
