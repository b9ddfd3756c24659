"""ledger: the owner's monthly budget alerts at 80% and 100% once per UTC month, over every
channel and video of the owner, learnt from the latest request and safe under redelivery."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from processors.ledger import build
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, cost_event
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

D = Decimal
JAN, FEB = datetime(2026, 1, 30, 23, 0, tzinfo=UTC), datetime(2026, 2, 1, 0, 30, tzinfo=UTC)


def _request(owner: str, monthly: str | None, at: datetime = JAN, channel: str = "chan-1") -> Emit:
    emit = request_event(VideoRequest(topic="Tides", budget_usd=D("100"), owner_id=owner,
                                      channel_id=channel, video_id=str(uuid.uuid4())))
    emit.value["spec"]["monthly_budget_usd"] = None if monthly is None else D(monthly)
    emit.value["envelope"]["occurred_at"] = at
    return emit


def _cost(request: Emit, usd: str, index: int, at: datetime = JAN) -> Emit:
    emit = cost_event(request.value["envelope"], stage="narrator", provider="elevenlabs",
                      model="multilingual_v2", unit="characters", quantity=1000.0, usd=D(usd),
                      cached=False, price_table_version="2026-11-01", call_key=f"call-{index}",
                      index=index)
    emit.value["envelope"]["occurred_at"] = at
    return emit


def _owner_alerts(emits: list[Emit]) -> list[tuple[str, int, Decimal, Decimal]]:
    return [(e.value["scope_id"], e.value["threshold_pct"], e.value["budget_usd"],
             e.value["spent_usd"]) for e in emits if e.value["scope"] == "owner_month"]


def _owner() -> str:
    return f"owner-{uuid.uuid4().hex[:8]}"


def test_owner_month_alerts_once_per_threshold_across_channels_and_videos(
        settings: Settings) -> None:
    stage, owner = build(settings), _owner()
    first = _request(owner, "10.00", channel="chan-a")
    second = _request(owner, "10.00", channel="chan-b")
    for request in (first, second):
        assert stage.handle(request.value) == []
    assert _owner_alerts(stage.handle(_cost(first, "5.00", 0).value)) == []
    month = f"{owner}:2026-01"
    assert _owner_alerts(stage.handle(_cost(second, "3.00", 0).value)) == [
        (month, 80, D("10.000000"), D("8.000000"))]
    assert _owner_alerts(stage.handle(_cost(first, "1.00", 1).value)) == []
    raised = stage.handle(_cost(second, "1.50", 1).value)
    assert _owner_alerts(raised) == [(month, 100, D("10.000000"), D("10.500000"))]
    assert raised[0].key == second.value["envelope"]["video_id"]
    assert _owner_alerts(stage.handle(_cost(first, "20.00", 2).value)) == []
    assert stage.ledger.total("owner_month", month) == D("30.50")
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    codec.decode("cost.alert", codec.encode("cost.alert", raised[0].value))
    # Another owner's spending is theirs alone.
    other = _request(_owner(), "1.00")
    stage.handle(other.value)
    assert _owner_alerts(stage.handle(_cost(other, "0.50", 0).value)) == []


def test_a_new_utc_month_alerts_again(settings: Settings) -> None:
    stage, owner = build(settings), _owner()
    request = _request(owner, "1.00")
    stage.handle(request.value)
    assert [pct for _, pct, _, _ in _owner_alerts(
        stage.handle(_cost(request, "1.00", 0).value))] == [80, 100]
    raised = stage.handle(_cost(request, "0.85", 1, at=FEB).value)
    assert _owner_alerts(raised) == [(f"{owner}:2026-02", 80, D("1.000000"), D("0.850000"))]


def test_no_budget_no_alert_a_later_budget_alerts_at_once_and_none_clears_it(
        settings: Settings) -> None:
    stage, owner = build(settings), _owner()
    unset = _request(owner, None)
    stage.handle(unset.value)
    assert _owner_alerts(stage.handle(_cost(unset, "9.00", 0).value)) == []
    later = _request(owner, "10.00", at=JAN.replace(hour=23, minute=30))
    assert _owner_alerts(stage.handle(later.value)) == [
        (f"{owner}:2026-01", 80, D("10.000000"), D("9.000000"))]
    older = _request(owner, None, at=JAN.replace(hour=1))  # a late old request changes nothing
    stage.handle(older.value)
    assert stage.state.get("owners", owner)["monthly_budget"] == "10.00"
    cleared = _request(owner, None, at=FEB)
    stage.handle(cleared.value)
    assert _owner_alerts(stage.handle(_cost(cleared, "50.00", 0, at=FEB).value)) == []


def test_redelivered_cost_counts_once_and_gives_back_the_same_owner_alert(
        settings: Settings) -> None:
    stage, owner = build(settings), _owner()
    request = _request(owner, "2.00")
    stage.handle(request.value)
    cost = _cost(request, "1.60", 0)
    first = stage.handle(cost.value)
    again = stage.handle(cost.value)
    assert _owner_alerts(again) == _owner_alerts(first) == [
        (f"{owner}:2026-01", 80, D("2.000000"), D("1.600000"))]
    owner_ids = [e.value["envelope"]["event_id"] for e in first + again
                 if e.value["scope"] == "owner_month"]
    assert len(owner_ids) == 2 and len(set(owner_ids)) == 1
    assert stage.ledger.total("owner_month", f"{owner}:2026-01") == D("1.60")
    assert _owner_alerts(stage.handle(_cost(request, "0.10", 1).value)) == []


def test_a_month_recorded_before_monthly_budgets_still_alerts(settings: Settings) -> None:
    """owner_months records written by the previous ledger have no "alerted" list."""
    stage, owner = build(settings), _owner()
    month = f"{owner}:2026-01"
    stage.state.put("owner_months", month, {"channel_days": {"old:2026-01-02": "4.00"}})
    request = _request(owner, "5.00")
    assert _owner_alerts(stage.handle(request.value)) == [(month, 80, D("5.000000"),
                                                           D("4.000000"))]
    assert stage.state.get("owner_months", month)["alerted"] == [80]
