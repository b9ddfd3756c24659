"""When two topics are the same topic: Jaccard similarity of character 3-grams of their content
words, at or above ``NEAR_DUPLICATE`` (0.6).

Content words: lower case, punctuation and stop words dropped, number words as digits, a
plural 's' stripped, then joined without spaces, so "honey bees" and "honeybees", "Ten facts"
and "10 facts", or a reordered title score high, while two titles sharing only the niche's words
("The origins of jazz" / "Famous rivalries of jazz") stay far below the threshold
(``tests/processors/test_discovery.py`` holds the pairs a person would and would not call
duplicates).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

NEAR_DUPLICATE = 0.6
STOP_WORDS = frozenset(
    "a an and are about as at be by can could did do does for from how i in into is it its "
    "make makes made of on or our than that the their them there these they this those to "
    "us was we were what when where which who whom why will with you your".split())
NUMBERS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
           "seven": "7", "eight": "8", "nine": "9", "ten": "10", "twelve": "12", "twenty": "20"}
WORD = re.compile(r"[^\W_]+")


def content_words(text: str) -> list[str]:
    words = []
    for word in WORD.findall(text.lower()):
        if word in STOP_WORDS:
            continue
        word = NUMBERS.get(word, word)
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return words


@lru_cache(maxsize=65536)
def shingles(text: str) -> frozenset[str]:
    """Character 3-grams of the content words joined: a reordering changes only the few 3-grams
    across word boundaries."""
    joined = "".join(content_words(text))
    if len(joined) < 3:
        return frozenset({joined}) if joined else frozenset()
    return frozenset(joined[i:i + 3] for i in range(len(joined) - 2))


def similarity(a: str, b: str) -> float:
    """0 (nothing shared) to 1 (the same content words)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


class PastTopics:
    """Topics already made, each as a bitset of its 3-grams (a Python int), so one lookup is an
    AND and a popcount per past topic instead of set operations: 500 candidates against 300
    past topics is 150,000 of them (docs/benchmarks.md)."""

    def __init__(self, made: Iterable[str]) -> None:
        self.topics = list(dict.fromkeys(made))
        self.gram_ids: dict[str, int] = {}
        self.bits = [self._bits(shingles(t), learn=True) for t in self.topics]
        self.sizes = [len(shingles(t)) for t in self.topics]

    def _bits(self, grams: frozenset[str], learn: bool = False) -> int:
        value = 0
        for gram in grams:
            n = self.gram_ids.get(gram)
            if n is None:
                if not learn:
                    continue  # a 3-gram no past topic has adds to the union only
                n = self.gram_ids[gram] = len(self.gram_ids)
            value |= 1 << n
        return value

    def nearest(self, topic: str) -> tuple[str, float] | None:
        """The most similar past topic and its similarity (None when nothing was made); the
        first of equals in the order they were made, as ``nearest`` finds it."""
        if not self.topics:
            return None
        grams = shingles(topic)
        mine, size = self._bits(grams), len(grams)
        best, score = 0, 0.0
        if mine:
            for n, (bits, other) in enumerate(zip(self.bits, self.sizes, strict=True)):
                shared = (mine & bits).bit_count()
                if shared and shared / (size + other - shared) > score:
                    best, score = n, shared / (size + other - shared)
        return self.topics[best], score


def nearest(topic: str, made: Iterable[str]) -> tuple[str, float] | None:
    """The most similar of ``made`` and its similarity (None when ``made`` is empty)."""
    best: tuple[str, float] | None = None
    for other in made:
        score = similarity(topic, other)
        if best is None or score > best[1]:
            best = (other, score)
    return best


def duplicate_of(topic: str, made: Iterable[str],
                 threshold: float = NEAR_DUPLICATE) -> tuple[str, float] | None:
    """The past topic ``topic`` nearly repeats (with the similarity), or None."""
    found = nearest(topic, made)
    return found if found is not None and found[1] >= threshold else None
