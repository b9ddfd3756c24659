"""Three videos offline through the real broker, every stage a separate Faust worker, the
assembler SIGKILLed mid-batch: each is published once and is a well-formed video. One of them
was requested by the scheduler for a channel's slot and is published for that slot. (Six videos
through every worker killed in turn, on the provider fakes: tests/reliability/test_chaos.py.)"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from confluent_kafka import Consumer

from processors.scheduler import TABLES, Scheduler
from processors.scheduler_clock import tick_event
from tests.conftest import VIDEO_STAGES
from tests.reliability.outputs import check_published_video
from ytempire.app.stack import Stack
from ytempire.app.tracker import Tracker
from ytempire.core.channels import ChannelSchedule, ChannelState, channel_event
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, plain
from ytempire.core.google import LOCAL_CHANNEL
from ytempire.core.kafka import EventProducer, assign_at_end
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.stage import MemoryState

pytestmark = pytest.mark.slow

# One Shorts and two landscape videos: the assembler is killed while one is still to render.
# The third is the scheduler's: the local channel's next slot, on a topic from its backlog.
TOPICS = ["How volcanoes form", "The life of octopuses"]


def scheduled_request(settings: Settings) -> tuple[Emit, datetime]:
    """The script.requested the scheduler sends for the local channel's first slot (three a
    day), and that slot: its tick comes at the slot's request time (the scheduler's only
    clock is its ticks)."""
    scheduler = Scheduler(MemoryState(TABLES), settings)
    now = datetime.now(UTC)
    channel = ChannelState(
        id=LOCAL_CHANNEL, owner_id="local", version=now, name="Dreams", niche="sleep science",
        per_video_budget_usd=Decimal("1.00"), daily_budget_usd=Decimal("10.00"),
        target_duration_s=15, schedule=ChannelSchedule(cron="0 8,14,20 * * *"))
    scheduler.handle(channel_event(channel).value)
    emits = scheduler.handle(tick_event(now).value)
    first = min((plain(e.value) for e in emits if e.topic == "schedule.slot"),
                key=lambda s: s["slot_at"])
    emits += scheduler.handle(tick_event(max(now, first["request_at"])).value)
    asked = [e for e in emits if e.topic == "script.requested"]
    assert [e.value.envelope.video_id for e in asked] == first["video_ids"]
    assert first["slot_at"] > now
    return asked[0], first["slot_at"]


@pytest.mark.usefixtures("quick_failover")
def test_three_videos_published_once_each_despite_a_killed_stage(
    kafka_settings: Settings, consumer: Consumer
) -> None:
    codec = Codec(SchemaRegistry.load(kafka_settings.schemas_dir))
    stack = Stack(kafka_settings, stages=VIDEO_STAGES)
    stack.start(with_broker=False, from_end=True)
    assign_at_end(consumer, ["upload.done"])
    tracker = Tracker(kafka_settings.kafka_bootstrap, codec)
    try:
        scheduled, slot = scheduled_request(kafka_settings)
        emits = [
            request_event(
                VideoRequest(topic=t, format="9:16" if i % 3 == 0 else "16:9", target_duration_s=15)
            )
            for i, t in enumerate(TOPICS)
        ] + [scheduled]
        EventProducer(kafka_settings.kafka_bootstrap, codec).send_all(emits)
        ids = [e.value.envelope.video_id for e in emits]
        tracker.watch(ids)

        # Kill the assembler with SIGKILL as soon as it has finished one video, then restart it.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            tracker.poll(0.5)
            if any("video.assembled" in tracker.videos[v].reached for v in ids):
                break
        assembled = [v for v in ids if "video.assembled" in tracker.videos[v].reached]
        assert assembled, "no video assembled"
        assert len(assembled) < len(ids), "the assembler finished every video before the kill"
        stack.kill_worker("assembler", signal.SIGKILL)
        stack.start_worker("assembler")

        assert tracker.wait(600), {v: tracker.videos[v].status for v in ids}
        statuses = {v: tracker.videos[v].status for v in ids}
        assert set(statuses.values()) == {"published"}, statuses

        uploads: dict[str, set[str]] = defaultdict(set)
        upload_values: dict[str, dict] = {}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(uploads) < len(ids):
            for msg in consumer.consume(100, 0.5):
                if msg.error() or msg.topic() != "upload.done":
                    continue
                value = codec.decode(msg.topic(), msg.value())
                uploads[value["envelope"]["video_id"]].add(value["envelope"]["event_id"])
                upload_values[value["envelope"]["video_id"]] = value
        assert set(uploads) == set(ids)
        assert all(len(events) == 1 for events in uploads.values()), "a video was uploaded twice"
        published = [p.name for p in (kafka_settings.channels_dir / "local").iterdir()]
        assert Counter(n for n in published if n in ids) == Counter(ids)

        for emit in emits:
            vid = emit.value.envelope.video_id
            check_published_video(tracker.videos[vid].events["video.assembled"],
                                  upload_values[vid], emit.value.spec.format)
        # The scheduled video is published for its slot; the requested ones have no slot.
        kept = {vid: json.loads((kafka_settings.channels_dir / LOCAL_CHANNEL / vid /
                                 "metadata.json").read_text()) for vid in ids}
        assert [datetime.fromisoformat(m["publish_at"]) if m["publish_at"] else None
                for m in kept.values()] == [None, None, slot]
    finally:
        tracker.close()
        stack.stop()
