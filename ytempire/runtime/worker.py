"""The thin Faust plumbing around a stage: decode, call, emit, commit.

Each stage runs as its own Faust app (its own consumer group ``ytempire.<stage>``) with its
spec's ``concurrency`` (1 for every stage: faust #606). Outputs are produced through an
idempotent confluent-kafka producer and acknowledged before the input event is acked, so an
offset is only ever committed after the outputs it caused are durable: at-least-once, made
effectively-once by the stages' deterministic event ids and input-hash caches.

Everything the runner knows about a stage is its ``StageSpec`` (``ytempire.stage``). A stage
that declares ``tables`` (name -> how its changelog is partitioned) gets them as Faust tables
behind a ``TableState`` in ``stage.state``, recovered from their changelogs at start-up.
Its writes for an input event reach the tables after the event's outputs were acknowledged and
before its offset is committed (Faust flushes the changelogs before every commit): a crash at
any point redelivers the input to the state from before it, and the outputs repeat with the
same ids.

An event of a cancelled video (``video.cancelled``, its attempt or a later one) is skipped:
committed with no outputs and logged as ``video_cancelled_skip``. The runner asks before each
try of the stage (a held or retried event is asked again), unless the stage asks itself at its
point of no return (the publisher, right before uploading) or never (the ledger): its spec's
``cancel``; see ``ytempire.stage.CancelPolicy`` and ``ytempire.runtime.cancellations``.
"""

from __future__ import annotations

import asyncio
import random
import zlib
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import faust

from ytempire.core import topic_sync
from ytempire.core import topics as topics_module
from ytempire.core.codec import Codec, UndecodableEvent
from ytempire.core.events import (
    Emit,
    Envelope,
    Event,
    derive_envelope,
    failed_event,
    new_envelope,
)
from ytempire.core.kafka import EventProducer
from ytempire.core.logging import bound, get_logger
from ytempire.core.pricing import current_table
from ytempire.core.records import CostIncurred, PipelineDlq
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.core.spend import spend_events
from ytempire.runtime.cancellations import CancelledVideos
from ytempire.runtime.faust_fixes import StageApp
from ytempire.runtime.lost_records import watch_lost_records
from ytempire.stage import (
    CancelAwareStage,
    Cancellations,
    Deferred,
    PayingStage,
    PermanentError,
    Stage,
    StageSpec,
    StatefulStage,
    TransientError,
    VideoCancelled,
    check,
)

log = get_logger("ytempire.runtime.worker")

TRANSIENT = (TransientError, OSError)  # OSError covers timeouts and connection errors
DEFER_RECHECK_S = 300.0
"""A deferred event is tried again at least this often (a deferral does no I/O: cheap)."""


@dataclass(frozen=True)
class Incoming:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


class TableState:
    """``ytempire.stage.State`` over Faust tables: JSON values by table and string key.

    ``get`` sees this event's own ``put``s; the puts reach the tables (and their changelogs)
    only on ``commit``, which the runner calls in the agent once the outputs are acknowledged,
    so a failed or retried ``handle`` leaves no half-written state.
    """

    def __init__(self, tables: Mapping[str, MutableMapping[str, Any]]) -> None:
        self.tables = tables
        self._pending: dict[tuple[str, str], Any] = {}

    def get(self, table: str, key: str) -> Any:
        if (table, key) in self._pending:
            return self._pending[(table, key)]
        return self.tables[table].get(key)

    def put(self, table: str, key: str, value: Any) -> None:
        if table not in self.tables:
            raise KeyError(f"no table {table!r}; the stage declares {', '.join(self.tables)}")
        self._pending[(table, key)] = value

    def commit(self) -> None:
        pending, self._pending = self._pending, {}
        for (table, key), value in pending.items():
            self.tables[table][key] = value

    def rollback(self) -> None:
        self._pending = {}


class UndeclaredOutput(Exception):
    """A stage emitted to a topic its spec does not list: a bug, dead-lettered."""


