"""The quality gate's originality check: a new script against its channel's recent ones.

YouTube demotes repetitive, mass-produced videos, so a script that says what one of the
channel's last ``KEEP`` approved scripts said fails the gate, naming that video. The measure is
Jaccard similarity of word 5-gram shingles (Broder's resemblance) of the narration (hook,
sections, call to action): it sees copied wording, whatever order the sentences come in, and
not a shared subject, so the same brief told from another angle stays apart.

``SAME_SCRIPT`` (0.8) was set from pairs a person would and would not call the same script
(``tests/processors/test_originality.py``): a re-run (1.0), a 3-minute script with its sections
reordered (0.90), given a new hook and call to action (0.82) or another topic in the same words
(0.85) are the same; the same brief from another angle (0.00), two scripts sharing only a
channel's intro and sign-off (0.12) are not, nor are the offline writer's template scripts on
different topics, which share stock sentences (up to 0.74 in 50,000 comparisons of 15-120 s
scripts against a channel's previous 20; a viewer tells them apart by their subject). A short
script with new ends drops faster (0.73 at 60 s), and a paraphrase (new words for the same
content) is not seen at all: that would need a semantic measure. Between ``SIMILAR`` (0.5) and
0.8 the check loses points without failing. The offline writer, given one brief again, opens
with the new angle's own section, so from 30 s up its scripts differ (at most 0.79); a 15 s
script has room for little else and often repeats the words of an earlier one with the same
angle: the gate refuses those.

State is two Faust tables of the quality stage (changelogs in Kafka): ``recent_scripts``
(channel -> its last ``KEEP`` approved scripts) and ``originality`` (video -> what its first
check found). A redelivered or replayed video gets the answer of its first check, so scripts
approved since then never change a decision. Both are keyed by channel or video, not by the
input record, and a channel's scripts must all be in one place: run one quality process (one
scores 600-1,200 videos an hour, docs/operations.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ytempire.core.records import Envelope, Script
from ytempire.stage import Partitioning, State

SHINGLE_WORDS = 5
SAME_SCRIPT = 0.8
SIMILAR = 0.5
"""From here up to ``SAME_SCRIPT`` the check loses points (template-like reuse), without failing."""
KEEP = 20
TABLES: dict[str, Partitioning] = {
    "recent_scripts": "key",  # channel_id -> [{video_id, title, text}], oldest first, KEEP long
    "originality": "key",  # video_id -> its first check's nearest video, title and similarity
}
WORD = re.compile(r"[^\W_]+")


def narration(script: Script) -> str:
    """Everything the script says aloud, in order."""
    return " ".join([script.hook, *(s.narration for s in script.sections), script.call_to_action])


def shingles(text: str) -> set[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def similarity(a: str, b: str) -> float:
    """0 (no five words in a row in common) to 1 (the same wording)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


@dataclass(frozen=True)
class Finding:
    """The most similar recent script of the channel (empty when it has none)."""

    video_id: str = ""
    title: str = ""
    similarity: float = 0.0

    @property
    def same_script(self) -> bool:
        return self.similarity >= SAME_SCRIPT


class RecentScripts:
    """The channel's recent approved scripts over the stage's ``State``."""

    def __init__(self, state: State) -> None:
        self.state = state

    def check(self, envelope: Envelope, script: Script) -> Finding:
        """The nearest of the channel's recent scripts (other videos only), as found the first
        time this video was checked."""
        found: dict[str, Any] | None = self.state.get("originality", envelope.video_id)
        if found is not None:
            return Finding(**found)
        text = narration(script)
        finding = Finding()
        for past in self.recent(envelope.channel_id):
            if past["video_id"] == envelope.video_id:
                continue
            score = round(similarity(text, past["text"]), 4)
            if score > finding.similarity:
                finding = Finding(past["video_id"], past["title"], score)
        self.state.put("originality", envelope.video_id, {
            "video_id": finding.video_id, "title": finding.title,
            "similarity": finding.similarity})
        return finding

    def remember(self, envelope: Envelope, script: Script) -> None:
        """An approved script joins its channel's recent ones (once, however often redelivered)."""
        recent = self.recent(envelope.channel_id)
        if any(p["video_id"] == envelope.video_id for p in recent):
            return
        entry = {"video_id": envelope.video_id, "title": script.title, "text": narration(script)}
        self.state.put("recent_scripts", envelope.channel_id, [*recent, entry][-KEEP:])

    def recent(self, channel_id: str) -> list[dict[str, Any]]:
        return list(self.state.get("recent_scripts", channel_id) or [])
