"""confluent-kafka helpers: an idempotent Avro producer that surfaces delivery errors."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

from ytempire.core.codec import Codec
from ytempire.core.events import Emit


class DeliveryFailed(KafkaException):  # type: ignore[misc]  # confluent_kafka is untyped here
    """The broker did not acknowledge a record; nothing was committed past it."""


class EventProducer:
    """Encodes events with the topic's schema and produces them keyed by video id.

    ``send_all`` blocks until every record is acknowledged (or raises), which is what lets a
    worker commit its input offset only after its outputs are durable.
    """

    def __init__(
        self,
        bootstrap: str,
        codec: Codec,
        client_id: str = "ytempire",
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.codec = codec
        self._producer = Producer(
            {
                "bootstrap.servers": bootstrap,
                "client.id": client_id,
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": 5,
                **(extra or {}),
            }
        )
        self._lock = threading.Lock()

    def send_all(self, emits: Iterable[Emit], timeout: float = 30.0) -> None:
        errors: list[str] = []

        def on_delivery(err: KafkaError | None, msg: Message) -> None:
            if err is not None:
                errors.append(f"{msg.topic()}: {err}")

        with self._lock:
            count = 0
            for emit in emits:
                self._produce(
                    emit.topic,
                    emit.key.encode(),
                    self.codec.encode(emit.topic, emit.value),
                    on_delivery,
                )
                count += 1
            if count == 0:
                return
            remaining = self._producer.flush(timeout)
        if remaining:
            raise DeliveryFailed(f"{remaining} records not acknowledged within {timeout}s")
        if errors:
            raise DeliveryFailed("delivery failed: " + "; ".join(errors))

    def send_raw(self, topic: str, key: bytes | None, value: bytes, timeout: float = 30.0) -> None:
        """Produce bytes as they are (tests, replays of original bytes)."""
        errors: list[str] = []
        with self._lock:
            def on_delivery(err: KafkaError | None, _msg: Message) -> None:
                if err is not None:
                    errors.append(str(err))

            self._produce(topic, key, value, on_delivery)
            self._producer.flush(timeout)
        if errors:
            raise DeliveryFailed("; ".join(errors))

    def _produce(self, topic: str, key: bytes | None, value: bytes, callback: Any) -> None:
        while True:
            try:
                self._producer.produce(topic, value=value, key=key, on_delivery=callback)
                return
            except BufferError:
                self._producer.poll(0.1)

    def purge(self) -> None:
        """Drop what is not acknowledged yet: a ``send_all`` waiting on it (in any thread)
        returns at once with ``DeliveryFailed``. For callers that keep their own outbox."""
        self._producer.purge()

    def close(self, timeout: float = 10.0) -> None:
        """Flush and disconnect, so nothing lingers (and logs) once the broker goes away."""
        self._producer.flush(timeout)
        self._producer.close()


def assign_at_end(consumer: Consumer, topics: Iterable[str], timeout: float = 10.0) -> None:
    """Assign every partition of ``topics`` at its current high watermark: read only what comes
    next (progress tracking, tests), with no group membership or rebalance."""
    metadata = consumer.list_topics(timeout=timeout)
    consumer.assign(
        [
            TopicPartition(
                topic,
                partition,
                consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=timeout)[
                    1
                ],
            )
            for topic in topics
            for partition in metadata.topics[topic].partitions
        ]
    )


def start_group_at_end(
    bootstrap: str, group: str, topics: Sequence[str], timeout: float = 10.0
) -> None:
    """Commit ``group``'s offsets at the current end of each of ``topics`` it has none on yet.

    A new group otherwise starts at the earliest record (so nothing requested before a stage's
    first start is lost); this is for a group that must only see what comes next (tests, a
    fresh environment on a shared cluster). Every input of a stage counts: a stage that started
    at the end of its first input only still read the others' history (on a shared test broker,
    a scheduler started by one test planned for every channel earlier tests had left).
    """
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False}
    )
    try:
        metadata = consumer.list_topics(timeout=timeout).topics
        tps = [TopicPartition(t, p) for t in topics for p in metadata[t].partitions]
        committed = consumer.committed(tps, timeout=timeout)
        ends = [
            TopicPartition(
                tp.topic, tp.partition, consumer.get_watermark_offsets(tp, timeout=timeout)[1]
            )
            for tp in committed
            if tp.offset < 0
        ]
        if ends:
            consumer.commit(offsets=ends, asynchronous=False)
    finally:
        consumer.close()
