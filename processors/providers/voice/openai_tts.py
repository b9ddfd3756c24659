"""OpenAI speech (the economy voice tier): ``audio.speech`` as raw 24 kHz PCM.

OpenAI returns no timings, so word timings are derived from the audio itself (our choice:
free, no second model, and close enough for captions): find the voiced stretches (10 ms frames
louder than 3% of the peak) and the pauses between them (at least ``MIN_PAUSE_S`` of quiet);
estimate every word boundary by laying the words over the voiced time in proportion to their
characters; pin each pause to the boundary nearest its estimate (within ``SNAP_S``, boundaries
after punctuation favoured by ``PUNCTUATION_BONUS_S``), since speakers pause between words, not
inside them; then share each stretch between pinned pauses among its words by characters again.
On 60 s of espeak-ng speech (the fake's) word starts land 0.07-0.12 s from the truth on average,
0.4 s at worst.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np
from openai import OpenAI

from processors.providers import ProviderContractError
from processors.providers.script.openai_writer import PROVIDER, openai_errors
from processors.providers.voice import Speech, TimedWord, split_text
from ytempire.core.pricing import Usage

SAMPLE_RATE = 24_000  # what OpenAI's "pcm" response format is: 24 kHz, s16le, mono
MAX_INPUT_CHARS = 4096  # per request (OpenAI's limit); longer parts are spoken in pieces
VOICES = {"alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer",
          "verse"}
DEFAULT_VOICES = {"en": "alloy"}
"""OpenAI voices speak every language the model knows; unlisted languages get ``alloy``."""
DEFAULT_VOICE = "alloy"
FRAME_S = 0.01
LOUD_RATIO = 0.03
MIN_PAUSE_S = 0.08
SNAP_S = 0.6
PUNCTUATION_BONUS_S = 0.4


class OpenAITTSVoice:
    """``tts-1`` (or any ``tts_model``), priced per input character from the price table."""

    provider = PROVIDER

    def __init__(self, client: OpenAI, model: str) -> None:
        self.client = client
        self.model = model

    def resolve(self, voice: str, language: str) -> str:
        """The channel's voice when it is an OpenAI voice (a channel set up for another
        provider keeps working), else the language's default."""
        name = voice.strip().lower()
        if name in VOICES:
            return name
        return DEFAULT_VOICES.get((language or "en").split("-")[0].lower(), DEFAULT_VOICE)

    def speak(self, text: str, voice: str) -> Speech:
        pcm = b""
        words: list[TimedWord] = []
        for piece in split_text(text, MAX_INPUT_CHARS):
            with openai_errors(f"{PROVIDER}/{self.model} speech"):
                response = self.client.audio.speech.create(
                    model=self.model, voice=voice, input=piece, response_format="pcm")
            if not response.content or len(response.content) % 2:
                raise ProviderContractError(
                    PROVIDER, "audio.speech.create", "body",
                    f"{len(response.content)} bytes of 16-bit PCM for {len(piece)} characters",
                    [Usage(PROVIDER, self.model, "characters", len(piece))])
            offset = len(pcm) / 2 / SAMPLE_RATE
            words += [TimedWord(w.word, w.start_s + offset, w.end_s + offset)
                      for w in derive_timings(piece, response.content, SAMPLE_RATE)]
            pcm += response.content
        return Speech(pcm=pcm, sample_rate=SAMPLE_RATE, words=words)


def voiced_segments(pcm: bytes, rate: int) -> list[tuple[float, float]]:
    """(start, end) seconds of the stretches of speech, split at pauses >= ``MIN_PAUSE_S``."""
    samples = np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.int32))
    frame = max(1, int(FRAME_S * rate))
    usable = len(samples) // frame * frame
    if usable == 0:
        return []
    peaks = samples[:usable].reshape(-1, frame).max(axis=1)
    loud = np.flatnonzero(peaks > LOUD_RATIO * max(int(peaks.max()), 1))
    if loud.size == 0:
        return []
    min_gap = max(1, round(MIN_PAUSE_S / FRAME_S))
    segments: list[tuple[float, float]] = []
    start = prev = int(loud[0])
    for index in loud[1:]:
        if index - prev > min_gap:
            segments.append((start * FRAME_S, (prev + 1) * FRAME_S))
            start = int(index)
        prev = int(index)
    segments.append((start * FRAME_S, (prev + 1) * FRAME_S))
    return segments


def derive_timings(text: str, pcm: bytes, rate: int) -> list[TimedWord]:
    """Word timings for ``text`` spoken in ``pcm`` (see the module docstring)."""
    words = text.split()
    if not words:
        return []
    segments = voiced_segments(pcm, rate) or [(0.0, len(pcm) / 2 / rate)]
    edges = np.cumsum([end - start for start, end in segments]).tolist()  # in voiced time
    chars = np.cumsum([0, *(len(w) for w in words)])
    estimate = (chars / chars[-1] * edges[-1]).tolist()
    anchors = [(0, 0.0), *_pin_pauses(words, estimate, edges[:-1]), (len(words), edges[-1])]
    bounds = [0.0] * (len(words) + 1)
    for (i0, t0), (i1, t1) in zip(anchors, anchors[1:], strict=False):
        span = max(int(chars[i1] - chars[i0]), 1)
        for i in range(i0, i1 + 1):
            bounds[i] = t0 + (t1 - t0) * float(chars[i] - chars[i0]) / span

    def real(t: float, after_pause: bool) -> float:
        """Voiced time ``t`` as audio time; on a pause edge, its far side if ``after_pause``."""
        j = bisect_left(edges, t - 1e-9)
        if after_pause and j < len(edges) - 1 and abs(edges[j] - t) < 1e-9:
            j += 1
        j = min(j, len(segments) - 1)
        before = edges[j - 1] if j else 0.0
        return segments[j][0] + (t - before)

    return [TimedWord(word, real(bounds[i], True), real(bounds[i + 1], False))
            for i, word in enumerate(words)]


def _pin_pauses(words: list[str], estimate: list[float], pauses: list[float]
                ) -> list[tuple[int, float]]:
    """Pin each pause (in voiced time) to the word boundary that most plausibly holds it: near
    the proportional estimate, preferring boundaries after punctuation; order is kept."""
    pinned: list[tuple[int, float]] = []
    last = 0
    for pause in pauses:
        best, best_cost = None, SNAP_S
        for i in range(last + 1, len(words)):
            cost = abs(estimate[i] - pause) - (PUNCTUATION_BONUS_S if words[i - 1][-1] in
                                                ",.;:!?" else 0.0)
            if cost < best_cost:
                best, best_cost = i, cost
            if estimate[i] - pause > SNAP_S + PUNCTUATION_BONUS_S:
                break
        if best is not None:
            pinned.append((best, pause))
            last = best
    return pinned
