"""An owner's monthly budget, set on ``PATCH /v1/me``, travels with the next request to the
ledger worker, whose ``owner_month`` alerts come back as the owner's notifications."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from tests.gateway.conftest import CHANNEL
from tests.gateway.test_videos import Requests
from ytempire.app.stack import Stack
from ytempire.core.codec import Codec
from ytempire.core.events import cost_event
from ytempire.core.kafka import EventProducer
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings


@pytest.fixture
def ledger(kafka_settings: Settings) -> Iterator[Stack]:
    stack = Stack(kafka_settings, stages=["ledger"])
    stack.start(with_broker=False, from_end=True)
    yield stack
    stack.stop()


def test_owner_month_alerts_reach_the_owners_notifications(
        kafka_settings: Settings, ledger: Stack, tmp_path: Path) -> None:
    settings = kafka_settings.model_copy(update={
        "database_url": f"sqlite:///{tmp_path / 'gateway.db'}"})
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    requests = Requests(settings.kafka_bootstrap, codec)
    app = create_app(settings, GatewaySettings(consumer_group=f"gw-{uuid.uuid4().hex[:8]}"))
    with TestClient(app) as client:
        with app.state.sessions() as db:
            user, issued = create_user(db, "budgeted")
        headers = {"Authorization": f"Bearer {issued.secret}"}
        assert client.patch("/v1/me", json={"monthly_budget_usd": "1.00"},
                            headers=headers).status_code == 200
        channel = client.post("/v1/channels", json=CHANNEL, headers=headers).json()
        accepted = client.post("/v1/videos", json={"channel_id": channel["id"], "topic": "Tides"},
                               headers=headers)
        assert accepted.status_code == 202, accepted.text
        [request] = requests.read(1)
        requests.consumer.close()
        assert request["spec"]["monthly_budget_usd"] == Decimal("1.00")
        costs = [cost_event(request["envelope"], stage="narrator", provider="elevenlabs",
                            model="multilingual_v2", unit="characters", quantity=1.0,
                            usd=Decimal(usd), cached=False, price_table_version="t",
                            call_key=f"k{i}", index=i) for i, usd in enumerate(["0.85", "0.20"])]
        producer = EventProducer(settings.kafka_bootstrap, codec)
        producer.send_all(costs)
        producer.close()

        deadline, notices = time.monotonic() + 60, []
        while len(notices) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
            notices = client.get("/v1/notifications", headers=headers).json()
    at = request["envelope"]["occurred_at"].astimezone(UTC)
    assert sorted((n["kind"], n["data"]["scope"], n["data"]["scope_id"], n["data"]["threshold_pct"],
                   n["data"]["budget_usd"]) for n in notices) == [
        ("cost.alert", "owner_month", f"{user.id}:{at:%Y-%m}", pct, "1.000000")
        for pct in (80, 100)]
    assert {n["data"]["video_id"] for n in notices} == {accepted.json()["id"]}
