"""Backlog ranking latency: one channel's candidates scored (trend, forecast, fit, novelty,
policy) and near duplicates refused, against the owner's past topics.

Run: .venv/bin/python tests/benchmarks/bench_discovery.py [--candidates 500] [--made 300]
     [--repeat 30]
Prints numbers; asserts nothing. Candidates carry 12 view snapshots each (a YouTube source
polled for 12 periods, each video speeding up or slowing down with some noise) and the forecast
made from them as they arrived, timed apart (with statsforecast's import); titles are made from
a word pool so near duplicates occur.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from processors.discovery.scoring import Candidate, Snapshot, rank

WORDS = ("space rocket moon mars history engine orbit crew launch station telescope comet "
         "planet galaxy probe landing mission program shuttle satellite gravity star sun "
         "asteroid fuel design failure record secret future budget race").split()


def candidates(count: int, rng: random.Random,
               fits: list[float] | None = None) -> list[Candidate]:
    """``count`` candidates; each one's construction (its forecast) timed into ``fits``."""
    start = datetime(2026, 12, 7, tzinfo=UTC)
    out = []
    for n in range(count):
        title = " ".join(rng.sample(WORDS, rng.randint(3, 7)))
        views, speed = rng.randint(1_000, 1_000_000), rng.uniform(0, 20_000)
        change = rng.uniform(0.8, 1.2)
        snaps = [Snapshot(start, views)]
        for h in range(1, 12):
            views += round(speed * rng.uniform(0.8, 1.2))
            speed *= change
            snaps.append(Snapshot(start + timedelta(hours=h), views))
        begin = time.perf_counter()
        out.append(Candidate(title, "youtube_trending", f"v{n}", tuple(snaps)))
        if fits is not None:
            fits.append(time.perf_counter() - begin)
    return out


def import_seconds() -> float:
    """statsforecast's import, timed on its own (the first forecast of a process pays it)."""
    begin = time.perf_counter()
    import statsforecast.models  # noqa: F401

    return time.perf_counter() - begin


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {"p50": round(1000 * statistics.median(ordered), 2),
            "p95": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 2)}


def run(count: int, made_count: int, repeat: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    made = [" ".join(rng.sample(WORDS, rng.randint(3, 7))) for _ in range(made_count)]
    imported, fits = import_seconds(), []
    pool = candidates(count, rng, fits)
    rank(pool, "space history", made)  # warm-up
    times = []
    refused = 0
    for _ in range(repeat):
        begin = time.perf_counter()
        ranked = rank(pool, "space history", made)
        times.append(time.perf_counter() - begin)
        refused = sum(1 for s in ranked if s.refused)
    return {"candidates": count, "past_topics": made_count, "runs": repeat,
            "refused_as_near_duplicates": refused,
            "forecasts": sum(1 for c in pool if c.forecast is not None),
            "ms": percentiles(times),
            "statsforecast_import_s": round(imported, 2),
            "forecast_ms_per_candidate_as_snapshots_arrive": percentiles(fits),
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
