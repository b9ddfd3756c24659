"""YouTube's metadata limits, enforced on every writer's output and checked again by quality.

From the YouTube Data API ``videos`` resource: a title is at most 100 characters, a
description at most 5000 bytes, and neither may contain ``<`` or ``>``. Tags together are at
most 500 characters, where the commas between tags count and a tag containing a space counts
as if wrapped in quotes (two more characters).
"""

from __future__ import annotations

import re

TITLE_MAX_CHARS = 100
DESCRIPTION_MAX_BYTES = 5000
TAGS_MAX_CHARS = 500
TAG_MAX_CHARS = 30
"""Our own cap per tag, so one long topic cannot eat the whole 500-character budget."""

_FORBIDDEN = re.compile(r"[<>]")


def count_words(text: str) -> int:
    """Words as a narrator speaks them: whitespace-separated tokens."""
    return len(text.split())


def tag_cost(tag: str) -> int:
    """Characters one tag takes from the 500 (quoted when it contains a space)."""
    return len(tag) + (2 if " " in tag else 0)


def tags_length(tags: list[str]) -> int:
    """Characters a tag list takes from the 500, commas between tags included."""
    return sum(tag_cost(t) for t in tags) + max(len(tags) - 1, 0)


def clean(text: str) -> str:
    """Drop the characters YouTube refuses in titles, descriptions and tags."""
    return _FORBIDDEN.sub("", text)


def fit_title(title: str) -> str:
    """One line, no forbidden characters, cut at a word boundary to 100 characters."""
    title = " ".join(clean(title).split())
    if len(title) <= TITLE_MAX_CHARS:
        return title
    cut = title[:TITLE_MAX_CHARS + 1].rsplit(" ", 1)[0]
    if not cut or len(cut) > TITLE_MAX_CHARS:
        cut = title[:TITLE_MAX_CHARS]
    return cut.rstrip(" ,;:-")


def fit_description(description: str) -> str:
    """No forbidden characters, at most 5000 UTF-8 bytes, cut at a line or word boundary."""
    description = clean(description).strip()
    data = description.encode()
    if len(data) <= DESCRIPTION_MAX_BYTES:
        return description
    head = data[:DESCRIPTION_MAX_BYTES].decode(errors="ignore")
    for sep in ("\n", " "):
        if sep in head[len(head) // 2:]:
            head = head.rsplit(sep, 1)[0]
            break
    return head.rstrip()


def fit_tags(candidates: list[str]) -> list[str]:
    """Keep candidates in order, skipping duplicates, unusable and too-long tags, until the
    500-character budget is spent."""
    tags: list[str] = []
    seen: set[str] = set()
    used = 0
    for raw in candidates:
        tag = " ".join(clean(raw).replace(",", " ").replace('"', " ").split())
        if not tag or len(tag) > TAG_MAX_CHARS or tag.lower() in seen:
            continue
        cost = tag_cost(tag) + (1 if tags else 0)
        if used + cost > TAGS_MAX_CHARS:
            continue
        tags.append(tag)
        seen.add(tag.lower())
        used += cost
    return tags
