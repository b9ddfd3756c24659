"""The dead-letter queue: list, show, retry and purge what landed in ``pipeline.dlq``.

The DLQ is a Kafka topic; an entry is one record of it and its id is ``"<partition>-<offset>"``
on ``pipeline.dlq`` (stable, and ``show`` seeks straight to it). Every function takes the
Settings, so the CLI (``ytempire dlq``) and the gateway's admin endpoints share this code.

Retry (``ytempire.runtime.dlq_retry``) re-produces an entry's original bytes to its topic and
leaves a mark under ``<data_dir>/dlq/retried/``, which this module reads to tell an entry's
status.

Purge deletes records from the topic with the admin API (``delete_records`` moves the log start
offset, which frees the space and hides the records from every reader). Kafka can only drop a
partition's prefix, so purge removes, per partition, the entries older than ``before`` and, by
default, stops at the first entry nobody retried yet: a purge never silently loses a message
that was not dealt with (``include_pending=True`` drops those too).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaException, Message, TopicPartition

from ytempire.core import topics as topics_module
from ytempire.core.codec import Codec, UndecodableEvent
from ytempire.core.logging import get_logger
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.runtime.replay import Bounds, partitions, plain_consumer, read_range

log = get_logger("ytempire.runtime.dlq")

TOPIC = "pipeline.dlq"
RETRY_HEADER = "ytempire-dlq-entry"


class DlqError(RuntimeError):
    """A DLQ operation cannot be done as asked; the message says why and what to do."""


class EntryNotFound(DlqError, LookupError):
    """No DLQ entry has that id (never existed, or purged)."""


class AlreadyRetried(DlqError):
    """The entry's message was re-driven before; pass ``force`` to send it again."""


@dataclass(frozen=True)
class RetryMark:
    """Where and when a DLQ entry's original was sent again."""

    entry_id: str
    retried_at: datetime
    topic: str
    partition: int
    offset: int
    forced: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"entry_id": self.entry_id, "retried_at": self.retried_at.isoformat(),
                "topic": self.topic, "partition": self.partition, "offset": self.offset,
                "forced": self.forced}


@dataclass(frozen=True)
class DlqEntry:
    """One dead-lettered message: where it came from, why it failed, and whether it was retried."""

    id: str
    partition: int
    offset: int
    timestamp: datetime
    stage: str
    source_topic: str
    source_partition: int
    source_offset: int
    error_type: str
    error_message: str
    attempts: int
    video_id: str
    event_id: str
    original_key: bytes | None
    original_value: bytes
    retried: RetryMark | None = None

    @property
    def source(self) -> str:
        return f"{self.source_topic}[{self.source_partition}]@{self.source_offset}"

    @property
    def status(self) -> str:
        return "retried" if self.retried else "pending"

    def as_dict(self) -> dict[str, Any]:
        """The entry without the original bytes (``describe`` adds them, decoded if possible)."""
        return {
            "id": self.id, "partition": self.partition, "offset": self.offset,
            "timestamp": self.timestamp.isoformat(), "stage": self.stage,
            "source_topic": self.source_topic, "source_partition": self.source_partition,
            "source_offset": self.source_offset, "error_type": self.error_type,
            "error_message": self.error_message, "attempts": self.attempts,
            "video_id": self.video_id, "event_id": self.event_id, "status": self.status,
            "retried": self.retried.as_dict() if self.retried else None,
            "original_bytes": len(self.original_value),
        }


@dataclass(frozen=True)
class DlqFilter:
    """Which entries: by failing stage, source topic, time of failure, status (pending/retried)."""

    stage: str | None = None
    topic: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    status: str | None = None

    def __post_init__(self) -> None:
        if self.status not in (None, "pending", "retried"):
            raise DlqError(f"status is 'pending' or 'retried', not {self.status!r}")

    def matches(self, entry: DlqEntry) -> bool:
        return ((self.stage is None or entry.stage == self.stage)
                and (self.topic is None or entry.source_topic == self.topic)
                and (self.since is None or entry.timestamp >= self.since)
                and (self.until is None or entry.timestamp < self.until)
                and (self.status is None or entry.status == self.status))


