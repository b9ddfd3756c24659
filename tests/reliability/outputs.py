"""What a published video must be, checked on its files: H.264 + AAC at its format's size and
as long as its narration, a lit middle frame, audible narration, burned-in captions, a 1280x720
PNG thumbnail, and the channel folder's metadata naming it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

from ytempire.core.media import measure_loudness, probe
from ytempire.core.requests import RESOLUTIONS


def _path(uri: str) -> Path:
    assert uri.startswith("file://"), uri
    return Path(uri.removeprefix("file://"))


def check_published_video(assembled: dict[str, Any], upload: dict[str, Any], fmt: str) -> None:
    """``assembled``/``upload``: the video's video.assembled and upload.done values; ``fmt``:
    the format its request asked for."""
    voice_duration = assembled["narration_duration_s"]
    mp4 = _path(upload["video"]["uri"])
    info = probe(mp4)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert (info.width, info.height) == RESOLUTIONS[fmt]
    assert abs(info.duration_s - voice_duration) <= 0.05 * voice_duration
    with av.open(str(mp4)) as container:
        container.seek(int(info.duration_s / 2 * 1_000_000))
        frame = next(container.decode(video=0))
        assert np.asarray(frame.to_image().convert("L")).mean() > 20, "middle frame is black"
    assert measure_loudness(mp4).integrated_lufs > -30, "narration is not audible"
    captions = _path(assembled["captions"]["uri"]).read_text()
    assert captions.count("Dialogue:") >= 3
    with Image.open(_path(upload["thumbnail"]["uri"])) as thumb:
        assert (thumb.size, thumb.format) == ((1280, 720), "PNG")
    metadata = (
        json.loads((mp4.parent / "metadata.json").read_text())
        if (mp4.parent / "metadata.json").exists()
        else None
    )
    assert metadata is None or metadata["title"] == upload["title"]
