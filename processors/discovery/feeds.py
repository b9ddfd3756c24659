"""RSS/Atom feeds a channel lists, read with feedparser: each entry's title is a candidate.

A document that is not a feed gives no candidates and a notice saying why (feedparser reads
almost anything without raising, so "no version and no entries" is the test). Offline, the
feeds are files; the same code reads URLs feedparser fetches.
"""

from __future__ import annotations

from dataclasses import dataclass

import feedparser

from processors.discovery.scoring import Candidate

MAX_ENTRIES = 50


@dataclass(frozen=True)
class FeedRead:
    candidates: list[Candidate]
    notice: str = ""


def read(source: str, document: bytes | None = None) -> FeedRead:
    """The candidates of one feed (a path or URL, or ``document``: the bytes fetched from
    ``source``), or a notice that it is not a feed."""
    parsed = feedparser.parse(source if document is None else document)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        why = f": {type(problem).__name__}" if problem is not None else ""
        return FeedRead([], f"{source} is not an RSS or Atom feed{why}")
    candidates = [Candidate(title=" ".join(entry.title.split()), source="feed",
                            ref=entry.get("link", source))
                  for entry in parsed.entries[:MAX_ENTRIES] if entry.get("title", "").strip()]
    return FeedRead(candidates)