@dataclass(frozen=True)
class Listing:
    """The matching entries (oldest first) and how many match per stage and per source topic."""

    entries: list[DlqEntry]
    by_stage: dict[str, int]
    by_topic: dict[str, int]
    pending: int

    def as_dict(self) -> dict[str, Any]:
        return {"count": len(self.entries), "pending": self.pending, "by_stage": self.by_stage,
                "by_topic": self.by_topic, "entries": [e.as_dict() for e in self.entries]}


@dataclass(frozen=True)
class RetryOutcome:
    entry_id: str
    status: str  # "retried" | "skipped"
    reason: str = ""
    mark: RetryMark | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.entry_id, "status": self.status, "reason": self.reason,
                "retried": self.mark.as_dict() if self.mark else None}


@dataclass(frozen=True)
class PurgeResult:
    """Per DLQ partition: the log start before and after, and what was left on purpose."""

    partitions: dict[int, tuple[int, int]]
    removed: int
    kept_pending: int
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        return {"removed": self.removed, "kept_pending": self.kept_pending,
                "dry_run": self.dry_run,
                "partitions": {str(p): {"from": a, "to": b}
                               for p, (a, b) in self.partitions.items()}}


# -- reading ------------------------------------------------------------------------------------


def _codec(settings: Settings) -> Codec:
    return Codec(SchemaRegistry.load(settings.schemas_dir))


def _whole_topic(settings: Settings) -> Bounds:
    consumer = plain_consumer(settings, "dlq")
    try:
        out: Bounds = {}
        for p in partitions(consumer, TOPIC):
            out[(TOPIC, p)] = consumer.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)
        return out
    finally:
        consumer.close()


def _entry(settings: Settings, codec: Codec, message: Message) -> DlqEntry:
    partition, offset = message.partition(), message.offset()
    try:
        value = codec.decode(TOPIC, message.value(), partition, offset)
    except UndecodableEvent as exc:
        # Not written by a worker; nothing to re-drive, but it must not hide the others.
        value = {"envelope": {"video_id": (message.key() or b"").decode(errors="replace"),
                              "event_id": ""},
                 "stage": "?", "source_topic": "?", "source_partition": -1, "source_offset": -1,
                 "original_key": message.key(), "original_value": message.value() or b"",
                 "error_type": "UndecodableDlqRecord", "error_message": exc.reason,
                 "attempts": 0}
    ms = message.timestamp()[1]
    entry = DlqEntry(
        id=f"{partition}-{offset}", partition=partition, offset=offset,
        timestamp=datetime.fromtimestamp(ms / 1000, UTC), stage=value["stage"],
        source_topic=value["source_topic"], source_partition=value["source_partition"],
        source_offset=value["source_offset"], error_type=value["error_type"],
        error_message=value["error_message"], attempts=value["attempts"],
        video_id=value["envelope"]["video_id"], event_id=value["envelope"]["event_id"],
        original_key=value["original_key"], original_value=value["original_value"],
    )
    mark = _read_mark(settings, entry)
    return entry if mark is None else replace(entry, retried=mark)


def entries(settings: Settings, where: DlqFilter | None = None) -> list[DlqEntry]:
    """Every DLQ entry still in the topic matching ``where``, oldest first per partition."""
    codec = _codec(settings)
    where = where or DlqFilter()
    found = [_entry(settings, codec, m) for m in read_range(settings, _whole_topic(settings),
                                                           purpose="dlq")]
    found.sort(key=lambda e: (e.timestamp, e.partition, e.offset))
    return [e for e in found if where.matches(e)]


def list_entries(settings: Settings, where: DlqFilter | None = None,
                 limit: int | None = None) -> Listing:
    """Matching entries (the newest ``limit`` when given) and counts over all matching ones."""
    matching = entries(settings, where)
    shown = matching[-limit:] if limit else matching
    return Listing(shown, dict(Counter(e.stage for e in matching)),
                   dict(Counter(e.source_topic for e in matching)),
                   sum(1 for e in matching if e.retried is None))


def parse_id(entry_id: str) -> tuple[int, int]:
    try:
        partition, offset = (int(x) for x in entry_id.split("-"))
    except ValueError:
        raise EntryNotFound(f"{entry_id!r} is not a DLQ entry id; ids look like 1-42 "
                            "(partition-offset, see 'ytempire dlq list')") from None
    return partition, offset


