"""quality: real small videos made with ffmpeg, scored; defects lose the right points."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from processors.providers.script.offline import OfflineScriptWriter
from processors.quality import QualityStage, build
from processors.quality_checks import caption_cues
from tests.processors.samples import typed, without_time
from ytempire.core.artifacts import ArtifactStore
from ytempire.core.codec import Codec
from ytempire.core.events import Event, plain
from ytempire.core.media import run_ffmpeg
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.script_brief import ScriptRequest
from ytempire.core.settings import Settings

SECONDS = 4
PICTURES = {"moving": "testsrc2=size={w}x{h}:rate=15", "black": "color=black:size={w}x{h}:rate=15"}
SOUNDS = {"tone": "sine=frequency=1000:sample_rate=48000,volume=7dB",  # about -14 LUFS
          "silence": "anullsrc=r=48000:cl=mono"}
ASS = """[Script Info]
ScriptType: v4.00+
PlayResX: 1920
PlayResY: 1080

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, Alignment
Style: Default,DejaVu Sans,64,&H00FFFFFF,2

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.00,0:00:01.50,Default,,0,0,0,,Here is how
Dialogue: 0,0:00:01.50,0:00:03.00,Default,,0,0,0,,{\\b1}volcanoes{\\b0} form
Dialogue: 0,0:00:03.00,0:00:03.90,Default,,0,0,0,,Subscribe
"""


def make_video(path: Path, picture: str, sound: str, size: tuple[int, int] = (1920, 1080)) -> Path:
    w, h = size
    run_ffmpeg(["-y", "-f", "lavfi", "-i", PICTURES[picture].format(w=w, h=h),
                "-f", "lavfi", "-i", SOUNDS[sound], "-t", str(SECONDS), "-c:v", "libx264",
                "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)])
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every clip the tests score, rendered once (a few seconds each at 1080p)."""
    root = tmp_path_factory.mktemp("quality-media")
    clips = {"good": make_video(root / "good.mp4", "moving", "tone"),
             "black": make_video(root / "black.mp4", "black", "tone"),
             "silent": make_video(root / "silent.mp4", "moving", "silence")}
    (root / "captions.ass").write_text(ASS)
    Image.new("RGB", (1280, 720), (200, 80, 40)).save(root / "thumbnail.png")
    clips["captions"] = root / "captions.ass"
    clips["thumbnail"] = root / "thumbnail.png"
    return clips


@pytest.fixture
def stage(settings: Settings) -> QualityStage:
    return build(settings)


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec(SchemaRegistry.load(Settings().schemas_dir))


def assembled(stage: QualityStage, media: dict[str, Path], clip: str = "good",
              fmt: str = "16:9", **spec: Any) -> Event:
    """A video.assembled event around one clip, as the assembler would emit it."""
    request = plain(request_event(VideoRequest(topic="How volcanoes form", format=fmt)).value)
    request["spec"].update({"target_duration_s": SECONDS, **spec})
    script = OfflineScriptWriter().write(ScriptRequest("How volcanoes form", 15)).script
    store: ArtifactStore = stage.store
    return {
        "envelope": request["envelope"],
        "spec": request["spec"],
        "script": script,
        "video": store.put_file(media[clip], "video/mp4"),
        "thumbnail": store.put_file(media["thumbnail"], "image/png"),
        "captions": store.put_file(media["captions"], "text/x-ssa"),
        "audio": store.put_file(media[clip], "video/mp4"),
        "duration_s": float(SECONDS),
        "narration_duration_s": float(SECONDS),
        "width": 1920,
        "height": 1080,
        "render_seconds": 1.0,
    }


def points(scored: Event) -> dict[str, float]:
    return {f"{c['category']}.{c['name']}": c["score"] for c in scored["checks"]}


def lost(scored: Event) -> set[str]:
    return {f"{c['category']}.{c['name']}" for c in scored["checks"]
            if c["score"] < c["max_score"]}


def test_good_video_passes_with_a_full_breakdown(stage: QualityStage, media: dict[str, Path],
                                                 codec: Codec) -> None:
    emits = stage.handle(typed("video.assembled", assembled(stage, media)))
    assert [e.topic for e in emits] == ["quality.scored", "cost.incurred", "cost.incurred"]
    for emit in emits:
        codec.encode(emit.topic, plain(emit.value))
    scored = plain(emits[0].value)
    assert scored["passed"] is True and scored["threshold"] == 70
    assert scored["score"] >= 95, scored["reasons"]
    assert sum(c["max_score"] for c in scored["checks"]) == 100
    assert {c["category"] for c in scored["checks"]} == {
        "script", "audio", "video", "metadata", "policy"}
    assert lost(scored) <= {"script.length"}, scored["reasons"]
    assert (scored["width"], scored["height"]) == (1920, 1080)
    assert abs(scored["duration_s"] - SECONDS) < 0.1
    costs = [plain(e.value) for e in emits[1:]]
    assert {(c["provider"], c["model"], c["unit"]) for c in costs} == {
        ("ffmpeg", "analysis", "seconds"), ("blocklist", "blocklist", "characters")}
    assert all(c["usd"] == Decimal(0) and c["quantity"] > 0 for c in costs)


def test_black_video_loses_picture_points_and_fails(stage: QualityStage,
                                                    media: dict[str, Path]) -> None:
    scored = plain(
        stage.handle(typed("video.assembled", assembled(stage, media, "black")))[0].value
    )
    assert points(scored)["video.black_frames"] == 0
    assert points(scored)["video.frozen_frames"] == 0
    assert {"audio.loudness", "audio.silence", "video.resolution"}.isdisjoint(lost(scored))
    assert scored["passed"] is False and scored["score"] < 70
    assert "black" in scored["reasons"][0]


