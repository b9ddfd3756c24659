"""Thin helpers over the static ffmpeg shipped by imageio-ffmpeg, and PyAV for probing."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import av
import imageio_ffmpeg

from ytempire.core.processes import die_with_parent


class MediaError(RuntimeError):
    """ffmpeg failed; the message carries the tail of its log."""


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: list[str], timeout: float = 600) -> str:
    """Run ffmpeg with ``args``; return its log; raise MediaError with the tail on failure."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=die_with_parent(signal.SIGKILL),  # a killed stage leaves no ffmpeg behind
    )
    if proc.returncode != 0:
        raise MediaError(f"ffmpeg exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc.stderr


@dataclass(frozen=True)
class MediaInfo:
    duration_s: float
    width: int
    height: int
    video_codec: str
    audio_codec: str
    fps: float
    audio_sample_rate: int


def probe(path: Path) -> MediaInfo:
    with av.open(str(path)) as container:
        duration = (container.duration or 0) / 1_000_000
        video = next(iter(container.streams.video), None)
        audio = next(iter(container.streams.audio), None)
        return MediaInfo(
            duration_s=duration,
            width=video.codec_context.width if video else 0,
            height=video.codec_context.height if video else 0,
            video_codec=video.codec_context.name if video else "",
            audio_codec=audio.codec_context.name if audio else "",
            fps=float(video.average_rate) if video and video.average_rate else 0.0,
            audio_sample_rate=audio.codec_context.sample_rate if audio else 0,
        )


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float
    lra: float


def measure_loudness(path: Path) -> Loudness:
    """EBU R128 measurement via ffmpeg's loudnorm analysis pass."""
    log = run_ffmpeg(
        ["-i", str(path), "-vn", "-af", "loudnorm=print_format=json", "-f", "null", "-"]
    )
    match = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", log, re.S)
    if not match:
        raise MediaError(f"no loudnorm report in ffmpeg output: {log[-500:]}")
    doc = json.loads(match.group(0))
    return Loudness(float(doc["input_i"]), float(doc["input_tp"]), float(doc["input_lra"]))
