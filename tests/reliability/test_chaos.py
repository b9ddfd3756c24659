"""Chaos through the real broker: six videos, scripts from OpenAI and voices from ElevenLabs
(the counting fakes), while every worker in turn (the five stages, the ledger and the analytics
sink) is SIGKILLed mid-work and restarted. Every video is published exactly once and is a
well-formed video (codecs, format size, length, picture, sound, captions, thumbnail), no call is
billed by two events, providers repeat at most the one call each killed stage had in flight,
nothing is dead-lettered, no ffmpeg outlives its assembler, and ClickHouse holds exactly the
unique cost events."""

from __future__ import annotations

import signal
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from analytics.store import connect
from tests.conftest import VIDEO_STAGES
from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.fakes.openai_server import FakeOpenAI
from ytempire.app.stack import Stack
from ytempire.core import topics as topics_module
from ytempire.core.codec import Codec
from ytempire.core.kafka import EventProducer
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.runtime.replay import partitions

from .outputs import check_published_video
from .watch import Watch

pytestmark = pytest.mark.slow

# Two Shorts and four landscape videos: enough that every stage has some done and some left
# when it is killed (the assembler renders one at a time).
TOPICS = ["How volcanoes form", "The life of octopuses", "Why we dream", "How bridges stand up",
          "The history of coffee", "How vaccines work"]
# (worker, its input topic, its output topic): each is killed once it has emitted for some
# videos and (but for the too-quick scriptwriter) not yet for all.
ORDER = [("scriptwriter", "script.requested", "script.ready"),
         ("narrator", "script.ready", "voice.ready"),
         ("assembler", "voice.ready", "video.assembled"),
         ("quality", "video.assembled", "quality.scored"),
         ("publisher", "quality.scored", "upload.done"),
         ("ledger", "cost.incurred", None),
         # killed inside an insert, the sink repeats the journaled insert when it restarts
         ("analytics-sink", "cost.incurred", None)]


def _ffmpeg_children(data_dir: Path) -> dict[int, int]:
    """ffmpeg processes working under ``data_dir`` (in their arguments or as their working
    directory): pid -> parent pid."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            if b"ffmpeg" not in Path(argv[0].decode(errors="replace")).name.encode():
                continue
            ppid = int((proc / "stat").read_text().rpartition(")")[2].split()[1])
            cwd = str((proc / "cwd").readlink())
        except (OSError, ValueError, IndexError):
            continue
        if str(data_dir).encode() in b" ".join(argv) or cwd.startswith(str(data_dir)):
            found[int(proc.name)] = ppid
    return found


def _sink_caught_up(settings: Settings) -> bool:
    spec = topics_module.load(settings.topics_file)
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap,
                         "group.id": settings.group_id("analytics-sink")})
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


OPENAI_KEY = "sk-chaos-openai"
ELEVENLABS_KEY = "xi-chaos-elevenlabs"


def served_calls(openai: FakeOpenAI, elevenlabs: FakeElevenLabs
                 ) -> dict[tuple[str, ...], list[float]]:
    """Each answered call's quantities, by (provider, model, unit): what a provider bills."""
    calls: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for use in openai.usage_of("chat.completions"):
        calls[("openai", use["model"], "tokens_in")].append(use["prompt_tokens"])
        calls[("openai", use["model"], "tokens_out")].append(use["completion_tokens"])
    for use in openai.usage_of("moderations"):
        calls[("openai", use["model"], "requests")].append(1)
    for use in elevenlabs.usage:
        calls[("elevenlabs", use["model"], "characters")].append(use["characters"])
    return calls


