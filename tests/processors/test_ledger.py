"""ledger: running totals to the cent, alerts at 80% and 100% once per video, redelivery-safe."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from datetime import UTC
from decimal import Decimal

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import ConfigResource, ResourceType

from processors.ledger import TABLES, LedgerStage, build
from tests.reliability.watch import Watch
from ytempire.app.broker import LocalBroker
from ytempire.app.stack import Stack
from ytempire.core import topics
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, cost_event
from ytempire.core.kafka import EventProducer
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.runtime.worker import TableState

D = Decimal


def _request(
    budget: str = "3.00", channel: str = "chan-1", daily: str | None = None,
    monthly: str | None = None, owner: str = "owner-1",
) -> Emit:
    emit = request_event(
        VideoRequest(
            topic="Why cats purr",
            budget_usd=D(budget),
            daily_budget_usd=None if daily is None else D(daily),
            video_id=str(uuid.uuid4()),
            channel_id=channel,
            owner_id=owner,
        )
    )
    emit.value["spec"]["monthly_budget_usd"] = None if monthly is None else D(monthly)
    return emit


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


def _stage(settings: Settings, default: str = "3.00") -> LedgerStage:
    return build(settings.model_copy(update={"default_budget_usd": D(default)}))


def _scopes(emits: list[Emit]) -> list[tuple[str, int, Decimal, Decimal]]:
    assert all(e.topic == "cost.alert" for e in emits)
    return [(e.value["scope"], e.value["threshold_pct"], e.value["budget_usd"],
             e.value["spent_usd"]) for e in emits]


def test_thresholds_are_reached_at_80_and_100_percent_of_the_budget(settings: Settings) -> None:
    stage = _stage(settings)
    request = _request("10")
    stage.handle(request.value)
    assert stage.handle(_cost(request, "7.99", 0).value) == []
    assert _scopes(stage.handle(_cost(request, "0.01", 1).value)) == [
        ("video", 80, D("10.000000"), D("8.000000"))]
    assert stage.handle(_cost(request, "1.99", 2).value) == []
    assert _alerts(stage.handle(_cost(request, "0.01", 3).value)) == [100]
    assert stage.handle(_cost(request, "5", 4).value) == []
    video = stage.ledger.video(request.value["envelope"]["video_id"])
    assert video.alerted == {80, 100} and video.spent_usd == D("15.00")


def test_one_cost_past_both_thresholds_raises_both_and_free_costs_none(settings: Settings) -> None:
    stage = _stage(settings)
    request = _request("3.00")
    assert stage.handle(_cost(request, "0", 0).value) == []
    assert [(s, pct, b) for s, pct, b, _ in _scopes(stage.handle(_cost(request, "3.50", 1).value))
            ] == [("video", 80, D("3.00")), ("video", 100, D("3.00"))]


def test_a_budget_learnt_after_the_costs_is_checked_at_once(settings: Settings) -> None:
    stage = _stage(settings)
    request = _request("1.20")
    assert stage.handle(_cost(request, "1.00", 0).value) == []
    assert _alerts(stage.handle(request.value)) == [80]


def test_totals_are_exact_to_the_cent_over_many_small_costs(settings: Settings) -> None:
    stage = build(settings)
    request = _request("1000")
    stage.handle(request.value)
    for i in range(1000):
        stage.handle(_cost(request, "0.001", i).value)
    envelope = request.value["envelope"]
    at = envelope["occurred_at"].astimezone(UTC)
    assert stage.ledger.video(envelope["video_id"]).spent_usd == D("1.000")
    assert stage.ledger.total("channel_day", f"chan-1:{at:%Y-%m-%d}") == D("1.000")
    assert stage.ledger.total("owner_month", f"owner-1:{at:%Y-%m}") == D("1.000")


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
    assert stage.ledger.video(video_id).spent_usd == D("3.00")
    assert [e.value["envelope"]["event_id"] for e in again_80 + again_100] == [
        e.value["envelope"]["event_id"] for e in raised_80 + raised_100
    ]
    assert again_80[0].value["spent_usd"] == D("2.40")
    assert _alerts(stage.handle(_cost(request, "1.00", 2).value)) == []


def test_channel_day_alerts_once_per_threshold_across_videos(settings: Settings) -> None:
    stage = _stage(settings, default="100")
    channel = f"chan-{uuid.uuid4().hex[:6]}"
    first, second = (_request("100", channel=channel, daily="2.00") for _ in range(2))
    for request in (first, second):
        stage.handle(request.value)
    assert stage.handle(_cost(first, "1.00", 0).value) == []
    raised = stage.handle(_cost(second, "0.60", 0).value)
    day = f"{channel}:{first.value['envelope']['occurred_at'].astimezone(UTC):%Y-%m-%d}"
    assert [(e.value["scope_id"], *s) for e, s in zip(raised, _scopes(raised), strict=True)] == [
        (day, "channel_day", 80, D("2.000000"), D("1.600000"))]
    assert raised[0].key == second.value["envelope"]["video_id"]
    assert stage.handle(_cost(first, "0.10", 1).value) == []
    assert _scopes(stage.handle(_cost(second, "0.30", 1).value)) == [
        ("channel_day", 100, D("2.000000"), D("2.000000"))]
    assert stage.handle(_cost(second, "5.00", 2).value) == []
    assert stage.ledger.total("channel_day", day) == D("7.00")


def test_no_daily_budget_no_channel_alerts_and_a_later_one_applies_at_once(
    settings: Settings,
) -> None:
    stage = _stage(settings, default="100")
    channel = f"chan-{uuid.uuid4().hex[:6]}"
    early = _request("100", channel=channel)
    stage.handle(early.value)
    assert stage.handle(_cost(early, "9.00", 0).value) == []
    later = _request("100", channel=channel, daily="10.00")
    assert _scopes(stage.handle(later.value)) == [
        ("channel_day", 80, D("10.000000"), D("9.000000"))]


def test_a_crash_between_tables_heals_on_redelivery(settings: Settings) -> None:
    """The video's record landed but its channel-day did not: the redelivery fills it in."""
    stage = _stage(settings, default="100")
    request = _request("100", channel=f"chan-{uuid.uuid4().hex[:6]}", daily="1.00")
    stage.handle(request.value)
    before = dict(stage.state.tables["channel_days"])  # type: ignore[attr-defined]
    cost = _cost(request, "0.90", 0)
    assert _scopes(stage.handle(cost.value))[0][:2] == ("channel_day", 80)
    stage.state.tables["channel_days"] = before  # type: ignore[attr-defined]
    again = stage.handle(cost.value)
    assert [(e.value["scope"], e.value["threshold_pct"]) for e in again] == [("channel_day", 80)]
    envelope = request.value["envelope"]
    day = f"{envelope['channel_id']}:{envelope['occurred_at'].astimezone(UTC):%Y-%m-%d}"
    assert stage.ledger.total("channel_day", day) == D("0.90")
    assert stage.ledger.video(envelope["video_id"]).spent_usd == D("0.90")


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


