"""``ytempire dlq list|show|retry|purge``: inspect and re-drive dead-lettered messages."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ytempire.app.cli.inspect import to_json
from ytempire.core.logging import configure
from ytempire.core.settings import get_settings
from ytempire.runtime import dlq, dlq_retry

app = typer.Typer(help="The dead-letter queue (pipeline.dlq): list, show, retry, purge.",
                  no_args_is_help=True)
console = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document")]
StageOpt = Annotated[str | None, typer.Option(help="Only entries of this failing stage")]
TopicOpt = Annotated[str | None, typer.Option(help="Only entries whose source is this topic")]
SinceOpt = Annotated[str | None, typer.Option(help="Only entries dead-lettered at/after this "
                                                   "ISO time (e.g. 2026-11-25T10:00Z)")]


@app.callback()
def _logs_to_stderr() -> None:
    """Logs go to stderr, so ``--json`` output on stdout stays one document."""
    settings = get_settings()
    configure(settings.log_format, settings.log_level)


def parse_time(text: str | None, option: str) -> datetime | None:
    """ISO 8601 with a time zone (``Z`` allowed); a clear error otherwise."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO time like 2026-11-25T10:00Z",
                                 param_hint=option) from None
    if value.tzinfo is None:
        raise typer.BadParameter(f"{text!r} has no time zone; add Z or +HH:MM",
                                 param_hint=option)
    return value


def _print_json(doc: Any) -> None:
    typer.echo(json.dumps(to_json(doc), indent=2))


def _fail(exc: dlq.DlqError, as_json: bool) -> None:
    if as_json:
        _print_json({"error": str(exc), "type": type(exc).__name__})
    else:
        err.print(f"[red]{exc}[/]")
    raise typer.Exit(2 if isinstance(exc, dlq.EntryNotFound) else 1)


@app.command("list")
def list_(
    stage: StageOpt = None,
    topic: TopicOpt = None,
    since: SinceOpt = None,
    status: Annotated[str | None, typer.Option(help="pending or retried")] = None,
    limit: Annotated[int, typer.Option(help="Show the newest N (0 = all); counts cover "
                                            "all matching")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Entries (oldest first) with counts by stage and by source topic."""
    settings = get_settings()
    where = dlq.DlqFilter(stage=stage, topic=topic, since=parse_time(since, "--since"),
                          status=status)
    listing = dlq.list_entries(settings, where, limit=limit or None)
    if as_json:
        _print_json(listing.as_dict())
        return
    table = Table(title=f"pipeline.dlq: {sum(listing.by_stage.values())} matching, "
                        f"{listing.pending} pending")
    for column in ("id", "when (UTC)", "stage", "source", "error", "attempts", "status"):
        table.add_column(column)
    for e in listing.entries:
        table.add_row(e.id, e.timestamp.strftime("%Y-%m-%d %H:%M:%S"), e.stage, e.source,
                      f"{e.error_type}: {e.error_message[:60]}", str(e.attempts), e.status)
    console.print(table)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(listing.by_stage.items())) or "none"
    console.print(f"by stage: {counts}")


@app.command()
def show(
    entry_id: Annotated[str, typer.Argument(help="Entry id, partition-offset (see list)")],
    as_json: JsonOpt = False,
) -> None:
    """One entry: the error, attempts, where it came from, and the original (decoded if it can)."""
    settings = get_settings()
    try:
        doc = dlq.describe(settings, dlq.get_entry(settings, entry_id))
    except dlq.DlqError as exc:
        _fail(exc, as_json)
        return
    if as_json:
        _print_json(doc)
        return
    for key in ("id", "timestamp", "stage", "source_topic", "source_partition", "source_offset",
                "video_id", "error_type", "error_message", "attempts", "status"):
        console.print(f"[bold]{key}[/]: {doc[key]}")
    if doc["retried"]:
        r = doc["retried"]
        console.print(f"[bold]retried[/]: {r['retried_at']} as "
                      f"{r['topic']}[{r['partition']}]@{r['offset']}")
    if doc["original"] is not None:
        console.print("[bold]original[/]:")
        console.print_json(json.dumps(to_json(doc["original"])))
    else:
        console.print(f"[bold]original[/]: undecodable ({doc['original_error']}); first bytes "
                      f"{doc['original_hex'][:96]}")


@app.command()
def retry(
    entry_id: Annotated[str | None, typer.Argument(help="One entry id; or use filters + --all")]
    = None,
    all_matching: Annotated[bool, typer.Option("--all", help="Retry every pending entry "
                                                             "matching the filters")] = False,
    stage: StageOpt = None,
    topic: TopicOpt = None,
    since: SinceOpt = None,
    force: Annotated[bool, typer.Option(help="Send again entries already retried")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Re-produce original bytes to their original topic, once per entry unless --force."""
    settings = get_settings()
    if (entry_id is None) == (not all_matching):
        raise typer.BadParameter("give one ENTRY_ID, or --all with optional filters")
    try:
        if entry_id is not None:
            outcomes = [dlq_retry.retry_entry(settings, entry_id, force=force)]
        else:
            where = dlq.DlqFilter(stage=stage, topic=topic, since=parse_time(since, "--since"),
                                  status=None if force else "pending")
            outcomes = dlq_retry.retry_matching(settings, where, force=force)
    except dlq.DlqError as exc:
        _fail(exc, as_json)
        return
    if as_json:
        _print_json({"outcomes": [o.as_dict() for o in outcomes],
                     "retried": sum(o.status == "retried" for o in outcomes)})
        return
    for o in outcomes:
        if o.mark is not None and o.status == "retried":
            console.print(f"{o.entry_id}: retried as {o.mark.topic}[{o.mark.partition}]"
                          f"@{o.mark.offset}")
        else:
            console.print(f"{o.entry_id}: skipped ({o.reason})")
    console.print(f"{sum(o.status == 'retried' for o in outcomes)} retried")


@app.command()
def purge(
    before: Annotated[str | None, typer.Option(help="Only entries dead-lettered before this "
                                                    "ISO time (default: all)")] = None,
    include_pending: Annotated[bool, typer.Option(
        "--include-pending", help="Also delete entries nobody retried yet")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete old entries from pipeline.dlq (Kafka delete-records: per partition, a prefix).

    Stops in each partition at the first entry nobody retried, unless --include-pending.
    """
    settings = get_settings()
    cutoff = parse_time(before, "--before")
    plan = dlq.purge(settings, cutoff, include_pending, dry_run=True)
    if not dry_run and plan.removed and not yes:
        if as_json:
            raise typer.BadParameter("--json does not ask: add --yes (or --dry-run)")
        typer.confirm(f"delete {plan.removed} DLQ entries?", abort=True)
    result = plan if dry_run else dlq.purge(settings, cutoff, include_pending)
    if as_json:
        _print_json(result.as_dict())
        return
    verb = "would delete" if dry_run else "deleted"
    console.print(f"{verb} {result.removed} entries; kept {result.kept_pending} pending")
