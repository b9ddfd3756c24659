"""``FakeElevenLabs``: the ElevenLabs text-to-speech API as the ``elevenlabs`` client calls it.

``POST /v1/text-to-speech/{voice_id}/with-timestamps`` answers ``audio_base64`` (real speech
from espeak-ng in the requested ``output_format``: ``pcm_<rate>``, ``mp3_<rate>_<kbps>`` or
``wav_<rate>``) and the character ``alignment`` of the original text, built from the speech's
true word timings (each word's characters share its span; spaces fill the gaps).
``GET /v1/voices`` lists the voices it knows. The ``xi-api-key`` header must carry
``api_key`` when one is given. Usage (characters per served request, by model and voice, and the
true word timings) is recorded in ``.usage``; faults and counts come from ``FakeService``.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from tests.fakes.openai_server import encode_audio, synthesize
from tests.fakes.service import FakeService, Reply

VOICES = {
    "21m00Tcm4TlvDq8ikWAM": "Rachel",
    "EXAVITQu4vr4xnSDxMaL": "Sarah",
    "pNInz6obpgDQGcFMJ2oE": "Adam",
}


class FakeElevenLabs(FakeService):
    """``with FakeElevenLabs(api_key="xi-test") as fake: ElevenLabs(base_url=fake.url, ...)``."""

    def __init__(self, api_key: str | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.usage: list[dict[str, Any]] = []
        self.broken: set[str] = set()
        """Out-of-contract 200 answers, billed: ``audio.empty``, ``alignment.missing``."""
        self.route("POST", r"/v1/text-to-speech/(?P<voice_id>[^/]+)/with-timestamps",
                   "text_to_speech.with_timestamps", self._with_timestamps)
        self.route("GET", "/v1/voices", "voices", self._voices)

    def __enter__(self) -> FakeElevenLabs:
        super().__enter__()
        return self

    def error_body(self, status: int) -> dict[str, Any]:
        kind = {429: "too_many_concurrent_requests", 401: "invalid_api_key"}.get(status, "error")
        return {"detail": {"status": kind, "message": f"fake {status}"}}

    def _denied(self, headers: dict[str, str]) -> Reply | None:
        if self.api_key and headers.get("xi-api-key") != self.api_key:
            return Reply(401, self.error_body(401))
        return None

    def _voices(self, _: dict[str, Any], headers: dict[str, str]) -> Reply:
        voices = [{"voice_id": vid, "name": name, "category": "premade"}
                  for vid, name in VOICES.items()]
        return self._denied(headers) or Reply(200, {"voices": voices})

    def _with_timestamps(self, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        denied = self._denied(headers)
        if denied:
            return denied
        voice_id = body["voice_id"]
        if voice_id not in VOICES:
            return Reply(404, {"detail": {"status": "voice_not_found",
                                          "message": f"voice {voice_id} was not found"}})
        text = str(body.get("text") or "")
        fmt = headers.get("query:output_format", "mp3_44100_128")
        match = re.fullmatch(r"(pcm|mp3|wav)_(\d+)(?:_\d+)?", fmt)
        if not match:
            return Reply(422, {"detail": {"status": "invalid_output_format", "message": fmt}})
        codec, rate = match.group(1), int(match.group(2))
        speech = synthesize(text, sample_rate=rate)
        audio, _ = encode_audio(speech.pcm, rate, codec)
        alignment = align_characters(text, speech.words)
        with self.lock:
            self.usage.append({"model": body.get("model_id") or "eleven_multilingual_v2",
                               "voice_id": voice_id, "characters": len(text), "format": fmt,
                               "words": speech.words})
        if "audio.empty" in self.broken:
            audio = b""
        if "alignment.missing" in self.broken:
            return Reply(200, {"audio_base64": base64.b64encode(audio).decode()})
        return Reply(200, {"audio_base64": base64.b64encode(audio).decode(),
                           "alignment": alignment, "normalized_alignment": alignment})


def align_characters(text: str, words: list[tuple[str, float, float]]) -> dict[str, list[Any]]:
    """Per-character start/end times for ``text`` from its words' spans: a word's characters
    split its span evenly; whitespace between words spans the gap."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    starts = [0.0] * len(text)
    ends = [0.0] * len(text)
    last = words[-1][2] if words else 0.0
    timed = [*words, *[("", last, last)] * (len(spans) - len(words))]
    previous_end = 0.0
    for (begin, end), (_, t0, t1) in zip(spans, timed, strict=False):
        for i in range(previous_char(begin, spans), begin):
            starts[i], ends[i] = previous_end, t0
        step = (t1 - t0) / max(end - begin, 1)
        for j, i in enumerate(range(begin, end)):
            starts[i], ends[i] = round(t0 + j * step, 3), round(t0 + (j + 1) * step, 3)
        previous_end = t1
    return {"characters": list(text), "character_start_times_seconds": starts,
            "character_end_times_seconds": ends}


def previous_char(begin: int, spans: list[tuple[int, int]]) -> int:
    """Where the whitespace before the word starting at ``begin`` starts."""
    before = [end for _, end in spans if end <= begin]
    return before[-1] if before else 0
