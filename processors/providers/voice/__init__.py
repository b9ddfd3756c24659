"""The ``Voice`` provider: text in, mono PCM plus per-word timings out (timings drive captions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class UnknownVoice(ValueError):
    """The requested voice or language does not exist for this provider (retrying cannot help)."""


class VoiceUnavailable(RuntimeError):
    """The speech engine could not run (library missing, engine error): maybe worth a retry."""


@dataclass(frozen=True)
class TimedWord:
    """One spoken word, as written in the text, with its time span in the speech (seconds)."""

    word: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Speech:
    """Signed 16-bit little-endian mono PCM and the words it speaks, in order."""

    pcm: bytes
    sample_rate: int
    words: list[TimedWord]

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


class Voice(Protocol):
    """A speech engine. ``provider``/``model`` name it in cost events and in ``voice.ready``."""

    provider: str
    model: str

    def resolve(self, voice: str, language: str) -> str:
        """The concrete voice that will speak: ``voice`` if given, else the language's default.

        Raises ``UnknownVoice`` when neither exists.
        """
        ...

    def speak(self, text: str, voice: str) -> Speech:
        """Synthesize ``text`` with a voice returned by ``resolve``."""
        ...


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut after a sentence where possible,
    else between words; every word stays whole and in order."""
    pieces: list[str] = []
    rest = " ".join(text.split())
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = max(window.rfind(". "), window.rfind("! "), window.rfind("? "))
        cut = cut + 1 if cut > 0 else window.rfind(" ")
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return [*pieces, rest] if rest or not pieces else pieces
