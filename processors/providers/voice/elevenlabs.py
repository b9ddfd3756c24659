"""ElevenLabs speech (the premium voice tier) through the ``elevenlabs`` client.

Uses ``text_to_speech.convert_with_timestamps``: the answer carries the audio and the start and
end time of every character of the text, so word timings for captions are exact (a word spans
its first character's start to its last character's end). Audio is requested as raw PCM
(``pcm_24000``), so nothing needs decoding. The client retries 429 (honouring Retry-After) and
5xx itself; it does not retry dropped connections, so this module does, with backoff.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
import time
from typing import Any

import httpx
from elevenlabs.client import ElevenLabs
from elevenlabs.core.api_error import ApiError

from processors.providers import ProviderContractError
from processors.providers.voice import (
    Speech,
    TimedWord,
    UnknownVoice,
    VoiceUnavailable,
    split_text,
)
from ytempire.core.pricing import Usage
from ytempire.core.settings import Settings
from ytempire.stage import PermanentError

PROVIDER = "elevenlabs"
SAMPLE_RATE = 24_000
RACHEL = "21m00Tcm4TlvDq8ikWAM"
DEFAULT_VOICES = {"en": RACHEL}
"""Default voice id per language; ``eleven_multilingual_v2`` voices speak every language it
supports, so languages without an entry get ``DEFAULT_VOICE``."""
DEFAULT_VOICE = RACHEL
BACKOFF_S = 0.5
MAX_INPUT_CHARS = 10_000  # per request for eleven_multilingual_v2; longer parts go in pieces
VOICE_ID = re.compile(r"[A-Za-z0-9]{20}")


def elevenlabs_client(settings: Settings) -> ElevenLabs:
    assert settings.elevenlabs_api_key is not None, "build() asks for a client only with a key"
    extra: dict[str, Any] = {"base_url": settings.elevenlabs_base_url} \
        if settings.elevenlabs_base_url else {}
    return ElevenLabs(api_key=settings.elevenlabs_api_key.get_secret_value(),
                      timeout=settings.provider_timeout_s, **extra)


class ElevenLabsVoice:
    """Speech with exact word timings; ``model`` prices it (per character, price table)."""

    provider = PROVIDER

    def __init__(self, client: ElevenLabs, model: str, max_retries: int = 2,
                 max_chars: int = MAX_INPUT_CHARS) -> None:
        self.client = client
        self.model = model
        self.max_retries = max_retries
        self.max_chars = max_chars
        self._by_name: dict[str, str] | None = None

    def resolve(self, voice: str, language: str) -> str:
        """The channel's voice (an id, or a name from the account's voice list), else the
        language's default voice."""
        name = voice.strip()
        if not name:
            return DEFAULT_VOICES.get((language or "en").split("-")[0].lower(), DEFAULT_VOICE)
        if VOICE_ID.fullmatch(name):
            return name
        by_name = self._voices_by_name()
        if name.lower() not in by_name:
            # the account's other voice names are the operator's, not the channel owner's
            raise UnknownVoice(f"ElevenLabs has no voice named {name!r} in this account; "
                               "use a voice id or a name the operator has added")
        return by_name[name.lower()]

    def _voices_by_name(self) -> dict[str, str]:
        """The account's voices, name -> id, listed once per process (a free call)."""
        if self._by_name is None:
            try:
                voices = self.client.voices.get_all().voices
            except httpx.TransportError as exc:
                raise VoiceUnavailable(f"ElevenLabs voice list: {exc}") from exc
            except ApiError as exc:
                raise _api_error(exc, "(voice list)") from exc
            self._by_name = {v.name.lower(): v.voice_id for v in voices if v.name}
        return self._by_name

    def speak(self, text: str, voice: str) -> Speech:
        pcm = b""
        words: list[TimedWord] = []
        for piece in split_text(text, self.max_chars):
            response = self._convert(piece, voice)
            billed = [Usage(PROVIDER, self.model, "characters", len(piece))]
            alignment = response.alignment or response.normalized_alignment
            if alignment is None:
                raise ProviderContractError(PROVIDER, "text_to_speech.convert_with_timestamps",
                                            "alignment", "missing", billed)
            try:
                audio = base64.b64decode(response.audio_base_64 or "", validate=True)
            except (binascii.Error, TypeError) as exc:
                raise ProviderContractError(PROVIDER, "text_to_speech.convert_with_timestamps",
                                            "audio_base64", f"not base64: {exc}", billed) from exc
            if not audio or len(audio) % 2:
                raise ProviderContractError(PROVIDER, "text_to_speech.convert_with_timestamps",
                                            "audio_base64", f"{len(audio)} bytes of 16-bit PCM",
                                            billed)
            offset = len(pcm) / 2 / SAMPLE_RATE
            words += [TimedWord(w.word, w.start_s + offset, w.end_s + offset)
                      for w in words_from_alignment(piece, alignment.characters,
                                                    alignment.character_start_times_seconds,
                                                    alignment.character_end_times_seconds)]
            pcm += audio
        return Speech(pcm=pcm, sample_rate=SAMPLE_RATE, words=words)

    def _convert(self, text: str, voice: str) -> Any:
        for attempt in range(self.max_retries + 1):
            try:
                return self.client.text_to_speech.convert_with_timestamps(
                    voice, text=text, model_id=self.model, output_format=f"pcm_{SAMPLE_RATE}",
                    request_options={"max_retries": self.max_retries})
            except httpx.TransportError as exc:
                if attempt == self.max_retries:
                    raise VoiceUnavailable(f"ElevenLabs connection failed {attempt + 1} times: "
                                           f"{type(exc).__name__}: {exc}") from exc
                time.sleep(random.uniform(0.5, 1.0) * BACKOFF_S * 2 ** attempt)
            except ApiError as exc:
                raise _api_error(exc, voice) from exc
        raise AssertionError("unreachable")


