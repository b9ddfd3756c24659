"""One ffmpeg pass over a rendered MP4 that measures what the quality gate scores.

blackdetect and freezedetect on a small copy of the picture; silencedetect, astats and ebur128
on the sound. The log is parsed into a ``MediaReport``; the judging lives in ``quality``.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ytempire.core.media import MediaError, MediaInfo, probe, run_ffmpeg
from ytempire.stage import PermanentError, TransientError

LONG_SILENCE_S = 2.0
"""Silences at least this long are reported (and cost points in the audio checks)."""


@dataclass(frozen=True)
class MediaReport:
    """What one ffmpeg pass measured (seconds, LUFS, dB)."""

    info: MediaInfo
    has_audio: bool
    integrated_lufs: float
    true_peak_dbtp: float
    sample_peak_db: float
    flat_factor: float
    black_s: float
    frozen_s: float
    silences: list[tuple[float, float]]


def _number(text: str) -> float:
    return float("-inf") if text.strip() == "-inf" else float(text)


def _spans(log_text: str, start: str, end: str, total: float) -> list[tuple[float, float]]:
    """Pair ``start`` and ``end`` markers; an unclosed span runs to the end of the media."""
    spans, opened = [], None
    for match in re.finditer(rf"({start}|{end}):\s*(-?[\d.]+)", log_text):
        if match.group(1) == start:
            opened = float(match.group(2))
        elif opened is not None:
            spans.append((opened, float(match.group(2))))
            opened = None
    if opened is not None:
        spans.append((opened, total))
    return spans


def analyse(path: Path) -> MediaReport:
    """Probe the streams, then run every detector in one ffmpeg pass and parse its log."""
    try:
        info = probe(path)
    except Exception as exc:  # PyAV raises its own error family on unreadable files
        raise PermanentError(f"cannot read the assembled video {path.name}: {exc}") from exc
    if not info.video_codec:
        raise PermanentError(f"the assembled video {path.name} has no video stream")
    has_audio = bool(info.audio_codec)
    # detectors look at a small copy: black and frozen frames do not need 1080p pixels
    graph = "[0:v:0]scale=320:-2,blackdetect=d=0.5:pix_th=0.10,freezedetect=n=-60dB:d=2[v]"
    maps = ["-map", "[v]"]
    if has_audio:
        graph += (f";[0:a:0]silencedetect=n=-50dB:d={LONG_SILENCE_S},"
                  "astats=measure_perchannel=none:measure_overall=Peak_level+Flat_factor,"
                  "ebur128=peak=true:framelog=quiet[a]")
        maps += ["-map", "[a]"]
    try:
        # noref: skipping B-frames halves decoding and leaves black/freeze spans measurable
        text = run_ffmpeg(["-skip_frame", "noref", "-i", str(path), "-filter_complex", graph,
                           *maps, "-f", "null", "-"])
    except MediaError as exc:
        raise PermanentError(f"ffmpeg cannot analyse {path.name}: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise TransientError(f"ffmpeg analysis of {path.name} timed out") from exc
    total = info.duration_s

    def grab(pattern: str, default: float) -> float:
        match = re.search(pattern, text, re.S)
        return _number(match.group(1)) if match else default

    return MediaReport(
        info=info,
        has_audio=has_audio,
        integrated_lufs=grab(r"Integrated loudness:\s*I:\s*(\S+) LUFS", float("-inf")),
        true_peak_dbtp=grab(r"True peak:\s*Peak:\s*(\S+) dBFS", float("-inf")),
        sample_peak_db=grab(r"Overall.*?Peak level dB:\s*(\S+)", float("-inf")),
        flat_factor=grab(r"Overall.*?Flat factor:\s*(\S+)", 0.0),
        black_s=sum(float(d) for d in re.findall(r"black_duration:\s*([\d.]+)", text)),
        frozen_s=sum(e - s for s, e in _spans(text, "freeze_start", "freeze_end", total)),
        silences=_spans(text, "silence_start", "silence_end", total),
    )
