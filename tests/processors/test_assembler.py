"""assembler: a real narrated MP4 per format, captions burned in, thumbnail, rendered once."""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

from processors.assembler import AssemblerStage
from processors.narrator import build as build_narrator
from processors.providers.thumbnail.title_card import TitleCard
from processors.providers.visuals import Slide
from processors.providers.visuals.generated import GeneratedVisuals
from tests.processors.samples import script_ready, typed, without_time
from ytempire.core.artifacts import ArtifactStore
from ytempire.core.cache import ResultCache
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event, new_envelope, plain
from ytempire.core.media import probe
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.core.spend import SpendJournal
from ytempire.stage import PermanentError

SIZES = {"LANDSCAPE": (1920, 1080), "SHORTS": (1080, 1920)}


class CountingVisuals(GeneratedVisuals):
    """The real generated visuals, counting the stills drawn."""

    def __init__(self) -> None:
        self.calls = 0

    def render(self, slide: Slide, width: int, height: int, safe: float, out: Path) -> Path:
        self.calls += 1
        return super().render(slide, width, height, safe, out)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("assembler"))


@pytest.fixture(scope="module")
def voice_ready(settings: Settings) -> Event:
    return plain(build_narrator(settings).handle(typed("script.ready", script_ready()))[0].value)


@pytest.fixture(scope="module")
def visuals() -> CountingVisuals:
    return CountingVisuals()


@pytest.fixture(scope="module")
def stage(settings: Settings, visuals: CountingVisuals) -> AssemblerStage:
    return AssemblerStage(
        visuals=visuals,
        thumbnailer=TitleCard(),
        store=ArtifactStore(settings.artifacts_dir),
        cache=ResultCache(settings.data_dir / "cache", "assembler"),
        work_dir=settings.data_dir / "tmp",
        journal=SpendJournal(settings.data_dir, "assembler"),
    )


def in_format(event: Event, video_format: str, variant: str = "") -> Event:
    """``event`` asking for ``video_format``: another input, so another event id (the same id
    for the same format and variant, as a redelivery would have)."""
    event = copy.deepcopy(event)
    event["spec"]["format"] = video_format
    event["envelope"]["event_id"] += f"-{video_format}{variant}"
    return event


@pytest.fixture(scope="module")
def rendered(stage: AssemblerStage, voice_ready: Event) -> dict[str, list[Emit]]:
    return {fmt: stage.handle(typed("voice.ready", in_format(voice_ready, fmt))) for fmt in SIZES}


