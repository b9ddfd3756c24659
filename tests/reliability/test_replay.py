"""Replay through the real broker and the offline pipeline: replaying requests into the
scriptwriter re-emits identical events all the way down, pays nothing again, uploads nothing
twice; ranges select exactly what they say."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ytempire.app.stack import Stack, settings_env
from ytempire.app.stages import build_stage
from ytempire.core.codec import Codec
from ytempire.core.kafka import EventProducer
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.runtime import replay

from .watch import Watch, cache_snapshot, without_time

pytestmark = pytest.mark.slow

OUTPUTS = ["script.ready", "voice.ready", "video.assembled", "quality.scored", "upload.done",
           "cost.incurred"]


def test_replayed_requests_reemit_identical_events_and_pay_nothing(
    offline_stack: Stack,
) -> None:
    settings = offline_stack.settings  # the replay runs the stage on the stack's caches
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    watch = Watch(settings)
    try:
        since = datetime.now(UTC) - timedelta(seconds=1)
        emits = [request_event(VideoRequest(topic="Why owls hoot", target_duration_s=15))]
        EventProducer(settings.kafka_bootstrap, codec).send_all(emits)
        ids = [e.value["envelope"]["video_id"] for e in emits]
        assert watch.until(lambda w: len(w.values("upload.done", ids)) == 1, 240), \
            watch.ids_by_video("pipeline.failed", ids)
        watch.settle(settings)  # the last cost events too
        first = {t: {v["envelope"]["event_id"]: without_time(v) for v in watch.values(t, ids)}
                 for t in OUTPUTS}
        caches = cache_snapshot(settings)
        published = sorted(p.name for p in (settings.channels_dir / "local").iterdir())
        assert set(ids) <= set(published)
        seen = len(watch.records)

        done = subprocess.run(
            [sys.executable, "-m", "ytempire", "replay", "--topic", "script.requested",
             "--since", since.isoformat(), "--into", "scriptwriter", "--json"],
            env=settings_env(settings), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["records"] == 1

        # The re-emitted script.ready travels the whole pipeline again, to upload.done.
        assert watch.until(lambda w: len(w.values("upload.done", ids)) == 2, 180)
        watch.settle(settings)
        again = [(t, v) for t, _, _, v in watch.records[seen:] if v is not None
                 and v["envelope"]["video_id"] in ids]
        assert {t for t, _ in again} >= set(OUTPUTS)
        for topic, value in again:
            assert topic in first and value["envelope"]["event_id"] in first[topic], \
                f"replay emitted a new {topic} event"
            assert without_time(value) == first[topic][value["envelope"]["event_id"]]
        assert cache_snapshot(settings) == caches, "a replay recomputed a side effect"
        assert sorted(p.name for p in (settings.channels_dir / "local").iterdir()) == \
            published, "a replay published again"
        assert not watch.values("pipeline.dlq", ids) and not watch.values("pipeline.failed", ids)
    finally:
        watch.close()


def test_ranges_select_offsets_and_times(kafka_settings: Settings) -> None:
    codec = Codec(SchemaRegistry.load(kafka_settings.schemas_dir))
    producer = EventProducer(kafka_settings.kafka_bootstrap, codec)
    video = str(uuid.uuid4())  # one key: one partition
    before = replay.bounds(kafka_settings, "cost.alert", from_offset=0)
    producer.send_raw("cost.alert", video.encode(), b"first")
    time.sleep(0.05)
    middle = datetime.now(UTC)
    time.sleep(0.05)
    producer.send_raw("cost.alert", video.encode(), b"second")
    whole = replay.bounds(kafka_settings, "cost.alert", from_offset=0)
    [(key, (start, end))] = [(k, s) for k, s in whole.items() if s[1] > before[k][1]]
    assert end - before[key][1] == 2 and start == 0

    late = replay.bounds(kafka_settings, "cost.alert", since=middle, partition=key[1])
    assert late == {key: (end - 1, end)}
    early = replay.bounds(kafka_settings, "cost.alert", from_offset=end - 2, until=middle,
                          partition=key[1])
    assert early == {key: (end - 2, end - 1)}
    assert [m.value() for m in replay.read_range(kafka_settings, early)] == [b"first"]
    beyond = replay.bounds(kafka_settings, "cost.alert", from_offset=10**9, partition=key[1])
    assert replay.count(beyond) == 0

    # The command, with its progress bar, into ClickHouse: the two records are not Avro, so the
    # sink dead-letters them and inserts nothing.
    shown = subprocess.run(
        [sys.executable, "-m", "ytempire", "replay", "--topic", "cost.alert", "--from-offset",
         str(end - 2), "--partition", str(key[1]), "--into", "analytics"],
        env=settings_env(kafka_settings), capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "replayed 2 records into analytics" in shown.stderr
    assert "inserted 0" in shown.stderr and "dead_lettered 2" in shown.stderr

    with pytest.raises(replay.ReplayError, match="one of them"):
        replay.bounds(kafka_settings, "cost.alert")
    with pytest.raises(replay.ReplayError, match="does not exist"):
        replay.bounds(kafka_settings, "no.such.topic", from_offset=0)
    with pytest.raises(replay.ReplayError, match="reads script.requested"):
        replay.replay_into_stage(kafka_settings, build_stage("scriptwriter", kafka_settings),
                                 early)
    with pytest.raises(replay.ReplayError, match="Faust tables"):
        replay.replay_into_stage(kafka_settings, build_stage("ledger", kafka_settings), early)
