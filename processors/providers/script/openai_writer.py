"""The OpenAI script writer: one chat completion with structured output, validated on arrival.

Works with any OpenAI-compatible server (``OPENAI_BASE_URL``: Ollama, vLLM...) that supports
``response_format={"type": "json_schema"}``. The answer is validated against ``ScriptOut`` (the
``ytempire.Script`` record minus the fields the stage fills in), never trusted: an answer cut
short, off the schema or without sections is a ``ProviderContractError`` naming the field, with
the usage it was billed for.

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
from functools import lru_cache
from typing import Any, cast

from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel, ConfigDict, ValidationError

from processors.providers import ProviderContractError
from processors.providers.openai_client import PROVIDER, openai_errors
from processors.providers.script import ScriptRequest, WrittenScript
from ytempire.core.pricing import Usage
from ytempire.stage import PermanentError

TOKENS_PER_WORD = 1.4
METADATA_TOKENS = 250
MESSAGE_OVERHEAD_TOKENS = 3  # per message, and once more for the reply's priming (OpenAI's rule)
FALLBACK_ENCODING = "o200k_base"
SECTION_WORDS = 75  # about 30 s of narration per section
CALL = "chat.completions.create"
CONTENT = "choices[0].message.content"

SYSTEM_PROMPT = """\
You write narration scripts for faceless YouTube videos. Write for the ear: short, concrete \
sentences a narrator reads aloud, no stage directions, no emoji, no markdown, no URLs. \
Everything the narrator says is in hook, sections[].narration and call_to_action; on_screen_text \
is a few words shown on screen; keywords are 2-4 stock-footage search terms per section. The \
title is at most 100 characters, the description at most 5000 bytes, tags are short phrases. \
Never use the characters < or >. Answer only with the JSON object the schema describes."""


class SectionOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    heading: str
    narration: str
    on_screen_text: str
    keywords: list[str]


class ScriptOut(BaseModel):
    """What the model must return (``word_count`` and ``language`` are the stage's to set)."""

    model_config = ConfigDict(extra="forbid")

    title: str
    hook: str
    sections: list[SectionOut]
    call_to_action: str
    description: str
    tags: list[str]


RESPONSE_FORMAT: dict[str, Any] = {
    "type": "json_schema",
    "json_schema": {"name": "Script", "strict": True, "schema": ScriptOut.model_json_schema()},
}


@lru_cache(maxsize=8)
def _token_counter(model: str) -> Callable[[str], int]:
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
    count = _token_counter(model)
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
    return [Usage(PROVIDER, model, "tokens_in", prompt),
            Usage(PROVIDER, model, "tokens_out", expected)]


class OpenAIScriptWriter:
    """One model; the stage pairs a premium and an economy instance. ``name`` keys the cache."""

    provider = PROVIDER

    def __init__(self, client: OpenAI, model: str) -> None:
        self.client = client
        self.model = model
        self.name = f"{PROVIDER}/{model}"

    def quote(self, request: ScriptRequest) -> list[Usage]:
        return quote(request, self.model)

    def write(self, request: ScriptRequest) -> WrittenScript:
        messages = messages_for(request)
        with openai_errors(f"{self.name} chat completion"):
            # The SDK types its parameters as TypedDicts; ours are plain dicts of those shapes
            # (system and user messages, a json_schema response format).
            response = self.client.chat.completions.create(
                model=self.model, messages=cast("list[ChatCompletionMessageParam]", messages),
                response_format=cast(ResponseFormatJSONSchema, RESPONSE_FORMAT),
            )
        choice = response.choices[0]
        content = choice.message.content or ""
        tokens_in, tokens_out = self._usage(response, messages, content)
        usage = [Usage(PROVIDER, self.model, "tokens_in", tokens_in),
                 Usage(PROVIDER, self.model, "tokens_out", tokens_out)]
        if choice.message.refusal:
            raise PermanentError(f"{self.name} refused the brief: {choice.message.refusal}")
        if choice.finish_reason == "length":
            raise ProviderContractError(PROVIDER, CALL, "choices[0].finish_reason",
                                        f"{self.model} ran out of output tokens before the "
                                        "script ended", usage)
        try:
            script = ScriptOut.model_validate_json(content)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join([CONTENT, *(str(part) for part in first["loc"])])
            raise ProviderContractError(PROVIDER, CALL, field,
                                        f"{self.model}'s script does not match the schema "
                                        f"({exc.error_count()} errors): {first['msg']}",
                                        usage) from exc
        if not script.sections:
            raise ProviderContractError(PROVIDER, CALL, f"{CONTENT}.sections",
                                        f"{self.model} wrote a script without sections", usage)
        return WrittenScript(
            script={**script.model_dump(), "word_count": 0, "language": request.language},
            writer=self.name, usage=usage)

    def _usage(self, response: Any, messages: list[dict[str, str]], content: str
               ) -> tuple[int, int]:
        """Billed tokens from ``usage``; servers that omit it are counted here instead."""
        if response.usage is not None:
            return response.usage.prompt_tokens, response.usage.completion_tokens
        return count_prompt_tokens(messages, self.model), _token_counter(self.model)(content)
