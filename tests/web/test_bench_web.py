"""A tiny run of tests/benchmarks/bench_web.py: its numbers come out and mean something."""

from __future__ import annotations

from tests.benchmarks.bench_web import run


def test_bench_web_smoke_run_reports_sizes_paging_and_overview_times() -> None:
    report = run(videos=120, pages=0, browser=True)
    assert report["first_page"]["files"] >= 2 and 0 < report["first_page"]["gzip_kb"] < 250
    assert report["paging"]["videos_seen"] == 120 and report["paging"]["pages"] == 5
    assert report["overview"]["cold_ms"] > 0 and report["overview"]["warm_ms"] > 0
