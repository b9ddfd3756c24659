"""OpenAI thumbnails through the openai client against FakeOpenAI: a generated background under
the title, 1280x720 PNG, paid once, priced from the table, billed even when the assembly fails
after it; the title card stays the default."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from openai import OpenAI
from PIL import Image

from processors.assembler import build, thumbnailer_for
from processors.narrator import build as build_narrator
from processors.providers.thumbnail.openai_image import OpenAIThumbnail
from processors.providers.thumbnail.title_card import TitleCard
from tests.fakes.openai_server import FakeOpenAI
from tests.processors.providers.test_paid_failures import run
from tests.processors.samples import script_ready, typed
from ytempire.core.artifacts import ArtifactStore
from ytempire.core.cache import ResultCache
from ytempire.core.events import Emit, Event, plain
from ytempire.core.media import ffmpeg_exe
from ytempire.core.pricing import Usage, current_table
from ytempire.core.records import CostIncurred
from ytempire.core.settings import Settings
from ytempire.stage import PermanentError, TransientError

KEY = "sk-thumbnail-test"


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as fake:
        yield fake


def thumbnailer(tmp_path: Path, fake: FakeOpenAI, model: str = "gpt-image-1") -> OpenAIThumbnail:
    client = OpenAI(api_key=KEY, base_url=fake.url, max_retries=2, timeout=20)
    return OpenAIThumbnail(client, model, ArtifactStore(tmp_path / "artifacts"),
                           ResultCache(tmp_path / "cache", "openai-images"))


def yellow_pixels(path: Path) -> int:
    """Pixels of the title's colour (255, 235, 59): the composited text."""
    rgb = np.asarray(Image.open(path).convert("RGB")).astype(int)
    return int((np.abs(rgb - [255, 235, 59]).sum(axis=2) < 30).sum())


def test_background_is_generated_and_the_title_drawn_on_it(
    tmp_path: Path, openai_fake: FakeOpenAI
) -> None:
    out = tmp_path / "thumb.png"
    billed = thumbnailer(tmp_path, openai_fake).render("Where coffee came from", "coffee", "s",
                                                       out)
    assert billed == [Usage("openai", "gpt-image-1", "images", 1)]
    with Image.open(out) as image:
        assert (image.format, image.size) == ("PNG", (1280, 720))
    assert yellow_pixels(out) > 5000
    ((endpoint, body, _),) = openai_fake.requests
    assert endpoint == "images.generations"
    assert (body["model"], body["size"], body["n"]) == ("gpt-image-1", "1536x1024", 1)
    assert "response_format" not in body  # gpt-image-1 always answers b64_json
    assert "coffee" in body["prompt"] and "No text" in body["prompt"]


def test_the_same_picture_is_paid_once(tmp_path: Path, openai_fake: FakeOpenAI) -> None:
    first, again = tmp_path / "a.png", tmp_path / "b.png"
    assert len(thumbnailer(tmp_path, openai_fake).render("T", "coffee", "s", first)) == 1
    assert thumbnailer(tmp_path, openai_fake).render("T", "coffee", "s", again) == []  # free
    assert first.read_bytes() == again.read_bytes()
    assert openai_fake.served["images.generations"] == 1


def test_dall_e_asks_for_base64(tmp_path: Path, openai_fake: FakeOpenAI) -> None:
    thumbnailer(tmp_path, openai_fake, "dall-e-3").render("T", "tea", "s", tmp_path / "t.png")
    body = openai_fake.requests[0][1]
    assert (body["size"], body["response_format"]) == ("1792x1024", "b64_json")