class StageRunner:
    """Runs one stage over raw Kafka records; knows retries, dead letters, failure events and
    cancellations (``cancellations`` defaults to the broker's ``video.cancelled``).

    ``state`` is given for a stage that declares tables (the worker's ``TableState``); the
    runner hands it to the stage and commits or rolls it back around each try.
    """

    def __init__(
        self,
        stage: Stage,
        codec: Codec,
        producer: EventProducer,
        settings: Settings,
        sleep: Callable[[float], Any] = asyncio.sleep,
        state: TableState | None = None,
        cancellations: Cancellations | None = None,
    ) -> None:
        self.stage = stage
        self.spec = check(stage)
        self.codec = codec
        self.producer = producer
        self.settings = settings
        self.sleep = sleep
        self.state = state
        if state is not None and isinstance(stage, StatefulStage):
            stage.state = state
        self.cancellations: Cancellations | None = None
        if self.spec.cancel != "never":
            self.cancellations = cancellations or CancelledVideos.from_settings(settings, codec)
        if isinstance(stage, CancelAwareStage) and self.cancellations is not None:
            stage.cancellations = self.cancellations

    async def process(self, record: Incoming) -> None:
        try:
            event = self.codec.decode_record(record.topic, record.value, record.partition,
                                             record.offset)
        except UndecodableEvent as exc:
            log.warning(
                "undecodable_event",
                stage=self.spec.name,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                reason=exc.reason,
            )
            await self._dead_letter(record, None, exc, attempts=1)
            return
        envelope = event.envelope
        with bound(
            correlation_id=envelope.correlation_id,
            video_id=envelope.video_id,
            stage=self.spec.name,
        ):
            await self._handle(record, event)

    async def _handle(self, record: Incoming, event: Event) -> None:
        attempts = self.settings.stage_max_attempts
        attempt = 0
        while attempt < attempts:
            attempt += 1
            if self.state is not None:
                self.state.rollback()
            try:
                emits = await asyncio.to_thread(self._try, event)
            except VideoCancelled as exc:
                log.info("video_cancelled_skip", topic=record.topic,
                         attempt=event.envelope.attempt, reason=str(exc))
                if paid := self._paid(event):  # what it paid before the cancellation counts
                    await asyncio.to_thread(self.producer.send_all, paid)
                return
            except Deferred as exc:  # a hold (a daily quota until its reset), not a failure
                delay = min(max(exc.delay_s(), 1.0), DEFER_RECHECK_S)
                log.info("stage_deferred", reason=str(exc), until=exc.retry_at.isoformat(),
                         recheck_in_s=round(delay, 1))
                attempt -= 1  # holding does not use up the event's attempts
                await self.sleep(delay)
                continue
            except PermanentError as exc:
                log.error("stage_failed", error=str(exc), retryable=False)
                await self._give_up(record, event, exc, attempt, retryable=False)
                return
            except TRANSIENT as exc:
                if attempt == attempts:
                    log.error("stage_gave_up", error=str(exc), attempts=attempt)
                    await self._give_up(record, event, exc, attempt, retryable=True)
                    return
                delay = self._backoff(attempt)
                log.warning("stage_retry", error=str(exc), attempt=attempt, delay_s=round(delay, 2))
                await self.sleep(delay)
                continue
            except Exception as exc:  # a bug or unexpected input: do not hammer, dead-letter it
                log.exception("stage_crashed", error=repr(exc))
                await self._give_up(record, event, exc, attempt, retryable=False)
                return
            await asyncio.to_thread(self.producer.send_all, emits)
            if self.state is not None:
                self.state.commit()
            log.info("stage_done", emitted=[e.topic for e in emits])
            return

    def _try(self, event: Event) -> list[Emit]:
        """One try of the stage, in a worker thread; a cancelled video's event is not tried."""
        if (self.spec.cancel == "before" and self.cancellations is not None
                and self.cancellations.is_cancelled(event.envelope)):
            raise VideoCancelled(f"video cancelled before {self.spec.name} began")
        emits = self.stage.handle(event)
        undeclared = sorted({e.topic for e in emits} - set(self.spec.outputs))
        if undeclared:
            raise UndeclaredOutput(f"stage {self.spec.name} emitted to {', '.join(undeclared)}; "
                                   f"its spec declares {', '.join(self.spec.outputs)}")
        return emits

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter."""
        cap = min(
            self.settings.retry_max_seconds, self.settings.retry_base_seconds * 2 ** (attempt - 1)
        )
        return random.uniform(cap / 2, cap)

    def _paid(self, event: Event) -> list[Emit]:
        """The cost events of the calls this event paid for (a ``PayingStage``'s journal)."""
        if not isinstance(self.stage, PayingStage):
            return []
        return spend_events(event.envelope, self.stage.journal)

    async def _give_up(
        self, record: Incoming, event: Event, exc: BaseException, attempts: int, retryable: bool
    ) -> None:
        paid = self._paid(event)
        failed = failed_event(
            event.envelope,
            stage=self.spec.name,
            input_topic=record.topic,
            error=exc,
            retryable=retryable,
            spent=sum((c.value.usd for c in paid if isinstance(c.value, CostIncurred)),
                      Decimal(0)),
        )
        await self._dead_letter(record, event.envelope, exc, attempts, extra=[*paid, failed])

    async def _dead_letter(
        self,
        record: Incoming,
        envelope: Envelope | None,
        exc: BaseException,
        attempts: int,
        extra: list[Emit] | None = None,
    ) -> None:
        if envelope is None:
            key = (record.key or b"").decode(errors="replace")
            envelope = new_envelope(
                video_id=key,
                channel_id="",
                owner_id="",
                producer=self.spec.name,
                event_key=f"dlq:{record.topic}:{record.partition}:{record.offset}",
            )
        else:
            envelope = derive_envelope(envelope, self.spec.name, "pipeline.dlq")
        dlq = Emit(
            "pipeline.dlq",
            PipelineDlq(
                envelope=envelope,
                stage=self.spec.name,
                source_topic=record.topic,
                source_partition=record.partition,
                source_offset=record.offset,
                original_key=record.key,
                original_value=record.value,
                error_type=type(exc).__name__,
                error_message=str(exc)[:2000],
                attempts=attempts,
            ),
        )
        await asyncio.to_thread(self.producer.send_all, [*(extra or []), dlq])


def make_app(stage: Stage, settings: Settings) -> faust.App:
    """A Faust app whose single agent feeds ``stage`` from the topics its spec reads."""
    spec = check(stage)
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    producer = EventProducer(settings.kafka_bootstrap, codec, client_id=f"ytempire.{spec.name}")
    datadir = settings.data_dir / "faust" / spec.name
    datadir.mkdir(parents=True, exist_ok=True)
    app = StageApp(  # faust.App with fixes for a restarted stage: see faust_fixes
        settings.group_id(spec.name),
        broker=f"kafka://{settings.kafka_bootstrap}",
        datadir=str(datadir),
        web_enabled=False,
        topic_disable_leader=True,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        broker_commit_every=1,
        broker_commit_interval=1.0,
        # A killed worker's partitions wait this long before its restart (or a peer) gets them;
        # Faust's 60 s default made a crash cost a minute.
        broker_session_timeout=15.0,
        broker_heartbeat_interval=3.0,
    )
    watch_lost_records(app)  # a net under faust_fixes: records fetched but never delivered
    state = TableState(declare_tables(app, spec, settings)) if spec.tables else None
    runner = StageRunner(stage, codec, producer, settings, state=state)
    source = app.topic(
        *spec.inputs,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
    )

    @app.agent(source, concurrency=spec.concurrency, name=f"ytempire.{spec.name}.agent")
    async def run(stream: Any) -> None:
        async for event in stream.events():
            msg = event.message
            await runner.process(Incoming(msg.topic, msg.partition, msg.offset, msg.key, msg.value))

    return app


class KeyPartitionedTable(faust.Table):  # type: ignore[type-arg]
    """A table whose changelog partition is the CRC32 of the key, not the input record's."""

    def partition_for_key(self, key: Any) -> int:
        return zlib.crc32(str(key).encode()) % cast(int, self.partitions)


def declare_tables(
    app: faust.App, spec: StageSpec, settings: Settings
) -> dict[str, MutableMapping[str, Any]]:
    """Faust tables for ``spec.tables`` (name -> "input" or "key") on changelogs created here.

    Faust may not declare topics (``topic_allow_declare=False``), and a changelog's name carries
    the stage's group id (``<group>-<table>-changelog``), so topics.yaml cannot list it: each is
    applied here like a topics.yaml entry (compacted, kept forever, partitions and replication
    of the stage's input topic). "input" partitions the changelog like the input record (keys
    that are the record key); "key" by the table key, so one key's writes stay in order in one
    partition whichever input partition wrote them.
    """
    source = topics_module.load(settings.topics_file)[spec.input_topic]
    changelogs = topics_module.TopicsFile(settings.topics_file, tuple(
        topics_module.TopicSpec(
            name=f"{app.conf.id}-{name}-changelog", partitions=source.partitions,
            replication_factor=source.replication_factor, retention_ms=-1,
            cleanup_policy="compact", key=f"{name} table key",
            value_schema=Path(f"<JSON values of the {spec.name} {name} table>"),
            producers=(spec.name,), consumers=(spec.name,),
            description=f"Changelog of the {spec.name} stage's {name} table.")
        for name in spec.tables))
    topic_sync.apply(topics_module.connect(settings.kafka_bootstrap), changelogs)
    kinds = {"input": faust.Table, "key": KeyPartitionedTable}
    return {
        name: cast(MutableMapping[str, Any], app.tables.add(kinds[partitioned_by](
            app, name=name, default=None, beacon=app.tables.beacon, partitions=source.partitions,
            help=f"{spec.name} state, changelog partitioned by {partitioned_by}")))
        for name, partitioned_by in spec.tables.items()
    }


def run_worker(stage: Stage, settings: Settings, loglevel: str = "warning") -> None:
    """Blocks running the stage until SIGINT/SIGTERM."""
    if stale := current_table().staleness():
        log.warning("price_table_stale", stage=stage.spec.name, warning=stale)
    app = make_app(stage, settings)
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    worker.execute_from_commandline()
