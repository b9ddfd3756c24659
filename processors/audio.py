"""Loudness for narration: a peak limiter driven from a raw measurement, then linear loudnorm
to YouTube's -14 LUFS, measured with ffmpeg's ebur128 (BS.1770). The narrator's ffmpeg work,
kept beside ``processors/render.py`` (the assembler's)."""

from __future__ import annotations

import math
import re
import subprocess
import wave
from pathlib import Path

from ytempire.core.media import MediaError, run_ffmpeg
from ytempire.stage import TransientError

TARGET_LUFS = -14.0
TRUE_PEAK_DBTP = -1.5
LOUDNESS_RANGE = 11.0
LIMITER_DRIVE_DB = 6.0  # how far above -14 LUFS the limiter is driven
LIMITER_CEILING = 0.6  # -4.4 dBFS sample peak, leaves loudnorm room for its gain
SAMPLE_RATE = 48_000
FFMPEG_TIMEOUT_S = 300


def write_wav(path: Path, pcm: bytes, rate: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)


def normalise_loudness(source: Path, target: Path) -> float:
    """Drive a peak limiter, then linear loudnorm to -14 LUFS; 48 kHz mono AAC. Returns the
    integrated loudness measured on the written file.

    Synthetic speech peaks ~19 dB above its loudness, so loudnorm alone cannot reach -14 LUFS
    under a -1.5 dBTP ceiling (it falls back to dynamic mode and lands near -16). Limiting the
    peaks first (at 48 kHz, where sample peaks track true peaks), by a drive computed from a
    raw measurement, brings the crest to about 11 dB, so the linear pass fits under the ceiling.
    The measuring passes use ebur128 (the same BS.1770 loudness) because loudnorm's own
    analysis resamples to 192 kHz and costs ten times more; the voice is mono, so is the AAC.
    """
    try:
        raw = _ebur128(source, "")
        drive = min(max(TARGET_LUFS - raw["I"] + LIMITER_DRIVE_DB, 0.0), 40.0)
        limiter = (
            f"aresample={SAMPLE_RATE},volume={drive:.2f}dB,"
            f"alimiter=limit={LIMITER_CEILING}:attack=1:release=20:level=false"
        )
        m = _ebur128(source, limiter)
        chain = (
            f"{limiter},loudnorm=I={TARGET_LUFS}:TP={TRUE_PEAK_DBTP}:LRA={LOUDNESS_RANGE}"
            f":measured_I={m['I']}:measured_TP={m['TP']}:measured_LRA={m['LRA']}"
            f":measured_thresh={m['threshold']}:linear=true,aresample={SAMPLE_RATE}"
        )
        run_ffmpeg(
            [
                "-y",
                "-i",
                str(source),
                "-af",
                chain,
                "-ac",
                "1",
                "-c:a",
                "aac",
                "-aac_coder",
                "fast",
                "-b:a",
                "128k",
                "-movflags",
                "+faststart",
                str(target),
            ],
            timeout=FFMPEG_TIMEOUT_S,
        )
        return _ebur128(target, "")["I"]
    except (MediaError, OSError, subprocess.TimeoutExpired) as exc:
        raise TransientError(f"loudness normalisation failed: {exc}") from exc


def _ebur128(source: Path, chain: str) -> dict[str, float]:
    """BS.1770 integrated loudness, its gating threshold, loudness range and true peak of
    ``source`` after the filter ``chain``."""
    graph = f"{chain}," if chain else ""
    log_text = run_ffmpeg(
        ["-i", str(source), "-af", f"{graph}ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
        timeout=FFMPEG_TIMEOUT_S,
    )
    summary = log_text[log_text.rfind("Summary:") :]
    found = {
        "I": re.search(r"I:\s*(\S+) LUFS", summary),
        "threshold": re.search(r"I:\s*\S+ LUFS\s*Threshold:\s*(\S+) LUFS", summary),
        "LRA": re.search(r"LRA:\s*(\S+) LU", summary),
        "TP": re.search(r"Peak:\s*(\S+) dBFS", summary),
    }
    missing = [name for name, match in found.items() if match is None]
    if missing:
        raise MediaError(f"no {', '.join(missing)} in the ebur128 summary: {summary[-500:]}")
    values = {name: float(match.group(1)) for name, match in found.items() if match}
    if not math.isfinite(values["I"]):
        raise MediaError("the narration is silent (integrated loudness -inf)")
    return values
