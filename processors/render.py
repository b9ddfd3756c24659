"""The one ffmpeg run that turns stills, captions and narration into the MP4.

Why the graph looks like this (measured on 2 cores, see docs/benchmarks.md): each still is
decoded and converted to 4:2:0 once, repeated in memory by ``loop``, and moved by ``crop``
with x/y expressions of the frame number. Cropping only shifts plane pointers, so motion is
nearly free, where ``zoompan`` rescales every frame. Captions are burned by libass (``ass``).
x264 ``ultrafast`` (with CABAC and deblocking back on) costs a third of ``veryfast`` here and
still encodes slow pans over gradients cleanly. Frames travel as NV12, x264's own layout (libass
blends on it directly), which saves x264 an interleaving pass per frame (~10% CPU); the stream
is ordinary 8-bit 4:2:0 and decodes as yuv420p.
"""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from ytempire.core.media import ffmpeg_exe
from ytempire.core.processes import die_with_parent

FPS = 30
CRF = 21
X264_PARAMS = "cabac=1:deblock=1,0,0"
PIX_FMT = "nv12"
AUDIO_BITRATE = "160k"
FONTS_DIR = "/usr/share/fonts/truetype/dejavu"

# Directions a clip may pan in: (x from, x to, y from, y to) as fractions of the spare margin.
PANS = (
    (0.0, 1.0, 0.5, 0.5),
    (1.0, 0.0, 0.5, 0.5),
    (0.5, 0.5, 0.0, 1.0),
    (0.5, 0.5, 1.0, 0.0),
    (0.0, 1.0, 0.0, 1.0),
    (1.0, 0.0, 1.0, 0.0),
    (0.0, 1.0, 1.0, 0.0),
    (1.0, 0.0, 0.0, 1.0),
)


class RenderFailed(RuntimeError):
    """ffmpeg exited non-zero; the message carries the tail of its log."""


class RenderTimedOut(RuntimeError):
    """ffmpeg ran past its time limit and was killed."""


@dataclass(frozen=True)
class Clip:
    """One still shown for ``frames`` frames while the view pans across it (``PANS[pan]``),
    or, with ``motion=False``, a video clip scaled and cropped to fill the frame, looped or
    cut to ``frames`` (stock footage moves by itself)."""

    image: str
    frames: int
    pan: int
    motion: bool = True


def clip_frames(starts_s: list[float], duration_s: float) -> list[int]:
    """Frames per part so that parts start on the frame nearest their start and the total
    equals the narration (rounded to a frame). Parts too short for a frame get none."""
    total = max(1, round(duration_s * FPS))
    bounds = [min(total, max(0, round(s * FPS))) for s in starts_s] + [total]
    bounds[0] = 0
    for i in range(1, len(bounds)):
        bounds[i] = max(bounds[i], bounds[i - 1])
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def pan_expressions(clip: Clip) -> tuple[str, str]:
    """x and y crop offsets easing (cosine) from one side of the margin to the other.

    Offsets stay even so the 4:2:0 chroma plane moves with the luma.
    """
    x0, x1, y0, y1 = PANS[clip.pan % len(PANS)]
    span = max(1, clip.frames - 1)
    ease = f"(0.5-0.5*cos(PI*n/{span}))"
    x = f"2*trunc(((iw-ow)*({x0}+{x1 - x0}*{ease}))/2)"
    y = f"2*trunc(((ih-oh)*({y0}+{y1 - y0}*{ease}))/2)"
    return x, y


def command(
    clips: list[Clip], captions: str, audio: str, output: str, width: int, height: int
) -> list[str]:
    """The ffmpeg argument list (ffmpeg-python builds and escapes the filter graph).

    Paths are used as given: run it in the directory holding the inputs and pass bare names,
    which keeps odd characters in data paths out of the filter graph.
    """
    streams = []
    for clip in clips:
        if not clip.motion:
            streams.append(footage_stream(clip, width, height))
            continue
        x, y = pan_expressions(clip)
        stream = (
            ffmpeg.input(clip.image)
            .filter("scale", out_color_matrix="bt709", out_range="tv")
            .filter("format", PIX_FMT)
            .filter("loop", loop=clip.frames - 1, size=1, start=0)
            .filter("settb", f"1/{FPS}")
            .filter("setpts", "N")
            .filter("crop", width, height, x=x, y=y)
        )
        streams.append(stream)
    video = ffmpeg.concat(*streams, v=1, a=0) if len(streams) > 1 else streams[0]
    video = video.filter("ass", captions, fontsdir=FONTS_DIR)
    narration = ffmpeg.input(audio).audio
    out = ffmpeg.output(
        video,
        narration,
        output,
        vcodec="libx264",
        preset="ultrafast",
        crf=CRF,
        pix_fmt=PIX_FMT,
        r=FPS,
        acodec="copy",
        movflags="+faststart",
        colorspace="bt709",
        color_primaries="bt709",
        color_trc="bt709",
        **{"x264-params": X264_PARAMS},
    )
    args: list[str] = out.compile(cmd=ffmpeg_exe(), overwrite_output=True)
    return [args[0], "-hide_banner", "-nostdin", "-loglevel", "error", *args[1:]]


