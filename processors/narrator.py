"""narrator: ``script.ready`` -> ``voice.ready``.

Speaks the hook, every section and the call to action (the "parts", in that order, a short pause
between them), keeps per-word timings as a JSON artifact for captions, and loudness-normalises
the audio for YouTube (measured, limited, loudnorm to -14 LUFS, 48 kHz AAC). Part ``i`` starts at
``section_starts_s[i]``; a timed word's ``section`` is its part index (0 = hook, 1..n = the
script's sections, n+1 = call to action). Synthesis is cached by input hash, so a redelivered
script is never spoken twice.

Voices come in tiers chosen by settings (ElevenLabs, else OpenAI TTS, else espeak-ng); with two
paid tiers the narrator steps down to the cheaper one when the video's cost so far plus the
premium voice's projected cost (characters x the price table) would pass its budget. With a
paid voice every part is also kept as it arrives, so a narration that fails half way pays only
for the parts still missing when it is retried.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import av

from processors.audio import normalise_loudness, write_wav
from processors.providers import ProviderContractError
from processors.providers.openai_client import openai_client
from processors.providers.voice import Speech, TimedWord, UnknownVoice, Voice, VoiceUnavailable
from processors.providers.voice.elevenlabs import ElevenLabsVoice, elevenlabs_client
from processors.providers.voice.espeak import EspeakVoice
from processors.providers.voice.openai_tts import OpenAITTSVoice
from ytempire.core.artifacts import ArtifactStore, artifact_record
from ytempire.core.cache import ResultCache
from ytempire.core.events import (
    Emit,
    content_hash,
    cost_events,
    cost_so_far,
    derive_envelope,
    spent,
)
from ytempire.core.logging import get_logger
from ytempire.core.media import MediaError, probe
from ytempire.core.pricing import Usage, bill, current_table
from ytempire.core.records import Envelope, Script, ScriptReady, VideoSpec, VoiceReady
from ytempire.core.script_brief import WORDS_PER_MINUTE
from ytempire.core.settings import Settings
from ytempire.core.spend import SpendJournal, spend_events
from ytempire.core.voices import voice_plan
from ytempire.stage import PermanentError, StageSpec, TransientError

log = get_logger("ytempire.narrator")

NAME = "narrator"
OUTPUT_TOPIC = "voice.ready"
VERSION = "3"  # bump when the same script would now sound different (keys the cache)
PART_GAP_S = 0.4


class NarratorStage:
    """The narrator stage; ``voice`` speaks (``economy`` when the budget says so), ``store``
    keeps audio and timings. Each part's speech is recorded in ``journal`` as it arrives, so a
    narration that fails half way still bills the parts it paid for."""

    spec = StageSpec(name=NAME, inputs=("script.ready",), outputs=(OUTPUT_TOPIC, "cost.incurred"))

    def __init__(
        self, voice: Voice, store: ArtifactStore, cache: ResultCache, work_dir: Path,
        journal: SpendJournal, economy: Voice | None = None, parts: ResultCache | None = None,
    ) -> None:
        self.voice = voice
        self.journal = journal
        self.store = store
        self.cache = cache
        self.work_dir = Path(work_dir)
        self.economy = economy
        self.parts = parts

    def handle(self, event: ScriptReady) -> list[Emit]:
        spec, script = event.spec, event.script
        parts = narration_parts(script)
        if not any(re.search(r"\w", part) for part in parts):
            raise PermanentError(
                "script has no words to narrate (hook, sections and call to action are all empty)"
            )
        language = script.language or spec.language or "en"
        envelope = event.envelope
        voice = self._tier(parts, envelope, spec)
        try:
            voice_name = voice.resolve(spec.voice, language)
        except UnknownVoice as exc:
            raise PermanentError(str(exc)) from exc
        except VoiceUnavailable as exc:
            raise TransientError(str(exc)) from exc
        key = content_hash(NAME, VERSION, voice.provider, voice.model, voice_name, language, parts)
        input_id = envelope.event_id
        result, paid = self.cache.once(key, input_id,
                                       lambda: self._narrate(parts, voice_name, voice, input_id),
                                       valid=self._artifacts_present)
        if paid and self.parts is not None:  # a paid voice: bill what the journal holds
            costs = spend_events(envelope, self.journal)
            spent_usd = self.journal.usd(input_id)
        else:
            costs = cost_events(envelope, stage=NAME, billed=result, paid=paid, call_key=key)
            spent_usd = spent(result, paid)
        voice_ready = VoiceReady(
            envelope=derive_envelope(envelope, NAME, OUTPUT_TOPIC, spent=spent_usd),
            spec=spec,
            script=script,
            audio=artifact_record(result["audio"]),
            word_timings=artifact_record(result["word_timings"]),
            duration_s=result["duration_s"],
            section_starts_s=result["section_starts_s"],
            loudness_lufs=result["loudness_lufs"],
            voice=result["voice"],
        )
        return [Emit(OUTPUT_TOPIC, voice_ready), *costs]

    def _tier(self, parts: list[str], envelope: Envelope, spec: VideoSpec) -> Voice:
        """The premium voice, unless its projected cost would take the video past its budget."""
        if self.economy is None:
            return self.voice
        characters = sum(len(part) for part in parts)
        projected = current_table().price(self.voice.provider, self.voice.model, "characters",
                                          characters)
        so_far, budget = cost_so_far(envelope), spec.budget_usd
        if so_far + projected <= budget:
            return self.voice
        log.info("stepping down to the economy voice", voice=self.economy.provider,
                 projected_usd=str(projected), cost_so_far_usd=str(so_far),
                 budget_usd=str(budget))
        return self.economy

    def _artifacts_present(self, result: dict[str, Any]) -> bool:
        """A cached narration is reusable only while its artifacts are still in the store."""
        return all(self.store.path(result[name]).exists() for name in ("audio", "word_timings"))

    def _narrate(self, parts: list[str], voice_name: str, voice: Voice,
                 input_id: str) -> dict[str, Any]:
        speeches = []
        for index, part in enumerate(parts):
            try:
                speeches.append(self._speak(voice, part, voice_name, input_id, index))
            except UnknownVoice as exc:
                raise PermanentError(str(exc)) from exc
            except VoiceUnavailable as exc:
                raise TransientError(str(exc)) from exc
        pcm, rate, starts, words = join_parts(speeches, PART_GAP_S)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.work_dir, prefix="narrator-") as tmp:
            raw, audio = Path(tmp) / "speech.wav", Path(tmp) / "narration.m4a"
            write_wav(raw, pcm, rate)
            loudness = normalise_loudness(raw, audio)
            try:
                duration = probe(audio).duration_s
            except (MediaError, OSError, av.error.FFmpegError) as exc:
                raise TransientError(f"cannot measure the narration audio: {exc}") from exc
            audio_artifact = self.store.put_file(audio, "audio/mp4")
        timings = [
            {
                "word": w.word,
                "start_s": round(w.start_s, 3),
                "end_s": round(w.end_s, 3),
                "section": part,
            }
            for part, w in words
        ]
        timings_artifact = self.store.put_bytes(
            json.dumps(timings, ensure_ascii=False).encode(), ".json", "application/json"
        )
        log.info(
            "narrated",
            voice=voice_name,
            duration_s=round(duration, 2),
            loudness_lufs=round(loudness, 2),
            words=len(timings),
        )
        return {
            "audio": audio_artifact,
            "word_timings": timings_artifact,
            "duration_s": duration,
            "section_starts_s": [round(s, 3) for s in starts],
            "loudness_lufs": round(loudness, 2),
            "voice": f"{voice.provider}/{voice_name}",
            **bill([Usage(voice.provider, voice.model, "characters",
                          sum(len(part) for part in parts))]),
        }


    def _speak(self, voice: Voice, text: str, voice_name: str, input_id: str,
               index: int) -> Speech:
        """One part, from the part cache when a failed attempt already paid for it; a part
        spoken now is recorded in the journal before anything else happens to it."""
        key = content_hash(NAME, VERSION, voice.provider, voice.model, voice_name, text)
        if self.parts is None:  # a free voice: nothing to keep or bill part by part
            return voice.speak(text, voice_name)
        kept = self.parts.get(key)
        if kept is not None and self.store.path(kept["pcm"]).exists():
            return Speech(pcm=self.store.read_bytes(kept["pcm"]), sample_rate=kept["sample_rate"],
                          words=[TimedWord(**word) for word in kept["words"]])
        call = f"part{index}:{key[:16]}"
        try:
            speech = voice.speak(text, voice_name)
        except ProviderContractError as exc:  # billed, but unusable: another call next time
            self.journal.record(input_id, f"{call}#{len(self.journal.calls(input_id))}",
                                exc.usage)
            raise
        self.journal.record(input_id, call,
                            [Usage(voice.provider, voice.model, "characters", len(text))])
        self.parts.put(key, {"pcm": self.store.put_bytes(speech.pcm, ".pcm", "audio/L16"),
                             "sample_rate": speech.sample_rate,
                             "words": [asdict(word) for word in speech.words]})
        return speech


def narration_parts(script: Script) -> list[str]:
    """What is spoken, in order: hook, each section's narration, call to action."""
    return [
        script.hook.strip(),
        *(section.narration.strip() for section in script.sections),
        script.call_to_action.strip(),
    ]


