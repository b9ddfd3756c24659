"""A tiny run of tests/benchmarks/bench_accounts.py: its numbers come out and mean something."""

from __future__ import annotations

from tests.benchmarks.bench_accounts import run


def test_bench_accounts_smoke_run_reports_login_and_list_times() -> None:
    report = run(videos=300, logins=2, deep_pages=3, argon2_runs=1)
    assert report["argon2"]["verify"]["p50_ms"] > 1  # a real argon2id, not a fast hash
    assert report["login"]["sequential"]["n"] == 2
    assert report["list"]["-cost"]["pages"] == 3 and report["list"]["with_total"]["n"] == 5
