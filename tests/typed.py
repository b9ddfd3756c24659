"""Events written in tests as their Avro values, turned into the records stages and producers
take."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from ytempire.core.events import Emit, Envelope, Event
from ytempire.core.records import RECORDS


def typed(topic: str, value: dict[str, Any]) -> Event:
    """``value`` (an Avro value; records may stand in for nested parts) as ``topic``'s record."""
    return msgspec.convert(value, RECORDS[topic], strict=True)


def envelope_of(value: dict[str, Any]) -> Envelope:
    """The envelope of an event read as its Avro value (``Codec.decode``), as a record."""
    return msgspec.convert(value["envelope"], Envelope, strict=True)


def at_time(emit: Emit, at: datetime) -> Emit:
    """``emit`` as if it happened at ``at``."""
    envelope = msgspec.structs.replace(emit.value.envelope, occurred_at=at)
    return Emit(emit.topic, msgspec.structs.replace(emit.value, envelope=envelope))
