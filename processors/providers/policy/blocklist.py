"""The offline policy checker: whole-word phrase matching against ``blocklist.txt``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from processors.providers.policy import PolicyFinding, PolicyVerdict
from ytempire.core.pricing import Usage

BLOCKLIST = Path(__file__).with_name("blocklist.txt")


def normalise(text: str) -> str:
    """Lower case, accents and punctuation gone, single spaces ("Pipe-BOMB" -> "pipe bomb")."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def load_blocklist(path: Path) -> dict[str, list[str]]:
    """Phrases by category; lines are "category: phrase", ``#`` starts a comment."""
    phrases: dict[str, list[str]] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        category, sep, phrase = line.partition(":")
        if not sep or not normalise(phrase):
            raise ValueError(f"{path}:{number}: expected 'category: phrase', got {line!r}")
        phrases.setdefault(category.strip(), []).append(normalise(phrase))
    return phrases


class BlocklistChecker:
    """Free and instant; reports every (field, category, phrase) it finds, and the characters
    it read as its usage."""

    provider = "blocklist"
    model = "blocklist"
    name = f"{provider}/{model}"

    def __init__(self, path: Path = BLOCKLIST) -> None:
        self.phrases = load_blocklist(path)
        self._patterns = {
            category: re.compile(r"(?<!\w)(" + "|".join(re.escape(p) for p in sorted(
                phrases, key=len, reverse=True)) + r")(?!\w)")
            for category, phrases in self.phrases.items()
        }

    def check(self, texts: Mapping[str, str]) -> PolicyVerdict:
        findings = []
        for field_name, text in texts.items():
            plain = normalise(text)
            for category, pattern in self._patterns.items():
                for match in dict.fromkeys(m.group(1) for m in pattern.finditer(plain)):
                    findings.append(PolicyFinding(field_name, category, match))
        characters = sum(len(text) for text in texts.values())
        return PolicyVerdict(checker=self.name, findings=findings,
                             usage=[Usage(self.provider, self.model, "characters", characters)])
