"""trends: the TrendAnalyzer. ``scheduler.tick`` / ``channel.updated`` -> ``topics.discovered``
(+ ``cost.incurred`` for what discovery used), reading ``script.requested`` for what each owner
already made.

For every channel with a schedule it gathers candidates from the configured sources
(``Settings.topic_source``: ``processors.discovery.sources`` and ``.llm``) when the channel
changes and then every ``topic_refresh_minutes`` of tick time, keeps each source video's view
snapshots (the ``views`` table) so a candidate's trend is its views per hour, scores every
candidate (``processors.discovery.scoring``: trend, fit to the niche, novelty against every
topic the owner's channels were asked for, the policy pre-check; near duplicates refused) and
sends the ranked run on ``topics.discovered``. It does not hold the backlog: the scheduler, its
one writer, merges each run into it (``processors.scheduler_backlog.Backlog.merge``).

Time comes only from the events (the tick's ``now``, the channel's ``version``), so tests drive
it. Quota units and tokens become ``cost.incurred`` on a per-channel, per-day pseudo video
(``topics-<channel>-<day>``), which the ledger and the scheduler count against the channel's
daily budget and the day's YouTube quota. One replica: a channel's refresh times and snapshots
are in its tables (changelogs in Kafka); a restarted process recovers them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from processors.discovery.llm import LLMSource
from processors.discovery.scoring import Candidate, Scored, Snapshot, rank
from processors.discovery.sources import (
    FeedSource,
    Found,
    OfflineSource,
    Source,
    Wanted,
    YouTubeSource,
)
from processors.discovery.youtube import YouTubeTrends
from processors.providers.openai_client import openai_client
from processors.providers.publish.youtube_quota import QuotaLedger
from ytempire.core.backlog import topic_id
from ytempire.core.cache import ResultCache
from ytempire.core.events import Emit, Event, cost_events, new_envelope
from ytempire.core.pricing import bill
from ytempire.core.records import (
    ChannelUpdated,
    DiscoveredPart,
    DiscoveredTopic,
    SchedulerTick,
    ScriptRequested,
    TopicsDiscovered,
)
from ytempire.core.settings import Settings
from ytempire.stage import LogicStage, MemoryState, Partitioning, StageSpec, State

NAME = "trends"
OUTPUT_TOPIC = "topics.discovered"
INPUT_TOPICS = ("scheduler.tick", "channel.updated", "script.requested")
TABLES: dict[str, Partitioning] = {
    "channels": "key",  # channel_id -> niche, feeds, owner, next run, last search
    "index": "key",  # "channels" -> every channel id
    "made": "key",  # owner_id -> the topics its channels were asked for, newest last
    "views": "key",  # a source video's ref -> its view snapshots [[at, views], ...]
}
KEEP_MADE = 1000
KEEP_SNAPSHOTS = 12
SHOWN = 150
"""Candidates a run sends, best first (the backlog keeps the best 200 open topics)..."""
REFUSED_SHOWN = 50
"""...then this many refused ones, each with its reason, for the owner to see."""
PER_TICK = 20
"""Channels discovered on one tick at most (the most overdue first): a tick stays short."""
AVOID = 20
"""Recent topics of the owner the LLM is told to avoid."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class TrendAnalyzer:
    """Discovery over ``State``: one input event in, the events it causes out."""

    def __init__(self, state: State, sources: list[Source], refresh: timedelta,
                 search_every: timedelta) -> None:
        self.state, self.sources = state, sources
        self.refresh, self.search_every = refresh, search_every

    def handle(self, event: Event) -> list[Emit]:
        if isinstance(event, SchedulerTick):
            return self.tick(event.now)
        if isinstance(event, ChannelUpdated):
            return self.channel_updated(event)
        if isinstance(event, ScriptRequested):
            self.requested(event)
        return []

    def channel_updated(self, event: ChannelUpdated) -> list[Emit]:
        """Keep the channel; a new one, or a new niche or feed list, is discovered at once."""
        cid = event.envelope.channel_id
        known = self.state.get("channels", cid)
        version = _iso(event.version)
        if known is not None and known["version"] > version:
            return []
        channel = {"id": cid, "owner": event.envelope.owner_id, "version": version,
                   "niche": event.niche, "language": event.language, "feeds": list(event.feeds),
                   "active": event.schedule is not None and not event.deleted,
                   "next_at": None, "searched_at": None, **{
                       k: v for k, v in (known or {}).items() if k in ("next_at", "searched_at")}}
        what = ("niche", "feeds", "active")
        changed = known is None or [known[k] for k in what] != [channel[k] for k in what]
        self.state.put("channels", cid, channel)
        ids = self.state.get("index", "channels") or []
        if cid not in ids:
            self.state.put("index", "channels", sorted([*ids, cid]))
        return self.discover(channel, event.version) if changed and channel["active"] else []

    def requested(self, event: ScriptRequested) -> None:
        """Every topic asked for counts as made, by hand or by the scheduler."""
        owner, topic = event.envelope.owner_id, " ".join(event.spec.topic.split())
        made = self.state.get("made", owner) or []
        if owner and topic and topic not in made:
            self.state.put("made", owner, [*made, topic][-KEEP_MADE:])

    def tick(self, now: datetime) -> list[Emit]:
        """Rediscover the channels whose refresh is due, the most overdue first."""
        due = []
        for cid in self.state.get("index", "channels") or []:
            channel = self.state.get("channels", cid)
            if channel is not None and channel["active"] and (
                    channel["next_at"] is None or datetime.fromisoformat(channel["next_at"])
                    <= now):
                due.append(channel)
        due.sort(key=lambda c: c["next_at"] or "")
        return [emit for channel in due[:PER_TICK] for emit in self.discover(channel, now)]

    def discover(self, channel: dict[str, Any], now: datetime) -> list[Emit]:
        """One run for one channel: gather, add the snapshot history, rank, send."""
        cid, owner = channel["id"], channel["owner"]
        made = self.state.get("made", owner) or []
        searched = channel["searched_at"]
        search = searched is None or now - datetime.fromisoformat(searched) >= self.search_every
        wanted = Wanted(cid, channel["niche"], channel["language"], tuple(channel["feeds"]),
                        search, tuple(made[-AVOID:]))
        key = f"{cid}:{_iso(now)}"
        found = Found()
        for source in self.sources:
            part = source.gather(wanted, now, key=f"{source.name}:{key}".replace(":", "_"))
            found.candidates += part.candidates
            found.notices += part.notices
            found.usage += part.usage
        ranked = rank(self._with_history(found.candidates), channel["niche"], made)
        self.state.put("channels", cid, {
            **channel, "next_at": _iso(now + self.refresh),
            "searched_at": _iso(now) if search else searched})
        envelope = new_envelope(video_id="", channel_id=cid, owner_id=owner, producer=NAME,
                                event_key=f"{key}:topics")
        run = TopicsDiscovered(envelope=envelope, at=now,
                               sources=[s.name for s in self.sources],
                               topics=[_topic(s) for s in ranked if not s.refused][:SHOWN]
                               + [_topic(s) for s in ranked if s.refused][:REFUSED_SHOWN],
                               notices=found.notices)
        emits = [Emit(OUTPUT_TOPIC, run, key_field="channel_id")]
        if found.usage:
            parent = new_envelope(video_id=f"topics-{cid}-{now.astimezone(UTC).date()}",
                                  channel_id=cid, owner_id=owner, producer=NAME,
                                  event_key=f"{key}:costs")
            emits += cost_events(parent, stage=NAME, billed=bill(found.usage), paid=True,
                                 call_key=key)
        return emits

    def _with_history(self, candidates: list[Candidate]) -> list[Candidate]:
        """One candidate per topic; each source video's snapshots joined to the ones kept, and
        its forecast made from them all (the source saw only this run's snapshot)."""
        pool: dict[str, Candidate] = {}
        for candidate in candidates:
            if candidate.snapshots and candidate.ref:
                kept = {at: views for at, views in self.state.get("views", candidate.ref) or []}
                kept.update({_iso(s.at): s.views for s in candidate.snapshots})
                history = sorted(kept.items())[-KEEP_SNAPSHOTS:]
                self.state.put("views", candidate.ref, [list(h) for h in history])
                snapshots = tuple(Snapshot(datetime.fromisoformat(at), views)
                                  for at, views in history)
                candidate = replace(candidate, snapshots=snapshots)  # its forecast anew
            tid = topic_id("", candidate.title)
            if tid not in pool or len(candidate.snapshots) > len(pool[tid].snapshots):
                pool[tid] = candidate
        return list(pool.values())


