"""Smoke run of tests/benchmarks/bench_costs.py: three premium videos through the paid stages'
runners, one cancelled after a paid voice part, one whose narrator was killed before sending,
one dead-lettered after its script was paid; the cost events, counted once per id, equal what
the fakes billed priced by the table."""

from __future__ import annotations

from decimal import Decimal

from tests.benchmarks.bench_costs import TOLERANCE, reconcile


def test_cost_events_equal_the_fakes_billed_usage_through_cancel_kill_and_failure() -> None:
    result = reconcile(3, duration=15, cases=(4, 5, 6), render=False)
    assert result.billed_usd > Decimal("0.01")
    assert abs(result.cost_usd - result.billed_usd) <= TOLERANCE, result
    assert result.failures == {"scriptwriter": 1}
