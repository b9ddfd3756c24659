"""Offsets and store helpers for tests that replay the session broker's topics into analytics:
where every topic ends now, a group started there, and a store with every table dropped."""

from __future__ import annotations

from clickhouse_connect.driver.client import Client
from confluent_kafka import Consumer, TopicPartition

from ytempire.core import topics as topics_module
from ytempire.core.settings import Settings
from ytempire.runtime import replay

Offsets = dict[tuple[str, int], tuple[int, int]]
"""(topic, partition) -> (low, high) watermarks."""


def topic_ends(settings: Settings) -> Offsets:
    spec = topics_module.load(settings.topics_file)
    consumer = replay.plain_consumer(settings, "test-ends")
    try:
        return {(t, p): consumer.get_watermark_offsets(TopicPartition(t, p), timeout=10)
                for t in spec.names for p in replay.partitions(consumer, t)}
    finally:
        consumer.close()


def start_group_at(settings: Settings, group: str, offsets: Offsets) -> None:
    """``group`` commits the high watermark of each of ``offsets``: it reads what comes next."""
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap, "group.id": group,
                         "enable.auto.commit": False})
    try:
        consumer.commit(offsets=[TopicPartition(t, p, high) for (t, p), (_, high)
                                 in offsets.items()], asynchronous=False)
    finally:
        consumer.close()


def between(starts: Offsets, ends: Offsets) -> replay.Bounds:
    """What was written from ``starts`` to ``ends``: the records a replay must cover."""
    return {key: (starts[key][1], high) for key, (_, high) in ends.items()}


def drop_everything(client: Client) -> int:
    """Drop every table and view of the store (views first); how many there were."""
    tables = client.query("SELECT name, engine FROM system.tables "
                          "WHERE database = currentDatabase()").result_rows
    views = [n for n, engine in tables if "View" in engine]
    for name in [*views, *(n for n, _ in tables if n not in views)]:
        client.command(f"DROP TABLE IF EXISTS `{name}`")
    return len(tables)
