"""The forecast of a candidate's interest: which way its views are heading, from snapshots."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from processors.discovery.forecast import MIN_SNAPSHOTS, TREND_POINTS, forecast, hourly_rates
from processors.discovery.scoring import Candidate, Snapshot, rank, views_per_hour

START = datetime(2026, 12, 7, tzinfo=UTC)


def history(rates: list[float], every_h: float = 1.0, views: int = 10_000) -> tuple[Snapshot, ...]:
    """Snapshots every ``every_h`` hours of a video gaining ``rates`` views per hour in turn."""
    snaps = [Snapshot(START, views)]
    for n, rate in enumerate(rates, 1):
        views += round(rate * every_h)
        snaps.append(Snapshot(START + timedelta(hours=n * every_h), views))
    return tuple(snaps)


def test_a_rise_is_forecast_to_go_on_and_a_fall_to_go_on_falling() -> None:
    rising = forecast(history([100.0 * n for n in range(1, 13)]))  # up to 1,200 views/hour
    falling = forecast(history([100.0 * n for n in range(23, 11, -1)]))  # down to 1,200
    assert rising is not None and falling is not None
    assert rising.model == falling.model == "ETS damped trend"
    assert rising.points == 12
    assert rising.views_per_hour > 1_200 > falling.views_per_hour >= 0


def test_the_same_speed_now_ranks_the_rising_candidate_first() -> None:
    """Between the last two snapshots both gain 1,200 views an hour: the trend part cannot tell
    them apart, the forecast can."""
    up = history([100.0 * n for n in range(1, 13)])
    down = history([100.0 * n for n in range(23, 11, -1)])
    assert views_per_hour(up) == views_per_hour(down)
    pool = [Candidate("Moon rocket delays", "youtube", "down", down),
            Candidate("Mars rover landing", "youtube", "up", up)]
    assert pool[1].forecast == forecast(up)
    ranked = rank(pool, "space", [])
    assert [s.candidate.ref for s in ranked] == ["up", "down"]
    assert ranked[0].parts["trend"] == ranked[1].parts["trend"]
    assert ranked[0].parts["forecast"] == 1.0 > ranked[1].parts["forecast"]


def test_uneven_snapshots_are_put_on_an_even_grid() -> None:
    snaps = (Snapshot(START, 0), Snapshot(START + timedelta(hours=1), 100),
             Snapshot(START + timedelta(hours=3), 300), Snapshot(START + timedelta(hours=4), 400))
    rates, step = hourly_rates(snaps)
    assert step == 1.0 and list(rates) == [100.0, 100.0, 100.0, 100.0]
    flat = forecast(snaps)
    assert flat is not None and flat.model == "exponential smoothing"
    assert abs(flat.views_per_hour - 100.0) < 1


def test_too_few_snapshots_give_no_forecast_and_no_points() -> None:
    short = history([500.0] * (MIN_SNAPSHOTS - 2))
    assert forecast(short) is None
    assert forecast(history([500.0] * (TREND_POINTS - 1))) is not None
    [scored] = rank([Candidate("Comet flyby", "youtube", "c", short)], "space", [])
    assert scored.parts["forecast"] == 0.0 and not any("forecast" in r for r in scored.reasons)


def test_a_candidate_given_more_snapshots_gets_their_forecast() -> None:
    first = Candidate("Comet flyby", "youtube", "c", history([100.0, 100.0]))
    later = replace(first, snapshots=history([100.0, 100.0, 900.0, 1_700.0]))
    assert first.forecast is not None and later.forecast is not None
    assert later.forecast == forecast(later.snapshots) != first.forecast


def test_a_forecast_is_the_same_every_time() -> None:
    snaps = history([300.0, 420.0, 380.0, 500.0, 610.0, 580.0, 700.0, 760.0, 740.0, 900.0, 950.0])
    assert forecast(snaps) == forecast(tuple(reversed(snaps))) == forecast(list(snaps))