def _api_error(exc: ApiError, voice: str) -> Exception:
    """404 voice -> UnknownVoice; 429/5xx (after the client's retries) -> VoiceUnavailable
    (transient); any other refusal (bad key, quota, bad request) -> PermanentError."""
    status = exc.status_code or 0
    detail = exc.body.get("detail", exc.body) if isinstance(exc.body, dict) else exc.body
    message = f"ElevenLabs HTTP {status}: {detail}"
    if status == 404:
        return UnknownVoice(f"ElevenLabs has no voice {voice!r} ({message})")
    if status in (408, 409, 429) or status >= 500:
        return VoiceUnavailable(message)
    return PermanentError(message)


def words_from_alignment(text: str, characters: list[str], starts: list[float],
                         ends: list[float]) -> list[TimedWord]:
    """The text's whitespace-separated words, each spanning its characters' times.

    The alignment is of the original text, so its non-space runs are the text's words; if a
    server's alignment disagrees (a different word count), words spread over its time span in
    proportion to their length rather than failing the narration.
    """
    words = text.split()
    runs: list[tuple[float, float]] = []
    inside = False
    for char, start, end in zip(characters, starts, ends, strict=False):
        if char.isspace():
            inside = False
        elif inside:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
            inside = True
    if len(runs) != len(words):
        span = (min(starts, default=0.0), max(ends, default=0.0))
        return proportional_words(text, span)
    return [TimedWord(w, float(s), float(max(e, s))) for w, (s, e) in zip(words, runs, strict=True)]


def proportional_words(text: str, span: tuple[float, float]) -> list[TimedWord]:
    """Words spread over ``span`` in proportion to their characters."""
    words = [m.group() for m in re.finditer(r"\S+", text)]
    total = sum(len(w) for w in words) or 1
    start, length = span[0], span[1] - span[0]
    out, done = [], 0
    for word in words:
        out.append(TimedWord(word, start + length * done / total,
                             start + length * (done + len(word)) / total))
        done += len(word)
    return out
