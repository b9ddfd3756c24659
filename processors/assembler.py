"""assembler: ``voice.ready`` -> ``video.assembled``.

One still per narrated part (hook, sections, call to action) with the part's title on it,
panned across while that part is spoken, word-timed captions burned in, the narration muxed
as is: one ffmpeg run (see ``processors.render``). Also the 1280x720 thumbnail. Renders are
cached by input hash, so a redelivered ``voice.ready`` re-emits the same events without
re-rendering. Each call is recorded in the stage's spend journal as it answers (the footage
search, the thumbnail, then the render), so a paid thumbnail is billed once even when the render
after it fails, is cancelled or is killed (``ytempire.core.spend``).
"""

from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import av
import msgspec

from processors import render
from processors.providers import ProviderContractError
from processors.providers.thumbnail import Thumbnailer
from processors.providers.thumbnail.openai_image import OpenAIThumbnail
from processors.providers.thumbnail.title_card import TitleCard
from processors.providers.visuals import Slide, Visuals
from processors.providers.visuals.footage import Footage, Shot
from processors.providers.visuals.generated import GeneratedVisuals
from processors.providers.visuals.pexels import PexelsClient, PexelsFootage
from processors.providers.visuals.stock import credit_lines, footage_needs, photo_still
from ytempire.core.artifacts import ArtifactStore, artifact_record
from ytempire.core.cache import ResultCache
from ytempire.core.events import (
    Emit,
    content_hash,
    cost_events,
    derive_envelope,
    plain,
)
from ytempire.core.logging import get_logger
from ytempire.core.media import probe
from ytempire.core.pricing import Usage, bill
from ytempire.core.records import Artifact, Credit, Script, VideoAssembled, VoiceReady
from ytempire.core.settings import Settings
from ytempire.core.spend import SpendJournal, spend_events
from ytempire.stage import PermanentError, StageSpec, TransientError

log = get_logger("ytempire.assembler")

NAME = "assembler"
OUTPUT_TOPIC = "video.assembled"
VERSION = "4"  # bump when the same input would now render differently (keys the cache)
SIZES = {"LANDSCAPE": (1920, 1080), "SHORTS": (1080, 1920)}
CAPTION_STYLES = {"LANDSCAPE": render.LANDSCAPE_CAPTIONS, "SHORTS": render.SHORTS_CAPTIONS}
PAN_MARGIN = 0.08  # stills are this much larger than the frame; the view pans over the rest
MAX_SHOT_S = 8  # a longer part is shown as several stills
RENDER_TIMEOUT_MIN_S = 180.0
RENDER_TIMEOUT_PER_S = 10.0  # seconds of ffmpeg allowed per second of video


