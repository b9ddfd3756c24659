"""The scheduler's per-channel topic backlog: where discovery's candidates land, scored with
their parts and reasons, where the owner's decisions (from ``channel.updated``) apply, and from
which each slot takes its topics (pinned first, then by score) and marks them used, so no topic
is taken twice.

It lives in the scheduler's ``backlog`` table (a Faust table with a changelog) because the
scheduler is its one writer: taking a topic and marking it used happen in the same step as the
request, so a crash or a redelivered tick replays both or neither. Every change is sent as
``backlog.updated`` (compacted, keyed by channel) for the gateway to show.

Candidates come from the trends stage (``processors.trends``) on ``topics.discovered``: each run
is merged in (new topics join, known open ones take the new score as their trend moves). While
the configured sources include the offline one (the default), the scheduler also tops the
backlog up itself from the same deterministic brainstorm (``processors.discovery.offline``): it
needs no I/O, so a channel given a schedule and nothing else has topics in auto mode even before
the trends stage's first run reaches it.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from processors.discovery import offline
from processors.discovery.scoring import Candidate, Scored, rank
from processors.discovery.similarity import duplicate_of
from ytempire.core import backlog
from ytempire.core.events import Emit, new_envelope
from ytempire.core.records import BacklogTopic, BacklogUpdated, ScorePart, TopicDecision
from ytempire.stage import State

TABLE = "backlog"
KEEP_USED = 50
KEEP_OPEN = 200
"""Topics without a use or a decision kept (the best): a run adds up to its 150 candidates."""
"""Used topics kept for the owner to see; the scheduler's own record of made topics is longer."""
TAKE_FIRST = {"pinned": 0, "approved": 1, "": 1}


def target(videos_per_slot: int) -> int:
    """How many takeable topics a refill aims for: a few slots' worth."""
    return max(10, 3 * videos_per_slot)


def _entry(scored: Scored, channel_id: str) -> dict[str, Any]:
    title = scored.candidate.title
    return {"topic_id": backlog.topic_id(channel_id, title), "title": title,
            "source": scored.candidate.source, "ref": scored.candidate.ref,
            "score": scored.total, "parts": dict(scored.parts), "reasons": list(scored.reasons),
            "refused": scored.refused, "decision": "", "used_by": "", "used_at": None}


def takeable(entry: dict[str, Any], mode: str) -> bool:
    """Unused, not refused, not skipped, and in manual mode approved (or pinned)."""
    if entry["used_by"] or entry["refused"] or entry["decision"] == "skipped":
        return False
    return mode == "auto" or entry["decision"] in ("approved", "pinned")


