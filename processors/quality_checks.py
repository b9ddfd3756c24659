"""The quality gate's checks: each grades one thing the stage measured (script, audio, picture,
metadata, policy, originality) against its weight in ``WEIGHTS``, and ``verdict_of`` sums them
into the score, the verdict and the reasons. Pure functions of what was measured: the stage
(``processors.quality``) does the measuring, the caching and the events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from processors.analysis import LONG_SILENCE_S, MediaReport
from processors.originality import SAME_SCRIPT, SIMILAR, Finding
from processors.providers.policy import PolicyVerdict
from processors.providers.script.limits import (
    DESCRIPTION_MAX_BYTES,
    TAGS_MAX_CHARS,
    TITLE_MAX_CHARS,
    tags_length,
)
from ytempire.core.records import QualityCheck, Script, VideoSpec
from ytempire.core.requests import RESOLUTIONS
from ytempire.core.script_brief import WORDS_PER_MINUTE

CRITICAL_CAP = 40.0
TARGET_LUFS = -14.0
THUMBNAIL_SIZE = (1280, 720)
THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024  # YouTube's limit for custom thumbnails

WEIGHTS = {
    ("script", "length"): 6, ("script", "structure"): 6, ("script", "repetition"): 2,
    ("script", "readability"): 3, ("script", "originality"): 3,
    ("audio", "loudness"): 12, ("audio", "peaks"): 5, ("audio", "silence"): 8,
    ("video", "black_frames"): 10, ("video", "frozen_frames"): 6, ("video", "duration"): 7,
    ("video", "resolution"): 7, ("video", "captions"): 5,
    ("metadata", "title"): 3, ("metadata", "description"): 2, ("metadata", "tags"): 2,
    ("metadata", "thumbnail"): 3,
    ("policy", "content"): 10,
}


@dataclass(frozen=True)
class Check:
    """One line of the breakdown; ``reason`` is set when points were lost."""

    category: str
    name: str
    score: float
    max_score: float
    detail: str
    reason: str = ""
    critical: bool = False

    def record(self) -> QualityCheck:
        return QualityCheck(category=self.category, name=self.name, score=round(self.score, 2),
                            max_score=float(self.max_score), detail=self.detail)


def grade(category: str, name: str, fraction: float, detail: str, problem: str = "",
          critical: bool = False) -> Check:
    """A check worth ``WEIGHTS[(category, name)]`` scored at ``fraction`` of it."""
    weight = WEIGHTS[(category, name)]
    score = weight * min(max(fraction, 0.0), 1.0)
    lost = weight - score
    reason = ""
    if lost > 0.005 or critical:
        reason = f"{category} {name.replace('_', ' ')}: {problem or detail}"
        reason += " (critical)" if critical else f" (-{lost:.1f})"
    return Check(category, name, score, weight, detail, reason, critical)


def ramp(value: float, good: float, bad: float) -> float:
    """1 up to ``good``, falling linearly to 0 at ``bad`` (either direction)."""
    if (value - good) * (bad - good) <= 0:
        return 1.0
    return max(0.0, 1 - (value - good) / (bad - good))


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if re.search(r"\w", s)]


def syllables(word: str) -> int:
    """English syllables by vowel groups, a final silent e dropped; good enough for Flesch."""
    word = word.lower()
    count = len(re.findall(r"[aeiouy]+", word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(count, 1)


def flesch_reading_ease(text: str) -> float:
    words = re.findall(r"[A-Za-z']+", text)
    if not words:
        return 0.0
    per_sentence = len(words) / max(len(sentences(text)), 1)
    per_word = sum(syllables(w) for w in words) / len(words)
    return 206.835 - 1.015 * per_sentence - 84.6 * per_word


def script_checks(script: Script, spec: VideoSpec, narration_s: float) -> list[Check]:
    target = spec.target_duration_s
    spoken = narration_s if narration_s > 0 else script.word_count * 60 / WORDS_PER_MINUTE
    off = spoken / target - 1 if target > 0 else 0.0
    length = grade("script", "length", ramp(abs(off), 0.25, 0.75),
                   f"narration {spoken:.1f} s for a {target} s target ({off:+.0%}), "
                   f"{script.word_count} words")

    sections = script.sections
    complete = [s for s in sections if s.heading.strip() and s.narration.strip()]
    present = {"hook": script.hook.strip(), "sections": complete,
               "call to action": script.call_to_action.strip()}
    missing = [name for name, ok in present.items() if not ok]
    parts = (bool(script.hook.strip()) + bool(script.call_to_action.strip())
             + (len(complete) / len(sections) if sections else 0.0))
    structure = grade("script", "structure", parts / 3,
                      f"hook, {len(complete)}/{len(sections)} complete sections, call to action",
                      f"missing {', '.join(missing)}" if missing else "incomplete sections")

    narrated = " ".join([script.hook, *(s.narration for s in sections), script.call_to_action])
    said = [" ".join(re.findall(r"\w+", s.lower())) for s in sentences(narrated)]
    repeated = 1 - len(set(said)) / len(said) if said else 0.0
    repetition = grade("script", "repetition", ramp(repeated, 0.0, 0.2),
                       f"{len(said) - len(set(said))} of {len(said)} sentences repeated")

    if script.language.lower().startswith("en"):
        ease = flesch_reading_ease(narrated)
        readability = grade("script", "readability", ramp(ease, 50, 10),
                            f"Flesch reading ease {ease:.0f}",
                            f"hard to follow (Flesch {ease:.0f})")
    else:
        readability = grade("script", "readability", 1.0,
                            f"not measured for language {script.language!r}")
    return [length, structure, repetition, readability]


def audio_checks(report: MediaReport) -> list[Check]:
    if not report.has_audio:
        return [grade("audio", name, 0.0, "the video has no audio stream",
                      critical=name == "loudness") for name in ("loudness", "peaks", "silence")]
    lufs, peak = report.integrated_lufs, report.true_peak_dbtp
    inaudible = lufs < -40
    loudness = grade("audio", "loudness", ramp(abs(lufs - TARGET_LUFS), 2.0, 10.0),
                     f"integrated {lufs:.1f} LUFS (target {TARGET_LUFS:.0f})",
                     f"inaudible ({lufs:.1f} LUFS)" if inaudible
                     else f"{lufs - TARGET_LUFS:+.1f} LU off target",
                     critical=inaudible)
    clipped = peak > 0 or (report.flat_factor > 0 and report.sample_peak_db >= -0.1)
    peaks = grade("audio", "peaks", 0.0 if clipped else ramp(peak, -1.0, 0.0),
                  f"true peak {peak:.1f} dBTP, sample peak {report.sample_peak_db:.1f} dBFS",
                  "clipping" if clipped else "true peak above -1 dBTP")
    duration = max(report.info.duration_s, 0.001)
    silent = sum(end - start for start, end in report.silences)
    mostly_silent = silent / duration >= 0.5
    silence = grade("audio", "silence", ramp(silent / duration, 0.0, 0.3),
                    f"{len(report.silences)} silence(s) over {LONG_SILENCE_S:.0f} s, "
                    f"{silent:.1f} s of {duration:.1f} s", critical=mostly_silent)
    return [loudness, peaks, silence]


def caption_cues(text: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of every caption in an ASS or SRT/WebVTT file."""
    def seconds(stamp: str) -> float:
        h, m, s = ([0.0] + [float(x) for x in stamp.replace(",", ".").split(":")])[-3:]
        return h * 3600 + m * 60 + s

    cues = []
    for line in text.splitlines():
        if line.startswith("Dialogue:"):
            fields = line.split(",", 9)
            if len(fields) == 10:
                words = re.sub(r"\{[^}]*\}", "", fields[9]).replace("\\N", " ").strip()
                cues.append((seconds(fields[1]), seconds(fields[2]), words))
    if cues:
        return cues
    stamp = r"((?:\d+:)?\d+:\d+[.,]\d+)"
    for match in re.finditer(rf"{stamp}\s*-->\s*{stamp}[^\n]*\n((?:.+\n?)+)", text):
        cues.append((seconds(match.group(1)), seconds(match.group(2)), match.group(3).strip()))
    return cues