class AssemblerStage:
    """The assembler stage: ``visuals`` draw the stills, ``thumbnailer`` the thumbnail;
    ``journal`` keeps what each event's calls cost as they answer."""

    spec = StageSpec(name=NAME, inputs=("voice.ready",), outputs=(OUTPUT_TOPIC, "cost.incurred"))

    def __init__(
        self,
        visuals: Visuals,
        thumbnailer: Thumbnailer,
        store: ArtifactStore,
        cache: ResultCache,
        work_dir: Path,
        journal: SpendJournal,
        footage: Footage | None = None,
    ) -> None:
        self.visuals = visuals
        self.journal = journal
        self.thumbnailer = thumbnailer
        self.store = store
        self.cache = cache
        self.work_dir = Path(work_dir)
        self.footage = footage
        """Stock clips and photos tried first for every shot; ``visuals`` draw the rest."""

    def handle(self, event: VoiceReady) -> list[Emit]:
        payload = {name: value for name, value in plain(event).items() if name != "envelope"}
        key = content_hash(
            NAME,
            VERSION,
            self.visuals.provider,
            self.visuals.model,
            self.thumbnailer.provider,
            self.thumbnailer.model,
            *((self.footage.provider, self.footage.model) if self.footage else ()),
            json.dumps(payload, sort_keys=True, default=str),
        )
        envelope = event.envelope
        result, paid = self.cache.once(key, envelope.event_id,
                                       lambda: self._assemble(event),
                                       valid=self._artifacts_present)
        if paid:  # this event's render: bill what its journal holds, the ids the runner uses
            costs = spend_events(envelope, self.journal)
            spent_usd = self.journal.usd(envelope.event_id)
        else:
            costs = cost_events(envelope, stage=NAME, billed=result, paid=False, call_key=key)
            spent_usd = Decimal(0)
        credits = result.get("credits", [])
        assembled = VideoAssembled(
            envelope=derive_envelope(envelope, NAME, OUTPUT_TOPIC, spent=spent_usd),
            spec=event.spec,
            script=msgspec.structs.replace(
                event.script, description=credit_lines(event.script.description, credits)),
            video=artifact_record(result["video"]),
            thumbnail=artifact_record(result["thumbnail"]),
            captions=artifact_record(result["captions"]),
            audio=event.audio,
            duration_s=result["duration_s"],
            narration_duration_s=event.duration_s,
            width=result["width"],
            height=result["height"],
            render_seconds=result["render_seconds"],
            credits=msgspec.convert(credits, list[Credit]),
        )
        return [Emit(OUTPUT_TOPIC, assembled), *costs]

    def _artifacts_present(self, result: dict[str, Any]) -> bool:
        """A cached render is reusable only while its artifacts are still in the store."""
        names = ("video", "thumbnail", "captions")
        return all(self.store.path(result[name]).exists() for name in names)

    def _assemble(self, event: VoiceReady) -> dict[str, Any]:
        spec, script, input_id = event.spec, event.script, event.envelope.event_id
        if spec.format not in SIZES:
            raise PermanentError(
                f"unknown video format {spec.format!r}; expected one of {', '.join(SIZES)}"
            )
        width, height = SIZES[spec.format]
        duration = float(event.duration_s)
        if duration <= 0:
            raise PermanentError(f"narration duration is {duration} s; nothing to render")
        audio = self._input_path(event.audio, "narration audio")
        words = self._word_timings(event.word_timings)
        slides = part_slides(script, len(event.section_starts_s))
        frames = render.clip_frames(event.section_starts_s, duration)
        shown = shots(slides, frames)
        started = time.monotonic()
        found: list[Shot | None] = [None] * len(shown)
        stock_usage: list[Usage] = []
        if self.footage is not None:
            needs = footage_needs(script, spec, slides, frames, shown)
            per_part, stock_usage = self.footage.find(needs, width, height)
            found = [shot for part in per_part for shot in part]
            self.journal.record(input_id, "footage", stock_usage)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        with TemporaryDirectory(dir=self.work_dir, prefix="assembler-") as tmp:
            work = Path(tmp)
            clips, thumbnail_usage = self._stills(shown, found, script.title, spec.topic,
                                                  width, height, work, input_id)
            (work / "captions.ass").write_text(
                render.captions_ass(words, width, height, CAPTION_STYLES[spec.format], duration),
                encoding="utf-8",
            )
            (work / f"narration{audio.suffix}").symlink_to(audio)
            args = render.command(
                clips, "captions.ass", f"narration{audio.suffix}", "video.mp4", width, height
            )
            encode_started = time.monotonic()
            try:
                render.run(
                    args,
                    cwd=work,
                    timeout_s=max(RENDER_TIMEOUT_MIN_S, RENDER_TIMEOUT_PER_S * duration),
                )
            except (render.RenderFailed, render.RenderTimedOut) as exc:
                raise TransientError(str(exc)) from exc
            encode_seconds = time.monotonic() - encode_started
            info = probe(work / "video.mp4")
            if (info.video_codec, info.audio_codec, info.width, info.height) != (
                "h264",
                "aac",
                width,
                height,
            ):
                raise TransientError(
                    f"rendered video is {info}, expected h264/aac {width}x{height}"
                )
            drawn = found.count(None)
            self.journal.record(input_id, "render", [
                Usage("ffmpeg", "libx264", "seconds", round(info.duration_s, 3)),
                *([Usage(self.visuals.provider, self.visuals.model, "images", drawn)]
                  if drawn else [])])
            result = {
                "video": self.store.put_file(work / "video.mp4", "video/mp4"),
                "thumbnail": self.store.put_file(work / "thumbnail.png", "image/png"),
                "captions": self.store.put_file(work / "captions.ass", "text/x-ssa"),
                "duration_s": round(info.duration_s, 3),
                "width": width,
                "height": height,
                "render_seconds": round(time.monotonic() - started, 3),
                "credits": [asdict(shot.credit) for shot in _unique(found)],
                **bill([
                    Usage("ffmpeg", "libx264", "seconds", round(info.duration_s, 3)),
                    *([Usage(self.visuals.provider, self.visuals.model, "images", drawn)]
                      if drawn else []),
                    *stock_usage,
                    *thumbnail_usage,
                ]),
            }
        log.info(
            "assembled",
            duration_s=result["duration_s"],
            clips=len(clips),
            render_seconds=result["render_seconds"],
            encode_seconds=round(encode_seconds, 3),
            x_realtime=round(duration / max(encode_seconds, 1e-6), 2),
        )
        return result

    def _stills(
        self,
        shown: list[tuple[Slide, int]],
        found: list[Shot | None],
        title: str,
        topic: str,
        width: int,
        height: int,
        work: Path,
        input_id: str,
    ) -> tuple[list[render.Clip], list[Usage]]:
        """Draw every still and the thumbnail, two at a time (Pillow releases the GIL); a shot
        with stock footage uses the clip (as is) or the photo (cropped to the canvas) instead.
        Also what the thumbnail was billed for."""
        canvas_w = _even(width * (1 + PAN_MARGIN))
        canvas_h = _even(height * (1 + PAN_MARGIN))
        safe = (1 - PAN_MARGIN) / (1 + PAN_MARGIN)
        with ThreadPoolExecutor(max_workers=2) as pool:
            thumb = pool.submit(self._thumbnail, title, topic, work / "thumbnail.png", input_id)
            images = [
                pool.submit(
                    self.visuals.render, slide, canvas_w, canvas_h, safe, work / f"part{i}.bmp"
                )
                if stock is None
                else pool.submit(photo_still, stock.path, canvas_w, canvas_h, work / f"part{i}.bmp")
                if stock.kind == "photo"
                else None
                for i, ((slide, _), stock) in enumerate(zip(shown, found, strict=True))
            ]
            paths = [future.result() if future else None for future in images]
            thumbnail_usage = thumb.result()
        clips = []
        previous = -1
        for i, ((slide, count), path, stock) in enumerate(zip(shown, paths, found, strict=True)):
            if path is None and stock is not None:
                (work / f"part{i}{stock.path.suffix}").symlink_to(stock.path)
                clips.append(render.Clip(f"part{i}{stock.path.suffix}", count, 0, motion=False))
                continue
            assert path is not None
            pan = int(hashlib.sha256(slide.seed.encode()).hexdigest()[:8], 16) % len(render.PANS)
            if pan == previous:
                pan = (pan + 1) % len(render.PANS)
            previous = pan
            clips.append(render.Clip(path.name, count, pan))
        return clips, thumbnail_usage

    def _thumbnail(self, title: str, topic: str, out: Path, input_id: str) -> list[Usage]:
        """The thumbnail, journalled as soon as it is drawn: whatever fails after it (a still,
        the render), the image it paid for is billed. A billed but unusable answer is a call of
        its own; the next try makes another. A picture paid for before (by an earlier try or
        another video) costs nothing now."""
        try:
            usage = self.thumbnailer.render(title, topic, title, out)
        except ProviderContractError as exc:
            self.journal.record(input_id, f"thumbnail#{len(self.journal.calls(input_id))}",
                                exc.usage)
            raise
        self.journal.record(input_id, "thumbnail", usage)
        return usage

    def _word_timings(self, artifact: Artifact) -> list[dict[str, Any]]:
        path = self._input_path(artifact, "word timings")
        try:
            words = json.loads(path.read_text(encoding="utf-8"))
            for word in words:
                word["word"] = str(word["word"])
                word["start_s"], word["end_s"] = float(word["start_s"]), float(word["end_s"])
        except (ValueError, TypeError, KeyError) as exc:
            raise PermanentError(
                f"word timings {artifact.uri} are not a JSON list of "
                f"{{word, start_s, end_s, section}}: {exc!r}"
            ) from exc
        return words  # type: ignore[no-any-return]

    def _input_path(self, artifact: Artifact, what: str) -> Path:
        try:
            path = self.store.path(artifact)
        except ValueError as exc:
            raise PermanentError(f"{what}: {exc}") from exc
        if not path.is_file():
            raise PermanentError(f"{what} {artifact.uri} is not in the artifact store")
        if what == "narration audio":
            try:
                with av.open(str(path)) as container:
                    if not container.streams.audio:
                        raise PermanentError(f"{what} {artifact.uri} has no audio stream")
            except av.error.FFmpegError as exc:
                raise PermanentError(f"{what} {artifact.uri} is unreadable: {exc}") from exc
        return path