class Backlog:
    """A channel's topics in the ``backlog`` table; a change returns its ``backlog.updated``."""

    def __init__(self, state: State, brainstorm: bool = True) -> None:
        self.state = state
        self.brainstorm = brainstorm

    def topics(self, channel_id: str) -> dict[str, dict[str, Any]]:
        """The channel's topics by id (a copy: change it, then ``_save``)."""
        found = self.state.get(TABLE, channel_id)
        return copy.deepcopy(found["topics"]) if found is not None else {}

    def decide(self, channel: dict[str, Any], decisions: list[TopicDecision],
               made: list[str]) -> list[Emit]:
        """Apply the owner's decisions (all of them: the channel event carries the whole list),
        scoring topics added by hand against what the owner already made."""
        topics = self.topics(channel["id"])
        before = copy.deepcopy(topics)
        decided = {d.topic_id: d for d in decisions}
        for tid, entry in topics.items():
            entry["decision"] = decided[tid].decision if tid in decided else ""
        new = [d for d in decisions if d.by_hand and d.topic_id not in topics]
        scored = rank([Candidate(d.title, "by_hand") for d in new], channel["niche"], made)
        by_title = {s.candidate.title: s for s in scored}
        for d in new:
            entry = _entry(by_title[d.title], channel["id"])
            entry.update(topic_id=d.topic_id, decision=d.decision)
            topics[d.topic_id] = entry
        return self._save(channel, topics) if topics != before else []

    def merge(self, channel: dict[str, Any], found: list[dict[str, Any]]) -> list[Emit]:
        """Take in a discovery run (``topics.discovered``): new topics join as scored; a known
        topic not yet used keeps its decision and a refusal the scheduler gave it, and takes
        the run's score, parts and reasons (its trend moved). The worst open topics beyond
        ``KEEP_OPEN`` leave."""
        topics = self.topics(channel["id"])
        before = copy.deepcopy(topics)
        for topic in found:
            tid = backlog.topic_id(channel["id"], topic["title"])
            known = topics.get(tid)
            if known is not None and known["used_by"]:
                continue
            entry = {"topic_id": tid, "title": topic["title"], "source": topic["source"],
                     "ref": topic["ref"], "score": topic["score"],
                     "parts": {p["name"]: p["value"] for p in topic["parts"]},
                     "reasons": list(topic["reasons"]), "refused": topic["refused"],
                     "decision": "", "used_by": "", "used_at": None}
            if known is not None:
                entry.update(decision=known["decision"],
                             refused=known["refused"] or topic["refused"])
            topics[tid] = entry
        open_ = sorted((e for e in topics.values() if not e["used_by"] and not e["decision"]),
                       key=lambda e: (bool(e["refused"]), -e["score"], e["title"]))
        for worst in open_[KEEP_OPEN:]:
            del topics[worst["topic_id"]]
        return self._save(channel, topics) if topics != before else []

    def refill(self, channel: dict[str, Any], made: list[str]) -> list[Emit]:
        """Top the backlog up from the offline brainstorm (when it is a configured source) while
        it holds fewer takeable topics than ``target``; ideas already in it (used, skipped or
        refused) stay out."""
        schedule = channel["schedule"]
        if schedule is None or channel["deleted"] or not self.brainstorm:
            return []
        topics = self.topics(channel["id"])
        mode = schedule["topic_mode"]
        want = target(schedule["videos_per_slot"])
        if sum(takeable(e, mode) for e in topics.values()) >= want:
            return []
        ideas = [Candidate(t, "offline")
                 for t in offline.brainstorm(channel["niche"], channel["id"])
                 if backlog.topic_id(channel["id"], t) not in topics]
        added = 0
        for scored in rank(ideas, channel["niche"], made):
            entry = _entry(scored, channel["id"])
            topics[entry["topic_id"]] = entry
            added += 1
        return self._save(channel, topics) if added else []

    def take(self, channel: dict[str, Any], video_ids: list[str], made: list[str],
             now: datetime) -> tuple[list[str], list[Emit]]:
        """Topics for ``video_ids`` (all or none), pinned first then by score, each marked used
        by its video; a topic that became a near duplicate of something made since is refused
        on the way. Returns the titles and the events of the change."""
        emits = self.refill(channel, made)
        topics = self.topics(channel["id"])
        mode = channel["schedule"]["topic_mode"]
        order = sorted((e for e in topics.values() if takeable(e, mode)),
                       key=lambda e: (TAKE_FIRST[e["decision"]], -e["score"], e["title"]))
        picked: list[dict[str, Any]] = []
        changed = False
        for entry in order:
            twin = duplicate_of(entry["title"], made + [p["title"] for p in picked])
            if twin is not None:
                entry["refused"] = f"near duplicate of {twin[0]!r} (similarity {twin[1]:.2f})"
                changed = True
                continue
            picked.append(entry)
            if len(picked) == len(video_ids):
                break
        if len(picked) < len(video_ids):
            return [], emits + (self._save(channel, topics) if changed else [])
        for entry, video_id in zip(picked, video_ids, strict=True):
            entry.update(used_by=video_id, used_at=now.astimezone(UTC).isoformat())
        return [p["title"] for p in picked], emits + self._save(channel, topics)

    def _save(self, channel: dict[str, Any], topics: dict[str, dict[str, Any]]) -> list[Emit]:
        used = sorted((e for e in topics.values() if e["used_by"]), key=lambda e: e["used_at"])
        for old in used[:-KEEP_USED]:
            del topics[old["topic_id"]]
        revision = (self.state.get(TABLE, channel["id"]) or {"revision": 0})["revision"] + 1
        self.state.put(TABLE, channel["id"], {"revision": revision, "topics": topics})
        return [self.event(channel, topics, revision)]

    def event(self, channel: dict[str, Any], topics: dict[str, dict[str, Any]],
              revision: int) -> Emit:
        """The whole backlog, best first: what a slot would take first leads, used ones last.
        Its id is fixed by the revision, so a replayed step sends the same event."""
        schedule = channel["schedule"] or {}
        ordered = sorted(topics.values(), key=lambda e: (
            bool(e["used_by"]), bool(e["refused"]), e["decision"] == "skipped",
            TAKE_FIRST.get(e["decision"], 1), -e["score"], e["title"]))
        envelope = new_envelope(video_id="", channel_id=channel["id"], owner_id=channel["owner"],
                                producer="scheduler",
                                event_key=f"{channel['id']}:backlog:{revision}")
        shown = [BacklogTopic(
            topic_id=e["topic_id"], title=e["title"], source=e["source"], ref=e["ref"],
            score=e["score"], parts=[ScorePart(name=k, value=v) for k, v in e["parts"].items()],
            reasons=list(e["reasons"]), refused=e["refused"], decision=e["decision"],
            used_by=e["used_by"],
            used_at=None if e["used_at"] is None else datetime.fromisoformat(e["used_at"]),
        ) for e in ordered]
        updated = BacklogUpdated(envelope=envelope, mode=schedule.get("topic_mode", "auto"),
                                 topics=shown)
        return Emit(backlog.TOPIC, updated, key_field="channel_id")
