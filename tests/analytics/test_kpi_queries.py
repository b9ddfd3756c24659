"""Every named KPI query over a seeded history gives the numbers the history implies."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from analytics.kpi import KpiResult, load, run_queries
from tests.analytics.seed import STAGE_SECONDS, Seeded

STAGES = list(STAGE_SECONDS)


@pytest.fixture(scope="module")
def kpis(seeded: Seeded) -> dict[str, KpiResult]:
    return {r.name: r for r in run_queries(seeded.client, days=30)}


def _records(result: KpiResult) -> list[dict]:
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def _one(result: KpiResult) -> dict:
    [record] = _records(result)
    return record


def test_there_are_at_least_twenty_named_kpis_each_saying_what_it_measures() -> None:
    kpis = load()
    assert len(kpis) >= 20
    assert all(k.description and k.sql.strip() for k in kpis)


def test_videos_per_day_add_up_to_requested_generated_and_published(
        seeded: Seeded, kpis: dict[str, KpiResult]) -> None:
    def total(name: str) -> int:
        return sum(r["videos"] for r in _records(kpis[name]))

    assert total("videos_requested_per_day") == seeded.requested
    assert total("videos_generated_per_day") == seeded.assembled
    assert total("videos_published_per_day") == seeded.published
    assert len(kpis["videos_requested_per_day"].rows) == 4


def test_success_rate_counts_rejected_and_failed_videos_against_it(
        seeded: Seeded, kpis: dict[str, KpiResult]) -> None:
    rate = _one(kpis["pipeline_success_rate"])
    assert seeded.cancelled == 3  # cancelled apart: neither in flight nor against the rate
    assert (rate["succeeded"], rate["rejected"], rate["failed"], rate["cancelled"],
            rate["in_flight"]) == (seeded.published, seeded.rejected, seeded.failed,
                                   seeded.cancelled, 0)
    ended = seeded.published + seeded.rejected + seeded.failed
    assert rate["success_rate"] == pytest.approx(seeded.published / ended, abs=1e-4)
    statuses = {r["status"]: r["videos"] for r in _records(kpis["videos_by_status"])}
    assert statuses == dict(Counter(seeded.status_of.values()))


def test_cost_per_video_is_exact_to_the_micro_dollar(seeded: Seeded,
                                                     kpis: dict[str, KpiResult]) -> None:
    cost = _one(kpis["cost_per_video"])
    assert cost["videos"] == len(seeded.usd_by_video)
    assert cost["total_usd"] == seeded.total_usd
    assert cost["max_usd"] == max(seeded.usd_by_video.values())
    expected_avg = (seeded.total_usd / len(seeded.usd_by_video)).quantize(Decimal("0.000001"),
                                                                          rounding="ROUND_DOWN")
    assert cost["avg_usd"] == expected_avg
    assert cost["p95_usd"] == sorted(seeded.usd_by_video.values())[int(0.95 * 44)]


def test_cost_breakdowns_all_add_up_to_the_same_total(seeded: Seeded,
                                                     kpis: dict[str, KpiResult]) -> None:
    by_stage = {r["stage"]: r["usd"] for r in _records(kpis["cost_by_stage"])}
    assert by_stage == seeded.usd_by_stage
    for name in ("cost_by_provider", "cost_by_model", "cost_by_channel", "cost_per_day"):
        assert sum(r["usd"] for r in _records(kpis[name])) == seeded.total_usd, name
    providers = {r["provider"]: r["usd"] for r in _records(kpis["cost_by_provider"])}
    assert providers["elevenlabs"] == seeded.usd_by_stage["narrator"]
    by_channel = {r["channel_id"]: r["usd"] for r in _records(kpis["cost_by_channel"])}
    for channel, usd in by_channel.items():
        assert usd == sum(v for vid, v in seeded.usd_by_video.items()
                          if seeded.channel_of[vid] == channel)


def test_budget_breaches_and_alerts_match_the_overrun_videos(seeded: Seeded,
                                                             kpis: dict[str, KpiResult]) -> None:
    breaches = _one(kpis["budget_breaches"])
    assert (breaches["videos"], breaches["over_budget"]) == (seeded.requested, seeded.over_budget)
    [alerts] = _records(kpis["cost_alerts"])
    assert (alerts["scope"], alerts["threshold_pct"], alerts["alerts"]) == (
        "video", 100, seeded.over_budget)


def test_generation_and_stage_times_come_from_consecutive_events(
        seeded: Seeded, kpis: dict[str, KpiResult]) -> None:
    generation = _one(kpis["generation_time"])
    assert generation["videos"] == seeded.assembled
    assert generation["p50_s"] == generation["p95_s"] == sum(STAGE_SECONDS[s] for s in STAGES[:3])
    assert _one(kpis["time_to_publish"])["p95_s"] == sum(STAGE_SECONDS.values())
    stage_time = {r["stage"]: r for r in _records(kpis["stage_time"])}
    assert list(stage_time) == STAGES
    for stage, seconds in STAGE_SECONDS.items():
        assert stage_time[stage]["p50_s"] == stage_time[stage]["p95_s"] == seconds
    assert stage_time["publisher"]["runs"] == seeded.published


def test_quality_errors_and_dead_letters_are_counted_per_stage(
        seeded: Seeded, kpis: dict[str, KpiResult]) -> None:
    scored = seeded.scored
    assert scored == seeded.assembled - seeded.cancelled
    quality = _one(kpis["quality_score"])
    assert quality["videos"] == scored
    expected_avg = (85.0 * (scored - seeded.rejected) + 40.0 * seeded.rejected) / scored
    assert quality["avg_score"] == pytest.approx(expected_avg, abs=0.01)
    [passing] = _records(kpis["quality_pass_rate"])
    assert (passing["format"], passing["scored"], passing["passed_videos"]) == (
        "LANDSCAPE", scored, scored - seeded.rejected)
    errors = {r["stage"]: r for r in _records(kpis["error_rate_by_stage"])}
    assert errors["narrator"]["failed"] == seeded.failed
    assert errors["narrator"]["error_rate"] == pytest.approx(seeded.failed / seeded.requested,
                                                             abs=1e-4)
    assert all(errors[s]["failed"] == 0 for s in STAGES if s != "narrator")
    [dlq] = _records(kpis["dlq_depth_by_stage"])
    assert (dlq["stage"], dlq["messages"]) == ("narrator", seeded.dlq)


def test_quota_cache_and_channel_kpis(seeded: Seeded, kpis: dict[str, KpiResult]) -> None:
    assert sum(r["units"] for r in _records(kpis["youtube_quota_used"])) == seeded.youtube_quota
    cache = {r["stage"]: r for r in _records(kpis["cache_hit_rate"])}
    assert cache["scriptwriter"]["cached_calls"] == seeded.cached_calls
    assert sum(r["calls"] for r in cache.values()) == seeded.calls
    channels = {r["channel_id"]: r for r in _records(kpis["channel_summary"])}
    for channel, row in channels.items():
        videos = [v for v, c in seeded.channel_of.items() if c == channel]
        assert row["requested"] == len(videos)
        assert row["published"] == sum(seeded.status_of.get(v) == "published" for v in videos)


def test_the_window_leaves_out_older_history(seeded: Seeded) -> None:
    recent = {r.name: r for r in run_queries(seeded.client, days=1,
                                             names=["videos_requested_per_day"])}
    assert 0 < sum(r[1] for r in recent["videos_requested_per_day"].rows) < seeded.requested
