"""A channel's topic backlog, as both its holders name it: the scheduler (which holds the
topics, their scores and which were used, and sends them on ``backlog.updated``) and the gateway
(which holds the owner's decisions and sends them on ``channel.updated``).

A topic's id is derived from (channel, title), so a title added by hand and the same title found
by discovery are one topic, and the gateway can name a topic before the scheduler has seen it.
"""

from __future__ import annotations

import hashlib
import unicodedata

TOPIC = "backlog.updated"
DECISIONS = ("approved", "skipped", "pinned")
"""pinned: approved and taken before every unpinned topic."""
TITLE_MIN, TITLE_MAX = 3, 200
MAX_DECISIONS = 500
"""Decisions a channel keeps (each rides on every ``channel.updated`` of the channel)."""


class BadTitle(ValueError):
    """A topic title nobody could make a video about; the message says why."""


def clean_title(text: str) -> str:
    """The title with its whitespace collapsed; refuses control characters and odd lengths."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and not ch.isspace()
           for ch in text):
        raise BadTitle("the title holds control or invisible characters")
    title = " ".join(text.split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise BadTitle(f"the title must be {TITLE_MIN} to {TITLE_MAX} characters "
                       f"(after collapsing spaces it has {len(title)})")
    if not any(ch.isalnum() for ch in title):
        raise BadTitle("the title has no letters or digits")
    return title


def topic_id(channel_id: str, title: str) -> str:
    """16 hex digits of SHA-256 over the channel and the case-folded, space-collapsed title."""
    key = f"{channel_id}\n{' '.join(title.split()).casefold()}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]
