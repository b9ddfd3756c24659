"""OpenAI's moderation endpoint as a ``PolicyChecker``: every named text in one request.

Moderation is free at OpenAI but still a call: it is reported as one ``requests`` unit so the
ledger and the KPIs see it. Servers without ``/moderations`` (most local ones) run without it:
set ``YTEMPIRE_MODERATION_MODEL=""``.
"""

from __future__ import annotations

from collections.abc import Mapping

from openai import OpenAI

from processors.providers.policy import PolicyFinding, PolicyVerdict
from processors.providers.script.openai_writer import PROVIDER, openai_errors
from ytempire.core.pricing import Usage

EXCERPT_CHARS = 120


class OpenAIModeration:
    """Flags what OpenAI's moderation model flags, with the categories it names."""

    provider = PROVIDER

    def __init__(self, client: OpenAI, model: str) -> None:
        self.client = client
        self.model = model
        self.name = f"{PROVIDER}/{model}"

    def check(self, texts: Mapping[str, str]) -> PolicyVerdict:
        names = [name for name, text in texts.items() if text.strip()]
        if not names:
            return PolicyVerdict(checker=self.name)
        with openai_errors(f"{self.name} moderation"):
            response = self.client.moderations.create(
                model=self.model, input=[texts[name] for name in names])
        findings = []
        for name, result in zip(names, response.results, strict=True):
            if not result.flagged:
                continue
            categories = [c for c, hit in result.categories.model_dump(by_alias=True).items()
                          if hit] or ["unspecified"]
            excerpt = " ".join(texts[name].split())[:EXCERPT_CHARS]
            findings.extend(PolicyFinding(name, category, excerpt) for category in categories)
        return PolicyVerdict(checker=self.name, findings=findings,
                             usage=[Usage(PROVIDER, self.model, "requests", 1)])
