"""Gateway latency under a bounded open-loop load, against a real ``ytempire gateway`` process.

Run: .venv/bin/python -m tests.benchmarks.bench_gateway [--rate 200] [--seconds 20]
Prints a JSON report; asserts nothing. Starts its own broker (free ports, temp dir) and the
gateway as its own process (uvicorn, SQLite, status projection on, as ``ytempire up`` runs it),
so the load generator (aiohttp, this process) does not share the server's interpreter.

- ``GET /v1/videos/{id}``: requests are *scheduled* at ``--rate`` per second whatever the
  answers do (open loop), and latency counts from the scheduled instant, so a slow server
  cannot hide queueing (no coordinated omission). At most ``--max-in-flight`` are outstanding;
  beyond that a request is counted as dropped.
- ``POST /v1/videos``: ``--post-rate`` per second for ``--post-seconds``, each with its own
  Idempotency-Key, each answered only after the broker acknowledged ``script.requested``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from gateway.db import make_engine, make_sessionmaker
from gateway.identity import create_user
from gateway.migrate import upgrade
from tests.conftest import local_broker
from tests.gateway.server import free_port
from ytempire.core import topic_sync
from ytempire.core.settings import PROJECT_ROOT, Settings

CHANNEL = {"name": "Bench", "niche": "science", "per_video_budget_usd": "3.00",
           "daily_budget_usd": "10000.00", "target_duration_s": 60}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(latencies_s: list[float], wall_s: float, errors: dict[str, int], dropped: int,
            scheduled: int) -> dict[str, Any]:
    ms = [x * 1000 for x in latencies_s]
    return {"scheduled": scheduled, "ok": len(ms), "errors": errors, "dropped": dropped,
            "throughput_rps": round(len(ms) / wall_s, 1),
            "p50_ms": round(percentile(ms, 0.50), 2), "p90_ms": round(percentile(ms, 0.90), 2),
            "p99_ms": round(percentile(ms, 0.99), 2), "max_ms": round(max(ms), 2)}


async def open_loop(session: aiohttp.ClientSession, method: str, make: Any, rate: float,
                    seconds: float, max_in_flight: int) -> dict[str, Any]:
    """Fire ``make(i) -> (url, kwargs)`` at ``rate``/s for ``seconds``; latency from schedule."""
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    dropped = 0
    in_flight = 0
    total = int(rate * seconds)
    start = time.perf_counter() + 0.1

    async def one(i: int, due: float) -> None:
        nonlocal in_flight
        url, kwargs = make(i)
        try:
            async with session.request(method, url, **kwargs) as response:
                await response.read()
                if response.status >= 400:
                    failures[str(response.status)] += 1
                    return
            latencies.append(time.perf_counter() - due)
        except (aiohttp.ClientError, TimeoutError) as exc:
            failures[type(exc).__name__] += 1
        finally:
            in_flight -= 1

    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if in_flight >= max_in_flight:
            dropped += 1
            continue
        in_flight += 1
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    return summary(latencies, time.perf_counter() - start, dict(failures), dropped, total)


def start_gateway(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "YTEMPIRE_DATA_DIR": str(settings.data_dir),
           "YTEMPIRE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
           "YTEMPIRE_GATEWAY_PORT": str(port), "YTEMPIRE_LOG_LEVEL": "warning",
           "YTEMPIRE_GATEWAY_RATE_LIMITS": json.dumps({"free": 10_000_000})}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "ytempire", "gateway"], env=env,
                                stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc), to price a request on a shared box."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(base: str, key: str, args: argparse.Namespace, pid: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    connector = aiohttp.TCPConnector(limit=args.max_in_flight)
    async with aiohttp.ClientSession(base, headers=headers, connector=connector) as session:
        async with session.post("/v1/channels", json=CHANNEL) as response:
            channel = (await response.json())["id"]
        ids = []
        for batch in range(4):
            items = [{"channel_id": channel, "topic": f"Fact {batch}-{i}"} for i in range(50)]
            async with session.post("/v1/videos/batch", json={"videos": items}) as response:
                ids += [v["id"] for v in (await response.json())["videos"]]
        # Warm-up: connections, the threadpool, SQLite's page cache.
        await open_loop(session, "GET", lambda i: (f"/v1/videos/{ids[i % len(ids)]}", {}),
                        args.rate, 3, args.max_in_flight)
        cpu = cpu_seconds(pid)
        get = await open_loop(
            session, "GET", lambda i: (f"/v1/videos/{random.choice(ids)}", {}), args.rate,
            args.seconds, args.max_in_flight)
        get["server_cpu_ms_per_request"] = round(
            (cpu_seconds(pid) - cpu) * 1000 / max(1, get["ok"]), 2)
        run_id = os.urandom(4).hex()
        cpu = cpu_seconds(pid)
        post = await open_loop(
            session, "POST", lambda i: ("/v1/videos", {
                "json": {"channel_id": channel, "topic": f"Bench topic {i}"},
                "headers": {"Idempotency-Key": f"bench-{run_id}-{i}"}}),
            args.post_rate, args.post_seconds, args.max_in_flight)
        post["server_cpu_ms_per_request"] = round(
            (cpu_seconds(pid) - cpu) * 1000 / max(1, post["ok"]), 2)
    return {"get_video": get, "post_video": post}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200, help="GET requests per second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--post-rate", type=float, default=20, help="POST requests per second")
    parser.add_argument("--post-seconds", type=float, default=10)
    parser.add_argument("--max-in-flight", type=int, default=256)
    parser.add_argument("--show-log", action="store_true", help="The gateway's log, to stderr")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        broker = local_broker(Path(tmp) / "kafka")
        broker.start(timeout=180, die_with_parent=True)
        gateway = None
        try:
            topic_sync.apply_file(broker.bootstrap, PROJECT_ROOT / "topics.yaml")
            settings = Settings(data_dir=Path(tmp) / "data", kafka_bootstrap=broker.bootstrap)
            engine = make_engine(settings.effective_database_url)
            upgrade(engine)
            with make_sessionmaker(engine)() as db:
                key = create_user(db, "bench")[1].secret
            engine.dispose()
            port = free_port()
            gateway = start_gateway(settings, port, Path(tmp) / "gateway.log")
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/health", timeout=1).read()
                    break
                except OSError:
                    if time.monotonic() > deadline or gateway.poll() is not None:
                        raise SystemExit((Path(tmp) / "gateway.log").read_text()) from None
                    time.sleep(0.2)
            load = os.getloadavg()[0]
            report = asyncio.run(run(base, key, args, gateway.pid))
            report |= {"rate": args.rate, "seconds": args.seconds, "post_rate": args.post_rate,
                       "load_avg_1m_before": round(load, 2), "cpus": os.cpu_count(),
                       "database": "sqlite", "server": "ytempire gateway (uvicorn, 1 process)"}
            print(json.dumps(report, indent=2))
            if args.show_log:
                print((Path(tmp) / "gateway.log").read_text()[-5000:], file=sys.stderr)
        finally:
            if gateway is not None:
                gateway.terminate()
                gateway.wait(30)
            broker.stop()


if __name__ == "__main__":
    main()
