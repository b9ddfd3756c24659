"""Backlog ranking latency per channel through the stages: one discovery run of the trends stage
(500 candidates from a source, their view snapshots joined to the kept ones, ranked against the
owner's past topics, the ``topics.discovered`` record built) and the scheduler merging that run
into the channel's backlog (``backlog.updated`` built), no broker.

Run: .venv/bin/python tests/benchmarks/bench_trends.py [--candidates 500] [--made 300]
     [--repeat 30]
Prints numbers; asserts nothing. The source answers instantly (network time is not in the
figure): each run is one hour later, so every candidate's snapshot history grows to 12, and
each run refits every candidate's forecast (its history changed), timed apart.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from processors.discovery import scoring
from processors.discovery.scoring import Candidate, Snapshot
from processors.discovery.sources import Found, Wanted
from processors.scheduler import TABLES as SCHEDULER_TABLES
from processors.scheduler import Scheduler
from processors.trends import TABLES, TrendAnalyzer
from tests.benchmarks.bench_discovery import WORDS, candidates
from ytempire.core.channels import ChannelSchedule, ChannelState, channel_event
from ytempire.core.events import plain
from ytempire.core.settings import Settings
from ytempire.stage import MemoryState

T0 = datetime(2026, 12, 7, tzinfo=UTC)


class Steady:
    """A source with a fixed pool whose views move on by each video's own speed."""

    name = "bench"

    def __init__(self, pool: list[Candidate]) -> None:
        self.pool = pool

    def gather(self, wanted: Wanted, now: datetime, key: str) -> Found:
        hours = (now - T0).total_seconds() / 3600
        return Found([replace(c, snapshots=(Snapshot(now, c.snapshots[0].views + int(
            hours * (c.snapshots[1].views - c.snapshots[0].views))),)) for c in self.pool])


def _ms(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50": round(1000 * statistics.median(ordered), 1),
            "p95": round(1000 * ordered[math.ceil(0.95 * len(ordered)) - 1], 1)}


def inputs(count: int, made_count: int, seed: int = 7) -> tuple[list[str], list[Candidate]]:
    """The owner's past topics and the source's candidates (titles from a small word pool, so
    near duplicates occur)."""
    rng = random.Random(seed)
    made = [" ".join(rng.sample(WORDS, rng.randint(3, 7))) for _ in range(made_count)]
    return made, candidates(count, rng)


def _timed(function: Callable[..., Any], spent: list[float]) -> Callable[..., Any]:
    def timed(*args: Any) -> Any:
        begin = time.perf_counter()
        try:
            return function(*args)
        finally:
            spent.append(time.perf_counter() - begin)
    return timed


def run(count: int, made_count: int, repeat: int, seed: int = 7) -> dict[str, Any]:
    made, pool = inputs(count, made_count, seed)
    state = MemoryState(TABLES)
    state.put("made", "owner-1", made)
    analyzer = TrendAnalyzer(state, [Steady(pool)], refresh=timedelta(hours=1),
                             search_every=timedelta(days=1))
    settings = Settings()
    scheduler = Scheduler(MemoryState(SCHEDULER_TABLES), settings)
    event = channel_event(ChannelState(
        id="chan-1", owner_id="owner-1", version=T0, name="Space", niche="space history",
        per_video_budget_usd=Decimal(3), daily_budget_usd=Decimal(30),
        schedule=ChannelSchedule(cron="0 8 * * *"))).value
    scheduler.handle(event)
    channel = {"id": "chan-1", "owner": "owner-1", "version": T0.isoformat(),
               "niche": "space history", "language": "en", "feeds": [], "active": True,
               "next_at": None, "searched_at": None}
    fitting: list[float] = []
    forecast = scoring.forecast_of
    scoring.forecast_of = _timed(forecast, fitting)  # each candidate's forecast, timed apart
    discover, merge, total, fits = [], [], [], []
    refused = shown = 0
    try:
        for n in range(repeat + 1):
            fitting.clear()
            begin = time.perf_counter()
            [found] = analyzer.discover(channel, T0 + timedelta(hours=n))
            middle = time.perf_counter()
            scheduler.handle(found.value)
            end = time.perf_counter()
            if n:  # the first run is the warm-up
                discover.append(middle - begin)
                fits.append(sum(fitting))
                merge.append(end - middle)
                total.append(end - begin)
            topics = plain(found.value)["topics"]
            shown, refused = len(topics), sum(1 for t in topics if t["refused"])
    finally:
        scoring.forecast_of = forecast
    return {"candidates": count, "past_topics": made_count, "runs": repeat,
            "sent_per_run": shown, "refused_as_near_duplicates": refused,
            "ms": {"discover": _ms(discover), "of_which_forecasts": _ms(fits),
                   "discover_without_forecasts": _ms([d - f for d, f in zip(discover, fits,
                                                                             strict=True)]),
                   "merge": _ms(merge), "total": _ms(total)},
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load "
                       f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--made", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    print(json.dumps(run(args.candidates, args.made, args.repeat), indent=2))


if __name__ == "__main__":
    main()
