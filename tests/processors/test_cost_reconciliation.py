"""Smoke run of tests/benchmarks/bench_costs.py: three premium videos through the paid stages'
runners, one cancelled after a paid voice part, one whose narrator was killed before sending,
one dead-lettered after its script was paid. Everything they sent then goes where the pipeline
sends it: the ledger (delivered twice, as after a crash before its offsets were committed),
ClickHouse through the sink's insert path (the sink drops a repeat by its stored-id check,
tests/analytics/test_sink.py), and the gateway's cost API over ClickHouse. Each equals the fakes'
billed usage priced by the table."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient

from analytics.migrate import migrate
from analytics.store import connect
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from processors.ledger import build as build_ledger
from processors.ledger import periods
from tests.analytics.seed import insert_events
from tests.benchmarks.bench_costs import TOLERANCE, reconcile
from ytempire.core.codec import Codec
from ytempire.core.records import CostIncurred
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings


def test_the_ledger_clickhouse_and_the_api_equal_the_fakes_billing_through_failures(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'gateway.db'}")
    with TestClient(create_app(settings, GatewaySettings(consume=False,
                                                         analytics_open_store=True))) as api:
        with api.app.state.sessions() as db:  # type: ignore[attr-defined]
            owner, key = create_user(db, "reconciler", "free")
        result = reconcile(3, duration=15, cases=(4, 5, 6), render=False, owner_id=owner.id)
        billed = result.billed_usd
        assert billed > Decimal("0.01")
        assert abs(result.cost_usd - billed) <= TOLERANCE, result
        assert result.failures == {"scriptwriter": 1}

        twice = [*result.sent, *result.sent]
        ledger = build_ledger(settings)
        for emit in twice:
            ledger.handle(emit.value)
        costs = [e.value for e in result.sent if isinstance(e.value, CostIncurred)]
        videos = {c.envelope.video_id for c in costs}
        months = {periods(c.envelope)[2] for c in costs}
        assert len(videos) == 3
        by_video = sum((ledger.ledger.video(v).spent_usd for v in videos), Decimal(0))
        by_month = sum((ledger.ledger.total("owner_month", m) for m in months), Decimal(0))
        assert abs(by_video - billed) <= TOLERANCE and abs(by_month - billed) <= TOLERANCE

        store = connect(settings.effective_clickhouse_dsn)
        try:
            migrate(store)
            insert_events(store, Codec(SchemaRegistry.load(settings.schemas_dir)), result.sent)
            [(events, usd)] = store.query(
                "SELECT count(), sum(usd) FROM cost_incurred FINAL WHERE owner_id = {o:String}",
                parameters={"o": owner.id}).result_rows
        finally:
            store.close()
        assert events == result.events and abs(usd - billed) <= TOLERANCE

        spend = api.get("/v1/costs", params={"by": "video"},
                        headers={"Authorization": f"Bearer {key.secret}"})
        assert spend.status_code == 200, spend.text
        report = spend.json()
        assert abs(Decimal(report["total_usd"]) - billed) <= TOLERANCE
        assert report["calls"] == result.events and len(report["rows"]) == 3
