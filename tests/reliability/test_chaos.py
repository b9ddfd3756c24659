"""Chaos through the real broker: ten videos while every worker in turn (the five stages, the
ledger, the analytics sink) is SIGKILLed mid-work and restarted. Every video is published
exactly once, no call is paid by two events, nothing is dead-lettered, no ffmpeg outlives its
assembler, and ClickHouse holds exactly the unique cost events."""

from __future__ import annotations

import signal
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from analytics.sink import GROUP as SINK_GROUP
from analytics.store import connect
from ytempire import topics as topics_module
from ytempire.codec import Codec
from ytempire.kafka import EventProducer
from ytempire.replay import partitions
from ytempire.requests import VideoRequest, request_event
from ytempire.schemas import SchemaRegistry
from ytempire.settings import Settings
from ytempire.stack import Stack

from .watch import Watch

pytestmark = pytest.mark.slow

TOPICS = ["How volcanoes form", "The life of octopuses", "Why we dream", "How bridges stand up",
          "The history of coffee", "How vaccines work", "Why leaves change colour",
          "How airplanes fly", "The science of sleep", "How batteries store energy"]
# (worker, its input topic, its output topic): each is killed once it has emitted for some
# videos and (but for the too-quick scriptwriter) not yet for all.
ORDER = [("scriptwriter", "script.requested", "script.ready"),
         ("narrator", "script.ready", "voice.ready"),
         ("assembler", "voice.ready", "video.assembled"),
         ("quality", "video.assembled", "quality.scored"),
         ("publisher", "quality.scored", "upload.done"),
         ("ledger", "cost.incurred", None),
         ("analytics-sink", "cost.incurred", None)]


def _ffmpeg_children(data_dir: Path) -> dict[int, int]:
    """ffmpeg processes working under ``data_dir``: pid -> parent pid."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            ppid = int((proc / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"ffmpeg" in Path(argv[0].decode(errors="replace")).name.encode() \
                and str(data_dir).encode() in b" ".join(argv):
            found[int(proc.name)] = ppid
    return found


def _sink_caught_up(settings: Settings) -> bool:
    spec = topics_module.load(settings.topics_file)
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap, "group.id": SINK_GROUP})
    try:
        tps = [TopicPartition(t, p) for t in spec.names for p in partitions(consumer, t)]
        committed = {(tp.topic, tp.partition): tp.offset
                     for tp in consumer.committed(tps, timeout=10)}
        for tp in tps:
            low, high = consumer.get_watermark_offsets(tp, timeout=10)
            if high > low and committed[(tp.topic, tp.partition)] < high:
                return False
        return True
    finally:
        consumer.close()


def test_ten_videos_survive_every_worker_killed_in_turn(
    kafka_settings: Settings,
) -> None:
    codec = Codec(SchemaRegistry.load(kafka_settings.schemas_dir))
    stack = Stack(kafka_settings, services=["analytics-sink"])
    stack.start(with_broker=False, from_end=True)
    watch = Watch(kafka_settings)
    began = time.monotonic()
    kills: list[tuple[str, float, int]] = []
    try:
        emits = [request_event(VideoRequest(topic=t, format="9:16" if i % 3 == 0 else "16:9",
                                            target_duration_s=15))
                 for i, t in enumerate(TOPICS)]
        EventProducer(kafka_settings.kafka_bootstrap, codec).send_all(emits)
        ids = [e.value["envelope"]["video_id"] for e in emits]

        def n(topic: str) -> int:
            return len({v["envelope"]["video_id"] for v in watch.values(topic, ids)})

        for worker, source, output in ORDER:
            busy: Callable[[Watch], bool]
            if output is None:  # ledger and sink: kill while costs are flowing
                busy = lambda w, s=source: len(w.values(s, ids)) >= 10  # noqa: E731
            elif worker == "scriptwriter":  # done with all ten in a blink: kill on its first
                busy = lambda w, o=output: n(o) >= 1  # noqa: E731  (offsets not committed yet)
            else:
                busy = lambda w, o=output: 1 <= n(o) < 10  # noqa: E731
            assert watch.until(busy, 150), f"{worker} never had work in flight"
            pid = stack.workers[worker].process.pid
            stack.kill_worker(worker, signal.SIGKILL)
            kills.append((worker, round(time.monotonic() - began, 1), n(output or source)))
            print(f"chaos: killed {kills[-1]}", flush=True)
            if worker == "assembler":
                time.sleep(1)
                orphans = {p for p, parent in _ffmpeg_children(kafka_settings.data_dir).items()
                           if parent in (pid, 1)}
                assert not orphans, f"ffmpeg outlived the killed assembler: {orphans}"
            stack.restart(worker)

        assert watch.until(lambda w: n("upload.done") == 10, 200), \
            {"kills": kills, "failed": watch.values("pipeline.failed", ids)}
        elapsed = time.monotonic() - began
        assert watch.until(lambda w: _sink_caught_up(kafka_settings), 60)
        watch.until(lambda w: False, 1)
    finally:
        watch.close()
        stack.stop()
    print(f"chaos: kills {kills}; all published after {elapsed:.1f} s")

    uploads = watch.ids_by_video("upload.done", ids)
    assert all(len(set(v)) == 1 for v in uploads.values()), "a video was uploaded twice"
    published = [p.name for p in (kafka_settings.channels_dir / "local").iterdir()]
    assert sorted(published) == sorted(ids)

    costs = {v["envelope"]["event_id"]: v for v in watch.values("cost.incurred", ids)}
    paid_by: dict[str, set[str]] = defaultdict(set)
    for event_id, cost in costs.items():
        if not cost["cached"]:
            paid_by[cost["call_key"]].add(event_id)
    assert paid_by and all(len(e) == 1 for e in paid_by.values()), "a call was paid twice"
    stages_paid = {(c["envelope"]["video_id"], c["stage"]) for c in costs.values()}
    assert {s for _, s in stages_paid} >= {"scriptwriter", "narrator", "assembler"}
    assert not watch.values("pipeline.dlq", ids) and not watch.values("pipeline.failed", ids)

    client = connect(kafka_settings.effective_clickhouse_dsn)
    try:
        quoted = ",".join(f"'{v}'" for v in ids)
        row = client.query(
            "SELECT count(), uniqExact(event_id), sum(usd), round(sum(quantity), 3) "
            f"FROM cost_incurred FINAL WHERE video_id IN ({quoted})").result_rows[0]
    finally:
        client.close()
    expected = (len(costs), len(costs), sum(c["usd"] for c in costs.values()),
                round(sum(c["quantity"] for c in costs.values()), 3))
    assert tuple(row) == expected
