"""Looking at what is on the wire: ``ytempire tail`` and ``ytempire schemas``."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, TopicPartition

from ytempire.core.codec import Codec, UndecodableEvent
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import get_settings

schemas_app = typer.Typer(help="Avro schemas: check history, freeze new versions.")


def to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def tail(
    topic: Annotated[str, typer.Argument(help="Topic to read, e.g. voice.ready")],
    from_beginning: Annotated[bool, typer.Option("--from-beginning", "-b")] = False,
    count: Annotated[
        int, typer.Option("--count", "-n", help="Stop after N events (0 = follow)")
    ] = 0,
    idle_timeout: Annotated[
        float, typer.Option(help="Stop after this many idle seconds (0 = never)")
    ] = 0,
) -> None:
    """Decode events on TOPIC and print them as JSON lines (what kcat cannot read)."""
    settings = get_settings()
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    codec.registry.for_topic(topic)
    consumer = Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": "ytempire.tail",
            "enable.auto.commit": False,
        }
    )
    meta = consumer.list_topics(topic, timeout=10).topics[topic]
    if meta.error:
        raise typer.BadParameter(f"topic {topic}: {meta.error}; run 'ytempire topics apply'")
    start = OFFSET_BEGINNING if from_beginning else OFFSET_END
    consumer.assign([TopicPartition(topic, p, start) for p in meta.partitions])
    seen, idle = 0, 0.0
    try:
        while not count or seen < count:
            msg = consumer.poll(0.5)
            if msg is None:
                idle += 0.5
                if idle_timeout and idle >= idle_timeout:
                    break
                continue
            idle = 0.0
            if msg.error():
                continue
            try:
                doc = to_json(codec.decode(topic, msg.value(), msg.partition(), msg.offset()))
            except UndecodableEvent as exc:
                doc = {"undecodable": str(exc)}
            out = {"partition": msg.partition(), "offset": msg.offset(), "value": doc}
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()
            seen += 1
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()


@schemas_app.command("check")
def schemas_check() -> None:
    """Exit 1 when a current schema has not been frozen into schemas/history/."""
    settings = get_settings()
    stale = SchemaRegistry.load(settings.schemas_dir).unsnapshotted()
    if stale:
        typer.echo(
            f"schemas changed without a new history version: {', '.join(stale)}; "
            "run 'ytempire schemas snapshot'",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo("every current schema is frozen in schemas/history/")


@schemas_app.command("snapshot")
def schemas_snapshot() -> None:
    """Freeze changed schemas as the next version in schemas/history/."""
    settings = get_settings()
    written = SchemaRegistry.load(settings.schemas_dir).snapshot(settings.schemas_dir)
    for path in written:
        typer.echo(f"wrote {path}")
    if not written:
        typer.echo("nothing changed")
