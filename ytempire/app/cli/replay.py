"""``ytempire replay``: re-drive a stage or rebuild ClickHouse from a range of a topic."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ytempire.app.cli.dlq import parse_time
from ytempire.app.stages import build_stage
from ytempire.core import topics as topics_module
from ytempire.core.logging import configure
from ytempire.core.manifest import PIPELINE
from ytempire.core.settings import Settings, get_settings
from ytempire.runtime import replay as replay_module

console = Console(stderr=True)
ALL = "all"


def sink_factory(settings: Settings) -> replay_module.SinkFactory:
    """The analytics sink replay runs: the one ``ytempire analytics sink`` runs, on a given
    group and topics, with no lag sampling."""
    from analytics.sink import AnalyticsSink

    def make(group: str, topics: list[str]) -> replay_module.Sink:
        return AnalyticsSink(settings, group=group, topics=topics, lag_every_s=None)

    return make


def replay(
    topic: Annotated[list[str], typer.Option(
        help=f"Topic to replay; repeat for several, or '{ALL}' (every topic, for analytics)")],
    into: Annotated[str, typer.Option(
        help=f"A stage ({', '.join(PIPELINE.names)}) or '{replay_module.ANALYTICS}'")],
    from_offset: Annotated[int | None, typer.Option(
        help="Start at this offset in every partition (clamped to the log start)")] = None,
    since: Annotated[str | None, typer.Option(help="Start at this ISO time")] = None,
    until: Annotated[str | None, typer.Option(help="Stop before this ISO time (default: the "
                                                   "end of the log when the replay starts)")]
    = None,
    partition: Annotated[int | None, typer.Option(help="Only this partition")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document at the end")]
    = False,
) -> None:
    """Replay records of TOPIC into a stage (it re-emits identical events, paying nothing
    again) or into ClickHouse (the sink drops events it holds). Safe to repeat."""
    if into != replay_module.ANALYTICS and into not in PIPELINE.names:
        raise typer.BadParameter(f"choose one of {', '.join(PIPELINE.names)} or analytics",
                                 param_hint="--into")
    settings = get_settings()
    configure(settings.log_format, "warning")
    names = topics_module.load(settings.topics_file).names if ALL in topic else topic
    start, end = parse_time(since, "--since"), parse_time(until, "--until")
    try:
        selection: replay_module.Bounds = {}
        for name in names:
            selection.update(replay_module.bounds(settings, name, from_offset=from_offset,
                                                  since=start, until=end, partition=partition))
    except replay_module.ReplayError as exc:
        raise typer.BadParameter(str(exc)) from None
    total = replay_module.count(selection)
    with Progress(TextColumn(f"replay into {into}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, disable=as_json) as bar:
        task = bar.add_task("records", total=total)

        def progress(done: int, _total: int) -> None:
            bar.update(task, completed=done)

        try:
            if into == replay_module.ANALYTICS:
                result = replay_module.replay_into_analytics(settings, selection,
                                                             sink_factory(settings),
                                                             progress)
            else:
                result = replay_module.replay_into_stage(settings, build_stage(into, settings),
                                                         selection, progress)
        except replay_module.ReplayError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        extra = ", ".join(f"{k} {v}" for k, v in result.as_dict().items()
                          if k not in ("target", "records", "bounds"))
        console.print(f"replayed {result.records} records into {into}"
                      + (f" ({extra})" if extra else ""))