def footage_stream(clip: Clip, width: int, height: int) -> ffmpeg.nodes.FilterableStream:
    """A video clip as ``frames`` frames of ``width`` x ``height`` at ``FPS``: looped from the
    start if short (``-stream_loop``), cut if long, scaled to cover and centre-cropped."""
    return (
        ffmpeg.input(clip.image, stream_loop=-1)
        .video.filter("fps", FPS)
        .filter("trim", end_frame=clip.frames)
        .filter("scale", width, height, force_original_aspect_ratio="increase",
                out_color_matrix="bt709", out_range="tv")
        .filter("crop", width, height)
        .filter("setsar", 1)
        .filter("format", PIX_FMT)
        .filter("settb", f"1/{FPS}")
        .filter("setpts", "N")
    )


def run(args: list[str], cwd: Path, timeout_s: float) -> None:
    """Run one ffmpeg command in ``cwd``; kill it after ``timeout_s``."""
    try:
        proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout_s,
                              preexec_fn=die_with_parent(signal.SIGKILL))
    except subprocess.TimeoutExpired as exc:
        raise RenderTimedOut(f"ffmpeg render killed after {timeout_s:.0f} s") from exc
    if proc.returncode != 0:
        raise RenderFailed(f"ffmpeg exited {proc.returncode}: {proc.stderr[-2000:]}")


# --- captions: word timings -> an .ass file libass burns in ------------------------------------

ASS_HEADER = """[Script Info]
ScriptType: v4.00+
PlayResX: {width}
PlayResY: {height}
WrapStyle: 0
ScaledBorderAndShadow: yes

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, \
Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, \
Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Caption,DejaVu Sans,{size},&H0033D6FF,&H00FFFFFF,&H00000000,&H00000000,\
1,0,0,0,100,100,0,0,1,{outline},0,2,{margin_h},{margin_h},{margin_v},1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""


@dataclass(frozen=True)
class CaptionStyle:
    """Per-format caption layout: a few words per line, bottom centre (higher up on Shorts,
    clear of the app's buttons). No shadow: libass blending is a real share of render time."""

    size: int
    outline: int
    margin_h: int
    margin_v: int
    max_words: int
    max_chars: int


LANDSCAPE_CAPTIONS = CaptionStyle(
    size=66, outline=4, margin_h=120, margin_v=70, max_words=5, max_chars=32
)
SHORTS_CAPTIONS = CaptionStyle(
    size=78, outline=5, margin_h=70, margin_v=520, max_words=3, max_chars=20
)
MAX_PAUSE_S = 0.6  # a longer pause starts a new caption line
HOLD_S = 0.4  # a line stays up this long after its last word, unless the next one starts


def caption_lines(words: list[dict], style: CaptionStyle) -> list[list[dict]]:
    """Group timed words into caption lines: split into phrases (part changes, pauses,
    sentence punctuation), then each phrase into the fewest evenly sized lines that fit."""
    phrases: list[list[dict]] = []
    for word in words:
        if phrases:
            last = phrases[-1][-1]
            if (
                word.get("section") == last.get("section")
                and word["start_s"] - last["end_s"] <= MAX_PAUSE_S
                and not last["word"].endswith((".", "!", "?", ";", ":"))
            ):
                phrases[-1].append(word)
                continue
        phrases.append([word])
    return [line for phrase in phrases for line in _balanced(phrase, style)]


def _balanced(phrase: list[dict], style: CaptionStyle) -> list[list[dict]]:
    count = -(-len(phrase) // style.max_words)
    while count < len(phrase):
        size, extra = divmod(len(phrase), count)
        lines, at = [], 0
        for i in range(count):
            step = size + (1 if i < extra else 0)
            lines.append(phrase[at : at + step])
            at += step
        if all(len(" ".join(w["word"] for w in line)) <= style.max_chars for line in lines):
            return lines
        count += 1
    return [[word] for word in phrase]


def captions_ass(
    words: list[dict], width: int, height: int, style: CaptionStyle, duration_s: float
) -> str:
    """An .ass script: one Dialogue per caption line, each word karaoke-timed (``\\k``) so it
    turns from white to yellow as it is spoken. Nothing outlasts ``duration_s``."""
    header = ASS_HEADER.format(
        width=width,
        height=height,
        size=style.size,
        outline=style.outline,
        margin_h=style.margin_h,
        margin_v=style.margin_v,
    )
    lines = caption_lines(words, style)
    events = []
    for i, line in enumerate(lines):
        start = line[0]["start_s"]
        end = line[-1]["end_s"] + HOLD_S
        if i + 1 < len(lines):
            end = min(end, lines[i + 1][0]["start_s"])
        end = min(max(end, line[-1]["end_s"]), duration_s)
        if end <= start:
            continue
        parts = []
        for j, word in enumerate(line):
            until = line[j + 1]["start_s"] if j + 1 < len(line) else word["end_s"]
            centis = max(1, round((until - word["start_s"]) * 100))
            parts.append(f"{{\\k{centis}}}{_ass_text(word['word'])}")
        events.append(
            f"Dialogue: 0,{_ass_time(start)},{_ass_time(end)},Caption,,0,0,0,," + " ".join(parts)
        )
    return header + "\n".join(events) + "\n"


def _ass_text(text: str) -> str:
    """Plain text for a Dialogue line: no override braces or backslash escapes."""
    return text.replace("\\", "/").replace("{", "(").replace("}", ")").replace("\n", " ")


def _ass_time(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360_000)
    minutes, rest = divmod(rest, 6000)
    secs, centis = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{centis:02d}"
