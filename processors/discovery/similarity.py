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
from collections import Counter
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
    """Topics already made, indexed by 3-gram so one lookup touches only the topics sharing a
    3-gram with the new one (a backlog of 500 against hundreds of past topics: see
    docs/benchmarks.md)."""

    def __init__(self, made: Iterable[str]) -> None:
        self.topics = list(dict.fromkeys(made))
        self.sizes = [len(shingles(t)) for t in self.topics]
        self.index: dict[str, list[int]] = {}
        for n, topic in enumerate(self.topics):
            for gram in shingles(topic):
                self.index.setdefault(gram, []).append(n)

    def nearest(self, topic: str) -> tuple[str, float] | None:
        """The most similar past topic and its similarity (None when nothing was made)."""
        grams = shingles(topic)
        shared = Counter(n for gram in grams for n in self.index.get(gram, ()))
        if not shared:
            return (self.topics[0], 0.0) if self.topics else None
        best = max(shared, key=lambda n: shared[n] / (len(grams) + self.sizes[n] - shared[n]))
        return self.topics[best], shared[best] / (len(grams) + self.sizes[best] - shared[best])


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