def test_silent_video_loses_audio_points_and_fails(stage: QualityStage,
                                                   media: dict[str, Path]) -> None:
    scored = plain(
        stage.handle(typed("video.assembled", assembled(stage, media, "silent")))[0].value
    )
    assert points(scored)["audio.loudness"] == 0
    assert points(scored)["audio.silence"] == 0
    assert {"video.black_frames", "video.frozen_frames"}.isdisjoint(lost(scored))
    assert scored["passed"] is False and scored["score"] < 70
    assert any("inaudible" in r for r in scored["reasons"])


def test_wrong_resolution_for_the_format_fails(stage: QualityStage,
                                               media: dict[str, Path]) -> None:
    scored = plain(
        stage.handle(typed("video.assembled", assembled(stage, media, "good", fmt="9:16")))[0].value
    )
    assert points(scored)["video.resolution"] == 0
    assert lost(scored) <= {"script.length", "video.resolution"}
    assert scored["passed"] is False and scored["score"] < 70
    assert "1080x1920" in scored["reasons"][0]


def test_blocklisted_words_fail_policy_whatever_the_score(stage: QualityStage,
                                                          media: dict[str, Path]) -> None:
    event = assembled(stage, media, quality_threshold=0)
    event["script"]["title"] = "How to make a pipe bomb at home"
    scored = plain(stage.handle(typed("video.assembled", event))[0].value)
    assert points(scored)["policy.content"] == 0
    assert scored["passed"] is False
    assert "pipe bomb" in scored["reasons"][0] and "title" in scored["reasons"][0]


def test_threshold_decides_pass_and_reasons_say_why(stage: QualityStage,
                                                    media: dict[str, Path]) -> None:
    scored = plain(
        stage.handle(
            typed(
                "video.assembled",
                assembled(stage, media, target_duration_s=60, quality_threshold=99),
            )
        )[0].value
    )
    assert points(scored)["script.length"] == 0
    assert scored["passed"] is False
    assert scored["reasons"][0].startswith(f"score {scored['score']:.1f} is below")
    assert any(r.startswith("script length") for r in scored["reasons"])


def test_missing_captions_lose_caption_points(stage: QualityStage, media: dict[str, Path],
                                              tmp_path: Path) -> None:
    event = assembled(stage, media)
    empty = tmp_path / "empty.ass"
    empty.write_text(ASS.split("Dialogue:")[0])
    event["captions"] = stage.store.put_file(empty, "text/x-ssa")
    scored = plain(stage.handle(typed("video.assembled", event))[0].value)
    assert points(scored)["video.captions"] == 0
    assert scored["passed"] is True


def test_redelivery_is_identical_and_measured_once(stage: QualityStage,
                                                   media: dict[str, Path]) -> None:
    event = assembled(stage, media)
    first = stage.handle(typed("video.assembled", event))
    media_file = stage.store.path(event["video"])
    media_file.unlink()  # a second analysis would now fail: the cache must answer
    again = stage.handle(typed("video.assembled", copy.deepcopy(event)))

    assert without_time(first) == without_time(again)
    other = copy.deepcopy(event)
    other["envelope"]["event_id"] = "another-delivery-of-an-equal-video"
    reused = stage.handle(typed("video.assembled", other))
    assert plain(reused[0].value)["score"] == plain(first[0].value)["score"]
    assert all(plain(e.value)["cached"] is True for e in reused[1:])


def test_a_script_the_channel_already_made_fails_naming_that_video(
    stage: QualityStage, media: dict[str, Path],
) -> None:
    first = assembled(stage, media)
    scored = plain(stage.handle(typed("video.assembled", first))[0].value)
    assert scored["passed"] is True
    assert "script.originality" not in lost(scored), scored["reasons"]

    again = assembled(stage, media)  # another video of the channel with the same script
    twin = plain(stage.handle(typed("video.assembled", again))[0].value)
    assert twin["passed"] is False and twin["score"] <= 40
    assert points(twin)["script.originality"] == 0
    made = first["envelope"]["video_id"]
    assert twin["reasons"][0].startswith(f"script originality: the same script as video {made}")
    assert "similarity 1.00 >= 0.8" in twin["reasons"][0] and "(critical)" in twin["reasons"][0]

    elsewhere = assembled(stage, media)  # the same words on another channel are its own video
    elsewhere["envelope"]["channel_id"] = "another-channel"
    assert plain(stage.handle(typed("video.assembled", elsewhere))[0].value)["passed"] is True

    # Redelivered or replayed, each video gets its first answer, whatever was approved since.
    assert plain(stage.handle(typed("video.assembled", copy.deepcopy(first)))[0].value) \
        ["passed"] is True
    assert without_time(stage.handle(typed("video.assembled", copy.deepcopy(again)))) == \
        without_time(stage.handle(typed("video.assembled", copy.deepcopy(again))))
    recent = stage.state.get("recent_scripts", first["envelope"]["channel_id"])
    assert [r["video_id"] for r in recent] == [made]


def test_caption_cues_read_ass_and_srt() -> None:
    assert [c[2] for c in caption_cues(ASS)] == ["Here is how", "volcanoes form", "Subscribe"]
    srt = "1\n00:00:00,000 --> 00:00:01,200\nHello there\n\n2\n00:00:01,200 --> 00:00:02,000\nBye\n"
    assert caption_cues(srt) == [(0.0, 1.2, "Hello there"), (1.2, 2.0, "Bye")]
