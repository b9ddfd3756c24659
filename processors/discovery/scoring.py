"""Scoring topic candidates for a channel's backlog, every part shown.

- trend: the source videos' views per hour between their last two snapshots (YouTube), scaled
  against the fastest candidate of the batch on a log scale (0..1); 0 without two snapshots;
- forecast: the views per hour expected over the next days (``forecast.Forecast``, made with
  the candidate, that is when its snapshots arrived), scaled the same way; 0 without one;
- fit: the share of the niche's content words the candidate carries (0..1);
- novelty: 1 - the highest similarity to a topic the owner already made
  (``similarity.similarity``); at ``similarity.NEAR_DUPLICATE`` or above it is refused;
- policy: a pre-check of words no channel's videos may be about; a hit is refused.

total = 0.35 trend + 0.15 forecast + 0.3 fit + 0.2 novelty. Refused candidates rank last,
with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from processors.discovery.forecast import Forecast
from processors.discovery.forecast import forecast as forecast_of
from processors.discovery.similarity import NEAR_DUPLICATE, PastTopics, content_words

WEIGHTS = {"trend": 0.35, "forecast": 0.15, "fit": 0.3, "novelty": 0.2}
POLICY_WORDS = frozenset({"porn", "nude", "gore", "beheading", "suicide", "self-harm",
                          "terrorist", "bomb-making", "weapon-making", "hate", "slur"})


@dataclass(frozen=True)
class Snapshot:
    at: datetime
    views: int


@dataclass(frozen=True)
class Candidate:
    """A topic idea from a source; ``snapshots`` are its source videos' views over time and
    ``forecast`` what they should gain next: made with the candidate (a source makes one as its
    snapshots arrive, and ``dataclasses.replace`` with more snapshots makes it anew), so
    ranking only reads it."""

    title: str
    source: str
    ref: str = ""
    snapshots: tuple[Snapshot, ...] = ()
    forecast: Forecast | None = field(init=False, default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "forecast", forecast_of(self.snapshots))


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    total: float
    parts: dict[str, float]
    views_per_hour: float
    refused: str = ""
    reasons: list[str] = field(default_factory=list)


def views_per_hour(snapshots: Sequence[Snapshot]) -> float:
    """Views gained per hour between the last two snapshots (0 with fewer than two)."""
    if len(snapshots) < 2:
        return 0.0
    first, last = sorted(snapshots, key=lambda s: s.at)[-2:]
    hours = (last.at - first.at).total_seconds() / 3600
    return max(0.0, (last.views - first.views) / hours) if hours > 0 else 0.0


def fit(title: str, niche: str) -> float:
    want = set(content_words(niche))
    return len(want & set(content_words(title))) / len(want) if want else 0.0


def policy(title: str) -> str:
    hits = sorted(set(title.lower().replace(",", " ").split()) & POLICY_WORDS)
    return f"policy: the topic mentions {', '.join(hits)}" if hits else ""


def rank(candidates: Iterable[Candidate], niche: str, made: Sequence[str]) -> list[Scored]:
    """Candidates best first; refused ones (near duplicates, policy) last with the reason."""
    pool = list(candidates)
    past = PastTopics(made)
    speeds = [views_per_hour(c.snapshots) for c in pool]
    fastest = math.log1p(max(speeds, default=0.0))
    expected = [c.forecast.views_per_hour if c.forecast else 0.0 for c in pool]
    busiest = math.log1p(max(expected, default=0.0))
    scored = []
    for candidate, speed, coming in zip(pool, speeds, expected, strict=True):
        twin = past.nearest(candidate.title)
        likeness = twin[1] if twin else 0.0
        parts = {"trend": math.log1p(speed) / fastest if fastest else 0.0,
                 "forecast": math.log1p(coming) / busiest if busiest else 0.0,
                 "fit": fit(candidate.title, niche), "novelty": 1.0 - likeness}
        total = sum(WEIGHTS[k] * v for k, v in parts.items())
        reasons = [f"{speed:,.0f} views/hour", f"fits {parts['fit']:.0%} of the niche"]
        if candidate.forecast is not None:
            reasons.insert(1, candidate.forecast.describe())
        refused = policy(candidate.title)
        if twin is not None and likeness >= NEAR_DUPLICATE:
            refused = (f"near duplicate of {twin[0]!r} (similarity {likeness:.2f} >= "
                       f"{NEAR_DUPLICATE})")
        elif twin is not None:
            reasons.append(f"closest past topic {twin[0]!r} at {likeness:.2f}")
        scored.append(Scored(candidate, round(total, 4), {k: round(v, 4) for k, v in
                                                            parts.items()},
                             round(speed, 1), refused, reasons))
    return sorted(scored, key=lambda s: (bool(s.refused), -s.total))
