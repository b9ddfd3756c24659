"""Topic discovery: the near-duplicate measure on pairs a person would judge, feeds (and what is
not a feed), and ranking from a fake YouTube Data API plus local feeds with the parts shown."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from processors.discovery import feeds, offline
from processors.discovery.scoring import rank
from processors.discovery.similarity import NEAR_DUPLICATE, duplicate_of, similarity
from processors.discovery.youtube import SEARCH_UNITS, YouTubeTrends
from tests.fakes.google_server import FakeGoogle

DUPLICATES = [
    ("How honeybees make honey", "How do honey bees make honey?"),
    ("The history of the Roman Empire", "Roman Empire history"),
    ("10 facts about black holes", "Ten facts about black holes"),
    ("Why the sky is blue", "Why is the sky blue?"),
    ("How volcanoes erupt", "How volcanos erupt"),
    ("Best budget phones 2026", "Best budget phones of 2026 ranked"),
    ("Unsolved mysteries of jazz", "Unsolved mysteries of jazz for beginners"),
]
DIFFERENT = [
    ("How honeybees make honey", "How wasps build nests"),
    ("The history of the Roman Empire", "The fall of the Roman Empire"),
    ("Black holes explained", "Neutron stars explained"),
    ("Best budget phones 2026", "Best budget laptops 2026"),
    ("The life of Napoleon", "The life of Julius Caesar"),
    ("The surprising origins of jazz", "Famous rivalries of jazz"),
]


@pytest.mark.parametrize(("a", "b"), DUPLICATES)
def test_pairs_a_person_calls_duplicates_are_near_duplicates(a: str, b: str) -> None:
    assert similarity(a, b) >= NEAR_DUPLICATE
    assert duplicate_of(b, ["Something else entirely", a]) == (a, similarity(a, b))


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_pairs_a_person_calls_different_are_not(a: str, b: str) -> None:
    assert similarity(a, b) < NEAR_DUPLICATE
    assert duplicate_of(b, [a]) is None


def test_the_offline_brainstorm_is_deterministic_and_never_repeats_itself() -> None:
    ideas = offline.brainstorm("space history", "chan-1")
    assert ideas == offline.brainstorm("space history", "chan-1")
    assert ideas != offline.brainstorm("space history", "chan-2")  # another order
    assert all(duplicate_of(t, ideas[:i]) is None for i, t in enumerate(ideas))


RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Space</title>
<item><title>Voyager 1 phones home after a fault</title><link>https://e.x/1</link></item>
<item><title>How  the Apollo guidance computer worked</title><link>https://e.x/2</link></item>
</channel></rss>"""


def test_a_feed_file_gives_candidates_and_a_non_feed_a_notice(tmp_path: Path) -> None:
    good = tmp_path / "space.xml"
    good.write_text(RSS)
    read = feeds.read(str(good))
    assert [c.title for c in read.candidates] == ["Voyager 1 phones home after a fault",
                                                 "How the Apollo guidance computer worked"]
    assert read.notice == ""
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>Not a feed at all</p></body></html>")
    bad = feeds.read(str(page))
    assert bad.candidates == [] and "is not an RSS or Atom feed" in bad.notice


def test_discovery_ranks_a_rising_topic_above_a_flat_one_and_refuses_a_near_duplicate(
    google: FakeGoogle, tmp_path: Path,
) -> None:
    clock = [datetime(2026, 12, 7, 8, tzinfo=UTC)]
    google.add_public_video("flat", "The history of the space shuttle program", 2_000_000)
    google.add_public_video("rising", "Why the Artemis moon rocket was delayed", 40_000)
    google.add_public_video("dup", "Space history: how Sputnik beat everyone", 500_000)
    trends = YouTubeTrends(google.api_key, google.url, now=lambda: clock[0])
    trends.trending("US", "27")
    clock[0] += timedelta(hours=2)
    google.set_views("flat", 2_000_400)  # 200 views an hour
    google.set_views("rising", 100_000)  # 30,000 views an hour
    google.set_views("dup", 560_000)
    trends.trending("US", "27")
    clock[0] += timedelta(hours=2)  # a third snapshot: enough for a forecast
    google.set_views("flat", 2_000_800)
    google.set_views("rising", 160_000)
    google.set_views("dup", 620_000)
    candidates = trends.trending("US", "27")
    feed = tmp_path / "space.xml"
    feed.write_text(RSS)
    candidates += feeds.read(str(feed)).candidates
    made = ["How Sputnik beat everyone into space"]  # published on the owner's other channel

    ranked = rank(candidates, "space history rocket moon", made)
    titles = [s.candidate.title for s in ranked]
    rising, flat = (next(s for s in ranked if s.candidate.ref.endswith(v))
                    for v in ("rising", "flat"))
    assert titles.index(rising.candidate.title) < titles.index(flat.candidate.title)
    assert (rising.views_per_hour, flat.views_per_hour) == (30_000.0, 200.0)
    assert rising.parts["trend"] > flat.parts["trend"] and set(rising.parts) == {
        "trend", "forecast", "fit", "novelty"}
    assert rising.parts["forecast"] == 1.0 > flat.parts["forecast"] > 0
    assert rising.reasons[1] == ("forecast 30,000 views/hour over the next 3 days "
                                 "(exponential smoothing, 2 points)")
    refused = ranked[-1]
    assert refused.candidate.ref.endswith("dup")
    assert refused.refused.startswith("near duplicate of 'How Sputnik beat everyone into space'")
    assert trends.units == 3  # three chart calls, a unit each

    found = trends.search("artemis rocket")
    assert [c.title for c in found] == ["Why the Artemis moon rocket was delayed"]
    assert trends.units == 3 + SEARCH_UNITS + 1
    assert google.calls["GET /youtube/v3/search"] == 1


def test_ranking_benchmark_smoke_run_refuses_the_same_near_duplicates_as_brute_force() -> None:
    """A tiny run of tests/benchmarks/bench_discovery.py: the 3-gram index finds what comparing
    every pair finds."""
    from tests.benchmarks.bench_discovery import WORDS, candidates, run

    report = run(count=40, made_count=30, repeat=2)
    assert report["candidates"] == 40 and report["ms"]["p95"] > 0
    assert report["forecasts"] == 40
    rng = random.Random(7)
    made = [" ".join(rng.sample(WORDS, rng.randint(3, 7))) for _ in range(30)]
    pool = candidates(40, rng)
    brute = sum(1 for c in pool if duplicate_of(c.title, made) is not None)
    assert report["refused_as_near_duplicates"] == brute
