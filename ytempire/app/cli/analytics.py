"""ClickHouse analytics: ``ytempire analytics migrate|sink`` and ``ytempire kpi``.

With the local default (chdb, in-process ClickHouse) only one process can open the store: the
sink holds it while it runs and answers ``ytempire kpi`` over a localhost endpoint it announces
next to the store; when no sink runs, ``kpi`` and ``migrate`` open the store themselves. With
``YTEMPIRE_CLICKHOUSE_DSN`` pointing at a ClickHouse server, everything connects to it.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from analytics import kpi as kpi_module
from analytics.migrate import migrate as apply_migrations
from analytics.server import KpiServer
from analytics.sink import BATCH_SIZE, AnalyticsSink
from analytics.store import ClickHouseBusy, SinkOwner, chdb_path, connect
from ytempire.core.logging import configure
from ytempire.core.settings import get_settings

app = typer.Typer(help="ClickHouse analytics: migrations and the Kafka -> ClickHouse sink.",
                  no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def migrate() -> None:
    """Apply pending ClickHouse migrations (analytics/migrations); running it again does nothing."""
    settings = get_settings()
    try:
        client = connect(settings.effective_clickhouse_dsn)
    except ClickHouseBusy as exc:
        console.print(f"[red]{exc}[/] (the sink applies migrations itself when it starts)")
        raise typer.Exit(1) from None
    try:
        applied = apply_migrations(client)
    finally:
        client.close()
    for migration in applied:
        typer.echo(f"applied {migration.version:04d}_{migration.name}")
    if not applied:
        typer.echo("ClickHouse is up to date")


@app.command()
def sink(
    batch_size: Annotated[int, typer.Option(min=1, help="Most records per insert")] = BATCH_SIZE,
    flush_interval: Annotated[float, typer.Option(help="Seconds a record may wait")] = 0.5,
    lag_every: Annotated[float, typer.Option(help="Seconds between lag snapshots")] = 15.0,
) -> None:
    """Ingest every topic into ClickHouse until Ctrl-C, effectively once (see analytics/sink.py)."""
    settings = get_settings()
    configure(settings.log_format, settings.log_level)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        worker = AnalyticsSink(settings, batch_size=batch_size, flush_interval_s=flush_interval,
                               lag_every_s=lag_every)
    except ClickHouseBusy as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    path = chdb_path(settings.effective_clickhouse_dsn)
    server = owner = None
    if path is not None:
        server = KpiServer(connect(settings.effective_clickhouse_dsn))
        owner = SinkOwner(os.getpid(), server.start(), server.token)
        owner.write(path)
    where = f", KPIs at {owner.url}" if owner else ""
    console.print(f"[green]analytics sink[/]: {len(worker.topics)} topics -> "
                  f"{settings.effective_clickhouse_dsn}{where}. Ctrl-C stops.")
    try:
        stats = worker.run(stop=stop)
    finally:
        worker.close()
        if server is not None and owner is not None and path is not None:
            owner.remove(path)
            server.stop()
            server.client.close()
    console.print(f"stopped: {stats.inserted} events inserted, {stats.duplicates} duplicates "
                  f"dropped, {stats.dead_lettered} dead-lettered")


def kpi(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document")] = False,
    days: Annotated[int, typer.Option(min=1, help="Window: the last N days")] = 30,
    no_lag: Annotated[bool, typer.Option("--no-lag", help="Skip consumer lag (Kafka)")] = False,
) -> None:
    """Print every KPI (analytics/queries/*.sql, plus consumer lag from Kafka)."""
    settings = get_settings()
    try:
        docs = kpi_module.collect(settings, days=days, with_lag=not no_lag)
    except (ClickHouseBusy, kpi_module.NoAnalyticsTables) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({"days": days, "kpis": docs}, indent=2))
        return
    out = Console()
    for doc in docs:
        out.print(_table(doc))


def _table(doc: dict[str, Any]) -> Table | str:
    title = f"[bold]{doc['name']}[/] — {doc['description']}"
    if doc.get("error"):
        return f"{title}\n  [red]unavailable: {doc['error']}[/]\n"
    table = Table(title=title, title_justify="left")
    for column in doc["columns"]:
        table.add_column(column)
    for row in doc["rows"]:
        table.add_row(*("-" if value is None else str(value) for value in row))
    if not doc["rows"]:
        table.caption = "no data in the window"
    return table
