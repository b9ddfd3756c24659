"""Operator endpoints: the DLQ (list, show, retry, purge through ytempire.runtime.dlq, on the real
broker) and the system-wide KPIs, for admin users only."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from fastapi.testclient import TestClient

from analytics.migrate import migrate
from analytics.store import connect
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from tests.gateway.conftest import Caller
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, new_envelope
from ytempire.core.kafka import EventProducer
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings


@pytest.fixture
def gateway_settings(kafka_settings: Settings, tmp_path: Path) -> Settings:
    return kafka_settings.model_copy(update={
        "data_dir": tmp_path, "database_url": f"sqlite:///{tmp_path / 'gateway.db'}"})


@pytest.fixture
def client(gateway_settings: Settings) -> Iterator[TestClient]:
    store = connect(gateway_settings.effective_clickhouse_dsn)
    migrate(store)
    gateway = GatewaySettings(consume=False, analytics_open_store=True)
    with TestClient(create_app(gateway_settings, gateway)) as test_client:
        yield test_client
    store.close()


@pytest.fixture
def admin(client: TestClient) -> Caller:
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        user, issued = create_user(db, "operator", admin=True)
    return Caller(user.id, issued.secret)


@pytest.fixture
def dead_letters(gateway_settings: Settings) -> dict:
    """Two entries of a stage only this test uses, failed on a topic only this test reads."""
    run = uuid.uuid4().hex[:8]
    stage, topic = f"gw-test-{run}", f"gw-test-source-{run}"
    admin = AdminClient({"bootstrap.servers": gateway_settings.kafka_bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
    producer = EventProducer(gateway_settings.kafka_bootstrap,
                             Codec(SchemaRegistry.load(gateway_settings.schemas_dir)))
    producer.send_all([Emit("pipeline.dlq", {
        "envelope": new_envelope(video_id=f"v-{run}-{i}", channel_id="c", owner_id="o",
                                 producer=stage, event_key=f"{run}-{i}"),
        "stage": stage, "source_topic": topic, "source_partition": 0, "source_offset": i,
        "original_key": f"v-{run}-{i}".encode(), "original_value": f"payload {i}".encode(),
        "error_type": "PermanentError", "error_message": f"broken {i}", "attempts": 3})
        for i in range(2)])
    producer.close()
    return {"stage": stage, "topic": topic}


def _read(bootstrap: str, topic: str, want: int, timeout: float = 20) -> list[bytes]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": str(uuid.uuid4()),
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    values: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(values) < want and time.monotonic() < deadline:
        values += [m.value() for m in consumer.consume(10, 0.5) if not m.error()]
    consumer.close()
    return values


def test_operator_lists_shows_retries_and_purges_dead_letters(
        client: TestClient, admin: Caller, dead_letters: dict,
        gateway_settings: Settings) -> None:
    headers = admin.headers
    listing = client.get("/v1/admin/dlq", params={"stage": dead_letters["stage"]},
                         headers=headers)
    assert listing.status_code == 200, listing.text
    doc = listing.json()
    assert (doc["count"], doc["pending"], doc["by_stage"]) == (2, 2, {dead_letters["stage"]: 2})
    ids = {e["error_message"]: e["id"] for e in doc["entries"]}
    first, second = ids["broken 0"], ids["broken 1"]
    shown = client.get(f"/v1/admin/dlq/{first}", headers=headers).json()
    assert (shown["error_message"], shown["original_key"]) == ("broken 0", shown["video_id"])
    assert shown["original"] is None and shown["original_error"]  # not an event of ours

    retried = client.post(f"/v1/admin/dlq/{first}/retry", headers=headers)
    assert retried.status_code == 200 and retried.json()["status"] == "retried"
    again = client.post(f"/v1/admin/dlq/{first}/retry", headers=headers)
    assert again.status_code == 409 and "force" in again.json()["detail"]
    rest = client.post("/v1/admin/dlq/retry", json={"stage": dead_letters["stage"]},
                       headers=headers).json()["outcomes"]
    assert sorted((o["id"], o["status"]) for o in rest) == sorted([(first, "skipped"),
                                                                    (second, "retried")])
    assert sorted(_read(gateway_settings.kafka_bootstrap, dead_letters["topic"], 2)) == [
        b"payload 0", b"payload 1"]
    assert client.get("/v1/admin/dlq", headers=headers, params={
        "stage": dead_letters["stage"], "status": "pending"}).json()["count"] == 0

    dry = client.post("/v1/admin/dlq/purge", json={"dry_run": True}, headers=headers)
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert client.get(f"/v1/admin/dlq/{first}", headers=headers).status_code == 200
    assert client.get("/v1/admin/dlq/99-0", headers=headers).status_code == 404


def test_system_kpis_are_the_analytics_set(client: TestClient, admin: Caller) -> None:
    kpis = client.get("/v1/admin/kpis", params={"days": 7}, headers=admin.headers)
    assert kpis.status_code == 200, kpis.text
    names = {k["name"] for k in kpis.json()}
    assert {"cost_by_stage", "pipeline_success_rate", "dlq_depth_by_stage"} <= names


def test_operator_endpoints_refuse_other_users(client: TestClient, alice: Caller) -> None:
    for method, url in (("GET", "/v1/admin/dlq"), ("GET", "/v1/admin/dlq/0-0"),
                        ("POST", "/v1/admin/dlq/0-0/retry"), ("POST", "/v1/admin/dlq/retry"),
                        ("POST", "/v1/admin/dlq/purge"), ("GET", "/v1/admin/kpis")):
        response = client.request(method, url, json={}, headers=alice.headers)
        assert response.status_code == 403, (url, response.text)
        assert "--admin" in response.json()["detail"]
