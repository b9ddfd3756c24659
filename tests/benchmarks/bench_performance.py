"""YouTube performance: the metrics collector's throughput from FakeGoogle into ClickHouse, and
the performance KPIs' latency over a large video_metrics table.

Run: .venv/bin/python tests/benchmarks/bench_performance.py [--videos 10000] [--days 28]
     [--kpi-videos 100000] [--kpi-days 90] [--repeat 5] [--kpis-only | --collector-only]
Prints JSON; asserts nothing.

- collector: ``--videos`` videos on one connected channel, each with ``--days`` Analytics days
  and statistics on the fake; one statistics tick (videos.list, 50 ids a call) and one backfill
  of the ``--days`` days (reports.query, 200 ids a call, and one for the channel's days), through
  google-api-python-client as in production; the events go through the sink's insert path
  (Codec round trip, ``events``, the materialized ``video_metrics``). Reports wall and CPU
  seconds (the process's, and the collector thread's alone: the fake serves from other
  threads of the same process), Data API units of the statistics tick, events/s, calls
  and quota units per 1,000 videos a day.
- kpis: ``--kpi-videos`` x ``--kpi-days`` ANALYTICS rows generated inside ClickHouse (numbers())
  for one owner on 20 channels, their costs in ``video_summary``, then one rollup refresh
  (``analytics.performance_rollup``, timed: every video and day is marked, so all of them),
  then two inserts as the sink makes them, each followed by its timed refresh (only the
  marked videos and channel-days): one revised day of 50 videos, and a channel's daily read
  (every video of channel-3, its last 3 days); the gateway's performance_totals (owner: the
  KPIs, then one channel), video_performance (one channel, then one video) and
  video_metrics_daily (one video) run ``--repeat`` times after a warm-up: median wall ms, and
  median CPU ms of this process (chdb runs in it), which a machine shared with other jobs
  inflates far less.
  ``--raw`` also times, once after a warm-up, the same answers read from video_metrics alone
  (tests/gateway/raw_performance, the queries before the rollups).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from analytics.migrate import migrate  # noqa: E402
from analytics.performance_rollup import refresh  # noqa: E402
from analytics.store import connect  # noqa: E402
from gateway.analytics import sql  # noqa: E402
from tests.analytics.seed import insert_events  # noqa: E402
from tests.fakes.google_server import FakeGoogle  # noqa: E402
from tests.gateway.test_performance import RAW  # noqa: E402
from tests.processors.test_metrics_collector import DAY, T0, Harness, envelope_at  # noqa: E402
from ytempire.core.codec import Codec  # noqa: E402
from ytempire.core.records import MetricsRequested  # noqa: E402
from ytempire.core.schema_registry import SchemaRegistry  # noqa: E402
from ytempire.core.settings import PROJECT_ROOT  # noqa: E402


def collector(root: Path, videos: int, days: int) -> dict[str, Any]:
    with FakeGoogle() as google:
        h = Harness(root, google, quota=10_000_000)
        h.publish(google, videos)
        for platform_id in list(google.facts):
            for offset in range(days):
                google.set_daily(platform_id, DAY - timedelta(days=offset), views=10 + offset,
                                 estimatedMinutesWatched=20, averageViewPercentage=40.0)
        started, cpu, thread = time.perf_counter(), time.process_time(), time.thread_time()
        emits = h.tick(T0)
        tick_s, tick_thread = time.perf_counter() - started, time.thread_time() - thread
        tick_units = h.data_quota.used()
        envelope = envelope_at(T0, video_id="", channel_id="channel-1", owner_id="",
                               producer="cli", event_key="bench")
        emits += h.run(MetricsRequested(envelope=envelope,
                                        since=str(DAY - timedelta(days=days - 1)),
                                        until=str(DAY)))
        read_s, read_cpu = time.perf_counter() - started, time.process_time() - cpu
        read_thread = time.thread_time() - thread
        client = connect(f"chdb://{root / 'clickhouse'}")
        migrate(client)
        started, cpu = time.perf_counter(), time.process_time()
        insert_events(client, Codec(SchemaRegistry.load(PROJECT_ROOT / "schemas")), emits)
        write_s, write_cpu = time.perf_counter() - started, time.process_time() - cpu
        rows = client.query("SELECT count() FROM video_metrics FINAL").result_rows[0][0]
        client.close()
        calls = dict(h.provider.calls)
    per = 1000 / videos
    return {"videos": videos, "days": days, "events": len(emits), "rows": rows,
            "statistics_tick_s": round(tick_s, 2),
            "statistics_tick_collector_cpu_s": round(tick_thread, 2),
            "statistics_tick_data_api_units": tick_units,
            "read_s": round(read_s, 2), "read_cpu_s": round(read_cpu, 2),
            "read_collector_cpu_s": round(read_thread, 2),
            "write_s": round(write_s, 2), "write_cpu_s": round(write_cpu, 2),
            "events_per_s": round(len(emits) / (read_s + write_s)),
            "calls": calls,
            "videos_list_calls_per_1000_videos_per_read": round(calls["videos.list"] * per, 1),
            "data_api_units_per_1000_videos_per_read": round(h.data_quota.used() * per, 1),
            "reports_calls_per_1000_videos_per_day": round(calls["reports.query"] * per, 2)}


METRICS_COLUMNS = ("event_id, video_id, channel_id, owner_id, platform_video_id, source, day, "
                   "observed_at, published_at, simulated, views, estimated_minutes_watched, "
                   "average_view_percentage, subscribers_gained, estimated_revenue_usd")
"""The video_metrics columns both fills below write, in the order their SELECTs give them."""


def kpis(root: Path, videos: int, days: int, repeat: int, raw_too: bool = False
         ) -> dict[str, Any]:
    client = connect(f"chdb://{root / 'kpi'}")
    migrate(client)
    started = time.perf_counter()
    client.command(f"""
        INSERT INTO video_metrics ({METRICS_COLUMNS})
        SELECT concat('e', toString(number)), concat('v', toString(intDiv(number, {days}))),
            concat('channel-', toString(intDiv(number, {days}) % 20)), 'owner-1',
            concat('yt', toString(intDiv(number, {days}))), 'ANALYTICS',
            toDate('2026-01-01') + (number % {days}), now64(3), toDateTime64('2026-01-01', 3),
            0, 100 + number % 50, 30.5, 40.0, number % 3, toDecimal64(number % 7, 6) / 100
        FROM numbers({videos * days})""")
    client.command(f"""
        INSERT INTO video_summary (video_id, channel_id, owner_id, usd, calls, cached_calls)
        SELECT concat('v', toString(number)), concat('channel-', toString(number % 20)),
               'owner-1', toDecimal128(number % 9, 6) / 10, 1, 0
        FROM numbers({videos})""")
    fill_s = time.perf_counter() - started
    started = time.perf_counter()
    refreshed = refresh(client)
    refresh_s = time.perf_counter() - started
    increments = {name: increment(client, videos, days, *shape)
                  for name, shape in INCREMENTS.items()}
    params = {"owner_id": "owner-1", "start": "2026-01-01",
              "end": str(datetime(2026, 1, 1, tzinfo=UTC).date() + timedelta(days=days - 1))}
    video = str(videos // 2)  # v{n} is on channel-{n % 20}
    timings = {}
    cases = [("performance_totals", "", "", False), ("performance_totals", "channel-3", "", False),
             ("video_performance", "channel-3", "", False),
             ("video_performance", f"channel-{int(video) % 20}", f"v{video}", False),
             ("video_metrics_daily", f"channel-{int(video) % 20}", f"v{video}", False)]
    if raw_too:
        cases += [(name, channel, "", True) for name, channel in (
            ("performance_totals", ""), ("performance_totals", "channel-3"),
            ("video_performance", "channel-3"))]
    for name, channel, video_id, raw in cases:
        query = (RAW / f"{name}.sql").read_text() if raw else sql(name)
        args = {**params, "channel_id": channel, "video_id": video_id}
        client.query(query, parameters=args)
        runs, cpu = [], []
        for _ in range(1 if raw else repeat):
            started, used = time.perf_counter(), time.process_time()
            client.query(query, parameters=args)
            runs.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - used) * 1000)
        scope = ("video" if video_id else channel or "owner") + (", raw" if raw else "")
        timings[f"{name}[{scope}]_ms"] = round(statistics.median(runs), 1)
        timings[f"{name}[{scope}]_cpu_ms"] = round(statistics.median(cpu), 1)
    client.close()
    return {"videos": videos, "days": days, "rows": videos * days, "fill_s": round(fill_s, 1),
            "refresh_s": round(refresh_s, 1), "videos_refreshed": refreshed,
            "increments": increments, **timings}


INCREMENTS = {"revised_day_of_50_videos": (50, 1), "channel_daily_read_3_days": (None, 3)}
"""Sink inserts after the first refresh: (videos of channel-3, or all of them; last days)."""


def increment(client: Any, videos: int, days: int, count: int | None, last: int
              ) -> dict[str, Any]:
    """Insert revised ANALYTICS rows (later observed_at, views + 1) for ``count`` videos of
    channel-3 (all of its videos when None) and the ``last`` days, as one sink insert does, then
    time the rollup refresh that follows it (wall and this process's CPU)."""
    per_channel = (videos - 3 + 19) // 20
    chosen = min(count or per_channel, per_channel)
    started = time.perf_counter()
    client.command(f"""
        INSERT INTO video_metrics ({METRICS_COLUMNS})
        SELECT concat('r', toString(number), '-', toString(now64(6))),
            concat('v', toString(3 + 20 * intDiv(number, {last}))), 'channel-3', 'owner-1',
            concat('yt', toString(3 + 20 * intDiv(number, {last}))), 'ANALYTICS',
            toDate('2026-01-01') + ({days} - 1 - number % {last}), now64(3),
            toDateTime64('2026-01-01', 3), 0, 101, 30.5, 40.0, 1, toDecimal64(0.05, 6)
        FROM numbers({chosen * last})""")
    insert_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    refreshed = refresh(client)
    return {"rows": chosen * last, "insert_ms": round(insert_s * 1000),
            "refresh_ms": round((time.perf_counter() - started) * 1000),
            "refresh_cpu_ms": round((time.process_time() - cpu) * 1000),
            "videos_refreshed": refreshed}


def run(videos: int = 10_000, days: int = 28, kpi_videos: int = 100_000, kpi_days: int = 90,
        repeat: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return {"loadavg": os.getloadavg(),
                "collector": collector(Path(tmp), videos, days),
                "kpis": kpis(Path(tmp), kpi_videos, kpi_days, repeat)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--kpi-videos", type=int, default=100_000)
    parser.add_argument("--kpi-days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--kpis-only", action="store_true", help="skip the collector part")
    parser.add_argument("--collector-only", action="store_true", help="skip the KPI part")
    parser.add_argument("--raw", action="store_true",
                        help="also time the queries over video_metrics alone (once each)")
    args = parser.parse_args()
    if args.kpis_only:
        with tempfile.TemporaryDirectory() as tmp:
            report = {"loadavg": os.getloadavg(),
                      "kpis": kpis(Path(tmp), args.kpi_videos, args.kpi_days, args.repeat,
                                   args.raw)}
    elif args.collector_only:
        with tempfile.TemporaryDirectory() as tmp:
            report = {"loadavg": os.getloadavg(),
                      "collector": collector(Path(tmp), args.videos, args.days)}
    else:
        report = run(args.videos, args.days, args.kpi_videos, args.kpi_days, args.repeat)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
