"""OpenAI's moderation endpoint as a ``PolicyChecker``: every named text in one request.

Moderation is free at OpenAI but still a call: it is reported as one ``requests`` unit so the
ledger and the KPIs see it. Servers without ``/moderations`` (most local ones) run without it:
set ``YTEMPIRE_MODERATION_MODEL=""``.
"""

from __future__ import annotations

from collections.abc import Mapping

from openai import OpenAI

from processors.providers import ProviderContractError
from processors.providers.openai_client import PROVIDER, openai_errors
from processors.providers.policy import PolicyFinding, PolicyVerdict
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
        usage = [Usage(PROVIDER, self.model, "requests", 1)]
        results = getattr(response, "results", None)

        def broken(field: str, problem: str) -> ProviderContractError:
            return ProviderContractError(PROVIDER, "moderations.create", field, problem, usage)

        if not isinstance(results, list) or len(results) != len(names):
            count = len(results) if isinstance(results, list) else type(results).__name__
            raise broken("results", f"{count} results for {len(names)} inputs")
        findings: list[PolicyFinding] = []
        for index, (name, result) in enumerate(zip(names, results, strict=True)):
            flagged = getattr(result, "flagged", None)
            if not isinstance(flagged, bool):
                raise broken(f"results[{index}].flagged", f"{type(flagged).__name__}, not bool")
            if not flagged:
                continue
            hits = getattr(result, "categories", None)
            if hits is None or not hasattr(hits, "model_dump"):
                raise broken(f"results[{index}].categories", "missing on a flagged result")
            categories = [c for c, hit in hits.model_dump(by_alias=True).items()
                          if hit] or ["unspecified"]
            excerpt = " ".join(texts[name].split())[:EXCERPT_CHARS]
            findings.extend(PolicyFinding(name, category, excerpt) for category in categories)
        return PolicyVerdict(checker=self.name, findings=findings, usage=usage)
