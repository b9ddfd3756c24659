"""KPIs: the named queries in ``analytics/queries/`` plus consumer lag asked from the broker.

Each ``<name>.sql`` starts with a ``--`` comment saying what it measures, and may use
``{since:DateTime64(3, 'UTC')}`` (start of the window). Results travel as plain JSON-able dicts
(``KpiResult.as_dict``), the same whether computed here or fetched from the sink that holds a
chdb store (see ``analytics.store``).
"""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from clickhouse_connect.driver.client import Client
from confluent_kafka import KafkaException

from analytics import lag as lag_module
from analytics.migrate import applied
from analytics.store import SinkOwner, chdb_path, connect
from ytempire.core import topics as topics_module
from ytempire.core.pricing import STALE_AFTER_DAYS, current_table
from ytempire.core.settings import Settings

QUERIES_DIR = Path(__file__).resolve().parent / "queries"
LAG = "consumer_lag"
PRICE_TABLE = "price_table_age"


class NoAnalyticsTables(RuntimeError):
    """ClickHouse has not been migrated yet; the message says what to run."""


@dataclass(frozen=True)
class Kpi:
    name: str
    description: str
    sql: str


@dataclass(frozen=True)
class KpiResult:
    name: str
    description: str
    columns: list[str]
    rows: list[list[Any]]
    seconds: float
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "columns": self.columns,
                "rows": [[to_json(v) for v in row] for row in self.rows],
                "seconds": round(self.seconds, 4), "error": self.error}


def to_json(value: Any) -> Any:
    """Money stays exact (Decimal as a string); dates and times as ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN from an empty average
        return None
    return value


def load(directory: Path = QUERIES_DIR) -> list[Kpi]:
    kpis = []
    for path in sorted(directory.glob("*.sql")):
        sql = path.read_text()
        first = sql.lstrip().splitlines()[0] if sql.strip() else ""
        if not first.startswith("--"):
            raise ValueError(f"{path}: a KPI query starts with a '--' line saying what it measures")
        kpis.append(Kpi(path.stem, first.removeprefix("--").strip(), sql))
    return kpis


def run_queries(client: Client, days: int = 30, names: list[str] | None = None,
                directory: Path = QUERIES_DIR) -> list[KpiResult]:
    """Run the named queries (all by default) over the last ``days`` days."""
    since = datetime.now(UTC) - timedelta(days=days)
    results = []
    for kpi in load(directory):
        if names is not None and kpi.name not in names:
            continue
        began = time.perf_counter()
        result = client.query(kpi.sql, parameters={"since": since})
        results.append(KpiResult(kpi.name, kpi.description, list(result.column_names),
                                 [list(row) for row in result.result_rows],
                                 time.perf_counter() - began))
    return results


def consumer_lag(settings: Settings, timeout: float = 5.0) -> KpiResult:
    """Lag per consumer (stage) from the broker; an error result when the broker is away."""
    began = time.perf_counter()
    description = "Records each consumer group ytempire.<stage> has yet to commit (from Kafka)."
    columns = ["consumer", "group_id", "lag", "partitions", "partitions_committed"]
    try:
        spec = topics_module.load(settings.topics_file)
        admin = topics_module.connect(settings.kafka_bootstrap, timeout=timeout)
        rows = lag_module.summarize(lag_module.partition_lag(
            admin, spec, timeout=timeout, group_prefix=settings.consumer_group_prefix))
    except (KafkaException, topics_module.KafkaUnreachable) as exc:
        return KpiResult(LAG, description, columns, [], time.perf_counter() - began, str(exc))
    return KpiResult(LAG, description, columns,
                     [[r.consumer, r.group_id, r.lag, r.partitions, r.partitions_committed]
                      for r in rows], time.perf_counter() - began)


def price_table_age() -> KpiResult:
    """How old the price table in use is; ``error`` carries the warning once it is stale."""
    table = current_table()
    return KpiResult(PRICE_TABLE, f"Days since the price table in use was checked against its "
                                  f"sources (stale after {STALE_AFTER_DAYS}).",
                     ["version", "checked", "age_days", "stale"],
                     [[table.version, table.checked, table.age_days(),
                       table.staleness() is not None]], 0.0, table.staleness())


def collect(settings: Settings, days: int = 30, with_lag: bool = True) -> list[dict[str, Any]]:
    """Every KPI as dicts: through the running sink when it holds the chdb store, else directly."""
    path = chdb_path(settings.effective_clickhouse_dsn)
    owner = SinkOwner.read(path) if path is not None else None
    if owner is not None:
        request = urllib.request.Request(f"{owner.url}/kpi?days={days}", headers=owner.headers())
        with urllib.request.urlopen(request, timeout=60) as response:
            docs: list[dict[str, Any]] = json.load(response)
    else:
        client = connect(settings.effective_clickhouse_dsn)
        try:
            if not applied(client):
                raise NoAnalyticsTables(
                    f"{settings.effective_clickhouse_dsn} has no analytics tables yet: run "
                    "'ytempire analytics migrate', or start 'ytempire analytics sink'")
            docs = [r.as_dict() for r in run_queries(client, days)]
        finally:
            client.close()
    docs.append(price_table_age().as_dict())
    if with_lag:
        docs.append(consumer_lag(settings).as_dict())
    return docs
