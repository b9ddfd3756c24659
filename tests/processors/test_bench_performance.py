"""A tiny run of tests/benchmarks/bench_performance.py: its numbers come out and mean something."""

from __future__ import annotations

from tests.benchmarks.bench_performance import run


def test_bench_performance_smoke_run_reports_throughput_calls_and_kpi_times() -> None:
    report = run(videos=120, days=3, kpi_videos=200, kpi_days=5, repeat=1)
    collector = report["collector"]
    # per video: its upload.status and a statistics snapshot, the tick's daily read (the 2 of
    # its last 3 days the fake has), the backfill's 3 days; the 2 days read twice are one row
    # each in ClickHouse; the channel's days likewise (2 + 3 events, 3 rows)
    assert collector["events"] == 120 * (1 + 1 + 2 + 3) + 2 + 3
    assert collector["rows"] == 120 * (1 + 3) + 3
    assert collector["calls"] == {"videos.list": 3, "reports.query": 4}
    assert collector["events_per_s"] > 0
    kpis = report["kpis"]
    assert kpis["rows"] == 1000 and kpis["videos_refreshed"] == 200
    assert all(kpis[k] > 0 for k in kpis if k.endswith("_ms"))
    # after the first refresh, an insert's refresh takes only the videos it wrote
    assert {name: (i["rows"], i["videos_refreshed"]) for name, i in kpis["increments"].items()} \
        == {"revised_day_of_50_videos": (10, 10), "channel_daily_read_3_days": (30, 10)}
    assert collector["statistics_tick_data_api_units"] == 3  # 120 videos: 50 + 50 + 20 ids