def _topic(scored: Scored) -> DiscoveredTopic:
    return DiscoveredTopic(
        title=scored.candidate.title, source=scored.candidate.source, ref=scored.candidate.ref,
        score=scored.total, parts=[DiscoveredPart(name=k, value=v)
                                   for k, v in scored.parts.items()],
        views_per_hour=scored.views_per_hour, reasons=list(scored.reasons),
        refused=scored.refused)


class TrendsStage(LogicStage):
    """The stage the worker runs; it declares ``tables``, so the worker sets ``state``."""

    spec = StageSpec(name=NAME, inputs=INPUT_TOPICS, outputs=(OUTPUT_TOPIC, "cost.incurred"),
                     tables=TABLES, cancel="never")


def sources(settings: Settings) -> list[Source]:
    """The configured sources, in ``topic_source`` order; a hosted one without its key is a
    start-up error that says which setting to give."""
    chosen: list[Source] = []
    for name in settings.topic_sources:
        if name == "offline":
            chosen.append(OfflineSource(settings.topic_feeds_dir or settings.data_dir / "feeds"))
        elif name == "feeds":
            chosen.append(FeedSource(settings.egress_allow,
                                     deadline_s=min(settings.provider_timeout_s, 15.0)))
        elif name == "youtube":
            chosen.append(_youtube(settings))
        elif name == "llm":
            chosen.append(_llm(settings))
    return chosen


def _youtube(settings: Settings) -> Source:
    if settings.youtube_api_key is None:
        raise ValueError("topic_source youtube needs YTEMPIRE_YOUTUBE_API_KEY (a Data API key "
                         "for public data)")
    return YouTubeSource(
        YouTubeTrends(settings.youtube_api_key.get_secret_value(),
                      settings.youtube_api_base_url, timeout_s=settings.provider_timeout_s),
        QuotaLedger(settings.data_dir / "youtube", settings.youtube_daily_quota),
        keep_free=settings.youtube_quota_kept_for_uploads,
        regions=_listed(settings.youtube_trend_regions),
        categories=_listed(settings.youtube_trend_categories))


def _llm(settings: Settings) -> Source:
    if settings.openai_api_key is None:
        raise ValueError("topic_source llm needs YTEMPIRE_OPENAI_API_KEY (or OPENAI_API_KEY)")
    return LLMSource(openai_client(settings), settings.topic_llm_model,
                     ResultCache(settings.data_dir / "cache", NAME))


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def build(settings: Settings) -> TrendsStage:
    return TrendsStage(TrendAnalyzer(
        MemoryState(TABLES), sources(settings),
        refresh=timedelta(minutes=settings.topic_refresh_minutes),
        search_every=timedelta(hours=settings.topic_search_hours)))
