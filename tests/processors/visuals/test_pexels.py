"""Pexels footage through httpx against FakePexels: keyword matching, size and orientation,
photos as second choice, caches, credits, 429/5xx, a refused key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from processors.providers.visuals.footage import Need
from processors.providers.visuals.pexels import PexelsClient, PexelsFootage
from tests.fakes.pexels_server import FakePexels
from ytempire.core.artifacts import ArtifactStore
from ytempire.core.cache import ResultCache
from ytempire.core.pricing import Usage
from ytempire.stage import TransientError


@pytest.fixture
def pexels() -> Iterator[FakePexels]:
    with FakePexels(api_key="pexels-test-key") as fake:
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


def footage(tmp_path: Path, pexels: FakePexels, sleeps: list[float],
            key: str = "pexels-test-key") -> PexelsFootage:
    return PexelsFootage(PexelsClient(
        key, pexels.url, ResultCache(tmp_path / "cache", "pexels"),
        ArtifactStore(tmp_path / "artifacts"), timeout_s=10, max_retries=2, backoff_s=0.01,
        sleep=sleeps.append))


NEEDS = [Need("goat ethiopia", (2.0, 3.0)), Need("Yemen", (4.0,)), Need("quantum foam", (1.0,))]


def test_parts_get_videos_then_photos_at_the_frame_size_with_credits(
    tmp_path: Path, pexels: FakePexels, sleeps: list[float]
) -> None:
    found, usage = footage(tmp_path, pexels, sleeps).find(NEEDS, 1920, 1080)

    goats, yemen, nothing = found
    assert [s.kind for s in goats if s] == ["video", "video"]
    assert [s.credit.asset_id for s in goats if s] == ["1001", "1002"]  # not the 640x360 one
    assert goats[0] and goats[0].path.read_bytes() == (pexels.media / "goats.mp4").read_bytes()
    assert yemen[0] and yemen[0].kind == "photo"
    assert yemen[0].path.read_bytes() == (pexels.media / "yemen.jpg").read_bytes()
    assert nothing == [None]
    credit = goats[0].credit
    assert (credit.author, credit.author_url, credit.url, credit.license, credit.license_url) == (
        "Abebe B.", "https://www.pexels.com/@abebe", "https://www.pexels.com/video/goats-1001/",
        "Pexels License", "https://www.pexels.com/license/")
    assert credit.line() == ("Video by Abebe B. on Pexels "
                             "(https://www.pexels.com/video/goats-1001/), Pexels License")
    assert yemen[0].credit.author == "Omar Y."
    assert all((q["orientation"], q["size"]) == ("landscape", "medium") for q in pexels.queries)
    assert [(q["kind"], q["query"]) for q in pexels.queries] == [
        ("video", "goat ethiopia"), ("video", "Yemen"), ("photo", "Yemen"),
        ("video", "quantum foam"), ("photo", "quantum foam")]
    assert usage == [Usage("pexels", "photos", "requests", 2),
                     Usage("pexels", "videos", "requests", 3)]
    assert pexels.calls["files"] == 3  # two clips, one photo; never the small renditions


def test_shorts_get_portrait_assets(tmp_path: Path, pexels: FakePexels,
                                    sleeps: list[float]) -> None:
    (shots,), _ = footage(tmp_path, pexels, sleeps).find([Need("coffee cup", (2.0, 2.0))],
                                                         1080, 1920)
    assert [(s.kind, s.credit.asset_id) for s in shots if s] == [("video", "1004"),
                                                                 ("photo", "2002")]


def test_searches_and_files_are_cached(tmp_path: Path, pexels: FakePexels,
                                       sleeps: list[float]) -> None:
    first, _ = footage(tmp_path, pexels, sleeps).find(NEEDS, 1920, 1080)
    calls = dict(pexels.calls)
    again, usage = footage(tmp_path, pexels, sleeps).find(NEEDS, 1920, 1080)
    assert again == first and usage == [] and dict(pexels.calls) == calls
    store = ArtifactStore(tmp_path / "artifacts")
    assert len(list(store.root.glob("*/*.mp4"))) == 2  # content-addressed, stored once


def test_rate_limits_and_server_errors_are_retried(tmp_path: Path, pexels: FakePexels,
                                                   sleeps: list[float]) -> None:
    pexels.rate_limit_next(1, retry_after=2, endpoint="videos.search")
    pexels.fail_next(1, 500, endpoint="videos.search")
    pexels.fail_next(1, 503, endpoint="files")
    (shots,), _ = footage(tmp_path, pexels, sleeps).find([Need("goat", (1.0,))], 1920, 1080)
    assert shots[0] and shots[0].credit.asset_id == "1001"
    assert sleeps[0] == 2.0 and len(sleeps) == 3
    assert pexels.calls["videos.search"] == 3


def test_lasting_server_errors_are_transient(tmp_path: Path, pexels: FakePexels,
                                             sleeps: list[float]) -> None:
    pexels.fail_next(3, 502, endpoint="videos.search")
    with pytest.raises(TransientError, match="answered 502 after 3 tries"):
        footage(tmp_path, pexels, sleeps).find([Need("goat", (1.0,))], 1920, 1080)


def test_refused_key_falls_back_to_generated_visuals(tmp_path: Path, pexels: FakePexels,
                                                     sleeps: list[float]) -> None:
    found, usage = footage(tmp_path, pexels, sleeps, key="wrong").find(NEEDS, 1920, 1080)
    assert found == [[None, None], [None], [None]] and usage == []
    assert pexels.calls["videos.search"] == 1  # found out once, did not keep asking


def test_parts_about_the_same_thing_show_different_assets(
    tmp_path: Path, pexels: FakePexels, sleeps: list[float]
) -> None:
    (hook, cta), _ = footage(tmp_path, pexels, sleeps).find(
        [Need("coffee", (3.0,)), Need("coffee", (3.0,))], 1080, 1920)
    assert [(s.kind, s.credit.asset_id) for s in hook + cta if s] == [("video", "1004"),
                                                                     ("photo", "2002")]


def test_a_long_rate_limit_wait_falls_back_instead_of_waiting(
    tmp_path: Path, pexels: FakePexels, sleeps: list[float]
) -> None:
    found, usage = footage(tmp_path, pexels, sleeps).find(NEEDS[:1], 1920, 1080)
    pexels.rate_limit_next(1, retry_after=3600, endpoint="videos.search")
    more, _ = footage(tmp_path, pexels, sleeps).find(NEEDS, 1920, 1080)
    assert more == [found[0], [None], [None]]  # cached part kept; the rest drawn
    assert sleeps == [] and pexels.calls["videos.search"] == 2
