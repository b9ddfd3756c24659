"""``ytempire metrics backfill --channel C --since D``: read a channel's YouTube Analytics days
again (the metrics collector answers ``metrics.requested`` with ``video.metrics``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer

from ytempire.core.settings import get_settings

app = typer.Typer(help="YouTube performance data (the metrics collector).",
                  no_args_is_help=True)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date like 2026-11-02") from None


@app.command()
def backfill(
    channel: Annotated[str, typer.Option(help="The channel id (as the gateway shows it)")],
    since: Annotated[str, typer.Option(help="First day, YYYY-MM-DD")],
    until: Annotated[str | None, typer.Option(help="Last day; default yesterday (UTC)")] = None,
) -> None:
    """Ask the collector for every day from SINCE to UNTIL of CHANNEL's followed videos."""
    from ytempire.core.codec import Codec
    from ytempire.core.events import Emit, new_envelope
    from ytempire.core.kafka import EventProducer
    from ytempire.core.schema_registry import SchemaRegistry

    first = _day(since)
    last = _day(until) if until else datetime.now(UTC).date() - timedelta(days=1)
    if last < first:
        raise typer.BadParameter(f"--until {last} is before --since {first}")
    settings = get_settings()
    envelope = new_envelope(video_id="", channel_id=channel, owner_id="", producer="cli",
                            event_key=f"backfill:{channel}:{first}:{last}:{datetime.now(UTC)}")
    producer = EventProducer(settings.kafka_bootstrap,
                             Codec(SchemaRegistry.load(settings.schemas_dir)),
                             client_id="ytempire.cli")
    producer.send_all([Emit("metrics.requested", {"envelope": envelope, "since": str(first),
                                                  "until": str(last)}, key_field="channel_id")])
    producer.close()
    typer.echo(f"asked the metrics collector for {channel} from {first} to {last}")
