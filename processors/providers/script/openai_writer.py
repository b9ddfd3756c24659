"""The OpenAI script writer: one chat completion with structured output, validated on arrival.

Works with any OpenAI-compatible server (``OPENAI_BASE_URL``: Ollama, vLLM...) that supports
``response_format={"type": "json_schema"}``. The answer is validated against ``ScriptOut`` (the
``ytempire.Script`` record minus the fields the stage fills in), never trusted: an answer cut
short, off the schema or without sections is a ``ProviderContractError`` naming the field, with
the usage it was billed for.

The prompt, the token counting and the quote before the call are the kernel's
(``ytempire.core.script_brief``): the gateway's estimate reads the same ones. The exact cost
always comes from the response's ``usage``.
"""

from __future__ import annotations

from typing import Any, cast

from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel, ConfigDict, ValidationError

from processors.providers import ProviderContractError
from processors.providers.openai_client import PROVIDER, openai_errors
from processors.providers.script import WrittenScript
from ytempire.core.pricing import Usage
from ytempire.core.script_brief import (
    ScriptRequest,
    count_prompt_tokens,
    messages_for,
    quote,
    token_counter,
)
from ytempire.stage import PermanentError

CALL = "chat.completions.create"
CONTENT = "choices[0].message.content"


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
        return count_prompt_tokens(messages, self.model), token_counter(self.model)(content)