def join_parts(
    speeches: list[Speech], gap_s: float
) -> tuple[bytes, int, list[float], list[tuple[int, TimedWord]]]:
    """Concatenate the parts with ``gap_s`` of silence between them; shift their word timings.

    Returns the PCM, its sample rate, each part's start and the (part index, word) timeline.
    """
    rate = speeches[0].sample_rate
    if any(s.sample_rate != rate for s in speeches):
        raise TransientError("voice returned parts at different sample rates")
    gap = b"\0\0" * int(gap_s * rate)
    chunks: list[bytes] = []
    starts: list[float] = []
    words: list[tuple[int, TimedWord]] = []
    offset = 0
    for index, speech in enumerate(speeches):
        if index:
            chunks.append(gap)
            offset += len(gap) // 2
        starts.append(offset / rate)
        chunks.append(speech.pcm)
        words.extend(
            (index, TimedWord(w.word, w.start_s + offset / rate, w.end_s + offset / rate))
            for w in speech.words
        )
        offset += len(speech.pcm) // 2
    return b"".join(chunks), rate, starts, words


def voice_tiers(settings: Settings) -> list[Voice]:
    """The voices of ``voice_plan``, built."""
    def make(name: str) -> Voice:
        if name == "elevenlabs":
            return ElevenLabsVoice(elevenlabs_client(settings), settings.elevenlabs_model,
                                   settings.provider_max_retries)
        if name == "openai":
            return OpenAITTSVoice(openai_client(settings), settings.tts_model)
        return EspeakVoice(words_per_minute=WORDS_PER_MINUTE)

    return [make(name) for name in voice_plan(settings)]


def build(settings: Settings) -> NarratorStage:
    """The narrator with the voices settings allow (see ``voice_tiers``); spoken parts are
    kept only when a voice costs money (free speech is cheaper to redo than to store)."""
    tiers = voice_tiers(settings)
    table = current_table()
    paid = any(table.price(v.provider, v.model, "characters", 1000) > 0 for v in tiers)
    cache_root = settings.data_dir / "cache"
    return NarratorStage(
        voice=tiers[0],
        store=ArtifactStore(settings.artifacts_dir),
        cache=ResultCache(cache_root, NAME),
        work_dir=settings.data_dir / "tmp",
        journal=SpendJournal(settings.data_dir, NAME),
        economy=tiers[1] if len(tiers) > 1 else None,
        parts=ResultCache(cache_root, f"{NAME}-parts") if paid else None,
    )