@pytest.fixture
def providers(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The fakes, and the stage processes' environment pointing at them (keys only by env)."""
    with FakeOpenAI(api_key=OPENAI_KEY) as openai, \
            FakeElevenLabs(api_key=ELEVENLABS_KEY) as elevenlabs:
        monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", openai.url)
        monkeypatch.setenv("ELEVENLABS_API_KEY", ELEVENLABS_KEY)
        monkeypatch.setenv("YTEMPIRE_ELEVENLABS_BASE_URL", elevenlabs.url)
        yield openai, elevenlabs


@pytest.mark.usefixtures("quick_failover")
def test_six_videos_survive_every_worker_killed_in_turn(
    kafka_settings: Settings, providers: tuple[FakeOpenAI, FakeElevenLabs]
) -> None:
    openai, elevenlabs = providers
    codec = Codec(SchemaRegistry.load(kafka_settings.schemas_dir))
    stack = Stack(kafka_settings, services=["analytics-sink"], stages=VIDEO_STAGES)
    stack.start(with_broker=False, from_end=True)
    watch = Watch(kafka_settings)
    began = time.monotonic()
    kills: list[tuple[str, float, int]] = []
    try:
        emits = [request_event(VideoRequest(topic=t, format="9:16" if i % 3 == 0 else "16:9",
                                            target_duration_s=15))
                 for i, t in enumerate(TOPICS)]
        EventProducer(kafka_settings.kafka_bootstrap, codec).send_all(emits)
        ids = [e.value.envelope.video_id for e in emits]

        def n(topic: str) -> int:
            return len({v["envelope"]["video_id"] for v in watch.values(topic, ids)})

        for worker, source, output in ORDER:
            busy: Callable[[Watch], bool]
            if output is None:  # ledger and sink: kill while costs are flowing
                busy = lambda w, s=source: len(w.values(s, ids)) >= 10  # noqa: E731
            elif worker == "scriptwriter":  # done with all in a blink: kill on its first
                busy = lambda w, o=output: n(o) >= 1  # noqa: E731  (offsets not committed yet)
            else:
                busy = lambda w, o=output: 1 <= n(o) < len(ids)  # noqa: E731
            assert watch.until(busy, 240), f"{worker} never had work in flight"
            pid = stack.workers[worker].process.pid
            rendering: set[int] = set()
            if worker == "assembler":  # kill it mid-render: while its ffmpeg runs
                deadline = time.monotonic() + 30
                while not rendering and time.monotonic() < deadline:
                    rendering = {p for p, parent in
                                 _ffmpeg_children(kafka_settings.data_dir).items() if parent == pid}
                    time.sleep(0.1)
                assert rendering, "the assembler never ran ffmpeg"
            stack.kill_worker(worker, signal.SIGKILL)
            kills.append((worker, round(time.monotonic() - began, 1), n(output or source)))
            print(f"chaos: killed {kills[-1]}", flush=True)
            if rendering:
                time.sleep(1)
                left = rendering & set(_ffmpeg_children(kafka_settings.data_dir))
                assert not left, f"ffmpeg {left} outlived the killed assembler"
            stack.restart(worker)

        assert watch.until(lambda w: n("upload.done") == len(ids), 200), \
            {"kills": kills, "failed": watch.values("pipeline.failed", ids)}
        elapsed = time.monotonic() - began
        watch.settle(kafka_settings)
        assert watch.until(lambda w: _sink_caught_up(kafka_settings), 60)
    finally:
        watch.close()
        stack.stop()
    print(f"chaos: kills {kills}; all published after {elapsed:.1f} s")

    uploads = watch.ids_by_video("upload.done", ids)
    assert all(len(set(v)) == 1 for v in uploads.values()), "a video was uploaded twice"
    published = [p.name for p in (kafka_settings.channels_dir / "local").iterdir()]
    assert sorted(published) == sorted(ids)
    for emit in emits:
        vid = emit.value.envelope.video_id
        check_published_video(watch.values("video.assembled", [vid])[-1],
                              watch.values("upload.done", [vid])[0], emit.value.spec.format)

    costs = {v["envelope"]["event_id"]: v for v in watch.values("cost.incurred", ids)}
    billed: Counter[tuple[str, ...]] = Counter()
    for cost in costs.values():
        if not cost["cached"] and cost["provider"] in ("openai", "elevenlabs"):
            billed[(cost["provider"], cost["model"], cost["unit"])] += cost["quantity"]
    # Each provider's stage was killed once. A call answered after the stage's last persisted
    # result and before the kill is made again on redelivery (these APIs take no idempotency
    # key): at most that one call in flight is repeated, never a finished one.
    calls = served_calls(openai, elevenlabs)
    excess = {k: sum(calls[k]) - billed[k] for k in calls}
    print(f"chaos: served {({k: sum(v) for k, v in calls.items()})}; billed {dict(billed)}")
    assert billed and set(billed) == set(calls)
    assert all(0 <= excess[k] <= max(calls[k]) for k in calls), excess
    assert openai.served["chat.completions"] - sum(
        1 for c in costs.values() if not c["cached"] and c["unit"] == "tokens_in") <= 1
    paid_by: dict[str, set[str]] = defaultdict(set)
    for event_id, cost in costs.items():
        if not cost["cached"]:
            paid_by[cost["call_key"]].add(event_id)
    twice = {key: [{k: costs[e][k] for k in ("stage", "provider", "unit", "quantity")}
                   | {"video": costs[e]["envelope"]["video_id"],
                      "event": e, "at": str(costs[e]["envelope"]["occurred_at"])}
                   for e in events]
             for key, events in paid_by.items() if len(events) > 1}
    assert paid_by and not twice, f"a call was paid twice: {twice}"
    stages_paid = {(c["envelope"]["video_id"], c["stage"]) for c in costs.values()}
    assert {s for _, s in stages_paid} >= {"scriptwriter", "narrator", "assembler"}
    assert not watch.values("pipeline.dlq", ids) and not watch.values("pipeline.failed", ids)

    client = connect(kafka_settings.effective_clickhouse_dsn)
    try:
        quoted = ",".join(f"'{v}'" for v in ids)
        row = client.query(
            "SELECT count(), uniqExact(event_id), sum(usd), round(sum(quantity), 3) "
            f"FROM cost_incurred FINAL WHERE video_id IN ({quoted})").result_rows[0]
        in_events = {r[0] for r in client.query(
            "SELECT event_id FROM events FINAL WHERE _topic = 'cost.incurred' "
            f"AND video_id IN ({quoted})").result_rows}
        typed = {r[0] for r in client.query(
            f"SELECT event_id FROM cost_incurred FINAL WHERE video_id IN ({quoted})").result_rows}
    finally:
        client.close()
    assert in_events == set(costs), "the sink lost cost events"
    assert typed == set(costs), (
        f"cost_incurred lacks {sorted(set(costs) - typed)} that events holds: the sink died "
        "between the views of one insert, and its stored-id check (on events) skipped the rest")
    expected = (len(costs), len(costs), sum(c["usd"] for c in costs.values()),
                round(sum(c["quantity"] for c in costs.values()), 3))
    assert tuple(row) == expected