def get_entry(settings: Settings, entry_id: str) -> DlqEntry:
    """One entry by id; ``EntryNotFound`` when it does not (or no longer) exist."""
    partition, offset = parse_id(entry_id)
    consumer = plain_consumer(settings, "dlq")
    try:
        low, high = consumer.get_watermark_offsets(TopicPartition(TOPIC, partition), timeout=10)
    except KafkaException as exc:
        raise EntryNotFound(f"no DLQ partition {partition}: {exc}") from None
    finally:
        consumer.close()
    if not low <= offset < high:
        gone = " (purged)" if offset < low else ""
        raise EntryNotFound(f"no DLQ entry {entry_id}{gone}: partition {partition} holds "
                            f"offsets {low}..{high - 1}")
    for message in read_range(settings, {(TOPIC, partition): (offset, offset + 1)},
                              purpose="dlq"):
        return _entry(settings, _codec(settings), message)
    raise EntryNotFound(f"no DLQ entry {entry_id}")


def describe(settings: Settings, entry: DlqEntry) -> dict[str, Any]:
    """The entry with its original message: decoded when it decodes, else why not and its bytes."""
    doc = entry.as_dict()
    doc["original_key"] = entry.original_key.decode(errors="replace") \
        if entry.original_key is not None else None
    try:
        doc["original"] = _codec(settings).decode(entry.source_topic, entry.original_value)
        doc["original_error"] = None
    except (UndecodableEvent, KeyError) as exc:
        doc["original"] = None
        doc["original_error"] = getattr(exc, "reason", str(exc))
        doc["original_hex"] = entry.original_value[:256].hex()
    return doc


# -- retry marks (written by ytempire.runtime.dlq_retry) ---------------------------------------


def _marks_dir(settings: Settings) -> Path:
    return settings.data_dir / "dlq" / "retried"


def mark_path(settings: Settings, entry: DlqEntry) -> Path:
    """Where the retry of ``entry``'s failed record is marked (one file per source record)."""
    if entry.source_partition < 0:
        return _marks_dir(settings) / f"{TOPIC}~{entry.id}.json"
    return _marks_dir(settings) / (f"{entry.source_topic}~{entry.source_partition}~"
                                   f"{entry.source_offset}.json")


def _read_mark(settings: Settings, entry: DlqEntry) -> RetryMark | None:
    try:
        doc = json.loads(mark_path(settings, entry).read_text())
    except (FileNotFoundError, ValueError):
        return None
    if not doc:  # claimed by a retry in flight
        return None
    return RetryMark(doc["entry_id"], datetime.fromisoformat(doc["retried_at"]), doc["topic"],
                     doc["partition"], doc["offset"], doc.get("forced", False))


# -- purge --------------------------------------------------------------------------------------


def purge(settings: Settings, before: datetime | None = None, include_pending: bool = False,
          dry_run: bool = False) -> PurgeResult:
    """Delete, per partition, the prefix of entries older than ``before`` (all when None),
    stopping at the first pending entry unless ``include_pending`` (see the module doc)."""
    codec = _codec(settings)
    whole = _whole_topic(settings)
    cut: dict[int, int] = {p: high for (_, p), (_, high) in whole.items()}
    stopped: set[int] = set()
    pending_kept: Counter[int] = Counter()
    for message in read_range(settings, whole, purpose="dlq"):
        p = message.partition()
        entry = _entry(settings, codec, message)
        if p in stopped:
            pending_kept[p] += entry.retried is None
            continue
        too_new = before is not None and entry.timestamp >= before
        if too_new or (entry.retried is None and not include_pending):
            cut[p] = entry.offset
            stopped.add(p)
            pending_kept[p] += entry.retried is None
    plan = {p: (whole[(TOPIC, p)][0], max(whole[(TOPIC, p)][0], cut[p])) for p in cut}
    removed = sum(b - a for a, b in plan.values())
    todo = [TopicPartition(TOPIC, p, b) for p, (a, b) in plan.items() if b > a]
    if todo and not dry_run:
        admin = topics_module.admin_client(settings.kafka_bootstrap)
        for tp, future in admin.delete_records(todo, request_timeout=30).items():
            try:
                future.result()
            except KafkaException as exc:
                raise DlqError(f"deleting {TOPIC}[{tp.partition}] up to {tp.offset} failed: "
                               f"{exc}") from exc
        log.info("dlq_purged", removed=removed, before=before.isoformat() if before else None,
                 include_pending=include_pending)
    return PurgeResult(plan, removed, sum(pending_kept.values()), dry_run)
