"""The web app's weight and speed: gzipped JS+CSS of the first page, time from navigation to the
overview's cards in a real browser (cold and warm), and paging the videos list through N videos.

Run: .venv/bin/python -m tests.benchmarks.bench_web [--videos 100000] [--pages 0 (all)]
Prints a JSON report; asserts nothing. The gateway runs in this process (uvicorn thread, SQLite,
no broker: the numbers are the web app's and the list query's, not the pipeline's). Videos are
inserted straight into the database in bulk; the list is read the way the Videos page reads it
(GET /v1/videos, 25 a page, following next_cursor), cookies and all.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from gateway import web
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.models import Channel, User, Video
from tests.gateway.server import serve
from ytempire.core.settings import Settings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGE = 25


def first_page_kb(dist: Path = web.DIST) -> dict[str, float]:
    """Gzipped size of every JS and CSS file index.html loads (entry, preloads, styles)."""
    index = (dist / "index.html").read_text()
    names = sorted(set(re.findall(r'"/(assets/[^"]+\.(?:js|css))"', index)))
    raw = [(dist / name).read_bytes() for name in names]
    return {"files": len(names), "raw_kb": round(sum(map(len, raw)) / 1024, 1),
            "gzip_kb": round(sum(len(gzip.compress(b, 9)) for b in raw) / 1024, 1)}


def seed(app: Any, owner_id: str, count: int) -> None:
    """One channel and ``count`` videos of the owner, a minute apart, in bulk."""
    now = datetime.now(UTC)
    with app.state.sessions() as db:
        channel = Channel(owner_id=owner_id, name="Bench", niche="n", language="en", voice="",
                          visual_style="s", format="16:9", target_duration_s=60,
                          quality_threshold=70, per_video_budget_usd=Decimal("3"),
                          daily_budget_usd=Decimal("30"), auto_publish=True, privacy="private")
        db.add(channel)
        db.flush()
        for start in range(0, count, 10_000):
            db.execute(insert(Video), [{
                "id": str(uuid.uuid4()), "owner_id": owner_id, "channel_id": channel.id,
                "idempotency_key": f"bench-{i}", "topic": f"Topic {i}", "spec": {},
                "status": ("published", "failed", "processing")[i % 3],
                "estimate_usd": Decimal("0.02"), "cost_usd": Decimal("0.02"),
                "artifacts": {}, "created_at": now - timedelta(minutes=i), "request_sent_at": now,
                "updated_at": now} for i in range(start, min(count, start + 10_000))])
        db.commit()


def page_through(http: httpx.Client, pages: int) -> dict[str, Any]:
    times, seen, cursor = [], 0, None
    while True:
        started = time.perf_counter()
        body = http.get("/v1/videos", params={"limit": PAGE, **({"cursor": cursor} if cursor
                                                                 else {})}).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
        data = body.json()
        seen += len(data["items"])
        cursor = data["next_cursor"]
        if not cursor or (pages and len(times) >= pages):
            break
    times.sort()
    return {"pages": len(times), "videos_seen": seen,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1 if len(times) > 1 else 0], 1),
            "max_ms": round(times[-1], 1)}


def overview_ms(base: str, email: str, password: str) -> dict[str, float]:
    """Navigation to the overview's cards shown: cold (new browser context, empty cache) and
    warm (the same context again, assets from its cache)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context()
        context.request.post(f"{base}/v1/auth/login", data={"email": email, "password": password})
        page = context.new_page()
        out = {}
        for name in ("cold", "warm"):
            started = time.perf_counter()
            page.goto(f"{base}/")
            page.get_by_role("group", name="Channels").wait_for(timeout=30_000)
            out[f"{name}_ms"] = round((time.perf_counter() - started) * 1000)
        browser.close()
    return out


def run(videos: int, pages: int, browser: bool = True) -> dict[str, Any]:
    report: dict[str, Any] = {"first_page": first_page_kb()}
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/gateway.db")
        app = create_app(settings, GatewaySettings(consume=False, signup="open",
                                                   rate_limits={"free": 10_000_000}))
        with serve(app) as base, httpx.Client(base_url=base, timeout=30) as http:
            email, password = "bench@example.com", "correct horse battery staple"
            http.post("/v1/auth/signup", json={"email": email, "password": password,
                                               "name": "bench"}).raise_for_status()
            with app.state.sessions() as db:
                owner = db.query(User).filter(User.email == email).one()
            started = time.perf_counter()
            seed(app, owner.id, videos)
            report["seed_s"] = round(time.perf_counter() - started, 1)
            report["videos"] = videos
            report["paging"] = page_through(http, pages)
            if browser:
                report["overview"] = overview_ms(base, email, password)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=0, help="0: every page")
    args = parser.parse_args()
    print(json.dumps(run(args.videos, args.pages), indent=2))


if __name__ == "__main__":
    main()
