"""Video requests over HTTP against the session's real broker, and the status projection."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.models import Video
from gateway.projection import apply
from gateway.videos import resend_stale, resend_stale_cancellations
from tests.gateway.conftest import CHANNEL, Caller
from tests.typed import envelope_of
from ytempire.core.codec import Codec
from ytempire.core.events import cost_event, derive_envelope, event_id, failed_event
from ytempire.core.kafka import EventProducer
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings


@pytest.fixture
def gateway_settings(kafka_settings: Settings, database_url: str) -> Settings:
    return kafka_settings.model_copy(update={"database_url": database_url})


@pytest.fixture
def client(gateway_settings: Settings) -> Iterator[TestClient]:
    gateway = GatewaySettings(consumer_group=f"gateway-test-{uuid.uuid4().hex[:8]}")
    with TestClient(create_app(gateway_settings, gateway)) as test_client:
        yield test_client


@pytest.fixture
def codec(gateway_settings: Settings) -> Codec:
    return Codec(SchemaRegistry.load(gateway_settings.schemas_dir))


class Requests:
    """Reads ``topic`` (``script.requested``) from the high watermark taken when created."""

    def __init__(self, bootstrap: str, codec: Codec, topic: str = "script.requested") -> None:
        self.codec, self.topic = codec, topic
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": str(uuid.uuid4()),
                                  "enable.auto.commit": False})
        partitions = self.consumer.list_topics(topic, timeout=10).topics[topic].partitions
        self.consumer.assign([TopicPartition(topic, p, self._high(p)) for p in partitions])

    def _high(self, partition: int, timeout: float = 30) -> int:
        """The high watermark, waiting out leader election on a freshly created topic."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return int(self.consumer.get_watermark_offsets(
                    TopicPartition(self.topic, partition), timeout=10)[1])
            except KafkaException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def read(self, want: int, timeout: float = 20) -> list[dict]:
        values: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(values) < want and time.monotonic() < deadline:
            for msg in self.consumer.consume(100, 0.5):
                if not msg.error():
                    values.append(self.codec.decode(msg.topic(), msg.value()))
        for msg in self.consumer.consume(100, 1.0):  # anything extra would be a duplicate
            values.append(self.codec.decode(msg.topic(), msg.value()))
        return values


@pytest.fixture
def requests_topic(gateway_settings: Settings, codec: Codec) -> Iterator[Requests]:
    reader = Requests(gateway_settings.kafka_bootstrap, codec)
    yield reader
    reader.consumer.close()


