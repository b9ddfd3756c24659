"""Ten videos through the real broker, every stage a separate Faust worker, one killed mid-batch."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter, defaultdict
from pathlib import Path

import av
import numpy as np
import pytest
from confluent_kafka import Consumer
from PIL import Image

from ytempire.codec import Codec
from ytempire.kafka import EventProducer, assign_at_end
from ytempire.media import measure_loudness, probe
from ytempire.requests import RESOLUTIONS, VideoRequest, request_event
from ytempire.schemas import SchemaRegistry
from ytempire.settings import Settings
from ytempire.stack import Stack
from ytempire.tracker import Tracker

pytestmark = pytest.mark.slow

TOPICS = [
    "How volcanoes form",
    "The life of octopuses",
    "Why we dream",
    "How bridges stand up",
    "The history of coffee",
    "How vaccines work",
    "Why leaves change colour",
    "How airplanes fly",
    "The science of sleep",
    "How batteries store energy",
]


def _path(uri: str) -> Path:
    assert uri.startswith("file://"), uri
    return Path(uri.removeprefix("file://"))


def test_ten_videos_published_once_each_despite_a_killed_stage(
    kafka_settings: Settings, consumer: Consumer
) -> None:
    codec = Codec(SchemaRegistry.load(kafka_settings.schemas_dir))
    stack = Stack(kafka_settings)
    stack.start(with_broker=False, from_end=True)
    assign_at_end(consumer, ["upload.done"])
    tracker = Tracker(kafka_settings.kafka_bootstrap, codec)
    try:
        emits = [
            request_event(
                VideoRequest(topic=t, format="9:16" if i % 3 == 0 else "16:9", target_duration_s=20)
            )
            for i, t in enumerate(TOPICS)
        ]
        EventProducer(kafka_settings.kafka_bootstrap, codec).send_all(emits)
        ids = [e.value["envelope"]["video_id"] for e in emits]
        tracker.watch(ids)

        # Kill the assembler with SIGKILL as soon as it has finished one video, then restart it.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            tracker.poll(0.5)
            if any("video.assembled" in tracker.videos[v].reached for v in ids):
                break
        assert any("video.assembled" in tracker.videos[v].reached for v in ids), (
            "no video assembled"
        )
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
            vid = emit.value["envelope"]["video_id"]
            _check_video(tracker, vid, emit.value["spec"]["format"], upload_values[vid])
    finally:
        tracker.close()
        stack.stop()


def _check_video(tracker: Tracker, vid: str, fmt: str, upload: dict) -> None:
    progress = tracker.videos[vid]
    voice_duration = progress.events["video.assembled"]["narration_duration_s"]
    mp4 = _path(upload["video"]["uri"])
    info = probe(mp4)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert (info.width, info.height) == RESOLUTIONS[fmt]
    assert abs(info.duration_s - voice_duration) <= 0.05 * voice_duration
    with av.open(str(mp4)) as container:
        container.seek(int(info.duration_s / 2 * 1_000_000))
        frame = next(container.decode(video=0))
        assert np.asarray(frame.to_image().convert("L")).mean() > 20, "middle frame is black"
    assert measure_loudness(mp4).integrated_lufs > -30, "narration is not audible"
    captions = _path(progress.events["video.assembled"]["captions"]["uri"]).read_text()
    assert captions.count("Dialogue:") >= 3
    with Image.open(_path(upload["thumbnail"]["uri"])) as thumb:
        assert (thumb.size, thumb.format) == ((1280, 720), "PNG")
    metadata = (
        json.loads((mp4.parent / "metadata.json").read_text())
        if (mp4.parent / "metadata.json").exists()
        else None
    )
    assert metadata is None or metadata["title"] == upload["title"]