def video_checks(report: MediaReport, spec: VideoSpec, narration_s: float,
                 cues: list[tuple[float, float, str]]) -> list[Check]:
    info = report.info
    duration = max(info.duration_s, 0.001)
    black = report.black_s / duration
    black_frames = grade("video", "black_frames", ramp(black, 0.02, 0.3),
                         f"{report.black_s:.1f} s black of {duration:.1f} s ({black:.0%})",
                         critical=black >= 0.5)
    frozen = report.frozen_s / duration
    frozen_frames = grade("video", "frozen_frames", ramp(frozen, 0.1, 0.5),
                          f"{report.frozen_s:.1f} s frozen of {duration:.1f} s ({frozen:.0%})")
    off = abs(duration - narration_s) / narration_s if narration_s > 0 else 0.0
    timing = grade("video", "duration", ramp(off, 0.05, 0.2),
                   f"{duration:.2f} s for {narration_s:.2f} s of narration ({off:.1%} apart)")
    want = RESOLUTIONS[spec.format]
    right = (info.width, info.height) == want
    codecs = (info.video_codec, info.audio_codec) == ("h264", "aac")
    resolution = grade("video", "resolution", (0.7 + 0.3 * codecs) if right else 0.0,
                       f"{info.width}x{info.height} {info.video_codec}/{info.audio_codec or '-'}"
                       f", {spec.format} needs {want[0]}x{want[1]} h264/aac",
                       critical=not right)
    spoken = [c for c in cues if c[2]]
    covered = (max(c[1] for c in spoken) - min(c[0] for c in spoken)) / duration if spoken else 0
    captions = grade("video", "captions", (1.0 if covered >= 0.5 else 0.5) if spoken else 0.0,
                     f"{len(spoken)} caption lines covering {covered:.0%} of the video",
                     "" if spoken else "no caption lines")
    return [black_frames, frozen_frames, timing, resolution, captions]