def _wait_for(client: TestClient, caller: Caller, video_id: str, status: str,
              timeout: float = 20, **also: str) -> dict:
    """The video once it has ``status`` (and the ``also`` field values: topics are not ordered
    among each other, so a cost may be applied after the failure)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/v1/videos/{video_id}", headers=caller.headers).json()
        if body["status"] == status and all(body[k] == v for k, v in also.items()):
            return body
        time.sleep(0.1)
    raise AssertionError(f"video {video_id} never reached {status}; last {body}")


def test_post_video_is_accepted_and_publishes_one_request(client: TestClient, alice: Caller,
                                                         channel: dict,
                                                         requests_topic: Requests) -> None:
    headers = {**alice.headers, "Idempotency-Key": "bees-1"}
    body = {"channel_id": channel["id"], "topic": "How honeybees make honey",
            "target_duration_s": 45, "category_id": "28", "made_for_kids": True}
    first = client.post("/v1/videos", json=body, headers=headers)
    again = client.post("/v1/videos", json=body, headers=headers)
    assert first.status_code == again.status_code == 202, first.text
    accepted = first.json()
    assert again.json() == accepted
    assert accepted["status_url"].endswith(f"/v1/videos/{accepted['id']}")
    assert first.headers["Location"] == accepted["status_url"]
    assert Decimal(accepted["cost_estimate_usd"]) == Decimal("0")  # offline providers are free
    [event] = requests_topic.read(1)
    assert event["envelope"]["video_id"] == accepted["id"]
    assert (event["envelope"]["owner_id"], event["envelope"]["channel_id"]) == (
        alice.user_id, channel["id"])
    spec = event["spec"]
    assert (spec["topic"], spec["format"], spec["target_duration_s"], spec["style"]) == (
        "How honeybees make honey", "LANDSCAPE", 45, CHANNEL["visual_style"])
    assert spec["budget_usd"] == Decimal("3.00") and spec["voice"] == CHANNEL["voice"]
    assert (spec["daily_budget_usd"], spec["visual_style"], spec["category_id"]) == (
        Decimal("30.00"), CHANNEL["visual_style"], "28")
    assert spec["made_for_kids"] is True
    publish_at = spec["publish_at"]  # the channel's next "0 9 * * 1-5" slot
    assert (publish_at.hour, publish_at.minute, publish_at.weekday() < 5) == (9, 0, True)
    assert timedelta(0) < publish_at - datetime.now(UTC) <= timedelta(days=3, hours=1)
    status = client.get(accepted["status_url"], headers=alice.headers).json()
    assert (status["status"], status["current_stage"], status["progress"]) == (
        "queued", "scriptwriter", 0.0)


def test_batch_creates_up_to_fifty_all_or_nothing(client: TestClient, alice: Caller,
                                                  channel: dict,
                                                  requests_topic: Requests) -> None:
    items = [{"channel_id": channel["id"], "topic": f"Fact {i}"} for i in range(50)]
    too_many = client.post("/v1/videos/batch", json={"videos": [*items, items[0]]},
                           headers=alice.headers)
    assert too_many.status_code == 422
    one_bad = client.post("/v1/videos/batch", headers=alice.headers,
                          json={"videos": [items[0], {**items[1], "format": "1:1"}]})
    assert one_bad.status_code == 422
    headers = {**alice.headers, "Idempotency-Key": "batch-1"}
    created = client.post("/v1/videos/batch", json={"videos": items}, headers=headers)
    assert created.status_code == 202, created.text
    assert client.post("/v1/videos/batch", json={"videos": items},
                       headers=headers).json() == created.json()
    ids = [v["id"] for v in created.json()["videos"]]
    assert len(set(ids)) == 50
    assert sorted(e["envelope"]["video_id"] for e in requests_topic.read(50)) == sorted(ids)


def test_list_filters_and_pages_with_a_cursor(client: TestClient, alice: Caller,
                                              channel: dict) -> None:
    items = [{"channel_id": channel["id"], "topic": f"Fact {i}"} for i in range(7)]
    created = client.post("/v1/videos/batch", json={"videos": items}, headers=alice.headers)
    ids = {v["id"] for v in created.json()["videos"]}
    seen, cursor = [], None
    while True:
        page = client.get("/v1/videos", headers=alice.headers,
                          params={"limit": 3, "channel_id": channel["id"], "status": "queued",
                                  **({"cursor": cursor} if cursor else {})}).json()
        seen += [v["id"] for v in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 7 and set(seen) == ids
    assert client.get("/v1/videos", params={"status": "published"},
                      headers=alice.headers).json() == {"items": [], "next_cursor": None,
                                                        "total": None}
    assert client.get("/v1/videos", params={"cursor": "garbage"},
                      headers=alice.headers).status_code == 422


def test_projection_follows_costs_and_failure_then_retry_resends(
        client: TestClient, alice: Caller, channel: dict, codec: Codec,
        gateway_settings: Settings, requests_topic: Requests) -> None:
    accepted = client.post("/v1/videos", json={"channel_id": channel["id"], "topic": "Comets"},
                           headers=alice.headers).json()
    [request] = requests_topic.read(1)
    parent = envelope_of(request)
    script_env = derive_envelope(parent, "scriptwriter", "script.ready")
    cost = cost_event(parent, stage="scriptwriter", provider="openai", model="gpt",
                      unit="tokens_out", quantity=900, usd=Decimal("0.0125"), cached=False,
                      price_table_version="t", call_key="k")
    failed = failed_event(script_env, stage="narrator", input_topic="script.ready",
                          error=RuntimeError("voice provider refused"), retryable=False)
    producer = EventProducer(gateway_settings.kafka_bootstrap, codec)
    producer.send_all([cost, cost, failed])  # the cost twice: counted once
    status = _wait_for(client, alice, accepted["id"], "failed", cost_usd="0.0125")
    time.sleep(1.0)  # the second copy of the cost, if it were counted, would show by now
    status = client.get(f"/v1/videos/{accepted['id']}", headers=alice.headers).json()
    assert status["cost_usd"] == "0.0125"
    assert status["failure_reason"] == "narrator: RuntimeError: voice provider refused"
    assert status["current_stage"] is None

    stream = client.get(f"/v1/videos/{accepted['id']}/events", headers=alice.headers)
    assert stream.headers["content-type"].startswith("text/event-stream")
    events = [line.split(": ", 1)[1] for line in stream.text.splitlines()
              if line.startswith("event: ")]
    assert events[0] == "script.requested"  # topics are not ordered among each other
    assert sorted(events[1:]) == ["cost.incurred", "pipeline.failed"]

    retried = client.post(f"/v1/videos/{accepted['id']}/retry", headers=alice.headers)
    assert retried.status_code == 202 and retried.json()["status"] == "queued"
    [again] = requests_topic.read(1)
    assert again["envelope"]["attempt"] == 2
    assert again["envelope"]["event_id"] != parent.event_id
    assert client.post(f"/v1/videos/{accepted['id']}/retry",
                       headers=alice.headers).status_code == 409


def test_cancel_tells_the_pipeline_once_per_attempt(client: TestClient, alice: Caller,
                                                    channel: dict, codec: Codec,
                                                    gateway_settings: Settings) -> None:
    cancels = Requests(gateway_settings.kafka_bootstrap, codec, "video.cancelled")
    accepted = client.post("/v1/videos", json={"channel_id": channel["id"], "topic": "Tides"},
                           headers=alice.headers).json()
    url = f"/v1/videos/{accepted['id']}/cancel"
    headers = {**alice.headers, "Idempotency-Key": "cancel-1"}
    cancelled = client.post(url, json={"reason": "wrong topic"}, headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.post(url, json={"reason": "wrong topic"}, headers=headers).json() == (
        cancelled.json())  # repeated with its key: the same answer, no second event
    assert client.post(url, headers=alice.headers).status_code == 409
    assert client.post(f"/v1/videos/{accepted['id']}/retry",
                       headers=alice.headers).status_code == 202
    assert client.post(url, headers=alice.headers).status_code == 200
    first, second = cancels.read(2)
    cancels.consumer.close()
    assert [e["envelope"]["attempt"] for e in (first, second)] == [1, 2]
    assert {e["envelope"]["video_id"] for e in (first, second)} == {accepted["id"]}
    assert (first["reason"], second["reason"]) == ("wrong topic", "")
    assert first["cancelled_by"].startswith("api-key:") and len(first["cancelled_by"]) > 8
    assert (first["envelope"]["owner_id"], first["envelope"]["channel_id"]) == (
        alice.user_id, channel["id"])
    assert client.post(f"/v1/videos/{accepted['id']}/cancel", json={"reason": "x" * 501},
                       headers=alice.headers).status_code == 422


def test_an_upload_begun_before_the_cancel_shows_as_published() -> None:
    """The publisher cannot take back an upload it had begun; the status must not claim so."""
    video = Video(id="v", status="cancelled", current_stage=None, stages_done=4, artifacts={})
    artifact = {"uri": "file:///v.mp4", "size_bytes": 1, "sha256": "0" * 64,
                "media_type": "video/mp4"}
    assert apply(video, "script.ready", {"script": {"title": "t"}}) == {}
    assert video.status == "cancelled"
    apply(video, "upload.done", {"platform": "youtube", "url": "https://youtu.be/x",
                                 "video": artifact, "thumbnail": artifact})
    assert (video.status, video.url, video.stages_done) == ("published", "https://youtu.be/x", 5)


def test_request_on_a_deleted_channel_is_a_conflict(client: TestClient, alice: Caller,
                                                    channel: dict) -> None:
    client.delete(f"/v1/channels/{channel['id']}", headers=alice.headers)
    response = client.post("/v1/videos", json={"channel_id": channel["id"], "topic": "x"},
                           headers=alice.headers)
    assert response.status_code == 409 and "restore it first" in response.json()["detail"]


def test_unreachable_broker_is_a_503_and_the_request_is_sent_later(
        alice: Caller, tmp_path: Path, database_url: str, kafka_settings: Settings) -> None:
    """The rows are kept unsent; the same key, or the outbox sweep, sends each exactly once. A
    cancel is kept the same way, and a video cancelled before its request went out never
    reaches the pipeline."""
    dead = Settings(data_dir=tmp_path, database_url=database_url, kafka_bootstrap="127.0.0.1:9")
    with TestClient(create_app(dead, GatewaySettings(consume=False,
                                                     publish_timeout_s=1))) as down:
        made = down.post("/v1/channels", json=CHANNEL, headers=alice.headers)
        body = {"channel_id": made.json()["id"], "topic": "Volcanoes"}
        for key in ("by-key", "by-sweep", "cancelled"):
            refused = down.post("/v1/videos", json=body,
                                headers={**alice.headers, "Idempotency-Key": key})
            assert refused.status_code == 503 and refused.headers["Retry-After"]
        cancelled = event_id("video", alice.user_id, "cancelled")  # the id its key gives
        refused = down.post(f"/v1/videos/{cancelled}/cancel", headers=alice.headers)
        assert refused.status_code == 503 and "recorded" in refused.json()["detail"]
        assert down.get(f"/v1/videos/{cancelled}", headers=alice.headers).json()[
            "status"] == "cancelled"
    up = kafka_settings.model_copy(update={"database_url": database_url})
    codec = Codec(SchemaRegistry.load(up.schemas_dir))
    reader, cancels = Requests(up.kafka_bootstrap, codec), Requests(
        up.kafka_bootstrap, codec, "video.cancelled")
    with TestClient(create_app(up, GatewaySettings(consume=False))) as back:
        accepted = back.post("/v1/videos", json=body,
                             headers={**alice.headers, "Idempotency-Key": "by-key"})
        assert accepted.status_code == 202
        with back.app.state.sessions() as db:
            assert resend_stale(db, back.app.state.publisher, older_than_s=0) == 1
            assert resend_stale(db, back.app.state.publisher, older_than_s=0) == 0
            assert resend_stale_cancellations(db, back.app.state.publisher, older_than_s=0) == 1
            assert resend_stale_cancellations(db, back.app.state.publisher, older_than_s=0) == 0
        listed = back.get("/v1/videos", headers=alice.headers).json()["items"]
    events, [cancel] = reader.read(2), cancels.read(1)
    reader.consumer.close()
    cancels.consumer.close()
    assert sorted(e["envelope"]["video_id"] for e in events) == sorted(
        v["id"] for v in listed if v["id"] != cancelled)
    assert cancel["envelope"]["video_id"] == cancelled
