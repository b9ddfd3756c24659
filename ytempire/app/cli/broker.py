"""``ytempire broker start|stop|status``: the project's own single-node Kafka."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from ytempire.app.broker import LocalBroker
from ytempire.app.broker_runtime import BrokerError
from ytempire.core.settings import get_settings

app = typer.Typer(help="Run the local single-node Apache Kafka (KRaft, no Docker).",
                  no_args_is_help=True)

Bootstrap = Annotated[str | None, typer.Option(
    help="host:port to listen on (default: YTEMPIRE_KAFKA_BOOTSTRAP or 127.0.0.1:9092)")]
DataDir = Annotated[Path | None, typer.Option(
    help="Project data directory; the broker keeps <data-dir>/kafka (default: YTEMPIRE_DATA_DIR)")]
ControllerPort = Annotated[int | None, typer.Option(
    help="KRaft controller port (default: the broker port + 1)")]


def _broker(bootstrap: str | None, data_dir: Path | None, controller_port: int | None
            ) -> LocalBroker:
    try:
        return LocalBroker.from_settings(get_settings(), bootstrap=bootstrap, data_dir=data_dir,
                                         controller_port=controller_port)
    except BrokerError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def start(
    bootstrap: Bootstrap = None,
    data_dir: DataDir = None,
    controller_port: ControllerPort = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for readiness")] = 120.0,
) -> None:
    """Start Kafka (fetching its jars on first use) and return once clients can use it."""
    broker = _broker(bootstrap, data_dir, controller_port)
    try:
        result = broker.start(timeout)
    except BrokerError as exc:
        typer.echo(f"BrokerError: {exc}", err=True)
        raise typer.Exit(1) from None
    if result.already_running:
        typer.echo(f"Kafka already running on {broker.bootstrap} (pid {result.pid})")
        return
    typer.echo(f"Kafka {broker.kafka_version} ready on {broker.bootstrap} in "
               f"{result.seconds:.1f} s (pid {result.pid}); logs: {broker.log_file}")


@app.command()
def fetch() -> None:
    """Fetch the broker jars from Maven Central into the shared cache (a no-op when cached)."""
    broker = _broker(None, None, None)
    began = time.monotonic()
    try:
        lib = broker.ensure_jars()
    except BrokerError as exc:
        typer.echo(f"BrokerError: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Kafka {broker.kafka_version} jars in {lib} ({time.monotonic() - began:.1f} s)")


@app.command()
def stop(
    bootstrap: Bootstrap = None,
    data_dir: DataDir = None,
    timeout: Annotated[float, typer.Option(help="Seconds before SIGTERM becomes SIGKILL")] = 30.0,
) -> None:
    """Stop the broker cleanly (SIGKILL only if it ignores SIGTERM for --timeout seconds)."""
    broker = _broker(bootstrap, data_dir, None)
    try:
        pid = broker.stop(timeout)
    except BrokerError as exc:
        typer.echo(f"BrokerError: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Kafka stopped (pid {pid})" if pid else f"Kafka was not running under "
               f"{broker.home}")


@app.command()
def status(
    bootstrap: Bootstrap = None,
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Say whether the broker runs; exit 1 when it does not."""
    state = _broker(bootstrap, data_dir, None).status()
    if as_json:
        typer.echo(json.dumps(state.as_dict()))
    elif state.running:
        topics = "unknown" if state.topics is None else state.topics
        typer.echo(f"Kafka {state.version} running on {state.bootstrap} (pid {state.pid}), "
                   f"{topics} topics; data {state.data_dir}; logs {state.log_file}")
    else:
        typer.echo(f"Kafka is not running (data {state.data_dir}); start it with "
                   "'ytempire broker start'")
    if not state.running:
        raise typer.Exit(1)
