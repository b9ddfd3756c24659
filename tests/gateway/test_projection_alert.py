"""A channel whose measured cost per video pushes its month's projection past its budget gets one
``cost.alert`` notice, raised by the ledger while nobody reads the projection, and a redelivered
event adds no second one. Channel, request, cost, upload and alert go through the real codec."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.channel_events import channel_emit
from gateway.config import GatewaySettings
from gateway.models import Channel, User
from gateway.projection import apply_event
from processors.ledger import build as build_ledger
from tests.analytics.seed import _value
from tests.gateway.conftest import Caller
from ytempire.core import projection as rule
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event, cost_event, plain
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_projection_past_the_channels_budget_is_one_notice_without_reading_it(
        client: TestClient, alice: Caller, channel: dict, settings: Settings) -> None:
    lowered = client.patch(f"/v1/channels/{channel['id']}", headers=alice.headers,
                           json={"daily_budget_usd": "0.20", "per_video_budget_usd": "0.20"})
    assert lowered.status_code == 200, lowered.text
    codec = Codec(SchemaRegistry.load(Settings().schemas_dir))
    ledger = build_ledger(settings)

    def deliver(topic: str, value: Event | dict[str, Any]) -> list[Emit]:
        return ledger.handle(codec.decode_record(topic, codec.encode(topic, plain(value))))

    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        row = db.get(Channel, channel["id"])
        updated = channel_emit(row, db.get(User, alice.user_id))
    assert deliver("channel.updated", updated.value) == []
    request = request_event(VideoRequest(topic="Bees", owner_id=alice.user_id,
                                         channel_id=channel["id"], video_id=str(uuid.uuid4()),
                                         budget_usd=Decimal("0.20")))
    deliver("script.requested", request.value)
    deliver("cost.incurred", cost_event(
        request.value.envelope, stage="narrator", provider="elevenlabs", model="m",
        unit="characters", quantity=1.0, usd=Decimal("1.00"), cached=False,
        price_table_version="t", call_key="c").value)
    done = _value("upload.done", plain(request.value), "publisher", passed=True)
    alerts = [e for e in deliver("upload.done", done) if e.value.scope == rule.CHANNEL_SCOPE]
    assert len(alerts) == 1
    alerts += deliver("upload.done", done)  # redelivered: the ledger gives the same alert back
    assert {e.value.envelope.event_id for e in alerts} == {alerts[0].value.envelope.event_id}
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        for alert in alerts:
            value = codec.decode("cost.alert", codec.encode("cost.alert", plain(alert.value)))
            apply_event(db, "cost.alert", value, GatewaySettings())
            db.commit()
    notices = client.get("/v1/notifications", headers=alice.headers).json()
    projected = [n for n in notices if n["kind"] == "cost.alert"
                 and n["data"]["scope"] == rule.CHANNEL_SCOPE]
    assert len(projected) == 1
    data = projected[0]["data"]
    month = request.value.envelope.occurred_at
    assert data["scope_id"] == f"{channel['id']}:{rule.month_of(month)}"
    assert Decimal(data["budget_usd"]) == Decimal("0.20") * rule.days_in_month(month)
    assert Decimal(data["spent_usd"]) > Decimal(data["budget_usd"])
