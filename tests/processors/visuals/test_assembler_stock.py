"""The assembler with Pexels configured: stock clips and photos fill the parts, cut to each
part's time at the format's size; credits reach the description; generated stills fill gaps."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import av
import numpy as np
import pytest

from processors.assembler import build
from processors.narrator import build as build_narrator
from processors.providers.visuals.stock import credit_lines, part_queries
from tests.fakes.pexels_server import FakePexels
from tests.processors.samples import script_ready, typed
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event, plain
from ytempire.core.media import probe
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

SIZES = {"LANDSCAPE": (1920, 1080), "SHORTS": (1080, 1920)}


@pytest.fixture(scope="module")
def pexels() -> Iterator[FakePexels]:
    with FakePexels(api_key="pexels-test-key") as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, pexels: FakePexels) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("stock"), pexels_api_key="pexels-test-key",
                    pexels_base_url=pexels.url)


@pytest.fixture(scope="module")
def voice_ready(settings: Settings) -> Event:
    return plain(build_narrator(settings).handle(typed("script.ready", script_ready()))[0].value)


@pytest.fixture(scope="module")
def rendered(settings: Settings, voice_ready: Event) -> dict[str, list[Emit]]:
    stage = build(settings)
    out = {}
    for fmt in SIZES:
        event = copy.deepcopy(voice_ready)
        event["spec"]["format"] = fmt
        event["envelope"]["event_id"] += f"-{fmt}"  # another input: another event
        out[fmt] = stage.handle(typed("voice.ready", event))
    return out


def frame(path: str, seconds: float) -> np.ndarray:
    with av.open(path) as container:
        for decoded in container.decode(video=0):
            if decoded.time >= seconds:
                return decoded.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError(f"no frame at {seconds}")


@pytest.mark.parametrize("video_format", list(SIZES))
def test_stock_footage_fills_the_video_at_the_format_size(
    settings: Settings, rendered: dict[str, list[Emit]], voice_ready: Event, video_format: str
) -> None:
    assembled, *costs = rendered[video_format]
    path = build(settings).store.path(plain(assembled.value)["video"])
    info = probe(path)
    assert (info.width, info.height) == SIZES[video_format]
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert info.duration_s == pytest.approx(voice_ready["duration_s"], rel=0.05)
    used = {
        (plain(c.value)["provider"], plain(c.value)["model"]): plain(c.value)["quantity"]
        for c in costs
    }
    assert ("pexels", "videos") in used
    start, later = frame(str(path), 0.2), frame(str(path), 0.6)
    assert np.abs(start - later).mean() > 1, "the stock clip does not move"
    assert start.std() > 20, "the frame is flat: no picture"
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    for emit in rendered[video_format]:
        codec.encode(emit.topic, plain(emit.value))


def test_credits_are_appended_to_the_description(rendered: dict[str, list[Emit]],
                                                 voice_ready: Event) -> None:
    description = plain(rendered["LANDSCAPE"][0].value)["script"]["description"]
    original = voice_ready["script"]["description"]
    assert description.startswith(original)
    assert "Stock footage: Pexels License (https://www.pexels.com/license/)" in description
    assert "Video by Abebe B. on Pexels (https://www.pexels.com/video/goats-1001/)" in description
    assert "Photo by Omar Y. on Pexels" in description  # Yemen: no clip, a photo
    assert "Video by Sam S. on Pexels" in description  # hook and CTA: the topic, coffee
    assert "Pat P." in plain(rendered["SHORTS"][0].value)["script"]["description"]  # portrait clip


def test_credits_travel_as_records_with_the_assembled_video(
        rendered: dict[str, list[Emit]]) -> None:
    credits = plain(rendered["LANDSCAPE"][0].value)["credits"]
    assert {c["author"] for c in credits} >= {"Abebe B.", "Omar Y.", "Sam S."}
    assert all(c["license"] == "Pexels License" and c["url"].startswith("https://www.pexels.com/")
               for c in credits)
    assert len({c["asset_id"] for c in credits}) == len(credits)  # each asset credited once


def test_parts_without_suitable_footage_fall_back_to_generated_stills(
    rendered: dict[str, list[Emit]]
) -> None:
    def drawn(fmt: str) -> float:
        return sum(
            plain(c.value)["quantity"]
            for c in rendered[fmt][1:]
            if (plain(c.value)["provider"], plain(c.value)["model"]) == ("generated", "background")
        )

    assert drawn("LANDSCAPE") == 0  # every part found a clip or a photo
    # On a Short, the goat clips and the Yemen photo are landscape: both parts are drawn.
    assert drawn("SHORTS") == 2
    shorts = plain(rendered["SHORTS"][0].value)["script"]["description"]
    assert "Omar Y." not in shorts and "Abebe B." not in shorts


def test_credits_never_push_the_description_past_youtube_limit() -> None:
    credit = {"provider": "Pexels", "kind": "video", "asset_id": "1", "url": "https://x/" * 20,
              "author": "A", "author_url": "", "license": "Pexels License",
              "license_url": "https://www.pexels.com/license/"}
    text = credit_lines("d" * 4500, [credit] * 20)
    assert len(text.encode()) <= 5000 and text.startswith("d" * 4500) and "Video by A" in text
    assert credit_lines("plain", []) == "plain"


def test_queries_are_keywords_else_heading_with_the_channel_style() -> None:
    event = script_ready()
    event["spec"]["visual_style"] = "cinematic"
    event = typed("script.ready", event)
    assert part_queries(event.script, event.spec, 4) == [
        "coffee cinematic", "goat ethiopia cinematic", "Yemen cinematic", "coffee cinematic"]
    assert part_queries(event.script, event.spec, 2) == [
        "goat ethiopia cinematic", "Yemen cinematic"]