def test_table_state_writes_reach_the_tables_only_on_commit(settings: Settings) -> None:
    """The worker's per-event transaction: a retried or failed handle leaves nothing behind."""
    tables: dict[str, dict] = {name: {} for name in TABLES}
    stage = build(settings)
    stage.state = TableState(tables)
    request = _request("1.00")
    stage.handle(request.value)
    assert tables["videos"] == {} and stage.state.get("videos", _video(request)) is not None
    stage.state.rollback()
    assert stage.state.get("videos", _video(request)) is None
    stage.handle(request.value)
    assert _alerts(stage.handle(_cost(request, "0.90", 0).value)) == [80]
    stage.state.commit()
    assert Decimal(tables["videos"][_video(request)]["spent"]) == D("0.90")
    assert stage.handle(_cost(request, "0.90", 0).value)[0].value["threshold_pct"] == 80
    stage.state.commit()
    assert stage.ledger.video(_video(request)).spent_usd == D("0.90")
    with pytest.raises(KeyError, match="no table 'nope'"):
        stage.state.put("nope", "k", 1)


def _video(request: Emit) -> str:
    return str(request.value["envelope"]["video_id"])


def _read_alerts(watch: Watch, scopes: set[str], want: int, settle: Settings | None = None
                 ) -> list[dict]:
    """Alerts of ``scopes`` since the watch began, once ``want`` distinct ids came; with
    ``settle``, once the ledger (run with those settings) has also handled every cost and request
    on its topics, so an extra alert would be among them."""

    def alerts(w: Watch) -> list[dict]:
        return [a for a in w.values("cost.alert") if a["scope_id"] in scopes]

    watch.until(lambda w: len({a["envelope"]["event_id"] for a in alerts(w)}) >= want, 60)
    if settle is not None:
        watch.settle(settle, ["ledger"])
    return alerts(watch)


