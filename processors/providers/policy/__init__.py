"""Policy checkers: does a video's text break the platform's content rules?

Offline the check is a phrase blocklist (``blocklist.py``); a moderation model (OpenAI's
moderation endpoint) fits the same call later. A finding fails the video in the quality stage
whatever its score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ytempire.core.pricing import Usage


@dataclass(frozen=True)
class PolicyFinding:
    """One problem: which text (``title``, ``narration``...), the rule's category, what matched."""

    field: str
    category: str
    excerpt: str

    def describe(self) -> str:
        return f"{self.category} in {self.field}: {self.excerpt!r}"


@dataclass(frozen=True)
class PolicyVerdict:
    checker: str
    findings: list[PolicyFinding] = field(default_factory=list)
    usage: list[Usage] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.findings)


class PolicyChecker(Protocol):
    """Checks named texts (title, description, tags, narration, on-screen text) in one call;
    raises ``TransientError`` when its service is briefly unavailable."""

    name: str

    def check(self, texts: Mapping[str, str]) -> PolicyVerdict: ...
