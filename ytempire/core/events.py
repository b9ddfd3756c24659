"""Building events: envelopes with deterministic ids, derived events, cost events.

Events are the typed records of ``ytempire.core.records`` (``Event`` is any topic's body).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec

from ytempire import __version__
from ytempire.core.records import CostIncurred, PipelineFailed, Producer
from ytempire.core.records import Envelope as Envelope
from ytempire.core.records import Event as Event

MICRO = Decimal("0.000001")
EVENT_NAMESPACE = uuid.UUID("6f3b0d2e-7c55-4a55-9a57-2d3f1f6e9e10")
PLAIN_TYPES = (Decimal, datetime, bytes)


@dataclass(frozen=True)
class Emit:
    """One event a stage wants sent: the topic and the record. The record key is the envelope's
    ``key_field`` (topics.yaml ``key``): the video id, but the channel id on channel topics."""

    topic: str
    value: Event
    key_field: str = "video_id"

    @property
    def key(self) -> str:
        envelope = self.value.envelope
        return envelope.channel_id if self.key_field == "channel_id" else envelope.video_id


def plain(record: msgspec.Struct | Mapping[str, Any]) -> dict[str, Any]:
    """A record as the dict its Avro value is (field order kept): for input hashes that must
    stay what they were when events were dicts, and for caches that store JSON."""
    value: dict[str, Any] = msgspec.to_builtins(record, builtin_types=PLAIN_TYPES)
    return value


def event_id(*parts: object) -> str:
    """Deterministic id: the same inputs always give the same id (redelivery-safe)."""
    return str(uuid.uuid5(EVENT_NAMESPACE, "\x1f".join(str(p) for p in parts)))


def content_hash(*parts: object) -> str:
    """Input hash for side-effect caching: sha256 over the parts' reprs."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x1f")
    return digest.hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def new_envelope(
    *,
    video_id: str,
    channel_id: str,
    owner_id: str,
    producer: str,
    event_key: str | None = None,
    correlation_id: str | None = None,
) -> Envelope:
    """The envelope of an event that starts a chain (a request)."""
    return Envelope(
        event_id=event_id(producer, video_id, event_key or "request"),
        video_id=video_id,
        channel_id=channel_id,
        owner_id=owner_id,
        occurred_at=now(),
        producer=Producer(name=producer, version=__version__),
        correlation_id=correlation_id or video_id,
        attempt=1,
        cost_so_far_usd=Decimal(0),
    )


def derive_envelope(parent: Envelope, producer: str, topic: str, index: int = 0,
                    spent: Decimal = Decimal(0)) -> Envelope:
    """The envelope of an event caused by ``parent``: same video and correlation, new stable id.

    ``spent`` is what the producing stage paid for this video; it adds to ``cost_so_far_usd`` so
    the next stage knows the video's cost so far without asking the ledger.
    """
    return msgspec.structs.replace(
        parent,
        event_id=event_id(parent.event_id, topic, index),
        occurred_at=now(),
        producer=Producer(name=producer, version=__version__),
        cost_so_far_usd=(cost_so_far(parent) + spent).quantize(MICRO),
    )


def cost_so_far(envelope: Envelope) -> Decimal:
    """The video's paid cost up to ``envelope`` (0 for events from before the field existed)."""
    return Decimal(envelope.cost_so_far_usd or 0)


def spent(billed: dict[str, Any], paid: bool) -> Decimal:
    """What a ``pricing.bill`` result cost this video: its total when this event paid, else 0."""
    if not paid:
        return Decimal(0)
    return sum((Decimal(u["usd"]) for u in billed["usage"]), Decimal(0))


def cost_event(
    parent: Envelope,
    *,
    stage: str,
    provider: str,
    model: str,
    unit: str,
    quantity: float,
    usd: Decimal,
    cached: bool,
    price_table_version: str,
    call_key: str,
    index: int = 0,
) -> Emit:
    return Emit(
        "cost.incurred",
        CostIncurred(
            envelope=derive_envelope(parent, stage, "cost.incurred", index),
            stage=stage,
            provider=provider,
            model=model,
            unit=unit,
            quantity=float(quantity),
            usd=usd.quantize(MICRO),
            cached=cached,
            price_table_version=price_table_version,
            call_key=call_key,
        ),
    )


def cost_events(parent: Envelope, *, stage: str, billed: dict[str, Any], paid: bool,
                call_key: str) -> list[Emit]:
    """One ``cost.incurred`` per billed usage (``pricing.bill``); $0 and cached when unpaid."""
    return [
        cost_event(parent, stage=stage, provider=u["provider"], model=u["model"], unit=u["unit"],
                   quantity=u["quantity"], usd=Decimal(u["usd"]) if paid else Decimal(0),
                   cached=not paid, price_table_version=billed["price_table_version"],
                   call_key=content_hash(call_key, u["provider"], u["model"], u["unit"]),
                   index=index)
        for index, u in enumerate(billed["usage"])
    ]


def failed_event(
    parent: Envelope, *, stage: str, input_topic: str, error: BaseException, retryable: bool,
    spent: Decimal = Decimal(0),
) -> Emit:
    """``spent``: what the stage paid for this event before it failed (its cost so far adds it)."""
    return Emit(
        "pipeline.failed",
        PipelineFailed(
            envelope=derive_envelope(parent, stage, "pipeline.failed", spent=spent),
            stage=stage,
            input_topic=input_topic,
            input_event_id=parent.event_id,
            error_type=type(error).__name__,
            error_message=str(error)[:2000],
            retryable=retryable,
        ),
    )
