"""A forecast of a candidate's interest: the views per hour its source videos should gain over
the next ``HORIZON_H`` hours, from their view snapshots, with statsforecast (Nixtla).

statsforecast because it is kept up (monthly releases), fits one small series in about a
millisecond with no JIT to warm up (2.x fits in compiled coreforecast code; numba is no longer
used), and offers the exponential smoothing family that suits a handful of points: Prophet
wants far longer histories and brings a Stan toolchain. The snapshots (taken whenever a source
is polled, so unevenly spaced) become cumulative views on an even grid at their median spacing,
then views per hour per step. With ``TREND_POINTS`` steps or more the model is ETS with an
additive damped trend (a rise or a fall continues, flattening out, instead of running on in a
straight line for three days); with fewer, simple exponential smoothing (the recent level, no
trend: ETS with a trend cannot be fitted on fewer than 10 points). Below ``MIN_SNAPSHOTS``
there is no forecast.

When it runs: importing statsforecast takes 5-7 s (statsmodels and scipy) and a fit 0.05-4 ms,
so 500 candidates would cost up to 2 s at rank time against the 500 ms p95 target per channel
backlog. A forecast is therefore made when a candidate's snapshots arrive (with the
``scoring.Candidate``, which a source makes then), is cached by the snapshots themselves (one
video trending for many channels is fitted once), and ranking only reads ``Candidate.forecast``
(docs/benchmarks.md). statsforecast is imported on the first forecast, so nothing that only
ranks or imports scoring pays for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol

import numpy as np

HORIZON_H = 72
MIN_SNAPSHOTS = 3
TREND_POINTS = 10
MAX_STEPS = 500
"""At most this many steps are forecast (snapshots minutes apart would ask for thousands)."""


class Observed(Protocol):
    """A view count at a time (``scoring.Snapshot``)."""

    @property
    def at(self) -> datetime: ...

    @property
    def views(self) -> int: ...


@dataclass(frozen=True)
class Forecast:
    views_per_hour: float
    """Mean views per hour expected over the next ``HORIZON_H`` hours."""
    model: str
    points: int
    """Steps of history the model was fitted on."""

    def describe(self) -> str:
        return (f"forecast {self.views_per_hour:,.0f} views/hour over the next "
                f"{HORIZON_H // 24} days ({self.model}, {self.points} points)")


def hourly_rates(snapshots: Sequence[Observed]) -> tuple[np.ndarray, float]:
    """Views per hour on an even grid at the snapshots' median spacing, and the step in hours."""
    seen = sorted({s.at: s.views for s in snapshots}.items())
    start = seen[0][0]
    hours = np.array([(at - start).total_seconds() / 3600 for at, _ in seen])
    views = np.maximum.accumulate(np.array([float(v) for _, v in seen]))
    step = float(np.median(np.diff(hours)))
    grid = np.arange(0.0, hours[-1] + step / 2, step)
    return np.diff(np.interp(grid, hours, views)) / step, step


def forecast(snapshots: Sequence[Observed]) -> Forecast | None:
    """The forecast for these snapshots (None with fewer than ``MIN_SNAPSHOTS`` distinct times)."""
    key = tuple(sorted((s.at, int(s.views)) for s in snapshots))
    if len({at for at, _ in key}) < MIN_SNAPSHOTS:
        return None
    return _fitted(key)


@lru_cache(maxsize=16384)
def _fitted(key: tuple[tuple[datetime, int], ...]) -> Forecast:
    from statsforecast.models import AutoETS, SimpleExponentialSmoothingOptimized

    rates, step = hourly_rates([_Point(at, views) for at, views in key])
    steps = min(MAX_STEPS, max(1, math.ceil(HORIZON_H / step)))
    model: AutoETS | SimpleExponentialSmoothingOptimized
    if len(rates) >= TREND_POINTS:
        model, name = AutoETS(model="AAN", damped=True), "ETS damped trend"
    else:
        model, name = SimpleExponentialSmoothingOptimized(), "exponential smoothing"
    mean = np.clip(model.forecast(y=rates, h=steps)["mean"], 0.0, None)
    return Forecast(round(float(mean.mean()), 1), name, len(rates))


@dataclass(frozen=True)
class _Point:
    at: datetime
    views: int
