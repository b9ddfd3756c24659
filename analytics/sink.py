"""The analytics sink: every topic of topics.yaml into ClickHouse, effectively once.

A confluent-kafka batch consumer (group ``<prefix>.analytics-sink``) that, per partition:

1. decodes a run of consecutive offsets with the Codec (a whole run at once, see
   ``analytics.decode``); undecodable records go to
   ``pipeline.dlq`` (original bytes, topic/partition/offset, stage ``analytics-sink``) and the
   sink goes on;
2. drops event ids repeated inside the run or already stored in ``events`` (a stage that
   re-emits after a crash writes the same event id at a new offset);
3. inserts the rest into ``events`` with ``insert_deduplication_token =
   "topic:partition:first-last"`` (a retried batch is a no-op; the typed tables, per-stage runs,
   video status and cost rollups follow through materialized views; cost.incurred's body goes
   into ``cost_incurred`` itself, see ``analytics.rows.TYPED``);
4. commits ``last + 1`` only after ClickHouse acknowledged the insert.

An insert cut short among its materialized views (the process killed between them) leaves
``events`` with rows some views never got; step 2 would then drop the redelivered records. So
each insert is journaled first (``analytics.writer.Journal``: token, runs, offsets kept) and one
left over is repeated exactly when the sink starts, before it consumes.

A topic with a staging table (``analytics.staging``: cost.incurred) skips steps 1 and 3's Python
work: ClickHouse decodes the run's Avro itself, and only a run it refuses is decoded here.
A staged batch's step 2 (and its Avro block) runs on a prepare thread, the inserts on a writer
thread (``analytics.writer``), in order, while the loop consumes; the loop commits each batch
once its insert returned. A batch prepared while the one before it is still being written
counts that one's ids as stored (``analytics.batches.Staged``).

So a crash anywhere, a redelivery or a replay from offset zero never counts an event twice.
The same code writes into chdb (in-process, the local default) or a ClickHouse server.

Longer than our ~400-line modules on purpose: what is left here is the one consumer loop and the
per-partition state its steps share (pending runs, the prepare and writer threads, the journal,
the commits); each part that stands alone already has its module beside it (``decode``,
``dedup``, ``rows``, ``staging``, ``writer``, ``batches``, ``performance_rollup``), and cutting
the loop's methods across files would only make a reader follow ``self`` between them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path
from threading import Event as StopFlag
from typing import Any

from clickhouse_connect.driver.exceptions import DatabaseError
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from analytics import lag as lag_module
from analytics import performance_rollup
from analytics.batches import Batch, Decode, SinkStats, Staged
from analytics.decode import STAGE, BatchDecoder, dead_letter
from analytics.dedup import StoredIds
from analytics.migrate import migrate
from analytics.rows import Value, event_row, insert_decoded
from analytics.staging import Staging, event_ids
from analytics.store import connect
from analytics.writer import Journal, Writer, in_ranges, ranges, reread
from ytempire.core import topics as topics_module
from ytempire.core.codec import Codec, UndecodableEvent
from ytempire.core.events import Emit
from ytempire.core.kafka import EventProducer
from ytempire.core.logging import get_logger
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

log = get_logger("analytics.sink")

# Most records per insert. An insert costs ~100 ms through the views however small, and each
# makes parts that background merges read again: 50,000 took a quarter less CPU per event than
# 20,000 (docs/benchmarks.md). At a low rate the flush interval decides, not this.
BATCH_SIZE = 50_000
REREAD_TIMEOUT_S = 60.0


class AnalyticsSink:
    """Consumes, inserts, commits; ``run`` until stopped, for N batches, or until idle.

    ``after_insert`` is called with each batch after its insert and before its commit (tests use
    it to die in that window). ``lag_every_s`` records consumer lag into ``consumer_lag`` that
    often (None: never).
    """

    def __init__(self, settings: Settings, *, group: str | None = None,
                 topics: Iterable[str] | None = None, batch_size: int = BATCH_SIZE,
                 flush_interval_s: float = 0.5, lag_every_s: float | None = 15.0,
                 after_insert: Callable[[Batch], Any] | None = None,
                 consumer_config: dict[str, Any] | None = None) -> None:
        self.settings = settings
        self.spec = topics_module.load(settings.topics_file)
        self.topics = list(topics) if topics is not None else self.spec.names
        group = group or settings.group_id(STAGE)  # ytempire.analytics-sink by default
        self.group = group
        self.journal = Journal(settings.data_dir / "analytics-sink" / group.replace(os.sep, "_"))
        self._inflight: list[Path] = []  # the writer thread's journal entries of this job
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.lag_every_s = lag_every_s
        self.after_insert = after_insert
        self.codec = Codec(SchemaRegistry.load(settings.schemas_dir))
        self.decoder = BatchDecoder(self.codec)
        self.client = connect(settings.effective_clickhouse_dsn)
        migrate(self.client)
        self.staging = Staging(self.client, self.codec.registry)
        self.stored_ids = StoredIds(settings.effective_clickhouse_dsn)
        self._in_flight: list[Staged] = []  # prepared, not yet written (their ids count as stored)
        self._flight_lock = threading.Lock()
        self._generation: dict[str, int] = {}  # per topic: Python-path writes so far
        self.writer = Writer(self._prepare, self._write)
        self.writer.start()
        self.producer = EventProducer(settings.kafka_bootstrap, self.codec, client_id=group)
        self.consumer = Consumer({
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": group,
            "client.id": group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 10_000,
            "heartbeat.interval.ms": 2_000,
            **(consumer_config or {}),
        })
        self.stats = SinkStats()
        self._pending: dict[tuple[str, int], list[Message]] = {}
        self._pending_count = 0
        self._oldest_pending = 0.0
        self._assigned_at: float | None = None
        self._last_lag = 0.0

    # -- the loop -------------------------------------------------------------------------------

    def run(self, *, max_batches: int | None = None, idle_s: float | None = None,
            stop: StopFlag | None = None) -> SinkStats:
        """Consume until ``stop`` is set, ``max_batches`` were written, or nothing arrived for
        ``idle_s`` seconds after the group assignment (pending records are flushed first)."""
        self.repeat_interrupted()
        self.consumer.subscribe(self.topics, on_assign=self._on_assign, on_revoke=self._on_revoke)
        last_message = time.monotonic()
        while stop is None or not stop.is_set():
            self._commit_written()
            messages = self.consumer.consume(num_messages=self.batch_size, timeout=0.1)
            now = time.monotonic()
            for message in messages:
                self._take(message, now)
            if messages:
                last_message = now
            # A record waits at most flush_interval_s while the writer keeps up; while it has
            # a batch waiting already, records gather into full batches (fewer, larger inserts:
            # ~100 ms and new parts to merge each) and consuming waits on the writer.
            waited = self._pending_count and now - self._oldest_pending >= self.flush_interval_s
            if self._pending_count >= self.batch_size or (waited and not self.writer.backlogged):
                self.flush()
            self._record_lag_if_due(now)
            if max_batches is not None and self.stats.batches >= max_batches:
                break
            if (idle_s is not None and self._assigned_at is not None and not self._pending_count
                    and not self.writer.busy  # what it writes (dead letters) may come back
                    and now - max(last_message, self._assigned_at, self.writer.done_at) >= idle_s):
                break
        self.flush()
        self._drain()
        return self.stats

    def _take(self, message: Message, now: float) -> None:
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                return
            if error.fatal():
                raise KafkaException(error)
            log.warning("consumer_error", error=str(error))
            return
        key = (message.topic(), message.partition())
        if not self._pending_count:
            self._oldest_pending = now
        pending = self._pending.setdefault(key, [])
        pending.append(message)
        self._pending_count += 1

    def flush(self, only: set[tuple[str, int]] | None = None) -> None:
        """Hand what is pending (for ``only`` these partitions) to the writer thread.

        Runs of one topic go together while they add up to at most ``batch_size`` records: at a
        low rate one insert carries every partition's few records (an insert through the views
        costs ~100 ms however small), at a high rate each run is a batch of its own.
        """
        group: list[tuple[int, list[Message]]] = []
        group_topic, group_size = "", 0
        for key in sorted(only if only is not None else self._pending):
            if key not in self._pending:
                continue
            messages = self._pending.pop(key)
            self._pending_count -= len(messages)
            for start in range(0, len(messages), self.batch_size):
                run = messages[start:start + self.batch_size]
                if group and (key[0] != group_topic or group_size + len(run) > self.batch_size):
                    self.writer.put(group_topic, group)
                    group, group_size = [], 0
                group_topic = key[0]
                group.append((key[1], run))
                group_size += len(run)
        if group:
            self.writer.put(group_topic, group)

    # -- one batch ------------------------------------------------------------------------------

    def _prepare(self, topic: str, runs: list[tuple[int, list[Message]]]) -> Staged | Decode:
        """On the prepare thread: a staged insert, or the runs for the Python path."""
        return self._stage(topic, runs, in_flight=True) or Decode(topic, runs)

    def _write(self, job: Staged | Decode) -> list[Batch]:
        """On the writer thread: the inserts (the loop commits after), one batch per run."""
        if isinstance(job, Staged):
            batches = self._write_staged(job)
        else:
            batches = [self._write_decoded(job.topic, partition, messages)
                       for partition, messages in job.runs]
            self._python_path_wrote(job.topic)
        if job.topic == "video.metrics":  # rollups of the videos and days written, pre-commit
            performance_rollup.refresh(self.client)
        if self.after_insert is not None:
            for batch in batches:
                self.after_insert(batch)
        for path in self._inflight:
            self.journal.clear(path)
        self._inflight.clear()
        return batches

    def _stage(self, topic: str, runs: list[tuple[int, list[Message]]],
               in_flight: bool) -> Staged | None:
        """The runs as one staged insert; None when they must go another way (a run of another
        writer, an unreadable id).

        Duplicates are the ids stored already and, with ``in_flight``, those of the staged
        inserts prepared before and not yet written (their ids are registered until then).
        """
        values: list[list[bytes]] = [[m.value() or b"" for m in messages] for _, messages in runs]
        table = self.staging.tables.get(topic)
        if table is None or any(self.staging.for_run(topic, run) is None for run in values):
            return None
        ids = [event_ids(run) for run in values]
        if any(run_ids is None for run_ids in ids):
            return None
        generation = self._generation.get(topic, 0)  # read before the lookup (see Staged)
        wanted = {i for run_ids in ids for i in run_ids or ()}
        stored = self.stored_ids.lookup(topic, wanted)
        if in_flight:
            with self._flight_lock:
                for flight in self._in_flight:
                    if flight.topic == topic:
                        stored |= wanted & flight.kept
        records: list[tuple[int, int, bytes, bool]] = []
        batches = []
        kept: set[str] = set()
        for (partition, messages), run, run_ids in zip(runs, values, ids, strict=True):
            fresh = 0
            for message, value, event_id in zip(messages, run, run_ids or (), strict=True):
                keep = event_id not in kept and event_id not in stored
                records.append((partition, message.offset(), value, keep))
                if keep:
                    kept.add(event_id)
                    fresh += 1
            batches.append(Batch(topic, partition, messages[0].offset(), messages[-1].offset(),
                                 inserted=fresh, duplicates=len(messages) - fresh,
                                 dead_lettered=0))
        staged = Staged(topic, runs, table, records, table.block(records), batches, kept,
                        generation)
        if in_flight:
            with self._flight_lock:
                self._in_flight.append(staged)
        return staged

    def _write_staged(self, job: Staged) -> list[Batch]:
        """The staged insert; refused (the view's check), each run alone, then decoded."""
        topic, fell_back = job.topic, False
        try:
            staged: Staged | None = job
            if job.generation != self._generation.get(topic, 0):
                # The Python path wrote this topic since it was prepared: check again (every
                # insert before it is written now, so the store alone says what is stored).
                staged = self._stage(topic, job.runs, in_flight=False)
            if staged is not None and self._insert_staged(staged):
                return staged.batches
            fell_back = True
            return [self._write_run(topic, partition, messages, alone=len(job.runs) == 1)
                    for partition, messages in job.runs]
        finally:
            with self._flight_lock:  # before the generation moves (see Staged)
                self._in_flight.remove(job)
            if fell_back:
                self._python_path_wrote(topic)

    def _python_path_wrote(self, topic: str) -> None:
        """Staged batches of ``topic`` prepared before now are checked again (see Staged)."""
        self._generation[topic] = self._generation.get(topic, 0) + 1

    def _write_run(self, topic: str, partition: int, messages: list[Message],
                   alone: bool) -> Batch:
        """A run its group could not take: staged on its own (unless it was alone), or decoded."""
        staged = None if alone else self._stage(topic, [(partition, messages)], in_flight=False)
        if staged is not None and self._insert_staged(staged):
            return staged.batches[0]
        return self._write_decoded(topic, partition, messages)

    def _commit_written(self) -> None:
        self.writer.check()
        for batches in self.writer.take_finished():
            for batch in batches:
                self._commit(batch)
                self.stats.add(batch)

    def _drain(self) -> None:
        """Until every batch handed to the writer is inserted and committed."""
        self.writer.drain()
        self._commit_written()

    def _insert_staged(self, staged: Staged) -> bool:
        """Journaled, then inserted; False when ClickHouse refused the block (nothing written)."""
        if not staged.kept:
            return True
        token = "|".join(batch.token for batch in staged.batches)
        kept: dict[int, list[int]] = {}
        for partition, offset, _, keep in staged.records:
            if keep:
                kept.setdefault(partition, []).append(offset)
        path = self._journal("staged", staged.topic, token, staged.batches, kept)
        try:
            self.staging.insert(staged.table, staged.block, token)
        except DatabaseError as exc:  # the view's check refused the block: nothing written
            log.warning("staged_insert_refused", batches=token, error=str(exc)[:500])
            self.journal.clear(path)
            self._inflight.remove(path)
            return False
        return True

    def _journal(self, way: str, topic: str, token: str, batches: list[Batch],
                 kept: dict[int, list[int]]) -> Path:
        """The insert about to be made, durably, so that a crash inside it repeats it."""
        path = self.journal.write({
            "way": way, "topic": topic, "token": token,
            "runs": [{"partition": b.partition, "first": b.first, "last": b.last,
                      "kept": ranges(kept.get(b.partition, []))} for b in batches]})
        self._inflight.append(path)
        return path

    def _write_decoded(self, topic: str, partition: int, messages: list[Message]) -> Batch:
        """The run decoded here: poison named and dead-lettered, the rest into ``events``.

        Its dedup token differs from the staged insert's, which may have failed part-way: what
        that wrote is already stored and dropped as such, the rest must not look like a retry.
        """
        rows: list[list[Any]] = []
        values: dict[str, Value] = {}
        offsets: dict[str, int] = {}
        dead: list[Emit] = []
        seen: set[str] = set()
        repeated = 0
        decoded = self.decoder.decode(topic, partition, [(m.offset(), m.value()) for m in messages])
        for message, value in zip(messages, decoded, strict=True):
            offset = message.offset()
            if isinstance(value, UndecodableEvent):
                log.warning("undecodable_event", topic=topic, partition=partition, offset=offset,
                            reason=value.reason)
                dead.append(dead_letter(message, value))
                continue
            event_id = value["envelope"]["event_id"]
            if event_id in seen:
                repeated += 1
                continue
            seen.add(event_id)
            offsets[event_id] = offset
            values[event_id] = value
            rows.append(event_row(topic, partition, offset, value))
        if dead:
            self.producer.send_all(dead)
        stored = self.stored_ids.lookup(topic, seen)
        fresh = [row for row in rows if row[0] not in stored]
        batch = Batch(topic, partition, messages[0].offset(), messages[-1].offset(),
                      inserted=len(fresh), duplicates=repeated + len(rows) - len(fresh),
                      dead_lettered=len(dead))
        token = batch.token if topic not in self.staging.tables else batch.token + ":decoded"
        if fresh:
            self._journal("decoded", topic, token, [batch],
                          {partition: [offsets[row[0]] for row in fresh]})
            insert_decoded(self.client, topic, fresh, [values[row[0]] for row in fresh], token)
        return batch

    # -- an interrupted insert, repeated ----------------------------------------------------------

    def repeat_interrupted(self) -> int:
        """Repeats every journaled insert (same records re-read, same rows kept, same token) and
        clears it; returns how many. Run before consuming, while no partition is assigned."""
        entries = self.journal.entries()
        for path, entry in entries:
            topic, token = entry["topic"], entry["token"]
            runs = [(run["partition"], run["first"], run["last"], in_ranges(run["kept"]))
                    for run in entry["runs"]]
            spans = [(p, first, last) for p, first, last, _ in runs]
            messages = reread(self.consumer, topic, spans, REREAD_TIMEOUT_S)
            if entry["way"] == "staged":
                table = self.staging.tables[topic]
                records = [(p, m.offset(), m.value() or b"", m.offset() in kept)
                           for p, _, _, kept in runs for m in messages[p]]
                self.staging.insert(table, table.block(records), token)
            else:
                rows, values = [], []
                for p, _, _, kept in runs:
                    decoded = self.decoder.decode(topic, p, [(m.offset(), m.value())
                                                             for m in messages[p]])
                    for m, value in zip(messages[p], decoded, strict=True):
                        if m.offset() in kept and not isinstance(value, UndecodableEvent):
                            rows.append(event_row(topic, p, m.offset(), value))
                            values.append(value)
                if rows:
                    insert_decoded(self.client, topic, rows, values, token)
            self.journal.clear(path)
            log.info("interrupted_insert_repeated", batches=token)
        performance_rollup.refresh(self.client)  # videos and days marked before a crash, too
        return len(entries)

    def _commit(self, batch: Batch) -> None:
        offsets = [TopicPartition(batch.topic, batch.partition, batch.last + 1)]
        try:
            self.consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            # The partition moved to another member; it re-reads from the last commit and the
            # stored-id check drops what this batch already inserted.
            log.error("commit_failed", batch=batch.token, error=str(exc))

    # -- group membership and lag ---------------------------------------------------------------

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._assigned_at = time.monotonic()
        log.info("partitions_assigned", count=len(partitions))

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Whatever was read of the partitions going away is written and committed first."""
        self.flush(only={(tp.topic, tp.partition) for tp in partitions})
        self._drain()

    def _record_lag_if_due(self, now: float) -> None:
        if self.lag_every_s is None or now - self._last_lag < self.lag_every_s:
            return
        self._last_lag = now
        try:
            rows = lag_module.partition_lag(
                topics_module.admin_client(self.settings.kafka_bootstrap), self.spec,
                timeout=5.0, group_prefix=self.settings.consumer_group_prefix)
        except KafkaException as exc:
            log.warning("lag_unavailable", error=str(exc))
            return
        if rows:
            self.client.insert("consumer_lag", lag_module.as_table_rows(rows),
                               column_names=lag_module.LAG_COLUMNS)

    def close(self) -> None:
        """Flush what is pending, leave the group, release ClickHouse: every step is taken even
        when one fails (leaving the group re-raises a writer's error from the revoke callback,
        and a store left open would keep chdb's one path busy for the process)."""
        with ExitStack() as closing:  # the callbacks run last to first
            closing.callback(self.client.close)
            closing.callback(self.stored_ids.close)
            closing.callback(self.producer.close)
            closing.callback(self.consumer.close)
            closing.callback(self.writer.stop)
            self.flush()
            self._drain()
