"""The LLM brainstorm: video topics within a channel's niche from one chat completion with
structured output (the project's OpenAI client), validated on arrival and priced like every
paid call (its tokens come back as ``Usage``; the stage records them as ``cost.incurred``).

The answer is cached under the run's key (``ytempire.core.cache``), so a redelivered run reuses
it and reports the same usage instead of paying again. A refusal, an answer off the schema or a
failed call is a notice (with the usage it was billed for), never a crashed run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openai import OpenAI
from pydantic import BaseModel, ConfigDict, ValidationError

from processors.discovery.scoring import Candidate
from processors.discovery.sources import Found, Wanted
from processors.providers.openai_client import PROVIDER, openai_errors
from ytempire.core.cache import ResultCache
from ytempire.core.pricing import Usage
from ytempire.stage import PermanentError, TransientError

IDEAS = 10
SYSTEM_PROMPT = (
    "You suggest topics for faceless YouTube videos within one niche. Each title is specific "
    "(one story, question or list), under 90 characters, in the requested language, and "
    "different from the others and from the topics to avoid. Answer only with the JSON object "
    "the schema describes.")


class IdeaOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str


class IdeasOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ideas: list[IdeaOut]


RESPONSE_FORMAT: dict[str, Any] = {"type": "json_schema", "json_schema": {
    "name": "TopicIdeas", "strict": True, "schema": IdeasOut.model_json_schema()}}


def messages_for(wanted: Wanted) -> list[dict[str, str]]:
    avoid = "".join(f"\n- {t}" for t in wanted.avoid)
    user = (f"Topic: {wanted.niche}\nLanguage: {wanted.language}\n"
            f"Suggest {IDEAS} video topics in this niche." +
            (f"\nTopics to avoid (already made):{avoid}" if avoid else ""))
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


class LLMSource:
    name = "llm"

    def __init__(self, client: OpenAI, model: str, cache: ResultCache) -> None:
        self.client, self.model, self.cache = client, model, cache

    def gather(self, wanted: Wanted, now: datetime, key: str) -> Found:
        answer, _ = self.cache.once(key, key, lambda: self._ask(wanted))
        usage = [Usage.from_json(u) for u in answer["usage"]]
        return Found([Candidate(" ".join(t.split()), "llm") for t in answer["titles"]
                      if t.strip()], [answer["notice"]] if answer["notice"] else [], usage)

    def _ask(self, wanted: Wanted) -> dict[str, object]:
        """The call, as JSON for the cache: titles, the usage billed, a notice."""
        try:
            with openai_errors(f"{PROVIDER}/{self.model} topic brainstorm"):
                response = self.client.chat.completions.create(  # type: ignore[call-overload]
                    model=self.model, messages=messages_for(wanted),
                    response_format=RESPONSE_FORMAT)
        except (TransientError, PermanentError) as exc:
            return {"titles": [], "usage": [], "notice": f"llm: {exc}"[:500]}
        usage = [] if response.usage is None else [
            Usage(PROVIDER, self.model, "tokens_in", response.usage.prompt_tokens).as_json(),
            Usage(PROVIDER, self.model, "tokens_out", response.usage.completion_tokens).as_json()]
        message = response.choices[0].message
        if message.refusal:
            return {"titles": [], "usage": usage, "notice": f"llm: refused: {message.refusal}"}
        try:
            ideas = IdeasOut.model_validate_json(message.content or "")
        except ValidationError as exc:
            return {"titles": [], "usage": usage,
                    "notice": f"llm: the answer does not match the schema "
                              f"({exc.error_count()} errors): {exc.errors()[0]['msg']}"}
        return {"titles": [i.title for i in ideas.ideas], "usage": usage, "notice": ""}
