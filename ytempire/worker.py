"""The thin Faust plumbing around a stage: decode, call, emit, commit.

Each stage runs as its own Faust app (its own consumer group ``ytempire.<stage>``) with
``concurrency=1`` (faust #606). Outputs are produced through an idempotent confluent-kafka
producer and acknowledged before the input event is acked, so an offset is only ever committed
after the outputs it caused are durable: at-least-once, made effectively-once by the stages'
deterministic event ids and input-hash caches.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import faust

from processors.base import PermanentError, Stage, TransientError
from ytempire.codec import Codec, UndecodableEvent
from ytempire.events import Emit, Event, derive_envelope, failed_event, new_envelope
from ytempire.kafka import EventProducer
from ytempire.logging import bound, get_logger
from ytempire.schemas import SchemaRegistry
from ytempire.settings import Settings

log = get_logger("ytempire.worker")

TRANSIENT = (TransientError, OSError)  # OSError covers timeouts and connection errors


@dataclass(frozen=True)
class Incoming:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


class StageRunner:
    """Runs one stage over raw Kafka records; knows retries, dead letters and failure events."""

    def __init__(
        self,
        stage: Stage,
        codec: Codec,
        producer: EventProducer,
        settings: Settings,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.stage = stage
        self.codec = codec
        self.producer = producer
        self.settings = settings
        self.sleep = sleep

    async def process(self, record: Incoming) -> None:
        try:
            event = self.codec.decode(record.topic, record.value, record.partition, record.offset)
        except UndecodableEvent as exc:
            log.warning(
                "undecodable_event",
                stage=self.stage.name,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                reason=exc.reason,
            )
            await self._dead_letter(record, None, exc, attempts=1)
            return
        envelope = event["envelope"]
        with bound(
            correlation_id=envelope["correlation_id"],
            video_id=envelope["video_id"],
            stage=self.stage.name,
        ):
            await self._handle(record, event)

    async def _handle(self, record: Incoming, event: Event) -> None:
        attempts = self.settings.stage_max_attempts
        for attempt in range(1, attempts + 1):
            try:
                emits = await asyncio.to_thread(self.stage.handle, event)
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
            log.info("stage_done", emitted=[e.topic for e in emits])
            return

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter."""
        cap = min(
            self.settings.retry_max_seconds, self.settings.retry_base_seconds * 2 ** (attempt - 1)
        )
        return random.uniform(cap / 2, cap)

    async def _give_up(
        self, record: Incoming, event: Event, exc: BaseException, attempts: int, retryable: bool
    ) -> None:
        failed = failed_event(
            event["envelope"],
            stage=self.stage.name,
            input_topic=record.topic,
            error=exc,
            retryable=retryable,
        )
        await self._dead_letter(record, event["envelope"], exc, attempts, extra=[failed])

    async def _dead_letter(
        self,
        record: Incoming,
        envelope: Event | None,
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
                producer=self.stage.name,
                event_key=f"dlq:{record.topic}:{record.partition}:{record.offset}",
            )
        else:
            envelope = derive_envelope(envelope, self.stage.name, "pipeline.dlq")
        dlq = Emit(
            "pipeline.dlq",
            {
                "envelope": envelope,
                "stage": self.stage.name,
                "source_topic": record.topic,
                "source_partition": record.partition,
                "source_offset": record.offset,
                "original_key": record.key,
                "original_value": record.value,
                "error_type": type(exc).__name__,
                "error_message": str(exc)[:2000],
                "attempts": attempts,
            },
        )
        await asyncio.to_thread(self.producer.send_all, [*(extra or []), dlq])


def make_app(stage: Stage, settings: Settings) -> faust.App:
    """A Faust app whose single agent feeds ``stage`` from its input topic."""
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    producer = EventProducer(settings.kafka_bootstrap, codec, client_id=f"ytempire.{stage.name}")
    runner = StageRunner(stage, codec, producer, settings)
    datadir = settings.data_dir / "faust" / stage.name
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.group_id(stage.name),
        broker=f"kafka://{settings.kafka_bootstrap}",
        datadir=str(datadir),
        web_enabled=False,
        topic_disable_leader=True,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        broker_commit_every=1,
        broker_commit_interval=1.0,
    )
    # A stage may read more topics than the one it is named by (the ledger reads budgets too).
    topics = getattr(stage, "input_topics", (stage.input_topic,))
    source = app.topic(
        *topics,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
    )

    @app.agent(source, concurrency=1, name=f"ytempire.{stage.name}.agent")
    async def run(stream: Any) -> None:
        async for event in stream.events():
            msg = event.message
            await runner.process(Incoming(msg.topic, msg.partition, msg.offset, msg.key, msg.value))

    return app


def run_worker(stage: Stage, settings: Settings, loglevel: str = "warning") -> None:
    """Blocks running the stage until SIGINT/SIGTERM."""
    app = make_app(stage, settings)
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    worker.execute_from_commandline()