@pytest.fixture(scope="module")
def ledger_stack(kafka_broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[Stack]:
    """One ledger worker for this module's worker tests. A $1 default budget, so a cost read
    before its request is checked against the same $1; the 6 s session of ``quick_failover``,
    since one test SIGKILLs it."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("ledger"),
                        kafka_bootstrap=kafka_broker.bootstrap,
                        consumer_group_prefix=f"test-{uuid.uuid4().hex[:8]}",
                        default_budget_usd=D("1.00"))
    stack = Stack(settings, stages=["ledger"])
    with pytest.MonkeyPatch.context() as env:  # as the quick_failover fixture does
        env.setenv("BROKER_SESSION_TIMEOUT", "6")
        env.setenv("BROKER_HEARTBEAT_INTERVAL", "1")
        stack.start(with_broker=False, from_end=True)
    yield stack
    stack.stop()


@pytest.fixture
def ledger_settings(ledger_stack: Stack) -> Settings:
    return ledger_stack.settings


def test_ledger_worker_alerts_once_per_threshold_even_after_redelivery(
    ledger_settings: Settings, ledger_stack: Stack
) -> None:
    codec = Codec(SchemaRegistry.load(ledger_settings.schemas_dir))
    watch = Watch(ledger_settings, ["cost.alert"])
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
    alerts = _read_alerts(watch, {video, other}, want=4, settle=ledger_settings)
    watch.close()
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


@pytest.mark.usefixtures("quick_failover")
def test_killed_ledger_worker_continues_from_its_changelogs(
    ledger_settings: Settings, ledger_stack: Stack
) -> None:
    """SIGKILL after its offsets were committed: every total after the restart must come from
    the changelogs (video, channel-day, owner-month, the daily and monthly budgets, the counted
    ids)."""
    codec = Codec(SchemaRegistry.load(ledger_settings.schemas_dir))
    watch = Watch(ledger_settings, ["cost.alert"])
    producer = EventProducer(ledger_settings.kafka_bootstrap, codec)
    channel, owner = f"chan-{uuid.uuid4().hex[:8]}", f"owner-{uuid.uuid4().hex[:8]}"
    a, b = (_request("1.00", channel=channel, daily="2.00", monthly="2.50", owner=owner)
            for _ in range(2))
    first_a = _cost(a, "0.50", 0)
    producer.send_all([a, b, first_a, _cost(a, "0.30", 1), _cost(b, "0.50", 0)])
    video_a, video_b = (r.value["envelope"]["video_id"] for r in (a, b))
    at = a.value["envelope"]["occurred_at"].astimezone(UTC)
    day, month = f"{channel}:{at:%Y-%m-%d}", f"{owner}:{at:%Y-%m}"
    scopes = {video_a, video_b, day, month}
    _read_alerts(watch, scopes, want=1)
    _await_committed(ledger_settings, ["cost.incurred", "script.requested"])

    ledger_stack.kill_worker("ledger", signal.SIGKILL)
    ledger_stack.restart("ledger")
    # One step at a time: the videos' partitions are consumed in no fixed order.
    # (each step's alerts counted with the steps' before it)
    producer.send_all([first_a, _cost(a, "0.20", 2)])  # a redelivery, then $1.00 for video a
    _read_alerts(watch, scopes, want=2)
    producer.send_all([_cost(b, "0.10", 1)])  # the channel's day: $1.60
    _read_alerts(watch, scopes, want=3)
    producer.send_all([_cost(b, "0.40", 2)])  # video b: $1.00, the day and the month: $2.00
    alerts = _read_alerts(watch, scopes, want=7, settle=ledger_settings)
    watch.close()
    distinct = {x["envelope"]["event_id"]: x for x in alerts}.values()
    assert sorted((x["scope"], x["scope_id"], x["threshold_pct"], x["budget_usd"], x["spent_usd"])
                  for x in distinct) == sorted([
        ("video", video_a, 80, D("1.000000"), D("0.800000")),
        ("video", video_a, 100, D("1.000000"), D("1.000000")),
        ("video", video_b, 80, D("1.000000"), D("1.000000")),
        ("video", video_b, 100, D("1.000000"), D("1.000000")),
        ("channel_day", day, 80, D("2.000000"), D("1.600000")),
        ("channel_day", day, 100, D("2.000000"), D("2.000000")),
        ("owner_month", month, 80, D("2.500000"), D("2.000000")),
    ])
    assert not ledger_stack.dead_workers()
    admin = topics.connect(ledger_settings.kafka_bootstrap)
    names = [f"{ledger_settings.group_id('ledger')}-{t}-changelog" for t in TABLES]
    configs = admin.describe_configs([ConfigResource(ResourceType.TOPIC, n) for n in names])
    policies = {r.name: f.result()["cleanup.policy"].value for r, f in configs.items()}
    assert policies == dict.fromkeys(names, "compact")


def _await_committed(settings: Settings, names: list[str], timeout: float = 30) -> None:
    """Until the stage's group has committed every record of ``names``: a restart redelivers
    nothing, so what it knows of the past comes from its changelogs alone."""
    group = Consumer({"bootstrap.servers": settings.kafka_bootstrap,
                      "group.id": settings.group_id("ledger"), "enable.auto.commit": False})
    try:
        meta = group.list_topics(timeout=10).topics
        parts = [TopicPartition(n, p) for n in names for p in meta[n].partitions]
        ends = [group.get_watermark_offsets(tp, timeout=10)[1] for tp in parts]
        deadline = time.monotonic() + timeout
        while (got := [max(tp.offset, 0) for tp in group.committed(parts, timeout=10)]) != ends:
            assert time.monotonic() < deadline, f"ledger committed {got} of {ends}"
            time.sleep(0.2)
    finally:
        group.close()
