"""``ytempire topics apply|check``: make the cluster match topics.yaml, or show how it differs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from confluent_kafka import KafkaException
from rich.console import Console
from rich.table import Table

from ytempire.core import topic_sync, topics
from ytempire.core.settings import get_settings

app = typer.Typer(help="Topics as declared in topics.yaml: apply them, check for drift.",
                  no_args_is_help=True)

File = Annotated[Path | None, typer.Option(
    "--file", "-f", help="The topics file (default: YTEMPIRE_TOPICS_FILE or ./topics.yaml)")]
Bootstrap = Annotated[str | None, typer.Option(
    help="Kafka host:port (default: YTEMPIRE_KAFKA_BOOTSTRAP or 127.0.0.1:9092)")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object")]
Timeout = Annotated[float, typer.Option(help="Seconds to wait for the cluster")]

ERRORS = (topics.TopicsFileError, topic_sync.TopicConfigDrift, topics.KafkaUnreachable,
          topic_sync.TopicApplyError, KafkaException)


def _fail(exc: Exception, as_json: bool, code: int) -> NoReturn:
    if as_json:
        typer.echo(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
    else:
        typer.echo(f"{type(exc).__name__}: {exc}", err=True)
    raise typer.Exit(code)


def _inputs(file: Path | None, bootstrap: str | None) -> tuple[Path, str]:
    settings = get_settings()
    return file or settings.topics_file, bootstrap or settings.kafka_bootstrap


@app.command()
def apply(file: File = None, bootstrap: Bootstrap = None, as_json: AsJson = False,
          timeout: Timeout = 30.0) -> None:
    """Create missing topics, raise partitions, set configs; refuse unsafe changes (exit 1)."""
    path, server = _inputs(file, bootstrap)
    try:
        spec = topics.load(path)
        changes = topic_sync.apply(topics.connect(server, timeout), spec, timeout)
    except ERRORS as exc:
        _fail(exc, as_json, 1)
    if as_json:
        typer.echo(json.dumps({"bootstrap": server, "file": str(path), "topics": len(spec.topics),
                               "changed": bool(changes),
                               "changes": [c.as_dict() for c in changes]}))
    elif not changes:
        typer.echo(f"Nothing to change: all {len(spec.topics)} topics on {server} match {path}.")
    else:
        for change in changes:
            typer.echo(_done(change))
        typer.echo(f"{len(changes)} changes applied; {len(spec.topics)} topics on {server} "
                   f"now match {path}.")


@app.command()
def check(file: File = None, bootstrap: Bootstrap = None, as_json: AsJson = False,
          timeout: Timeout = 30.0) -> None:
    """Show how the cluster differs from topics.yaml; exit 1 on drift, 2 when it cannot tell."""
    path, server = _inputs(file, bootstrap)
    try:
        spec = topics.load(path)
        drift = topic_sync.check(topics.connect(server, timeout), spec, timeout)
    except ERRORS as exc:
        _fail(exc, as_json, 2)
    if as_json:
        typer.echo(json.dumps({"bootstrap": server, "file": str(path), "topics": len(spec.topics),
                               "in_sync": not drift, "drift": [c.as_dict() for c in drift]}))
    elif not drift:
        typer.echo(f"In sync: all {len(spec.topics)} topics on {server} match {path}.")
    else:
        _print_drift(drift, server, path)
    if drift:
        raise typer.Exit(1)


def _done(change: topic_sync.Change) -> str:
    if change.setting == "topic":
        return f"created {change.topic} ({change.declared})"
    if change.setting == "partitions":
        return f"raised {change.topic} from {change.cluster} to {change.declared} partitions"
    if change.declared is None:
        return f"reset {change.topic} {change.setting} (was {change.cluster}) to the broker default"
    return f"set {change.topic} {change.setting}={change.declared} (was {change.cluster})"


def _print_drift(drift: list[topic_sync.Change], server: str, path: Path) -> None:
    table = Table(title=f"Drift between {server} and {path}")
    for column in ("topic", "setting", "cluster", "topics.yaml", "fix"):
        table.add_column(column)
    for change in drift:
        fix: Any = "ytempire topics apply" if change.safe else "[red]by hand (unsafe)[/red]"
        table.add_row(change.topic, change.setting, change.cluster or "-",
                      change.declared or "(not declared)", fix)
    console = Console(width=max(Console().width, 110))
    console.print(table)
    for change in drift:
        if not change.safe:
            console.print(f"unsafe: {change.message}", markup=False, highlight=False)
