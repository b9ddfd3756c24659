"""Reading a bounded range of a topic, and replaying it into a stage or into ClickHouse.

A range is, per partition, ``[start, end)`` in offsets, chosen by ``--from-offset N`` (the same
offset in every partition, clamped to what the log still holds) or ``--since TIME``, and closed
by ``--until TIME`` or the end of the log when the replay starts (records produced during the
replay are live traffic, not part of it).

Replay into a stage runs the stage's own ``StageRunner`` (decode, retries, dead letters, the
same code as the worker) in this process over the records read with a plain, group-less
consumer, and produces its outputs. Why not re-produce the records to the stage's input topic,
or rewind the stage's consumer group?

- Re-producing writes every record a second time at a new offset; every other group reading
  that topic sees it again, and ``cost.incurred`` (kept forever) would carry the same money
  twice for anyone who sums the topic raw.
- Rewinding the group needs the stage's workers stopped (Kafka refuses offset changes for a
  group with live members), cannot stop at ``--until``, and re-runs everything after the start.

Reading the range ourselves touches no input topic and no consumer group, stops exactly at the
end of the range and can run while the pipeline runs. It is idempotent because the stage is:
the same input event gives outputs with the same event ids, and its side effects are cached by
input hash, so a replay pays no provider again and uploads nothing twice; downstream stages and
the analytics sink drop what they have already seen the same way.

Replay into ``analytics`` runs the analytics sink (the same class as ``ytempire analytics
sink``) under a one-off consumer group positioned at the range's start; the sink drops event
ids ClickHouse already holds, so replaying over a full store adds nothing and replaying into an
emptied one rebuilds it.

The stage and the sink are handed in by the app layer (``ytempire.app.cli.replay``): the runtime
runs them and never imports a stage or the analytics package.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from ytempire.core import topics as topics_module
from ytempire.core.codec import Codec
from ytempire.core.kafka import EventProducer
from ytempire.core.logging import get_logger
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.stage import Stage

log = get_logger("ytempire.runtime.replay")

ANALYTICS = "analytics"
Bounds = dict[tuple[str, int], tuple[int, int]]
Progress = Callable[[int, int], Any]  # (records done, records in the range)


class SinkStats(Protocol):
    """What a sink has done so far: offsets committed per (topic, partition), and counts."""

    committed: Mapping[tuple[str, int], int]
    inserted: int
    duplicates: int
    dead_lettered: int


class Sink(Protocol):
    """The analytics sink as replay drives it (``analytics.sink.AnalyticsSink``)."""

    @property
    def stats(self) -> SinkStats: ...

    def run(self, *, stop: threading.Event) -> Any: ...

    def close(self) -> None: ...


SinkFactory = Callable[[str, list[str]], Sink]
"""(consumer group, topics) -> a sink reading them under that group."""


class ReplayError(RuntimeError):
    """A replay cannot run as asked; the message says what to change."""


@dataclass(frozen=True)
class ReplayResult:
    """What a replay read and did: records per topic, and what the target made of them."""

    target: str
    records: int
    bounds: dict[str, dict[int, tuple[int, int]]]
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "records": self.records,
            "bounds": {
                topic: {str(p): {"start": s, "end": e} for p, (s, e) in parts.items()}
                for topic, parts in self.bounds.items()
            },
            **self.detail,
        }


def plain_consumer(settings: Settings, purpose: str) -> Consumer:
    """A consumer for ``assign`` only: it never joins or commits for a group."""
    return Consumer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": f"{settings.consumer_group_prefix}.{purpose}.{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",
        }
    )


def partitions(consumer: Consumer, topic: str, timeout: float = 10.0) -> list[int]:
    meta = consumer.list_topics(topic, timeout=timeout).topics.get(topic)
    if meta is None or meta.error is not None:
        raise ReplayError(f"topic {topic} does not exist; run 'ytempire topics apply'")
    return sorted(meta.partitions)


def _ms(when: datetime) -> int:
    if when.tzinfo is None:
        raise ReplayError(f"{when.isoformat()} has no time zone; give one (e.g. Z or +00:00)")
    return int(when.timestamp() * 1000)


def _offsets_at(consumer: Consumer, topic: str, parts: list[int], when: datetime,
                ends: dict[int, int], timeout: float) -> dict[int, int]:
    """Per partition the first offset whose timestamp is at or after ``when`` (else the end)."""
    found = consumer.offsets_for_times([TopicPartition(topic, p, _ms(when)) for p in parts],
                                       timeout=timeout)
    return {tp.partition: tp.offset if tp.offset >= 0 else ends[tp.partition] for tp in found}


def bounds(settings: Settings, topic: str, *, from_offset: int | None = None,
           since: datetime | None = None, until: datetime | None = None,
           partition: int | None = None, timeout: float = 10.0) -> Bounds:
    """``[start, end)`` per partition of ``topic`` for the given selection (see the module)."""
    if (from_offset is None) == (since is None):
        raise ReplayError("choose where to start: --from-offset N or --since TIME (one of them)")
    consumer = plain_consumer(settings, "range")
    try:
        parts = partitions(consumer, topic, timeout)
        if partition is not None:
            if partition not in parts:
                raise ReplayError(f"{topic} has partitions {parts}, not {partition}")
            parts = [partition]
        marks = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
                 for p in parts}
        lows = {p: low for p, (low, _) in marks.items()}
        ends = {p: high for p, (_, high) in marks.items()}
        if since is not None:
            starts = _offsets_at(consumer, topic, parts, since, ends, timeout)
        else:
            starts = {p: min(max(int(from_offset or 0), lows[p]), ends[p]) for p in parts}
        if until is not None:
            ends = _offsets_at(consumer, topic, parts, until, ends, timeout)
    finally:
        consumer.close()
    return {(topic, p): (starts[p], max(starts[p], ends[p])) for p in parts}


def count(selection: Bounds) -> int:
    return sum(end - start for start, end in selection.values())


def read_range(settings: Settings, selection: Bounds, idle_timeout: float = 30.0,
               purpose: str = "reader") -> Iterator[Message]:
    """Every record in ``selection``, partition order kept; stops at each partition's end.

    Raises ``ReplayError`` when the broker sends nothing for ``idle_timeout`` seconds while
    records of the range are still missing (deleted under us, or the broker went away).
    """
    remaining = {key: end for key, (start, end) in selection.items() if end > start}
    if not remaining:
        return
    consumer = plain_consumer(settings, purpose)
    try:
        consumer.assign([TopicPartition(t, p, selection[(t, p)][0]) for t, p in remaining])
        idle = 0.0
        while remaining:
            messages = consumer.consume(500, timeout=0.5)
            if not messages:
                idle += 0.5
                _drop_finished(consumer, remaining)
                if remaining and idle >= idle_timeout:
                    raise ReplayError(f"no records for {idle_timeout:.0f} s while reading "
                                      f"{sorted(remaining)}; is the broker up?")
                continue
            idle = 0.0
            for message in messages:
                error = message.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        continue
                    raise KafkaException(error)
                key = (message.topic(), message.partition())
                end = remaining.get(key)
                if end is None or message.offset() >= end:
                    continue
                yield message
                if message.offset() + 1 >= end:
                    del remaining[key]
                    consumer.pause([TopicPartition(*key)])
    finally:
        consumer.close()


def _drop_finished(consumer: Consumer, remaining: dict[tuple[str, int], int]) -> None:
    """Partitions whose position passed their end (gaps such as control records)."""
    positions = consumer.position([TopicPartition(t, p) for t, p in remaining])
    for tp in positions:
        if tp.offset >= remaining[(tp.topic, tp.partition)]:
            del remaining[(tp.topic, tp.partition)]


def _by_topic(selection: Bounds) -> dict[str, dict[int, tuple[int, int]]]:
    out: dict[str, dict[int, tuple[int, int]]] = {}
    for (topic, partition), span in sorted(selection.items()):
        out.setdefault(topic, {})[partition] = span
    return out


# -- into a stage ---------------------------------------------------------------------------------


def replay_into_stage(settings: Settings, target: Stage, selection: Bounds,
                      progress: Progress | None = None) -> ReplayResult:
    """Run ``target`` over the records of ``selection`` and produce what it emits (module doc)."""
    from ytempire.runtime.worker import Incoming, StageRunner  # faust: slow to import, only here

    spec = target.spec
    stage = spec.name
    if spec.tables:
        raise ReplayError(
            f"{stage} keeps its state in Faust tables that only its workers hold; re-drive it "
            f"through its consumer group instead (docs/operations.md, 'A consumer group is "
            f"stuck', step 5: reset {settings.group_id(stage)} to the range's start)")
    wrong = sorted({topic for topic, _ in selection} - set(spec.inputs))
    if wrong:
        raise ReplayError(f"{stage} reads {', '.join(spec.inputs)}, not {', '.join(wrong)}; "
                          f"replay {', '.join(wrong)} into the stage that reads it")
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    producer = EventProducer(settings.kafka_bootstrap, codec,
                             client_id=f"ytempire.replay.{stage}")
    runner = StageRunner(target, codec, producer, settings)
    total, done = count(selection), 0
    loop = asyncio.new_event_loop()
    try:
        for message in read_range(settings, selection, purpose=f"replay.{stage}"):
            loop.run_until_complete(runner.process(Incoming(
                message.topic(), message.partition(), message.offset(), message.key(),
                message.value() or b"")))
            done += 1
            if progress is not None:
                progress(done, total)
    finally:
        loop.close()
        producer.close()
    log.info("replay_done", target=stage, records=done)
    return ReplayResult(stage, done, _by_topic(selection), {})


# -- into ClickHouse -----------------------------------------------------------------------------


def replay_into_analytics(settings: Settings, selection: Bounds, make_sink: SinkFactory,
                          progress: Progress | None = None,
                          timeout: float = 600.0) -> ReplayResult:
    """Run the sink ``make_sink`` gives over ``selection`` under a one-off group, then delete
    the group.

    The sink may also insert a few records past a partition's end when they arrive in the same
    fetch; they are real events, and the event-id check makes any later read of them a no-op.
    """
    live = {key: span for key, span in selection.items() if span[1] > span[0]}
    group = f"{settings.consumer_group_prefix}.replay.analytics.{uuid.uuid4().hex[:8]}"
    total = count(live)
    if not live:
        return ReplayResult(ANALYTICS, 0, _by_topic(selection), {"inserted": 0, "duplicates": 0})
    _commit_start(settings, group, live)
    sink = make_sink(group, sorted({t for t, _ in live}))
    stop = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            sink.run(stop=stop)
        except BaseException as exc:  # noqa: BLE001 (reported to the caller below)
            failure.append(exc)
            stop.set()

    thread = threading.Thread(target=run, name="replay-analytics", daemon=True)
    thread.start()
    try:
        _wait_for_sink(sink, live, stop, timeout, progress, total)
    finally:
        stop.set()
        thread.join(60)
        sink.close()
        _delete_group(settings, group)
    if failure:
        raise failure[0]
    stats = sink.stats
    log.info("replay_done", target=ANALYTICS, records=total, inserted=stats.inserted)
    return ReplayResult(ANALYTICS, total, _by_topic(selection),
                        {"inserted": stats.inserted, "duplicates": stats.duplicates,
                         "dead_lettered": stats.dead_lettered})


def _wait_for_sink(sink: Sink, live: Bounds, stop: threading.Event, timeout: float,
                   progress: Progress | None, total: int) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not stop.is_set():
        committed = dict(sink.stats.committed)
        done = sum(min(committed.get(key, start), end) - start
                   for key, (start, end) in live.items())
        if progress is not None:
            progress(done, total)
        if done >= total:
            return
        if time.monotonic() > deadline:
            raise ReplayError(f"the analytics replay did not finish within {timeout:.0f} s "
                              f"({done} of {total} records)")
        stop.wait(0.2)


def _commit_start(settings: Settings, group: str, live: Bounds) -> None:
    """The group starts at each range's start; other partitions of its topics at their end."""
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap, "group.id": group,
                         "enable.auto.commit": False})
    try:
        offsets = []
        for topic in sorted({t for t, _ in live}):
            for p in partitions(consumer, topic):
                start = live[(topic, p)][0] if (topic, p) in live else \
                    consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                offsets.append(TopicPartition(topic, p, start))
        consumer.commit(offsets=offsets, asynchronous=False)
    finally:
        consumer.close()


def _delete_group(settings: Settings, group: str) -> None:
    admin = topics_module.admin_client(settings.kafka_bootstrap)
    for future in admin.delete_consumer_groups([group], request_timeout=10).values():
        try:
            future.result()
        except KafkaException as exc:
            log.warning("replay_group_not_deleted", group=group, error=str(exc))
