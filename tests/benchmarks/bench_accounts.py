"""Sign-in latency with argon2id, and the video list's page time at 100,000 videos.

Run: .venv/bin/python -m tests.benchmarks.bench_accounts [--videos 100000] [--logins 40]
Prints a JSON report; asserts nothing. The gateway runs in real uvicorn (a thread of this
process, SQLite in a temp dir, no broker needed); requests go over HTTP with httpx.

- ``argon2``: one hash and one verification alone, in this process (the CPU cost per sign-in).
- ``login``: ``--logins`` sequential sign-ins (right password), then the same number four at a
  time (the gateway lets two hashes run at once: ``gateway.passwords.MAX_CONCURRENT``).
- ``list``: one owner with ``--videos`` videos on two channels; times a page of 50 for each sort
  order at the start and 1,000 pages deep (by cursor), a filtered page, and ``total=true``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from gateway import passwords
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from gateway.models import Channel, Video
from tests.gateway.server import serve
from ytempire.core.settings import Settings

PASSWORD = "correct horse battery staple"
STATUSES = ["published", "failed", "processing", "awaiting_publish", "rejected"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def stats(ms: list[float]) -> dict[str, float]:
    return {"n": len(ms), "p50_ms": round(percentile(ms, 0.5), 1),
            "p99_ms": round(percentile(ms, 0.99), 1), "max_ms": round(max(ms), 1)}


def timed(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def seed(app: Any, owner_id: str, videos: int) -> list[str]:
    """Two channels and ``videos`` videos over the last 90 days, inserted 10,000 at a time."""
    now = datetime.now(UTC)
    with app.state.sessions() as db:
        channel_ids = []
        for name in ("Bench A", "Bench B"):
            channel = Channel(owner_id=owner_id, name=name, niche="science", language="en",
                              voice="", visual_style="informative", format="16:9",
                              target_duration_s=60, quality_threshold=70,
                              per_video_budget_usd=Decimal("3"), daily_budget_usd=Decimal("30"),
                              publish_schedule=None, auto_publish=True, privacy="private")
            db.add(channel)
            db.flush()
            channel_ids.append(channel.id)
        for first in range(0, videos, 10_000):
            db.execute(insert(Video), [{
                "id": str(uuid.uuid4()), "owner_id": owner_id,
                "channel_id": channel_ids[n % 2], "idempotency_key": f"bench-{n}",
                "topic": f"Fact number {n}", "spec": {"format": "16:9"},
                "status": STATUSES[n % 5], "current_stage": None, "stages_done": 5,
                "attempt": 1, "estimate_usd": Decimal("0.5"),
                "cost_usd": Decimal(n % 997) / 1000, "artifacts": {},
                "quality": {"score": 70 + n % 30, "threshold": 70, "passed": True,
                            "reasons": []},
                "created_at": now - timedelta(seconds=90 * 86400 * n / videos),
                "request_sent_at": now,  # as if sent: the outbox leaves them alone
                "updated_at": now - timedelta(seconds=(n * 7919) % (90 * 86400)),
            } for n in range(first, min(videos, first + 10_000))])
        db.commit()
    return channel_ids


def bench_list(client: httpx.Client, headers: dict[str, str], channel_id: str,
               deep_pages: int) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for sort in ("-created_at", "created_at", "-cost", "-updated_at"):
        first = [timed(lambda s=sort: client.get("/v1/videos", headers=headers,
                                                 params={"sort": s, "limit": 50}))[0]
                 for _ in range(10)]
        cursor, deep = None, []
        for _ in range(deep_pages):
            ms, response = timed(lambda s=sort, c=cursor: client.get(
                "/v1/videos", headers=headers,
                params={"sort": s, "limit": 50, **({"cursor": c} if c else {})}))
            deep.append(ms)
            cursor = response.json()["next_cursor"]
            if cursor is None:
                break
        report[sort] = {"first_page": stats(first), "paging": stats(deep),
                        "last_page_ms": round(deep[-1], 1), "pages": len(deep)}
    filtered = [timed(lambda: client.get("/v1/videos", headers=headers, params={
        "channel_id": channel_id, "status": "failed", "limit": 50}))[0] for _ in range(10)]
    totals = [timed(lambda: client.get("/v1/videos", headers=headers, params={
        "total": "true", "limit": 50}))[0] for _ in range(5)]
    report["channel_and_status_filter"] = stats(filtered)
    report["with_total"] = stats(totals)
    return report


def bench_logins(client: httpx.Client, base: str, email: str, logins: int,
                 refusals: int) -> dict[str, Any]:
    def login(c: httpx.Client) -> float:
        ms, response = timed(lambda: c.post("/v1/auth/login",
                                            json={"email": email, "password": PASSWORD}))
        assert response.status_code == 200, response.text
        return ms

    sequential = [login(client) for _ in range(logins)]
    with ThreadPoolExecutor(4) as pool:
        clients = [httpx.Client(base_url=base, timeout=60) for _ in range(4)]
        parallel = list(pool.map(lambda i: login(clients[i % 4]), range(logins)))
        for c in clients:
            c.close()
    wrong = [timed(lambda i=i: client.post("/v1/auth/login", json={
        "email": f"nobody{i}@example.com", "password": "wrong"}))[0] for i in range(refusals)]
    return {"sequential": stats(sequential), "four_at_a_time": stats(parallel),
            "unknown_email": stats(wrong)}


def run(videos: int = 100_000, logins: int = 40, deep_pages: int = 1000,
        argon2_runs: int = 5) -> dict[str, Any]:
    hash_ms = [timed(lambda: passwords.hash_password(PASSWORD))[0] for _ in range(argon2_runs)]
    stored = passwords.hash_password(PASSWORD)
    verify_ms = [timed(lambda: passwords.verify(stored, PASSWORD))[0]
                 for _ in range(argon2_runs)]
    with tempfile.TemporaryDirectory(prefix="ytempire-bench-accounts-") as tmp:
        settings = Settings(data_dir=Path(tmp), kafka_bootstrap="127.0.0.1:9")
        gateway = GatewaySettings(consume=False, login_failures_per_address=10_000,
                                  rate_limits={"free": 10_000_000})
        app = create_app(settings, gateway)
        with serve(app) as base, httpx.Client(base_url=base, timeout=60) as client:
            with app.state.sessions() as db:
                user, issued = create_user(db, "bench", email="bench@example.com",
                                           password_hash=stored)
            headers = {"Authorization": f"Bearer {issued.secret}"}
            seed_ms, channels = timed(lambda: seed(app, user.id, videos))
            report: dict[str, Any] = {
                "load_at_start": os.getloadavg()[0],
                "argon2": {"hash": stats(hash_ms), "verify": stats(verify_ms)},
                "login": bench_logins(client, base, "bench@example.com", logins,
                                      argon2_runs),
                "videos": videos, "seed_s": round(seed_ms / 1000, 1),
                "list": bench_list(client, headers, channels[0], deep_pages),
                "load_at_end": os.getloadavg()[0]}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--deep-pages", type=int, default=1000)
    args = parser.parse_args()
    print(json.dumps(run(args.videos, args.logins, args.deep_pages), indent=2))


if __name__ == "__main__":
    main()