def metadata_checks(script: Script, thumbnail: Path) -> list[Check]:
    title, description, tags = script.title, script.description, script.tags

    def forbidden(text: str) -> bool:
        return "<" in text or ">" in text

    title_ok = 0 < len(title.strip()) <= TITLE_MAX_CHARS and not forbidden(title)
    size = len(description.encode())
    description_ok = 0 < len(description.strip()) and size <= DESCRIPTION_MAX_BYTES \
        and not forbidden(description)
    tag_chars = tags_length(tags)
    tags_ok = bool(tags) and tag_chars <= TAGS_MAX_CHARS and not any(forbidden(t) for t in tags)
    checks = [
        grade("metadata", "title", float(title_ok), f"{len(title)} characters",
              f"title must be 1-{TITLE_MAX_CHARS} characters without < or >"),
        grade("metadata", "description", float(description_ok), f"{size} bytes",
              f"description must be 1-{DESCRIPTION_MAX_BYTES} bytes without < or >"),
        grade("metadata", "tags", float(tags_ok), f"{len(tags)} tags, {tag_chars} characters",
              f"tags must be present and at most {TAGS_MAX_CHARS} characters together"),
    ]
    try:
        with Image.open(thumbnail) as image:
            dims, kind = image.size, image.format
        weight = thumbnail.stat().st_size
        fraction = (1.0 if dims == THUMBNAIL_SIZE else 0.5 if dims[0] * 9 == dims[1] * 16 else 0.0)
        if weight > THUMBNAIL_MAX_BYTES or kind not in ("PNG", "JPEG"):
            fraction = 0.0
        detail = f"{dims[0]}x{dims[1]} {kind}, {weight} bytes"
    except (OSError, UnidentifiedImageError) as exc:
        fraction, detail = 0.0, f"unreadable: {exc}"
    checks.append(grade("metadata", "thumbnail", fraction, detail,
                        f"{detail}; YouTube wants 1280x720 PNG/JPEG under 2 MB"))
    return checks


def policy_check(verdict: PolicyVerdict) -> Check:
    found = "; ".join(f.describe() for f in verdict.findings)
    return grade("policy", "content", 0.0 if verdict.flagged else 1.0,
                 f"{verdict.checker}: {found or 'nothing found'}", critical=verdict.flagged)


def originality_check(found: Finding) -> Check:
    if not found.video_id:
        return grade("script", "originality", 1.0, "the channel's first approved script")
    detail = (f"closest of the channel's recent scripts: video {found.video_id} "
              f"({found.title!r}), similarity {found.similarity:.2f}")
    return grade("script", "originality", ramp(found.similarity, SIMILAR, SAME_SCRIPT), detail,
                 f"the same script as video {found.video_id} ({found.title!r}): similarity "
                 f"{found.similarity:.2f} >= {SAME_SCRIPT}" if found.same_script
                 else f"template-like reuse of video {found.video_id} ({found.similarity:.2f})",
                 critical=found.same_script)


def verdict_of(checks: list[Check], threshold: int) -> tuple[float, bool, list[str]]:
    """(score, passed, reasons): critical defects cap the score and fail the video."""
    score = sum(c.score for c in checks)
    critical = [c for c in checks if c.critical]
    if critical:
        score = min(score, CRITICAL_CAP)
    score = round(score, 1)
    passed = score >= threshold and not critical
    reasons = [c.reason for c in critical] + [c.reason for c in checks
                                             if c.reason and not c.critical]
    if critical:
        reasons.append(f"score capped at {CRITICAL_CAP:.0f} by a critical defect")
    elif not passed:
        reasons.insert(0, f"score {score:.1f} is below the threshold {threshold}")
    return score, passed, reasons
