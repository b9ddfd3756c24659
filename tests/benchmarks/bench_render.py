"""Render speed: a 60 s narrated 1080p30 video with motion and captions, no broker.

Run: .venv/bin/python tests/benchmarks/bench_render.py [--duration 60] [--format 16:9]
     [--repeat 3] [--compare]
Prints numbers; asserts nothing. The offline scriptwriter writes the script, the narrator speaks
it, the assembler renders it (stage wall time = stills + thumbnail + ffmpeg). ``--compare`` also
times the bare ffmpeg run of our graph against a naive zoompan + veryfast graph on the same
stills, captions and audio. CPU seconds are the ffmpeg children's user+sys time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import ffmpeg

from processors import assembler, narrator, render, scriptwriter
from processors.assembler import PAN_MARGIN, SIZES, part_slides, shots
from ytempire.core.logging import configure
from ytempire.core.media import ffmpeg_exe, probe
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.settings import Settings


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Any, *args: Any) -> tuple[Any, float, float]:
    cpu, wall = children_cpu(), time.monotonic()
    result = fn(*args)
    return result, time.monotonic() - wall, children_cpu() - cpu


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "load_avg_1m": os.getloadavg()[0],
        "ffmpeg": Path(ffmpeg_exe()).name,
    }


def naive_command(clips: list[render.Clip], width: int, height: int) -> list[str]:
    """The baseline the issue measured: zoompan per still, x264 veryfast CRF 23."""
    streams = []
    for clip in clips:
        streams.append(
            ffmpeg.input(clip.image, loop=1, framerate=render.FPS)
            .filter(
                "zoompan",
                z="min(zoom+0.0008,1.15)",
                d=clip.frames,
                s=f"{width}x{height}",
                fps=render.FPS,
                x="iw/2-(iw/zoom/2)",
                y="ih/2-(ih/zoom/2)",
            )
            .filter("trim", end_frame=clip.frames)
        )
    video = ffmpeg.concat(*streams, v=1, a=0).filter(
        "ass", "captions.ass", fontsdir=render.FONTS_DIR
    )
    out = ffmpeg.output(
        video,
        ffmpeg.input("narration.m4a").audio,
        "naive.mp4",
        vcodec="libx264",
        preset="veryfast",
        crf=23,
        pix_fmt="yuv420p",
        acodec="copy",
        movflags="+faststart",
    )
    return out.compile(cmd=ffmpeg_exe(), overwrite_output=True)  # type: ignore[no-any-return]


def compare(stage: assembler.AssemblerStage, voice_ready: dict[str, Any], work: Path) -> dict:
    """Bare ffmpeg runs, ours vs naive, on identical inputs."""
    spec, script = voice_ready["spec"], voice_ready["script"]
    width, height = SIZES[spec["format"]]
    words = json.loads(stage.store.path(voice_ready["word_timings"]).read_text())
    duration = voice_ready["duration_s"]
    slides = part_slides(script, len(voice_ready["section_starts_s"]))
    shown = shots(slides, render.clip_frames(voice_ready["section_starts_s"], duration))
    clips = stage._stills(shown, script["title"], spec["topic"], width, height, work)
    (work / "captions.ass").write_text(
        render.captions_ass(
            words, width, height, assembler.CAPTION_STYLES[spec["format"]], duration
        )
    )
    (work / "narration.m4a").symlink_to(stage.store.path(voice_ready["audio"]))
    ours = render.command(clips, "captions.ass", "narration.m4a", "ours.mp4", width, height)
    results = {}
    for name, args in (
        ("ours", ours),
        ("naive_zoompan_veryfast", naive_command(clips, width, height)),
    ):
        _, wall, cpu = timed(render.run, args, work, 1800)
        out = work / ("ours.mp4" if name == "ours" else "naive.mp4")
        results[name] = {
            "wall_s": round(wall, 2),
            "ffmpeg_cpu_s": round(cpu, 2),
            "x_realtime": round(duration / wall, 2),
            "size_mb": round(out.stat().st_size / 1e6, 2),
            "duration_s": round(probe(out).duration_s, 2),
        }
    results["pan_margin"] = PAN_MARGIN
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--format", default="16:9", choices=["16:9", "9:16"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args()
    configure(stream=sys.stderr)  # stage logs to stderr, the report alone on stdout
    report: dict[str, Any] = {"machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        request = request_event(
            VideoRequest(
                topic="How honeybees make honey",
                format=args.format,
                target_duration_s=args.duration,
            )
        ).value
        script_ready = scriptwriter.build(settings).handle(request)[0].value
        speaker = narrator.build(settings)
        voice_ready, narrator_s, narrator_cpu = timed(lambda: speaker.handle(script_ready)[0].value)
        report["narration"] = {
            "words": script_ready["script"]["word_count"],
            "duration_s": round(voice_ready["duration_s"], 2),
            "loudness_lufs": voice_ready["loudness_lufs"],
            "narrator_wall_s": round(narrator_s, 2),
            "narrator_ffmpeg_cpu_s": round(narrator_cpu, 2),
        }
        runs = []
        for i in range(args.repeat):
            stage = assembler.build(Settings(data_dir=Path(tmp) / f"run{i}"))
            stage.store = speaker.store  # the narration lives in the first store
            emits, wall, cpu = timed(stage.handle, voice_ready)
            assembled = emits[0].value
            runs.append(
                {
                    "assembler_wall_s": round(wall, 2),
                    "ffmpeg_cpu_s": round(cpu, 2),
                    "x_realtime": round(assembled["duration_s"] / wall, 2),
                    "video_duration_s": assembled["duration_s"],
                    "size": f"{assembled['width']}x{assembled['height']}",
                    "mp4_mb": round(assembled["video"]["size_bytes"] / 1e6, 2),
                }
            )
        report["assembler_runs"] = runs
        report["assembler_median_x_realtime"] = statistics.median(r["x_realtime"] for r in runs)
        if args.compare:
            work = Path(tmp) / "compare"
            work.mkdir()
            report["ffmpeg_only"] = compare(stage, voice_ready, work)
        report["machine"]["load_avg_1m_after"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
