"""Consumer lag per stage, asked from the broker: committed offset vs high watermark.

Every consumer named in topics.yaml reads as consumer group ``ytempire.<consumer>`` (the stages'
Faust apps, the ledger, the analytics sink). A group that never committed on a partition counts
its whole retained backlog (high watermark minus low watermark) as lag, and says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from ytempire.core.topics import TopicsFile


@dataclass(frozen=True)
class PartitionLag:
    consumer: str
    group_id: str
    topic: str
    partition: int
    committed: int  # -1: the group never committed here
    high_watermark: int
    lag: int


@dataclass(frozen=True)
class ConsumerLag:
    """One consumer (stage) summed over its topics' partitions."""

    consumer: str
    group_id: str
    lag: int
    partitions: int
    partitions_committed: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def consumers(spec: TopicsFile) -> dict[str, list[str]]:
    """Consumer name -> the topics it reads, from topics.yaml."""
    reads: dict[str, list[str]] = defaultdict(list)
    for topic in spec.topics:
        for consumer in topic.consumers:
            reads[consumer].append(topic.name)
    return dict(reads)


def partition_lag(admin: AdminClient, spec: TopicsFile, timeout: float = 10.0,
                  group_prefix: str = "ytempire") -> list[PartitionLag]:
    """Lag of every topics.yaml consumer (group ``<prefix>.<consumer>``) on what it reads."""
    meta = admin.list_topics(timeout=timeout)
    partitions = [TopicPartition(t.name, p) for t in spec.topics if t.name in meta.topics
                  for p in sorted(meta.topics[t.name].partitions)]
    if not partitions:
        return []
    high = _offsets(admin, partitions, OffsetSpec.latest(), timeout)
    low = _offsets(admin, partitions, OffsetSpec.earliest(), timeout)
    out: list[PartitionLag] = []
    for consumer, topics in sorted(consumers(spec).items()):
        group = f"{group_prefix}.{consumer}"
        wanted = [tp for tp in partitions if tp.topic in topics]
        request = [ConsumerGroupTopicPartitions(group, wanted)]
        result = admin.list_consumer_group_offsets(request, request_timeout=timeout)[group].result()
        committed = {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions}
        for tp in wanted:
            key = (tp.topic, tp.partition)
            offset = committed.get(key, -1)
            start = offset if offset >= 0 else low[key]
            out.append(PartitionLag(consumer, group, tp.topic, tp.partition,
                                    offset if offset >= 0 else -1, high[key],
                                    max(0, high[key] - start)))
    return out


def summarize(rows: list[PartitionLag]) -> list[ConsumerLag]:
    by_consumer: dict[str, list[PartitionLag]] = defaultdict(list)
    for row in rows:
        by_consumer[row.consumer].append(row)
    return [ConsumerLag(consumer, group[0].group_id, sum(r.lag for r in group), len(group),
                        sum(1 for r in group if r.committed >= 0))
            for consumer, group in sorted(by_consumer.items())]


def as_table_rows(rows: list[PartitionLag], at: datetime | None = None) -> list[list[Any]]:
    """Rows for the ``consumer_lag`` table (migrations/0008_consumer_lag.sql)."""
    recorded_at = at or datetime.now(UTC)
    return [[recorded_at, r.consumer, r.group_id, r.topic, r.partition, r.committed,
             r.high_watermark, r.lag] for r in rows]


LAG_COLUMNS = ["recorded_at", "consumer", "group_id", "_topic", "_partition", "committed",
               "high_watermark", "lag"]


def _offsets(admin: AdminClient, partitions: list[TopicPartition], spec: OffsetSpec,
             timeout: float) -> dict[tuple[str, int], int]:
    futures = admin.list_offsets({tp: spec for tp in partitions}, request_timeout=timeout)
    return {(tp.topic, tp.partition): future.result().offset for tp, future in futures.items()}
