"""Avro single-object encoding: ``C3 01`` + the writer schema's CRC-64-AVRO fingerprint + body.

The frame names the writer's schema, so any consumer holding ``schemas/`` (current and history)
can read any version without a registry server, and resolve it to the topic's current schema.
Stages see typed records (``ytempire.core.records``): ``decode_record`` resolves to the current
schema and then to the topic's record; ``encode`` takes a record (or a plain Avro value, for
tools that relay events without reading them).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec
from fastavro import schemaless_reader, schemaless_writer

from ytempire.core.records import RECORDS, Event
from ytempire.core.schema_registry import SchemaRegistry

MAGIC = b"\xc3\x01"
HEADER_LEN = len(MAGIC) + 8
AVRO_NATIVE = (Decimal, datetime, bytes)  # fastavro writes these itself (logical types, bytes)


class UndecodableEvent(Exception):
    """Bytes on a topic that cannot be read as one of its schemas. Goes to ``pipeline.dlq``."""

    def __init__(
        self, topic: str, reason: str, partition: int | None = None, offset: int | None = None
    ) -> None:
        self.topic, self.reason, self.partition, self.offset = topic, reason, partition, offset
        where = f"{topic}[{partition}]@{offset}" if partition is not None else topic
        super().__init__(f"undecodable event on {where}: {reason}")


class EncodeError(ValueError):
    """A value does not match its topic's schema; the message says which field."""


class Codec:
    def __init__(self, registry: SchemaRegistry) -> None:
        self.registry = registry

    def encode(self, topic: str, value: Event | Mapping[str, Any]) -> bytes:
        version = self.registry.for_topic(topic)
        if isinstance(value, Event):
            if type(value) is not RECORDS.get(topic):
                raise EncodeError(f"a {type(value).__name__} is not a {topic} event")
            value = msgspec.to_builtins(value, builtin_types=AVRO_NATIVE)
        buf = io.BytesIO()
        buf.write(MAGIC)
        buf.write(version.fingerprint)
        try:
            schemaless_writer(buf, version.parsed, value, strict_allow_default=True)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise EncodeError(
                f"value for {topic} does not match {version.parsed['name']}: {exc!r}"
            ) from exc
        return buf.getvalue()

    def decode(
        self,
        topic: str,
        data: bytes | None,
        partition: int | None = None,
        offset: int | None = None,
    ) -> dict[str, Any]:
        """The event as its plain Avro value, resolved to the topic's current schema."""

        def fail(reason: str) -> UndecodableEvent:
            return UndecodableEvent(topic, reason, partition, offset)

        if not data or len(data) < HEADER_LEN:
            raise fail(
                f"{len(data or b'')} bytes is shorter than the {HEADER_LEN}-byte frame header"
            )
        if data[:2] != MAGIC:
            raise fail(f"bad magic {data[:2].hex()}, expected c301 (Avro single-object encoding)")
        writer = self.registry.by_fingerprint.get(data[2:HEADER_LEN])
        if writer is None:
            raise fail(f"unknown writer schema fingerprint {data[2:HEADER_LEN].hex()}")
        if writer.topic != topic:
            raise fail(f"written with the schema of {writer.topic}, not {topic}")
        reader = self.registry.for_topic(topic)
        body = io.BytesIO(data[HEADER_LEN:])
        try:
            value = schemaless_reader(body, writer.parsed, reader.parsed)
        except Exception as exc:  # fastavro raises many types on corrupt input
            raise fail(f"corrupt Avro body: {exc!r}") from exc
        if body.tell() != len(data) - HEADER_LEN:
            raise fail(f"{len(data) - HEADER_LEN - body.tell()} trailing bytes after the record")
        return value  # type: ignore[return-value]

    def decode_record(
        self,
        topic: str,
        data: bytes | None,
        partition: int | None = None,
        offset: int | None = None,
    ) -> Event:
        """The event as the topic's typed record (``RECORDS[topic]``)."""
        value = self.decode(topic, data, partition, offset)
        try:
            return msgspec.convert(value, RECORDS[topic], strict=True)
        except (KeyError, msgspec.ValidationError) as exc:
            raise UndecodableEvent(topic, f"does not fit its record: {exc}", partition,
                                   offset) from exc