def test_rate_limit_is_retried_and_errors_are_classified(
    tmp_path: Path, openai_fake: FakeOpenAI
) -> None:
    openai_fake.rate_limit_next(1, retry_after=0.2, endpoint="images.generations")
    thumbnailer(tmp_path, openai_fake).render("T", "a", "s", tmp_path / "1.png")
    assert openai_fake.calls["images.generations"] == 2

    openai_fake.fail_next(3, 500, endpoint="images.generations")
    with pytest.raises(TransientError):
        thumbnailer(tmp_path, openai_fake).render("T", "b", "s", tmp_path / "2.png")
    openai_fake.fail_next(1, 400, endpoint="images.generations")
    with pytest.raises(PermanentError):
        thumbnailer(tmp_path, openai_fake).render("T", "c", "s", tmp_path / "3.png")


def test_title_card_stays_the_default(tmp_path: Path) -> None:
    assert isinstance(thumbnailer_for(Settings(data_dir=tmp_path)), TitleCard)
    assert isinstance(thumbnailer_for(Settings(data_dir=tmp_path, openai_api_key=KEY)), TitleCard)
    no_key = Settings(data_dir=tmp_path, thumbnail_provider="openai", openai_api_key=None)
    assert isinstance(thumbnailer_for(no_key), TitleCard)


@contextmanager
def failing_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every ffmpeg run exits 1 inside the block (the real ffmpeg is back after it)."""
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/bin/false")
    ffmpeg_exe.cache_clear()
    try:
        yield
    finally:
        monkeypatch.delenv("IMAGEIO_FFMPEG_EXE")
        ffmpeg_exe.cache_clear()


def test_the_assembler_bills_each_paid_image_once_through_failures_redelivery_and_reuse(
    tmp_path: Path, openai_fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path, thumbnail_provider="openai", openai_api_key=KEY,
                        openai_base_url=openai_fake.url, provider_max_retries=0)
    assert isinstance(build(settings).thumbnailer, OpenAIThumbnail)
    voice = plain(build_narrator(settings).handle(typed("script.ready", script_ready()))[0].value)
    table = current_table()
    image_usd = table.price("openai", "gpt-image-1", "images", 1)

    def delivered(event: Event = voice) -> tuple[list[Emit], dict[str, Decimal]]:
        """One delivery to a freshly started assembler: what it sent, the image costs by id."""
        sent = run(build(settings), event, settings)
        images = {c.value.envelope.event_id: c.value.usd for c in sent
                  if isinstance(c.value, CostIncurred) and c.value.provider == "openai"}
        return [e for e in sent if e.topic != "cost.incurred"], images

    # 1. Both tries get a billed image that does not decode: dead-lettered, both images billed.
    openai_fake.broken.add("images.undecodable")
    sent, first = delivered()
    assert [e.topic for e in sent] == ["pipeline.failed", "pipeline.dlq"]
    assert openai_fake.served["images.generations"] == 2
    assert list(first.values()) == [image_usd] * 2
    # 2. A good image, then ffmpeg fails on every try: the image (paid once) joins the bill.
    openai_fake.broken.clear()
    with failing_ffmpeg(monkeypatch):
        sent, second = delivered()
    assert [e.topic for e in sent] == ["pipeline.failed", "pipeline.dlq"]
    assert openai_fake.served["images.generations"] == 3
    assert first.items() < second.items() and len(second) == 3
    # 3. Redelivered once ffmpeg works: the image is reused and every cost keeps its id.
    sent, third = delivered()
    [assembled] = sent
    assert assembled.topic == "video.assembled" and third == second
    assert openai_fake.served["images.generations"] == 3
    assert sum(third.values()) == 3 * image_usd > 0
    with Image.open(build(settings).store.path(assembled.value.thumbnail)) as thumb:
        assert (thumb.format, thumb.size) == ("PNG", (1280, 720))
    # 4. Another video with the same title and topic (a Short) reuses the picture: not billed.
    short = copy.deepcopy(voice)
    short["spec"]["format"] = "SHORTS"
    short["envelope"]["event_id"] += "-short"
    sent, fourth = delivered(short)
    assert [e.topic for e in sent] == ["video.assembled"] and not fourth
    assert openai_fake.served["images.generations"] == 3