def part_slides(script: Script, parts: int) -> list[Slide]:
    """The slide for each narrated part: the title over the hook, each section's heading and
    on-screen text, the call to action. ``parts`` is how many starts the narrator reported."""
    title = script.title
    sections = [
        Slide(s.heading, s.on_screen_text, f"{title}\x1f{i}\x1f{s.heading}", tuple(s.keywords))
        for i, s in enumerate(script.sections)
    ]
    if parts == len(sections) + 2:
        return [
            Slide(title, "", f"{title}\x1fhook"),
            *sections,
            Slide(script.call_to_action, "", f"{title}\x1fcta"),
        ]
    if parts == len(sections):
        return sections
    raise PermanentError(
        f"voice.ready has {parts} part starts for {len(sections)} sections; "
        f"expected {len(sections) + 2} (hook, sections, call to action)"
    )


def shots(slides: list[Slide], frames: list[int]) -> list[tuple[Slide, int]]:
    """What is on screen, in order, with its frame count: each part's slide, and for a part
    longer than ``MAX_SHOT_S`` more stills (its text re-arranged, other colours), so no
    picture stays up for long. Parts with no frames are skipped."""
    shown = []
    longest = MAX_SHOT_S * render.FPS
    for slide, count in zip(slides, frames, strict=True):
        pieces = -(-count // longest)
        variants = [
            (slide.title, slide.text),
            (slide.text or slide.title, slide.title),
            (slide.title, " · ".join(slide.keywords) or slide.text),
        ]
        for piece in range(pieces):
            title, text = variants[piece % len(variants)]
            seed = slide.seed if piece == 0 else f"{slide.seed}\x1f{piece}"
            same = text.strip().casefold() == title.strip().casefold()
            variant = Slide(title, "" if same else text, seed, slide.keywords)
            start, end = count * piece // pieces, count * (piece + 1) // pieces
            shown.append((variant, end - start))
    return shown


def _unique(found: list[Shot | None]) -> list[Shot]:
    """The stock shots used, each asset once, in order of appearance."""
    seen: dict[tuple[str, str, str], Shot] = {}
    for shot in found:
        if shot is not None:
            seen.setdefault((shot.credit.provider, shot.credit.kind, shot.credit.asset_id), shot)
    return list(seen.values())


def _even(value: float) -> int:
    return int(value) // 2 * 2


def build(settings: Settings) -> AssemblerStage:
    """The assembler: Pexels footage first when ``pexels_api_key`` is set, generated stills
    for the rest; title-card thumbnails, or OpenAI-made ones with ``thumbnail_provider=openai``
    (and an OpenAI key). No keys: everything offline."""
    store = ArtifactStore(settings.artifacts_dir)
    footage = None
    if settings.pexels_api_key is not None:
        footage = PexelsFootage(PexelsClient(
            settings.pexels_api_key.get_secret_value(), settings.pexels_base_url,
            ResultCache(settings.data_dir / "cache", "pexels"), store,
            timeout_s=settings.provider_timeout_s, max_retries=settings.provider_max_retries))
    return AssemblerStage(
        visuals=GeneratedVisuals(),
        thumbnailer=thumbnailer_for(settings),
        store=store,
        cache=ResultCache(settings.data_dir / "cache", NAME),
        work_dir=settings.data_dir / "tmp",
        journal=SpendJournal(settings.data_dir, NAME),
        footage=footage,
    )


def thumbnailer_for(settings: Settings) -> Thumbnailer:
    if settings.thumbnail_provider == "openai" and settings.openai_api_key is not None:
        return OpenAIThumbnail.from_settings(settings)
    return TitleCard()
