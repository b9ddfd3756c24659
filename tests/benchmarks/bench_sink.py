"""Analytics sink: throughput into chdb and produce -> queryable lag, on a real local broker.

Run: PYTHONPATH=. .venv/bin/python tests/benchmarks/bench_sink.py [--events 200000]
     [--lag-seconds 20] [--rate 500] [--bootstrap HOST:PORT] [--paths staged,decoded]
Prints numbers; asserts nothing. Without --bootstrap it starts its own one-node broker (free
ports, temp dir) and stops it at the end; chdb lives in a temp dir.

1. Throughput: N cost.incurred events (pre-encoded, produced before timing) are read by a new
   consumer group; events/s = N / (last commit - partition assignment): decode, dedup check,
   insert through every materialized view, commit. events_per_cpu_s divides by the CPU time of
   the whole process (chdb's threads included), which says more on a shared machine.
   ``--paths staged,decoded`` runs it twice back to back: cost.incurred decoded by ClickHouse
   through its staging table (the sink's way), then decoded in Python (the way before it).
2. Lag: the sink runs in a thread while events are produced at --rate per second; a second
   ClickHouse client polls ``events`` every 20 ms; lag = first seen by a query - produce call.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from confluent_kafka import Producer

from analytics.batches import Batch
from analytics.sink import BATCH_SIZE, AnalyticsSink
from analytics.store import connect
from tests.conftest import local_broker
from ytempire.core import topic_sync
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, cost_event, new_envelope
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import PROJECT_ROOT, Settings


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
                 platform.processor())
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1),
            "load_avg_1m_at_start": os.getloadavg()[0]}


def cost_events(count: int, tag: str) -> list[Emit]:
    emits = []
    per_video = 20
    for v in range((count + per_video - 1) // per_video):
        parent = new_envelope(video_id=f"{tag}-{v}", channel_id=f"ch{v % 50}", owner_id="o",
                              producer="bench")
        for c in range(min(per_video, count - v * per_video)):
            emits.append(cost_event(parent, stage="narrator", provider="elevenlabs",
                                    model="eleven_turbo_v2", unit="characters", quantity=1500,
                                    usd=Decimal("0.225") + Decimal(c) / 1000, cached=c % 5 == 0,
                                    price_table_version="2026-11-01", call_key=f"{v}:{c}",
                                    index=c))
    return emits


def produce(bootstrap: str, codec: Codec, emits: list[Emit]) -> float:
    """Encode first, then produce and flush; returns produce seconds."""
    records = [(e.key.encode(), codec.encode(e.topic, e.value)) for e in emits]
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "acks": "all",
                         "batch.size": 1_000_000, "queue.buffering.max.messages": 1_000_000})
    began = time.monotonic()
    for key, value in records:
        while True:
            try:
                producer.produce("cost.incurred", value=value, key=key)
                break
            except BufferError:
                producer.poll(0.05)
    producer.flush(60)
    return time.monotonic() - began


def throughput(settings: Settings, codec: Codec, count: int, batch_size: int,
               path: str = "staged") -> dict[str, Any]:
    tag = f"tp-{uuid.uuid4().hex[:6]}"
    emits = cost_events(count, tag)
    produce_s = produce(settings.kafka_bootstrap, codec, emits)
    last_commit = [0.0]
    inserted = [0]

    def mark(batch: Batch) -> None:
        last_commit[0] = time.monotonic()
        inserted[0] += batch.inserted

    sink = AnalyticsSink(settings, group=f"bench.{uuid.uuid4()}", topics=["cost.incurred"],
                         batch_size=batch_size, lag_every_s=None, after_insert=mark)
    if path == "decoded":
        sink.staging.tables.clear()
    try:
        cpu = time.process_time()
        stats = sink.run(idle_s=2.0)
        cpu = time.process_time() - cpu
        assigned = sink._assigned_at or 0.0
        rows = sink.client.query(  # chdb keeps one store per process: both paths share it
            "SELECT count(), sum(usd) FROM cost_incurred WHERE startsWith(video_id, {t:String})",
            parameters={"t": tag + "-"}).result_rows[0]
    finally:
        sink.close()
    seconds = last_commit[0] - assigned
    return {"path": path, "events": count, "produce_s": round(produce_s, 2),
            "batches": stats.batches, "batch_size": batch_size, "sink_seconds": round(seconds, 2),
            "events_per_s": round(stats.read / seconds), "cpu_seconds": round(cpu, 2),
            "events_per_cpu_s": round(stats.read / cpu), "rows_in_cost_incurred": rows[0],
            "usd_total_matches": rows[1] == sum((e.value.usd for e in emits), Decimal(0))}


def lag(settings: Settings, codec: Codec, seconds: float, rate: int) -> dict[str, Any]:
    stop = threading.Event()
    sink = AnalyticsSink(settings, group=f"bench.lag.{uuid.uuid4()}", topics=["cost.incurred"],
                         lag_every_s=None, consumer_config={"auto.offset.reset": "latest"})
    runner = threading.Thread(target=sink.run, kwargs={"stop": stop}, daemon=True)
    runner.start()
    while sink._assigned_at is None:
        time.sleep(0.05)
    time.sleep(1.0)  # first fetch positions settle
    poller = connect(settings.effective_clickhouse_dsn)
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap, "linger.ms": 0})
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    tick = 0.05
    per_tick = max(1, int(rate * tick))
    end = time.monotonic() + seconds
    next_tick = time.monotonic()
    watermark = "1970-01-01 00:00:00.000"
    while time.monotonic() < end or len(seen) < len(sent):
        now = time.monotonic()
        if now < end and now >= next_tick:
            for emit in cost_events(per_tick, f"lag-{uuid.uuid4().hex[:6]}"):
                producer.produce("cost.incurred", key=emit.key.encode(),
                                 value=codec.encode(emit.topic, emit.value))
                sent[emit.value.envelope.event_id] = time.monotonic()
            producer.poll(0)
            next_tick += tick
        rows = poller.query(
            "SELECT event_id, toString(ingested_at) FROM events WHERE ingested_at >= "
            "{w:String}", parameters={"w": watermark}).result_rows
        at = time.monotonic()
        for event_id, ingested in rows:
            if event_id in sent and event_id not in seen:
                seen[event_id] = at
            watermark = max(watermark, ingested)
        if time.monotonic() > end + 30:
            break
        time.sleep(0.02)
    producer.flush(10)
    stop.set()
    runner.join(30)
    sink.close()
    poller.close()
    lags = sorted(seen[e] - sent[e] for e in seen)
    return {"events": len(sent), "seen": len(seen), "rate_per_s": rate,
            "p50_s": round(statistics.median(lags), 3),
            "p95_s": round(lags[int(0.95 * (len(lags) - 1))], 3), "max_s": round(lags[-1], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--lag-seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--bootstrap", default="")
    parser.add_argument("--paths", default="staged", help="staged, decoded or both (comma)")
    args = parser.parse_args()
    report: dict[str, Any] = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="bench-sink-") as tmp:
        broker = None
        bootstrap = args.bootstrap
        if not bootstrap:
            broker = local_broker(Path(tmp) / "kafka-home")
            broker.start(timeout=180)
            bootstrap = broker.bootstrap
        try:
            topic_sync.apply_file(bootstrap, PROJECT_ROOT / "topics.yaml")
            codec = Codec(SchemaRegistry.load(PROJECT_ROOT / "schemas"))
            for path in args.paths.split(","):
                report[f"throughput_{path}"] = throughput(
                    Settings(data_dir=Path(tmp) / f"tp-{path}", kafka_bootstrap=bootstrap), codec,
                    args.events, args.batch_size, path)
                print(json.dumps(report[f"throughput_{path}"]), flush=True)
            report["lag"] = lag(Settings(data_dir=Path(tmp) / "lag", kafka_bootstrap=bootstrap),
                                codec, args.lag_seconds, args.rate)
        finally:
            if broker is not None:
                broker.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