def frame_at(path: Path, seconds: float) -> np.ndarray:
    """The decoded luma plane of the first frame at or after ``seconds``."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        container.seek(int(seconds / stream.time_base), stream=stream, backward=True)
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= seconds - 1e-3:
                return frame.to_ndarray(format="gray").astype(np.int16)
    raise AssertionError(f"no frame at {seconds} s in {path}")


def dialogue(text: str) -> list[tuple[str, str]]:
    """(start, words) of every Dialogue line, override tags stripped."""
    lines = []
    for line in text.splitlines():
        if line.startswith("Dialogue:"):
            fields = line.split(",", 9)
            lines.append((fields[1], re.sub(r"\{[^}]*\}", "", fields[9]).strip()))
    return lines


@pytest.mark.parametrize("video_format", list(SIZES))
def test_video_is_h264_aac_at_the_format_size_and_narration_length(
    stage: AssemblerStage, rendered: dict[str, list[Emit]], voice_ready: Event, video_format: str
) -> None:
    emits = rendered[video_format]
    assert [e.topic for e in emits] == ["video.assembled", *["cost.incurred"] * 3]
    assembled = plain(emits[0].value)
    info = probe(stage.store.path(assembled["video"]))
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert (info.width, info.height) == SIZES[video_format]
    assert (assembled["width"], assembled["height"]) == SIZES[video_format]
    assert info.fps == pytest.approx(30.0)
    with av.open(str(stage.store.path(assembled["video"]))) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
    narration = voice_ready["duration_s"]
    assert assembled["narration_duration_s"] == narration
    assert info.duration_s == pytest.approx(narration, rel=0.05)
    assert assembled["duration_s"] == pytest.approx(info.duration_s, abs=0.01)
    assert assembled["audio"] == voice_ready["audio"]
    assert assembled["render_seconds"] > 0


@pytest.mark.parametrize("video_format", list(SIZES))
def test_frames_show_pictures_and_move(
    stage: AssemblerStage, rendered: dict[str, list[Emit]], video_format: str
) -> None:
    path = stage.store.path(plain(rendered[video_format][0].value)["video"])
    duration = probe(path).duration_s
    middle = frame_at(path, duration / 2)
    assert middle.mean() > 25, "the middle frame is black"
    later = frame_at(path, duration / 2 + 0.5)
    assert np.abs(middle - later).mean() > 0.5, "the picture does not move"


def test_outputs_encode_with_the_codec(rendered: dict[str, list[Emit]]) -> None:
    codec = Codec(SchemaRegistry.load(Settings().schemas_dir))
    for emits in rendered.values():
        for emit in emits:
            assert codec.decode(emit.topic, codec.encode(emit.topic, plain(emit.value)))


def test_costs_report_seconds_and_images(rendered: dict[str, list[Emit]]) -> None:
    emits = rendered["LANDSCAPE"]
    costs = {
        (plain(c.value)["provider"], plain(c.value)["model"]): plain(c.value) for c in emits[1:]
    }
    assert costs[("ffmpeg", "libx264")]["quantity"] == plain(emits[0].value)["duration_s"]
    assert costs[("generated", "background")]["quantity"] == 4  # hook, 2 sections, CTA
    assert costs[("generated", "title-card")]["quantity"] == 1
    assert all(c["usd"] == Decimal("0") and not c["cached"] for c in costs.values())
    assert len({plain(c.value)["envelope"]["event_id"] for c in emits}) == len(emits)


def test_captions_are_the_spoken_words_in_time(
    stage: AssemblerStage, rendered: dict[str, list[Emit]], voice_ready: Event
) -> None:
    words = json.loads(stage.store.path(voice_ready["word_timings"]).read_text())
    for emits in rendered.values():
        ass = stage.store.path(plain(emits[0].value)["captions"]).read_text()
        lines = dialogue(ass)
        assert " ".join(text for _, text in lines).split() == [w["word"] for w in words]
        assert len(lines) < len(words), "captions should group a few words per line"
        first = words[0]["start_s"]
        assert lines[0][0] == f"0:00:{first:05.2f}"


def test_burned_captions_change_only_the_caption_band(
    stage: AssemblerStage, rendered: dict[str, list[Emit]], voice_ready: Event
) -> None:
    words = json.loads(stage.store.path(voice_ready["word_timings"]).read_text())
    silent = in_format(voice_ready, "LANDSCAPE", "-silent")
    silent["word_timings"] = stage.store.put_bytes(b"[]", ".json", "application/json")
    bare = stage.store.path(plain(stage.handle(typed("voice.ready", silent))[0].value)["video"])
    captioned = stage.store.path(plain(rendered["LANDSCAPE"][0].value)["video"])
    at = (words[3]["start_s"] + words[3]["end_s"]) / 2
    with_captions, without = frame_at(captioned, at), frame_at(bare, at)
    band = slice(int(1080 * 0.8), 1080)
    assert np.abs(with_captions[band] - without[band]).mean() > 3
    assert np.abs(with_captions[: band.start] - without[: band.start]).mean() < 1


def test_thumbnail_is_a_1280x720_png(
    stage: AssemblerStage, rendered: dict[str, list[Emit]]
) -> None:
    thumbnail = plain(rendered["LANDSCAPE"][0].value)["thumbnail"]
    assert thumbnail["media_type"] == "image/png"
    with Image.open(stage.store.path(thumbnail)) as image:
        assert (image.format, image.size) == ("PNG", (1280, 720))
        assert np.asarray(image.convert("L")).std() > 10


def test_redelivered_voice_ready_is_not_rendered_again(
    stage: AssemblerStage, visuals: CountingVisuals,
    rendered: dict[str, list[Emit]], voice_ready: Event
) -> None:
    drawn = visuals.calls
    again = stage.handle(typed("voice.ready", in_format(voice_ready, "LANDSCAPE")))
    assert visuals.calls == drawn
    assert without_time(again) == without_time(rendered["LANDSCAPE"])


def test_same_narration_in_another_event_reuses_the_render_for_free(
    stage: AssemblerStage, visuals: CountingVisuals,
    rendered: dict[str, list[Emit]], voice_ready: Event
) -> None:
    drawn = visuals.calls
    other = in_format(voice_ready, "LANDSCAPE")
    other["envelope"] = new_envelope(
        video_id="video-2", channel_id="channel-1", owner_id="owner-1", producer="narrator"
    )
    emits = stage.handle(typed("voice.ready", other))
    assert visuals.calls == drawn
    assert plain(emits[0].value)["video"] == plain(rendered["LANDSCAPE"][0].value)["video"]
    assert all(
        plain(c.value)["cached"] and plain(c.value)["usd"] == Decimal("0") for c in emits[1:]
    )


def test_missing_narration_is_a_permanent_error(stage: AssemblerStage, voice_ready: Event) -> None:
    event = copy.deepcopy(voice_ready)
    event["audio"] = dict(event["audio"], uri=(stage.store.root / "gone.m4a").as_uri())
    with pytest.raises(PermanentError, match="not in the artifact store"):
        stage.handle(typed("voice.ready", event))


def test_unreadable_narration_is_a_permanent_error(
    stage: AssemblerStage, voice_ready: Event
) -> None:
    event = copy.deepcopy(voice_ready)
    event["audio"] = stage.store.put_bytes(b"not audio at all", ".m4a", "audio/mp4")
    with pytest.raises(PermanentError, match="unreadable|no audio"):
        stage.handle(typed("voice.ready", event))


def test_malformed_word_timings_are_a_permanent_error(
    stage: AssemblerStage, voice_ready: Event
) -> None:
    event = copy.deepcopy(voice_ready)
    event["word_timings"] = stage.store.put_bytes(b'[{"word": "hi"}]', ".json", "application/json")
    with pytest.raises(PermanentError, match="word timings"):
        stage.handle(typed("voice.ready", event))


def test_part_starts_that_do_not_match_the_script_are_a_permanent_error(
    stage: AssemblerStage, voice_ready: Event
) -> None:
    event: dict[str, Any] = copy.deepcopy(voice_ready)
    event["section_starts_s"] = event["section_starts_s"][:3]  # neither 2 nor 4 parts
    with pytest.raises(PermanentError, match="part starts"):
        stage.handle(typed("voice.ready", event))
