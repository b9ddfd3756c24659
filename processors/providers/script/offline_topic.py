"""A script topic in the forms the offline writer's templates need: the phrase as said, a headline
title, keywords, and a short form for headings and tags."""

from __future__ import annotations

import re
from dataclasses import dataclass

from processors.providers.script.limits import TAG_MAX_CHARS, count_words

SHORT_TOPIC_WORDS = 5
LEADING_FUNCTION_WORDS = {
    "a", "an", "the", "how", "why", "what", "when", "where", "who", "which", "is", "are", "do",
    "does", "can", "should", "my", "your", "our", "top", "best", "easy", "simple", "quick",
    "tips", "ways", "things", "learning", "understanding", "making", "getting", "using",
}
STOPWORDS = {
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by",
    "from", "about", "into", "how", "why", "what", "when", "where", "who", "which", "is", "are",
    "was", "were", "be", "do", "does", "did", "can", "should", "would", "could", "your", "you",
    "my", "our", "their", "its", "it", "this", "that", "these", "those", "vs", "versus", "as",
}


@dataclass(frozen=True)
class Topic:
    """The topic in the forms the templates need."""

    phrase: str
    title: str
    keywords: list[str]

    @classmethod
    def parse(cls, raw: str) -> Topic:
        phrase = " ".join(raw.replace("<", " ").replace(">", " ").split())
        phrase = re.sub(r"[.!?]+\s+", ", ", phrase).rstrip(".!?;:, ")
        first, _, rest = phrase.partition(" ")
        if first.lower() in LEADING_FUNCTION_WORDS and first[1:] == first[1:].lower():
            phrase = f"{first.lower()} {rest}".strip()
        words = [re.sub(r"^\W+|\W+$", "", w.lower()) for w in phrase.split()]
        keywords = list(dict.fromkeys(w for w in words if len(w) >= 3 and w not in STOPWORDS))
        return cls(phrase=phrase, title=_title_case(phrase), keywords=keywords[:6])

    @property
    def is_short(self) -> bool:
        return count_words(self.phrase) <= SHORT_TOPIC_WORDS

    @property
    def short(self) -> str:
        """For headings and tags: the topic itself when short, else its first keywords."""
        if len(self.phrase) <= TAG_MAX_CHARS:
            return self.phrase
        short = ""
        for word in self.keywords:
            if len(f"{short} {word}".strip()) > TAG_MAX_CHARS:
                break
            short = f"{short} {word}".strip()
        return short


def _title_case(text: str) -> str:
    """Headline case that keeps acronyms and brand spellings; a leading small word stays small
    because the topic usually sits mid-title ("The Easy Guide to the History of Coffee")."""
    small = {"a", "an", "the", "and", "but", "or", "for", "nor", "on", "at", "to", "from", "by",
             "of", "in", "with", "vs", "as"}
    words = text.split()
    out = []
    for word in words:
        if any(c.isupper() for c in word) or word in small:
            out.append(word)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
