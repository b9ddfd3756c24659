"""Which videos were cancelled, as a stage process sees ``video.cancelled``.

Every stage process but the ledger's holds one ``CancelledVideos``: video id -> the highest
attempt cancelled. It reads the whole topic itself, from its beginning at the first question
(so a restarted worker knows every cancellation still retained: 90 days, as long as a stage
input can be re-driven from the DLQ), with no consumer-group membership: each process needs
every cancellation, not the share of partitions a group would hand it.

Why not a Faust table fed by the stage's agent? Kafka orders records within one partition only.
Reading ``video.cancelled`` beside its input topic, an agent with a backlog (a restart, a long
upload) can be handed a video's event before a cancellation produced earlier. So each question
first asks the broker for the topic's end offsets and reads up to them: every cancellation the
broker acknowledged before the question is seen, whatever the order of the topics. It costs a
few milliseconds per event (the topic is small); stage work takes seconds.

The position read is committed as group ``<prefix>.cancellations`` (topics.yaml lists that
consumer), so consumer lag shows a view falling behind.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from ytempire.core.codec import Codec, UndecodableEvent
from ytempire.core.events import Event
from ytempire.core.logging import get_logger
from ytempire.core.settings import Settings
from ytempire.stage import TransientError

log = get_logger("ytempire.cancellations")

TOPIC = "video.cancelled"
CONSUMER = "cancellations"
RELIST_S = 60.0
"""How often the topic's partitions are listed again (a partition added by 'topics apply')."""


class CancelledVideos:
    """``ytempire.stage.Cancellations`` from the broker (module doc). Thread-safe."""

    def __init__(self, bootstrap: str, codec: Codec, group_id: str,
                 timeout_s: float = 30.0) -> None:
        self.bootstrap, self.codec, self.group_id = bootstrap, codec, group_id
        self.timeout_s = timeout_s
        self._consumer: Consumer | None = None
        self._admin: AdminClient | None = None
        self._next: dict[int, int] = {}  # partition -> the next offset to read
        self._committed: dict[int, int] = {}
        self._attempts: dict[str, int] = {}  # video id -> the highest attempt cancelled
        self._listed_at = float("-inf")
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, codec: Codec) -> CancelledVideos:
        return cls(settings.kafka_bootstrap, codec, settings.group_id(CONSUMER))

    def is_cancelled(self, envelope: Event) -> bool:
        """Whether the envelope's attempt of its video (or a later one) was cancelled."""
        return self.cancelled_attempt(envelope["video_id"]) >= int(envelope.get("attempt") or 1)

    def cancelled_attempt(self, video_id: str) -> int:
        """The highest attempt of ``video_id`` cancelled so far; 0 when none."""
        with self._lock:
            try:
                self._catch_up()
            except KafkaException as exc:
                raise TransientError(f"cannot read {TOPIC} to check for a cancellation: "
                                     f"{exc}") from exc
            return self._attempts.get(video_id, 0)

    def close(self) -> None:
        with self._lock:
            if self._consumer is not None:
                self._consumer.close()
            self._consumer = self._admin = None

    def _catch_up(self) -> None:
        """Read every partition up to its end offset as the broker states it now."""
        consumer, admin = self._connect()
        self._assign_new_partitions(admin, consumer)
        asked = admin.list_offsets({TopicPartition(TOPIC, p): OffsetSpec.latest()
                                    for p in self._next}, request_timeout=self.timeout_s)
        ends = {tp.partition: future.result().offset for tp, future in asked.items()}
        deadline = time.monotonic() + self.timeout_s
        while late := [p for p, end in ends.items() if self._next[p] < end]:
            if time.monotonic() > deadline:
                raise TransientError(f"{TOPIC} partitions {late} were not read to their end "
                                     f"within {self.timeout_s:.0f} s")
            message = consumer.poll(0.2)
            if message is not None:
                self._take(message)
        self._commit(consumer)

    def _connect(self) -> tuple[Consumer, AdminClient]:
        """The reader and, apart, a client for end offsets: asked through the reader they would
        wait behind its pending fetch (up to ``fetch.wait.max.ms``)."""
        if self._consumer is None or self._admin is None:
            self._consumer = Consumer({
                "bootstrap.servers": self.bootstrap,
                "group.id": self.group_id,
                "client.id": "ytempire.cancellations",
                "enable.auto.commit": False,
                "enable.partition.eof": True,  # the end of a partition is known even past gaps
                "auto.offset.reset": "earliest",
            })
            self._admin = AdminClient({"bootstrap.servers": self.bootstrap,
                                       "client.id": "ytempire.cancellations"})
        return self._consumer, self._admin

    def _assign_new_partitions(self, admin: AdminClient, consumer: Consumer) -> None:
        if time.monotonic() - self._listed_at < RELIST_S:
            return
        topic = admin.list_topics(TOPIC, timeout=self.timeout_s).topics[TOPIC]
        if topic.error is not None:
            raise TransientError(f"topic {TOPIC}: {topic.error}; run 'ytempire topics apply'")
        new = sorted(set(topic.partitions) - set(self._next))
        if new:
            consumer.incremental_assign([TopicPartition(TOPIC, p, OFFSET_BEGINNING) for p in new])
            self._next.update(dict.fromkeys(new, 0))
        self._listed_at = time.monotonic()

    def _take(self, message: Any) -> None:
        partition, error = message.partition(), message.error()
        if error is not None:
            if error.code() != KafkaError._PARTITION_EOF:
                raise KafkaException(error)
            self._next[partition] = max(self._next[partition], message.offset())
            return
        self._next[partition] = message.offset() + 1
        try:
            value = self.codec.decode(TOPIC, message.value(), partition, message.offset())
        except UndecodableEvent as exc:  # only the gateway writes here; do not stall on it
            log.warning("cancellation_undecodable", partition=partition,
                        offset=message.offset(), reason=exc.reason)
            return
        envelope = value["envelope"]
        video_id = envelope["video_id"]
        self._attempts[video_id] = max(self._attempts.get(video_id, 0), envelope["attempt"])

    def _commit(self, consumer: Consumer) -> None:
        moved = {p: o for p, o in self._next.items() if o > 0 and self._committed.get(p) != o}
        if moved:
            consumer.commit(offsets=[TopicPartition(TOPIC, p, o) for p, o in moved.items()],
                            asynchronous=True)
            self._committed.update(moved)
