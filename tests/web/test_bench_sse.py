"""A tiny run of tests/benchmarks/bench_sse.py on the session broker: every tab's stream sees
the video published and the Kafka-to-browser delays come out."""

from __future__ import annotations

import pytest

from tests.benchmarks.bench_sse import run
from ytempire.core.settings import Settings

pytestmark = pytest.mark.slow


def test_bench_sse_smoke_run_delivers_every_stage_to_every_tab(kafka_settings: Settings) -> None:
    report = run(kafka_settings, tabs=4, videos=1, timeout=200)
    assert report["tabs_that_saw_every_video_published"] == 4
    assert report["events_delivered"] >= 4 * 5  # five stage events after the request, per tab
    assert 0 < report["delay_p50_ms"] <= report["delay_p95_ms"]
