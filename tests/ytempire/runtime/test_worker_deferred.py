"""A stage that must wait (a daily quota) is held, not failed: it never reaches the DLQ."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event, derive_envelope
from ytempire.core.kafka import EventProducer
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.runtime.worker import Incoming, StageRunner
from ytempire.stage import Deferred, StageSpec


class QuotaBound:
    """Deferred ``holds`` times (more than the attempts a failure gets), then done."""

    spec = StageSpec(name="quota-bound", inputs=("script.requested",),
                     outputs=("script.requested",))

    def __init__(self, holds: int) -> None:
        self.holds, self.calls = holds, 0

    def handle(self, event: Event) -> list[Emit]:
        self.calls += 1
        if self.calls <= self.holds:
            raise Deferred("daily quota used up", datetime.now(UTC) + timedelta(hours=3))
        return [Emit("script.requested", {**event, "envelope": derive_envelope(
            event["envelope"], self.spec.name, "script.requested")})]


def test_a_deferred_event_is_held_past_every_attempt_and_then_done(
        kafka_settings: Settings) -> None:
    settings = kafka_settings.model_copy(update={"stage_max_attempts": 2})
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    sent: list[list[Emit]] = []

    class Recording(EventProducer):
        def send_all(self, emits: list[Emit], timeout: float = 30.0) -> None:
            sent.append(list(emits))
            super().send_all(emits, timeout)

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    stage = QuotaBound(holds=5)
    runner = StageRunner(stage, codec, Recording(settings.kafka_bootstrap, codec), settings,
                         sleep=sleep)
    request = request_event(VideoRequest(topic="Held, not failed"))
    value = codec.encode("script.requested", request.value)
    asyncio.run(runner.process(Incoming("script.requested", 0, 0, b"k", value)))

    assert stage.calls == 6
    assert waits == [300.0] * 5  # re-checked every 5 minutes, not slept for 3 hours at once
    [[done]] = sent  # one send: the result; no pipeline.failed, no pipeline.dlq
    assert done.topic == "script.requested"
