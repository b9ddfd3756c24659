"""The scheduler's clock: ``scheduler.tick`` events carrying the time, the scheduler's only
source of "now" (so tests drive time by sending their own ticks). Stateless: run it beside the
scheduler with a restart policy; two clocks at once only make ticks more frequent."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from ytempire.core.codec import Codec
from ytempire.core.events import Emit, new_envelope
from ytempire.core.kafka import EventProducer
from ytempire.core.records import SchedulerTick
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

TOPIC = "scheduler.tick"
PRODUCER = "scheduler-clock"
ALL_CHANNELS = "*"


def tick_event(now: datetime, producer: str = PRODUCER) -> Emit:
    """A tick at ``now``, for every channel: its channel id (the record key) is ``*``, so every
    tick goes to one partition and ticks stay in order."""
    envelope = new_envelope(video_id="", channel_id=ALL_CHANNELS, owner_id="", producer=producer,
                            event_key=now.isoformat())
    return Emit(TOPIC, SchedulerTick(envelope=envelope, now=now), key_field="channel_id")


def run(settings: Settings, stop: threading.Event | None = None) -> None:
    """Send the wall time every ``scheduler_tick_seconds`` until ``stop`` is set."""
    stop = stop or threading.Event()
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    producer = EventProducer(settings.kafka_bootstrap, codec, client_id=PRODUCER)
    try:
        while True:
            producer.send_all([tick_event(datetime.now(UTC))])
            if stop.wait(settings.scheduler_tick_seconds):
                return
    finally:
        producer.close()
