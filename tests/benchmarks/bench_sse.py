"""Live updates at scale: N browser tabs' event streams (`GET /v1/events`, as the web app opens
one per tab) held open on ONE gateway process while real stages make videos, and the delay from
each stage event's Kafka record to its arrival on every stream.

Run: .venv/bin/python -m tests.benchmarks.bench_sse [--tabs 200] [--videos 2]
Prints a JSON report; asserts nothing. Starts its own broker, every stage as its own process and
`ytempire gateway` as its own process (status projection on, SQLite). The streams are httpx
streams in this process (an EventSource is one HTTP stream; 200 browser tabs would measure the
browser). The delay is arrival time minus the Kafka record's timestamp (producer create time),
read by a consumer of this process from the same topics: one clock, one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka import Consumer

from gateway.db import make_engine, make_sessionmaker
from gateway.identity import create_user
from gateway.migrate import upgrade
from gateway.projection import STATUS_TOPICS
from tests.conftest import VIDEO_STAGES, local_broker
from tests.gateway.server import free_port
from ytempire.app.stack import Stack
from ytempire.core import topic_sync
from ytempire.core.settings import PROJECT_ROOT, Settings

STAGE_TOPICS = sorted(STATUS_TOPICS - {"cost.incurred", "pipeline.failed"})


class KafkaClock:
    """The first Kafka timestamp of every (video id, topic) on the status topics."""

    def __init__(self, bootstrap: str) -> None:
        self.first: dict[tuple[str, str], float] = {}
        self._stop = threading.Event()
        self._consumer = Consumer({"bootstrap.servers": bootstrap, "auto.offset.reset": "latest",
                                   "group.id": f"bench-sse-{uuid.uuid4().hex[:8]}"})
        self._assigned = threading.Event()
        self._consumer.subscribe(STAGE_TOPICS, on_assign=lambda *_: self._assigned.set())
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def ready(self, timeout: float = 30) -> None:
        """Partitions assigned (seen by the polling thread: a consumer is not shared between
        threads), so nothing produced from now on is missed."""
        if not self._assigned.wait(timeout):
            raise RuntimeError("the Kafka clock got no partitions")

    def _run(self) -> None:
        while not self._stop.is_set():
            message = self._consumer.poll(0.2)
            if message is None or message.error() or message.key() is None:
                continue
            key = (message.key().decode(), message.topic())
            self.first.setdefault(key, message.timestamp()[1] / 1000)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self._consumer.close()


async def tab(http: httpx.AsyncClient, seen: list[tuple[str, str, float]],
              connected: asyncio.Event, counter: list[int], tabs: int) -> None:
    """One tab's stream: (video id, event, arrival time) of every event it receives."""
    async with http.stream("GET", "/v1/events") as response:
        response.raise_for_status()
        counter[0] += 1
        if counter[0] == tabs:
            connected.set()
        name = None
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: ") and name in STAGE_TOPICS:
                seen.append((json.loads(line[6:])["video_id"], name, time.time()))


async def measure(base: str, key: str, tabs: int, videos: int, clock: KafkaClock,
                  timeout: float) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=tabs + 10, max_keepalive_connections=tabs + 10)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=httpx.Timeout(30, read=None)) as http:
        channel = (await http.post("/v1/channels", json={
            "name": "Bench", "niche": "science", "voice": "", "publish_schedule": None,
            "daily_budget_usd": "10000"})).raise_for_status().json()["id"]
        seen: list[list[tuple[str, str, float]]] = [[] for _ in range(tabs)]
        connected, counter = asyncio.Event(), [0]
        started = time.perf_counter()
        streams = [asyncio.create_task(tab(http, seen[i], connected, counter, tabs))
                   for i in range(tabs)]
        await asyncio.wait_for(connected.wait(), 60)
        connect_s = time.perf_counter() - started
        accepted = (await http.post("/v1/videos/batch", json={"videos": [
            {"channel_id": channel, "topic": f"Fact number {i}", "target_duration_s": 15}
            for i in range(videos)]})).raise_for_status().json()["videos"]
        ids = {v["id"] for v in accepted}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = [{v for v, e, _ in s if e == "upload.done"} >= ids for s in seen]
            if all(done):
                break
            await asyncio.sleep(0.5)
        for task in streams:
            task.cancel()
        await asyncio.gather(*streams, return_exceptions=True)
    delays = sorted((arrived - clock.first[(video, event)]) * 1000
                    for s in seen for video, event, arrived in s
                    if video in ids and (video, event) in clock.first)
    complete = sum({v for v, e, _ in s if e == "upload.done"} >= ids for s in seen)
    return {"tabs": tabs, "videos": videos, "all_streams_open_s": round(connect_s, 2),
            "tabs_that_saw_every_video_published": complete,
            "events_delivered": len(delays),
            "delay_p50_ms": round(delays[len(delays) // 2]) if delays else None,
            "delay_p95_ms": round(delays[int(len(delays) * 0.95)]) if delays else None,
            "delay_max_ms": round(delays[-1]) if delays else None}


def start_gateway(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "YTEMPIRE_DATA_DIR": str(settings.data_dir),
           "YTEMPIRE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
           "YTEMPIRE_GATEWAY_PORT": str(port), "YTEMPIRE_LOG_LEVEL": "warning",
           "YTEMPIRE_GATEWAY_CONSUMER_GROUP": f"bench-sse-gw-{uuid.uuid4().hex[:8]}",
           "YTEMPIRE_GATEWAY_RATE_LIMITS": json.dumps({"free": 10_000_000})}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "ytempire", "gateway"], env=env,
                                stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)


def run(settings: Settings, tabs: int, videos: int, timeout: float = 300) -> dict[str, Any]:
    """On a broker that has the topics (``settings.kafka_bootstrap``): stages, gateway, tabs."""
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    with make_sessionmaker(engine)() as db:
        key = create_user(db, f"bench-{uuid.uuid4().hex[:6]}")[1].secret
    engine.dispose()
    stack = Stack(settings, stages=VIDEO_STAGES)  # what a requested video passes through
    stack.start(with_broker=False, from_end=True)
    port, log = free_port(), settings.data_dir / "gateway.log"
    gateway = start_gateway(settings, port, log)
    clock = KafkaClock(settings.kafka_bootstrap)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # start-up takes a minute on a busy 2-core box
        while True:
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or gateway.poll() is not None:
                    raise SystemExit(f"gateway did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        clock.ready()
        load = os.getloadavg()[0]
        report = asyncio.run(measure(base, key, tabs, videos, clock, timeout))
        return report | {"load_avg_1m_before": round(load, 2), "cpus": os.cpu_count(),
                         "server": "ytempire gateway (uvicorn, 1 process, SQLite)"}
    finally:
        clock.stop()
        gateway.terminate()
        gateway.wait(30)
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tabs", type=int, default=200)
    parser.add_argument("--videos", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        broker = local_broker(Path(tmp) / "kafka")
        broker.start(timeout=180, die_with_parent=True)
        try:
            topic_sync.apply_file(broker.bootstrap, PROJECT_ROOT / "topics.yaml")
            settings = Settings(data_dir=Path(tmp) / "data", kafka_bootstrap=broker.bootstrap)
            settings.data_dir.mkdir(parents=True)
            print(json.dumps(run(settings, args.tabs, args.videos), indent=2))
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
