"""ledger: running totals to the cent, alerts at 80% and 100% once per video, redelivery-safe."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from confluent_kafka import Consumer

from processors.ledger import Ledger, VideoTotals, build
from ytempire.codec import Codec
from ytempire.events import Emit, cost_event
from ytempire.kafka import EventProducer, assign_at_end
from ytempire.requests import VideoRequest, request_event
from ytempire.schemas import SchemaRegistry
from ytempire.settings import Settings
from ytempire.stack import Stack

D = Decimal


def _request(budget: str = "3.00", video_id: str | None = None) -> Emit:
    return request_event(
        VideoRequest(
            topic="Why cats purr",
            budget_usd=D(budget),
            video_id=video_id or str(uuid.uuid4()),
            channel_id="chan-1",
            owner_id="owner-1",
        )
    )


def _cost(request: Emit, usd: str, index: int) -> Emit:
    return cost_event(
        request.value["envelope"],
        stage="narrator",
        provider="elevenlabs",
        model="multilingual_v2",
        unit="characters",
        quantity=1000.0,
        usd=D(usd),
        cached=False,
        price_table_version="2026-11-01",
        call_key=f"call-{index}",
        index=index,
    )


def _alerts(emits: list[Emit]) -> list[int]:
    assert all(e.topic == "cost.alert" for e in emits)
    return [e.value["threshold_pct"] for e in emits]


def test_thresholds_are_reached_at_80_and_100_percent_of_the_budget() -> None:
    ledger = Ledger(D("3.00"))
    totals, alerts = ledger.add_cost(VideoTotals(budget_usd=D("10")), D("7.99"))
    assert alerts == []
    totals, alerts = ledger.add_cost(totals, D("0.01"))
    assert [a.threshold_pct for a in alerts] == [80]
    assert alerts[0].spent_usd == D("8.00") and alerts[0].budget_usd == D("10")
    totals, alerts = ledger.add_cost(totals, D("1.99"))
    assert alerts == []
    totals, alerts = ledger.add_cost(totals, D("0.01"))
    assert [a.threshold_pct for a in alerts] == [100]
    totals, alerts = ledger.add_cost(totals, D("5"))
    assert alerts == [] and totals.alerted == {80, 100}


def test_one_cost_past_both_thresholds_raises_both_and_free_costs_none() -> None:
    ledger = Ledger(D("3.00"))
    totals, alerts = ledger.add_cost(VideoTotals(), D("0"))
    assert alerts == []
    _, alerts = ledger.add_cost(totals, D("3.50"))
    assert [(a.threshold_pct, a.budget_usd) for a in alerts] == [(80, D("3.00")), (100, D("3.00"))]


def test_a_budget_learnt_after_the_costs_is_checked_at_once() -> None:
    ledger = Ledger(D("3.00"))
    totals, alerts = ledger.add_cost(VideoTotals(), D("1.00"))
    assert alerts == []
    _, alerts = ledger.set_budget(totals, D("1.20"))
    assert [a.threshold_pct for a in alerts] == [80]


def test_totals_are_exact_to_the_cent_over_many_small_costs(settings: Settings) -> None:
    stage = build(settings)
    request = _request("1000")
    stage.handle(request.value)
    for i in range(1000):
        stage.handle(_cost(request, "0.001", i).value)
    envelope = request.value["envelope"]
    at = datetime.now(UTC)
    assert stage.store.video(envelope["video_id"]).spent_usd == D("1.000")
    assert stage.store.total("channel_day", f"chan-1:{at:%Y-%m-%d}") == D("1.000")
    assert stage.store.total("owner_month", f"owner-1:{at:%Y-%m}") == D("1.000")


def test_redelivered_costs_count_once_and_give_back_the_same_alerts(settings: Settings) -> None:
    stage = build(settings)
    request = _request("3.00")
    assert stage.handle(request.value) == []
    first = _cost(request, "2.40", 0)
    second = _cost(request, "0.60", 1)
    raised_80 = stage.handle(first.value)
    raised_100 = stage.handle(second.value)
    assert _alerts(raised_80) == [80] and _alerts(raised_100) == [100]

    again_80 = stage.handle(first.value)
    again_100 = stage.handle(second.value)
    video_id = request.value["envelope"]["video_id"]
    assert stage.store.video(video_id).spent_usd == D("3.00")
    assert [e.value["envelope"]["event_id"] for e in again_80 + again_100] == [
        e.value["envelope"]["event_id"] for e in raised_80 + raised_100
    ]
    assert again_80[0].value["spent_usd"] == D("2.40")
    assert _alerts(stage.handle(_cost(request, "1.00", 2).value)) == []


def test_state_survives_a_restart(settings: Settings) -> None:
    request = _request("1.00")
    stage = build(settings)
    stage.handle(request.value)
    stage.handle(_cost(request, "0.85", 0).value)
    restarted = build(settings)
    assert _alerts(restarted.handle(_cost(request, "0.15", 1).value)) == [100]
    assert restarted.handle(_cost(request, "0.85", 0).value)[0].value["threshold_pct"] == 80


def test_unseen_request_uses_the_default_budget_and_alerts_encode(settings: Settings) -> None:
    stage = build(settings.model_copy(update={"default_budget_usd": D("2.00")}))
    request = _request()
    alerts = stage.handle(_cost(request, "2.000001", 0).value)
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    assert _alerts(alerts) == [80, 100]
    for alert in alerts:
        codec.encode(alert.topic, alert.value)
        assert alert.key == request.value["envelope"]["video_id"]
        assert alert.value["scope"] == "video"
        assert alert.value["budget_usd"] == D("2.000000")
        assert alert.value["spent_usd"] == D("2.000001")


def _read_alerts(consumer: Consumer, codec: Codec, videos: set[str], want: int) -> list[dict]:
    """Alerts of ``videos`` until ``want`` distinct ids came, then 5 s more for any extra."""
    got: list[dict] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len({a["envelope"]["event_id"] for a in got}) >= want:
            deadline = min(deadline, time.monotonic() + 5)
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        value = codec.decode(msg.topic(), msg.value(), msg.partition(), msg.offset())
        if value["scope_id"] in videos:
            got.append(value)
    return got


@pytest.fixture
def ledger_settings(kafka_settings: Settings) -> Settings:
    """A $1 default budget, so a cost read before its request is checked against the same $1."""
    return kafka_settings.model_copy(update={"default_budget_usd": D("1.00")})


@pytest.fixture
def ledger_stack(ledger_settings: Settings):
    stack = Stack(ledger_settings, stages=["ledger"])
    stack.start(with_broker=False, from_end=True)
    yield stack
    stack.stop()


def test_ledger_worker_alerts_once_per_threshold_even_after_redelivery(
    ledger_settings: Settings, ledger_stack: Stack, consumer: Consumer
) -> None:
    codec = Codec(SchemaRegistry.load(ledger_settings.schemas_dir))
    assign_at_end(consumer, ["cost.alert"])
    producer = EventProducer(ledger_settings.kafka_bootstrap, codec)
    request = _request("1.00")
    costs = [_cost(request, usd, i) for i, usd in enumerate(["0.50", "0.30", "0.05"])]
    producer.send_all([request, *costs])
    producer.send_all(costs)  # redelivered: counted twice, they would pass 100% here
    producer.send_all([_cost(request, "0.15", 3)])
    # A $0.10 budget alerts at $0.10 whichever topic the ledger reads first, which
    # proves it reads script.requested (the $1 default would not alert).
    small = _request("0.10")
    producer.send_all([small, _cost(small, "0.10", 0)])

    video, other = request.value["envelope"]["video_id"], small.value["envelope"]["video_id"]
    alerts = _read_alerts(consumer, codec, {video, other}, want=4)
    distinct = {a["envelope"]["event_id"]: a for a in alerts}.values()
    seen = sorted(
        (a["scope_id"], a["threshold_pct"], a["budget_usd"], a["spent_usd"]) for a in distinct
    )
    assert seen == sorted(
        [
            (video, 80, D("1.000000"), D("0.800000")),
            (video, 100, D("1.000000"), D("1.000000")),
            (other, 80, D("0.100000"), D("0.100000")),
            (other, 100, D("0.100000"), D("0.100000")),
        ]
    )
