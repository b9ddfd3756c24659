"""espeak-ng through the ``espeakng-loader`` wheel (libespeak-ng + its data), loaded with ctypes.

espeak-ng reports a WORD event with the sample position of every word it starts, which is all
captions need; ends are the last audible sample before the next word. The library keeps global
state (one current voice, one callback), so every call holds one process-wide lock.
"""

from __future__ import annotations

import ctypes
import re
import threading
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

import numpy as np

from processors.providers.voice import Speech, TimedWord, UnknownVoice, VoiceUnavailable

AUDIO_OUTPUT_SYNCHRONOUS = 2
CHARS_UTF8 = 1
POS_CHARACTER = 1
PARAM_RATE = 1
EVENT_LIST_TERMINATED = 0
EVENT_WORD = 1

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {}

SILENCE_FRAME_S = 0.01
SILENCE_RATIO = 0.03  # a 10 ms frame quieter than 3% of the speech's peak (-30 dB) is a pause
MIN_WORD_S = 0.05
# espeak's rate parameter undercounts: rate 135 measured 150-152 words a minute over three
# offline 60 s scripts (pauses between parts included), rate 150 measured 165-168.
RATE_PER_WPM = 0.9


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """``espeak_EVENT`` from speak_lib.h."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


class _VoiceSpec(ctypes.Structure):
    """``espeak_VOICE`` from speak_lib.h, as a query: only ``languages`` is set."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


def _select(lib: Any, voice: str) -> bool:
    """Make ``voice`` current: a voice name ("en-us", "en+f3"), else a language code ("en-gb",
    "zh") matched by espeak's own language ranking. Caller holds ``_LOCK``."""
    if lib.espeak_SetVoiceByName(voice.encode()) == 0:
        return True
    spec = _VoiceSpec(languages=voice.encode())
    return bool(lib.espeak_SetVoiceByProperties(ctypes.byref(spec)) == 0)


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


def _library() -> tuple[Any, int]:
    """Load and initialise libespeak-ng once per process; caller holds ``_LOCK``."""
    if "lib" not in _STATE:
        try:
            import espeakng_loader

            lib = ctypes.CDLL(espeakng_loader.get_library_path())
            data = espeakng_loader.get_data_path().encode()
        except (ImportError, OSError, RuntimeError) as exc:
            raise VoiceUnavailable(f"cannot load libespeak-ng from espeakng-loader: {exc}") from exc
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByProperties.argtypes = [ctypes.POINTER(_VoiceSpec)]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if rate <= 0:
            raise VoiceUnavailable(f"espeak_Initialize failed ({rate})")
        _STATE["lib"], _STATE["rate"] = lib, rate
    return _STATE["lib"], _STATE["rate"]


class EspeakVoice:
    """Offline, free, deterministic speech at about ``words_per_minute``, pauses included."""

    provider = "espeak-ng"
    model = "espeak-ng"

    def __init__(self, words_per_minute: int = 150) -> None:
        self.words_per_minute = words_per_minute
        self.rate = round(words_per_minute * RATE_PER_WPM)

    def resolve(self, voice: str, language: str) -> str:
        name = (voice or language or "en").strip().lower()
        with _LOCK:
            lib, _ = _library()
            if not _select(lib, name):
                raise UnknownVoice(
                    f"espeak-ng has no voice {name!r} (voice={voice!r}, "
                    f"language={language!r}); see `espeak-ng --voices`"
                )
        return name

    def speak(self, text: str, voice: str) -> Speech:
        with _LOCK:
            lib, rate = _library()
            if not _select(lib, voice):
                raise UnknownVoice(f"espeak-ng has no voice {voice!r}")
            lib.espeak_SetParameter(PARAM_RATE, self.rate, 0)
            chunks: list[bytes] = []
            marks: list[tuple[int, int]] = []  # (character position, sample)
            callback = _SynthCallback(_collector(chunks, marks))
            lib.espeak_SetSynthCallback(callback)
            data = text.encode()
            status = lib.espeak_Synth(
                data, len(data) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None
            )
            if status != 0:
                raise VoiceUnavailable(f"espeak_Synth failed with status {status}")
        pcm = b"".join(chunks)
        return Speech(pcm=pcm, sample_rate=rate, words=_timed_words(text, marks, pcm, rate))


def _collector(chunks: list[bytes], marks: list[tuple[int, int]]) -> Callable[..., int]:
    def collect(wav: Any, samples: int, events: Any) -> int:
        if samples > 0:
            chunks.append(ctypes.string_at(wav, samples * 2))
        i = 0
        while events[i].type != EVENT_LIST_TERMINATED:
            if events[i].type == EVENT_WORD:
                marks.append((events[i].text_position, events[i].sample))
            i += 1
        return 0

    return collect


def _timed_words(text: str, marks: list[tuple[int, int]], pcm: bytes, rate: int) -> list[TimedWord]:
    """Map espeak's word events onto the text's whitespace-separated words.

    espeak may report several events for one written word ("1234" is four spoken words) and one
    event for several ("of the"): every written word appears exactly once, words sharing an
    event split its span by length, and a lone dash joins the word before it.
    """
    tokens = [(m.start(), m.group()) for m in re.finditer(r"\S+", text)]
    if not tokens:
        return []
    starts = [pos for pos, _ in tokens]
    first_sample: dict[int, int] = {}
    for position, sample in marks:
        index = max(0, bisect_right(starts, position - 1) - 1)
        first_sample.setdefault(index, sample)
    groups: list[tuple[list[str], int]] = []  # written words sharing one event, its sample
    for index, (_, word) in enumerate(tokens):
        if index in first_sample or not groups:
            groups.append(([word], first_sample.get(index, 0)))
        elif any(ch.isalnum() for ch in word):
            groups[-1][0].append(word)
        else:
            groups[-1][0][-1] += " " + word
    total = len(pcm) // 2
    loud = _loud_frames(pcm, rate)
    words: list[TimedWord] = []
    for i, (group, start) in enumerate(groups):
        bound = groups[i + 1][1] if i + 1 < len(groups) else total
        start = min(start, bound)
        end = _last_loud_sample(loud, start, bound, rate)
        end = min(max(end, start + int(MIN_WORD_S * rate)), max(bound, start))
        weights = np.cumsum([0] + [len(word) for word in group]) / sum(len(w) for w in group)
        for j, word in enumerate(group):
            words.append(
                TimedWord(
                    word,
                    float(start + weights[j] * (end - start)) / rate,
                    float(start + weights[j + 1] * (end - start)) / rate,
                )
            )
    return words


def _loud_frames(pcm: bytes, rate: int) -> np.ndarray:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    frame = max(1, int(SILENCE_FRAME_S * rate))
    usable = len(samples) // frame * frame
    if usable == 0:
        return np.zeros(0, dtype=bool)
    peak = np.abs(samples[:usable].reshape(-1, frame)).max(axis=1)
    loud: np.ndarray = peak > SILENCE_RATIO * max(float(peak.max()), 1.0)
    return loud


def _last_loud_sample(loud: np.ndarray, start: int, bound: int, rate: int) -> int:
    """End of the last audible 10 ms frame in [start, bound); ``bound`` if it never goes quiet."""
    frame = max(1, int(SILENCE_FRAME_S * rate))
    first, last = start // frame, min(bound // frame, len(loud))
    audible = np.flatnonzero(loud[first:last])
    if audible.size == 0:
        return bound
    return min(bound, (first + int(audible[-1]) + 1) * frame)
