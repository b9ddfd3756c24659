"""Script writers: turn a video request into a structured Script record.

A writer is chosen by settings in ``processors.scriptwriter.build``; every implementation
(offline templates, OpenAI) answers the same ``write`` call and reports what it used
so the stage can price it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ytempire.core.events import content_hash
from ytempire.core.pricing import Usage
from ytempire.core.records import VideoSpec

WORDS_PER_MINUTE = 150
"""Speaking pace a script is sized for: narration words = target seconds * 150 / 60.

150 wpm is a calm narrator's pace and about what hosted TTS voices speak. espeak-ng at its
default rate (175) reads these scripts noticeably faster (about 200 wpm measured here), so the
narrator sets the voice's rate to match this constant, not the other way round.
"""

MIN_DURATION_S = 15
MAX_DURATION_S = 1200


ANGLES = (
    "a plain explainer for someone new to it",
    "the story of how it came to be, told in order",
    "the common myths about it and what is true",
    "the numbers that explain it",
    "a practical guide: what to do with it",
    "what experts still disagree about",
    "the surprising details most people miss",
    "a comparison with the thing people confuse it with",
)


def angle_for(owner_id: str, channel_id: str, video_id: str) -> tuple[str, str]:
    """(angle, variant) of one video: the same brief on another channel, or again on the same
    one, is another video and gets its own variant (and, most of the time, another angle)."""
    variant = content_hash("angle", owner_id, channel_id, video_id)[:16]
    return ANGLES[int(variant, 16) % len(ANGLES)], variant


@dataclass(frozen=True)
class ScriptRequest:
    """What a writer needs from ``script.requested``: the creative brief, nothing about Kafka."""

    topic: str
    target_duration_s: int
    language: str = "en"
    style: str = "informative"
    format: str = "LANDSCAPE"
    angle: str = ""
    """The point of view this video takes (``ANGLES``); empty for a bare brief."""
    variant: str = ""
    """What makes this video's script its own (``angle_for``): with ``angle`` it is part of the
    cache key, so two videos never share a script while a redelivery still reuses its own."""

    @classmethod
    def from_spec(cls, spec: VideoSpec) -> ScriptRequest:
        return cls(topic=" ".join(spec.topic.split()),
                   target_duration_s=spec.target_duration_s,
                   language=spec.language or "en",
                   style=spec.style or "informative",
                   format=spec.format or "LANDSCAPE")

    @property
    def target_words(self) -> int:
        return round(self.target_duration_s * WORDS_PER_MINUTE / 60)


@dataclass(frozen=True)
class WrittenScript:
    """A writer's answer: the Script record (as ``ytempire.Script`` says), who wrote it, usage."""

    script: dict[str, Any]
    writer: str
    usage: list[Usage] = field(default_factory=list)


class ScriptWriter(Protocol):
    """Writes one script. Raises ``PermanentError`` for briefs it can never write (for example
    a language it does not know), ``TransientError`` when its service is briefly unavailable and
    ``ProviderContractError`` (a ``TransientError`` carrying the billed usage) for a paid answer
    it cannot use.
    ``name`` ("provider/model") keys the stage's result cache, so two writers never share one."""

    name: str

    def write(self, request: ScriptRequest) -> WrittenScript: ...


class PricedScriptWriter(ScriptWriter, Protocol):
    """A paid writer. ``quote`` is the usage a request is expected to take, counted before the
    call, so the stage can step down to a cheaper tier when the video's budget requires it."""

    def quote(self, request: ScriptRequest) -> list[Usage]: ...
