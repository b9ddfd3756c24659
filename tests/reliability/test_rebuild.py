"""Rebuild ClickHouse from Kafka: after an offline pipeline run ingested live by the sink, drop
every table, replay every topic into analytics, and every KPI is identical; replaying again over
the full store adds nothing. The live sink starts where the run starts and the replay covers the
same offsets of every topic (what earlier tests left on the session broker is not this store's)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from analytics.kpi import run_queries
from analytics.sink import AnalyticsSink
from analytics.store import connect
from tests.replaying import between, drop_everything, start_group_at, topic_ends
from ytempire.app.cli.replay import sink_factory
from ytempire.app.stack import Stack
from ytempire.core import topics as topics_module
from ytempire.core.codec import Codec
from ytempire.core.kafka import EventProducer
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.runtime import replay

from .watch import Watch

pytestmark = pytest.mark.slow


def _kpis(settings: Settings) -> list[dict[str, Any]]:
    client = connect(settings.effective_clickhouse_dsn)
    try:
        docs = [r.as_dict() for r in run_queries(client, days=30)]
        totals = client.query("SELECT count(), sum(usd), sum(quantity) FROM cost_incurred FINAL")
        docs.append({"name": "cost_totals", "rows": [list(totals.result_rows[0])]})
        events = client.query("SELECT _topic, count() FROM events FINAL GROUP BY _topic "
                              "ORDER BY _topic")
        docs.append({"name": "events_by_topic", "rows": [list(r) for r in events.result_rows]})
    finally:
        client.close()
    for doc in docs:
        doc.pop("seconds", None)
        doc["rows"] = [[_settled(v) for v in row] for row in doc["rows"]]
    return docs


def _settled(value: Any) -> Any:
    """Float sums (quantities, seconds) depend on the order ClickHouse adds them in; money is
    Decimal and compared exactly."""
    return round(value, 6) if isinstance(value, float) else value


def _differences(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, Any]:
    after_by_name = {d["name"]: d for d in after}
    return {d["name"]: {"before": d.get("rows"), "after": after_by_name.get(d["name"], {})
                        .get("rows")} for d in before if after_by_name.get(d["name"]) != d}


def test_dropped_tables_are_rebuilt_by_replay_with_identical_kpis(
    kafka_settings: Settings, offline_stack: Stack,
) -> None:
    codec = Codec(SchemaRegistry.load(kafka_settings.schemas_dir))
    group = f"{kafka_settings.consumer_group_prefix}.sink"
    starts = topic_ends(kafka_settings)
    start_group_at(kafka_settings, group, starts)
    sink = AnalyticsSink(kafka_settings, group=group, lag_every_s=None)
    stop = threading.Event()
    live = threading.Thread(target=sink.run, kwargs={"stop": stop}, daemon=True)
    live.start()
    watch = Watch(kafka_settings)
    try:
        emits = [request_event(VideoRequest(topic=t, target_duration_s=15, format=f))
                 for t, f in (("How kites fly", "16:9"), ("Why cats purr", "9:16"))]
        refused = request_event(VideoRequest(topic="Too short", target_duration_s=5))
        EventProducer(kafka_settings.kafka_bootstrap, codec).send_all([*emits, refused])
        ids = [e.value.envelope.video_id for e in emits]
        assert watch.until(lambda w: len(w.values("upload.done", ids)) == 2
                           and w.values("pipeline.failed"), 240)
        watch.settle(offline_stack.settings)
        ends = topic_ends(kafka_settings)
        assert any(high > starts[key][1] for key, (_, high) in ends.items())
        assert watch.until(lambda w: all(
            sink.stats.committed.get(key, starts[key][1]) >= high
            for key, (_, high) in ends.items()), 60)
    finally:
        watch.close()
        stop.set()
        live.join(30)
        sink.close()

    before = _kpis(kafka_settings)
    by_name = {d["name"]: d for d in before}
    assert by_name["videos_by_status"]["rows"], "the live sink stored nothing"
    assert by_name["cost_totals"]["rows"][0][0] > 0

    client = connect(kafka_settings.effective_clickhouse_dsn)
    assert drop_everything(client) >= 10
    assert client.query("SELECT count() FROM system.tables WHERE database = currentDatabase()"
                        ).result_rows[0][0] == 0
    client.close()

    selection = between(starts, ends)
    assert {t for t, _ in selection} == set(topics_module.load(kafka_settings.topics_file).names)
    rebuilt = replay.replay_into_analytics(kafka_settings, selection, sink_factory(kafka_settings))
    assert rebuilt.detail["inserted"] > 0
    assert not _differences(before, _kpis(kafka_settings))

    again = replay.replay_into_analytics(kafka_settings, selection, sink_factory(kafka_settings))
    assert again.detail["inserted"] == 0
    assert again.detail["duplicates"] + again.detail["dead_lettered"] >= again.records
    assert not _differences(before, _kpis(kafka_settings))
