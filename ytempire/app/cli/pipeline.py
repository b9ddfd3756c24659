"""Running the pipeline: ``worker``, ``up``, ``generate``, ``demo``."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ytempire.app.stack import SERVICES, Stack
from ytempire.app.stages import build_stage
from ytempire.app.tracker import Tracker
from ytempire.core.codec import Codec
from ytempire.core.kafka import EventProducer
from ytempire.core.logging import configure
from ytempire.core.manifest import PIPELINE
from ytempire.core.requests import FORMATS, VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings, get_settings

console = Console(stderr=True)

DEMO_TOPICS = [
    "How honeybees make honey",
    "Why the sky is blue",
    "The history of the bicycle",
]


def worker(
    stage: Annotated[str, typer.Argument(help=f"One of: {', '.join(PIPELINE.names)}")],
) -> None:
    """Run one stage as its own Faust worker (its own consumer group) until stopped."""
    from ytempire.runtime.worker import run_worker

    if stage not in PIPELINE.names:
        raise typer.BadParameter(f"choose one of {', '.join(PIPELINE.names)}", param_hint="STAGE")
    settings = get_settings()
    configure(settings.log_format, settings.log_level)
    run_worker(build_stage(stage, settings), settings)


def scheduler_clock() -> None:
    """Send the scheduler the time (scheduler.tick) every YTEMPIRE_SCHEDULER_TICK_SECONDS."""
    from processors.scheduler_clock import run

    settings = get_settings()
    configure(settings.log_format, settings.log_level)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run(settings, stop)
    except KeyboardInterrupt:
        pass


def up(
    no_broker: Annotated[
        bool, typer.Option(help="Use the broker at YTEMPIRE_KAFKA_BOOTSTRAP")
    ] = False,
) -> None:
    """Start broker, topics and every stage worker; Ctrl-C stops everything cleanly."""
    settings = get_settings()
    configure(settings.log_format, settings.log_level)
    stack = Stack(settings, services=list(SERVICES))
    with console.status("starting the local stack..."):
        stack.start(with_broker=not no_broker)
    console.print(
        f"[green]up[/]: broker {settings.kafka_bootstrap}; running "
        f"{', '.join(stack.workers)}; logs in {settings.data_dir / 'logs'}. Ctrl-C stops."
    )
    _serve_until_interrupted(stack)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _serve_until_interrupted(stack: Stack) -> None:
    # Explicit handlers: a background job starts with SIGINT ignored, and SIGTERM must stop too.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            for name in stack.dead_workers():
                console.print(f"[yellow]{name} exited; restarting (see its log)[/]")
                stack.restart(name)
            time.sleep(1)
    except KeyboardInterrupt:
        console.print("stopping...")
    finally:
        stack.stop()
        console.print("stopped")


def generate(
    topic: Annotated[str, typer.Argument(help="What the video is about")],
    count: Annotated[int, typer.Option(min=1, max=50)] = 1,
    format: Annotated[str, typer.Option("--format", help="16:9 or 9:16 (Shorts)")] = "16:9",
    duration: Annotated[int, typer.Option(min=15, max=1200, help="Target seconds")] = 60,
    wait: Annotated[
        bool, typer.Option("--wait", help="Show progress until every video is done")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document at the end")
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait with --wait")] = 900,
) -> None:
    """Request COUNT videos about TOPIC."""
    if format not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")
    settings = get_settings()
    ok = run_generate(settings, topic, count, format, duration, wait or as_json, as_json, timeout)
    raise typer.Exit(0 if ok else 1)


def run_generate(
    settings: Settings,
    topic: str,
    count: int,
    format: str,
    duration: int,
    wait: bool,
    as_json: bool,
    timeout: float,
) -> bool:
    topics = [topic if count == 1 else f"{topic} (part {i + 1})" for i in range(count)]
    requests = [VideoRequest(topic=t, format=format, target_duration_s=duration) for t in topics]
    return request_videos(settings, requests, wait, as_json, timeout)


def request_videos(
    settings: Settings, requests: list[VideoRequest], wait: bool, as_json: bool, timeout: float
) -> bool:
    """Publish the requests; with ``wait``, follow them and print a summary (or JSON).

    True when nothing was awaited or every video was published in time.
    """
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    # The tracker starts reading before the requests exist, so it cannot miss their events.
    tracker = Tracker(settings.kafka_bootstrap, codec) if wait else None
    producer = EventProducer(settings.kafka_bootstrap, codec, client_id="ytempire.cli")
    emits = [request_event(r) for r in requests]
    producer.send_all(emits)
    producer.close()
    ids = [e.value.envelope.video_id for e in emits]
    if tracker is None:
        for vid in ids:
            typer.echo(vid)
        return True
    tracker.watch(ids)
    finished = _wait_with_progress(tracker, ids, timeout, show=not as_json)
    summaries = [tracker.videos[v].summary() for v in ids]
    tracker.close()
    if as_json:
        typer.echo(json.dumps({"videos": summaries}, indent=2))
    else:
        _print_summary(summaries)
    return finished and all(s["status"] == "published" for s in summaries)


def _wait_with_progress(tracker: Tracker, ids: list[str], timeout: float, show: bool) -> bool:
    if not show:
        return tracker.wait(timeout)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        tasks = {v: progress.add_task(v[:8], total=len(PIPELINE.steps),
                                         stage="requested") for v in ids}

        def refresh(t: Tracker) -> None:
            for vid, task in tasks.items():
                video = t.videos[vid]
                progress.update(task, completed=video.step, stage=video.status)

        finished = tracker.wait(timeout, on_change=refresh)
        tracker.poll(1.0)  # late cost events of the last stage
        refresh(tracker)
    return finished


def _print_summary(summaries: list[dict[str, Any]]) -> None:
    table = Table(title="videos")
    for col in ("video", "title", "status", "duration", "quality", "cost"):
        table.add_column(col)
    for s in summaries:
        table.add_row(
            s["video_id"][:8],
            s["title"] or "-",
            s["status"],
            f"{s['duration_s'] or '-'} s",
            str(s["quality_score"] or "-"),
            f"${s['cost_usd']}",
        )
    out = Console()
    out.print(table)
    for s in summaries:
        where = (s["mp4"] or "").removeprefix("file://") or s["failure"] or s["rejected"] or ""
        out.print(f"{s['video_id'][:8]}  {where}", soft_wrap=True)


def demo(
    count: Annotated[int, typer.Option(min=1, max=10)] = 3,
    duration: Annotated[int, typer.Option(min=15, max=300)] = 30,
) -> None:
    """Start the stack, make a few videos, print where they are, stop."""
    settings = get_settings()
    configure(settings.log_format, "warning")
    stack = Stack(settings)
    ok = False
    try:
        with console.status("starting broker, topics and workers..."):
            stack.start()
        requests = [
            VideoRequest(topic=t, target_duration_s=duration) for t in (DEMO_TOPICS * 4)[:count]
        ]
        ok = request_videos(settings, requests, wait=True, as_json=False, timeout=900)
        console.print(f"channel folder: {settings.channels_dir}")
        from gateway.config import GatewaySettings

        gateway = GatewaySettings()
        console.print(
            "web app: create your sign-in with `.venv/bin/ytempire users create NAME --email "
            "you@example.com` (asks for a password), start everything with `.venv/bin/ytempire "
            f"up`, then open http://{gateway.host}:{gateway.port}/ and sign in")
    finally:
        with console.status("stopping..."):
            stack.stop()
    raise typer.Exit(0 if ok else 1)


COMMANDS: list[Callable[..., Any]] = [worker, scheduler_clock, up, generate, demo]
