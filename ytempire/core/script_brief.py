"""A script's brief, and the OpenAI writer's prompt and quote for it: pure functions of the brief.

In the kernel because two layers read them: the scriptwriter stage writes from the brief (the
OpenAI writer sends ``messages_for`` and steps down a tier on ``quote``), and the gateway's
estimate prices a video with the same ``quote`` before any work, so the two never disagree.

Token counting before the call uses ``bpe-openai`` (OpenAI's BPE encodings shipped inside the
wheel; ``tiktoken`` would download them at run time, which a locked-down host cannot). Models it
does not know (local models) are counted with ``o200k_base``, an estimate; without the package
the count is characters / 4. Output is projected as ``TOKENS_PER_WORD`` per requested narration
word plus ``METADATA_TOKENS`` for title, description, tags, headings and JSON syntax. The exact
cost always comes from the response's ``usage``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from ytempire.core.events import content_hash
from ytempire.core.pricing import Usage
from ytempire.core.records import VideoSpec

OPENAI = "openai"
"""The provider name OpenAI's usage is priced under."""
TOKENS_PER_WORD = 1.4
METADATA_TOKENS = 250
MESSAGE_OVERHEAD_TOKENS = 3  # per message, and once more for the reply's priming (OpenAI's rule)
FALLBACK_ENCODING = "o200k_base"
SECTION_WORDS = 75  # about 30 s of narration per section

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


SYSTEM_PROMPT = """\
You write narration scripts for faceless YouTube videos. Write for the ear: short, concrete \
sentences a narrator reads aloud, no stage directions, no emoji, no markdown, no URLs. \
Everything the narrator says is in hook, sections[].narration and call_to_action; on_screen_text \
is a few words shown on screen; keywords are 2-4 stock-footage search terms per section. The \
title is at most 100 characters, the description at most 5000 bytes, tags are short phrases. \
Never use the characters < or >. Answer only with the JSON object the schema describes."""


@lru_cache(maxsize=8)
def token_counter(model: str) -> Callable[[str], int]:
    try:
        import bpe_openai
    except ImportError:
        return lambda text: math.ceil(len(text) / 4)
    try:
        encoding = bpe_openai.encoding_for_model(model)
    except Exception:  # noqa: BLE001 - unknown (local) model: count with the newest encoding
        encoding = bpe_openai.get_encoding(FALLBACK_ENCODING)
    return lambda text: len(encoding.encode(text))


def count_prompt_tokens(messages: list[dict[str, str]], model: str) -> int:
    """Prompt tokens as OpenAI bills chat messages: content tokens + overhead per message."""
    count = token_counter(model)
    return sum(count(m["content"]) + MESSAGE_OVERHEAD_TOKENS for m in messages) \
        + MESSAGE_OVERHEAD_TOKENS


def messages_for(request: ScriptRequest) -> list[dict[str, str]]:
    """The normalised prompt: a pure function of the normalised request, nothing else."""
    sections = max(2, min(12, round(request.target_words / SECTION_WORDS)))
    shape = ("a YouTube Short (vertical, fast-paced, one idea per sentence)"
             if request.format == "SHORTS" else "a standard YouTube video")
    user = (f"Topic: {request.topic}\n"
            f"Length: {request.target_words} words of narration in total (hook, sections and "
            f"call to action together), about {request.target_duration_s} seconds spoken.\n"
            f"Sections: {sections}\n"
            f"Language: {request.language} (write every field in this language)\n"
            f"Style: {request.style}\n"
            f"Format: {shape}")
    if request.angle:
        user += (f"\nAngle: {request.angle} (this channel's owner has other videos on this "
                 "topic: take this angle and make this script its own)")
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def quote(request: ScriptRequest, model: str) -> list[Usage]:
    """The usage a request is expected to take with ``model``, counted before any call (the
    stage's tier choice and the gateway's estimate both use it)."""
    prompt = count_prompt_tokens(messages_for(request), model)
    expected = round(request.target_words * TOKENS_PER_WORD) + METADATA_TOKENS
    return [Usage(OPENAI, model, "tokens_in", prompt),
            Usage(OPENAI, model, "tokens_out", expected)]
