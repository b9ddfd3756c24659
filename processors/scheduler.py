"""scheduler: channels that make videos on their own schedule.

Reads ``channel.updated`` (the gateway's channels), ``cost.incurred`` (spend and YouTube quota),
``upload.done`` (how long a video takes to publish), ``topics.discovered`` (the trends stage's
candidates for a channel's backlog) and ``scheduler.tick`` (its only clock), and
writes ``script.requested`` (one per video of a slot, each with its own ``publish_at``),
``schedule.slot`` (a slot planned, requested, or skipped with the reason) and
``backlog.updated`` (a channel's topic backlog, ``processors.scheduler_backlog``).

On a tick it plans every scheduled channel's slots up to ``scheduler_horizon_hours`` ahead, and
requests a slot's videos once ``now`` reaches the slot minus the channel's lead time (the p90 of
its measured request-to-published times plus a margin, ``ytempire.core.schedule.lead_time``).
A slot is skipped, with a ``schedule.slot`` notice saying why, when the channel is paused, when
its videos would pass the channel's daily or the owner's monthly budget (spend so far from
``cost.incurred`` + the channel's average video cost, its per-video budget until one is known),
when the day's YouTube quota cannot take them (connected channels), when the channel's backlog
has no topic to take (in manual mode: no approved one), or when the slot passed before it could
be requested.

State lives in Faust tables (changelogs in Kafka), not local files. A slot's video ids are
derived from (channel, slot, index), and a redelivered tick replays from the state before it, so
a crash, a restart or a second scheduler never asks for one slot twice under different ids.
Run one replica: its sums over a channel's spend need every partition of ``cost.incurred``; a
restarted or standby process recovers the tables from their changelogs and carries on.

(Just over 400 lines on purpose: a slot's life, planned to requested or skipped, is one class
reading one set of tables; the backlog, the clock and the shared rules already live apart.)
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec

from processors.scheduler_backlog import TABLE as BACKLOG_TABLE
from processors.scheduler_backlog import Backlog
from ytempire.core import schedule as sched
from ytempire.core.events import Emit, Event, new_envelope, plain
from ytempire.core.records import (
    ChannelUpdated,
    CostIncurred,
    SchedulerTick,
    ScheduleSlot,
    ScriptRequested,
    TopicsDiscovered,
    UploadDone,
)
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.settings import Settings
from ytempire.stage import LogicStage, MemoryState, Partitioning, StageSpec, State

NAME = "scheduler"
TICK_TOPIC = "scheduler.tick"
CHANNEL_TOPIC = "channel.updated"
SLOT_TOPIC = "schedule.slot"
BACKLOG_TOPIC = "backlog.updated"
DISCOVERED_TOPIC = "topics.discovered"
INPUT_TOPICS = (TICK_TOPIC, CHANNEL_TOPIC, "cost.incurred", "upload.done", DISCOVERED_TOPIC)
TABLES: dict[str, Partitioning] = {
    "channels": "key",  # channel_id -> the channel as of its latest channel.updated
    "plans": "key",  # channel_id -> slots, planned-until, measured times to publish and costs
    "index": "key",  # "channels" -> every channel id; "owner:<id>" -> that owner's channel ids
    "spend": "key",  # "<channel>:<UTC day>" / "quota:<Pacific day>" -> sum and counted event ids
    "videos": "key",  # video_id of a scheduled video -> channel, requested at, cost so far
    BACKLOG_TABLE: "key",  # channel_id -> its topic backlog (processors.scheduler_backlog)
}
KEEP_PAST = timedelta(days=3)
"""Requested and skipped slots are kept this long after their time (for notices), then pruned."""
SAMPLES = 20
PLAN_STEP = timedelta(hours=1)
"""The plan is extended to the full horizon once it falls this much short of it."""
# The channel.updated fields the channels table keeps (JSON values: budgets as strings)
CHANNEL_FIELDS = ("name", "niche", "deleted", "publish_target", "language", "voice",
                  "visual_style", "format", "target_duration_s", "quality_threshold",
                  "auto_publish", "privacy")
BUDGETS = ("per_video_budget_usd", "daily_budget_usd", "monthly_budget_usd")
NO_TOPIC = {
    "auto": "no_topic: the backlog has no topic to take (every idea is used, skipped or too "
            "close to a video the owner already made)",
    "manual": "no_topic: no approved topic in the channel's backlog (topic mode manual: "
              "approve or add one)",
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _usd(value: Any) -> Decimal:
    return Decimal(str(value))


class Scheduler:
    """The planning over ``State``: one input event in, the events it causes out."""

    def __init__(self, state: State, settings: Settings) -> None:
        self.state = state
        self.horizon = timedelta(hours=settings.scheduler_horizon_hours)
        self.margin = timedelta(minutes=settings.scheduler_lead_margin_minutes)
        self.default_lead = timedelta(minutes=settings.scheduler_default_lead_minutes)
        self.daily_quota = settings.youtube_daily_quota
        self.brainstorm = "offline" in settings.topic_sources

    # -- inputs -----------------------------------------------------------------------------

    @property
    def backlog(self) -> Backlog:
        return Backlog(self.state, self.brainstorm)

    def handle(self, event: Event) -> list[Emit]:
        if isinstance(event, SchedulerTick):
            return self.tick(event.now)
        if isinstance(event, TopicsDiscovered):
            return self.discovered(event)
        if isinstance(event, ChannelUpdated):
            return self.channel_updated(event)
        if isinstance(event, CostIncurred):
            self.cost(event)
        elif isinstance(event, UploadDone):
            self.published(event)
        return []

    def channel_updated(self, event: ChannelUpdated) -> list[Emit]:
        """Keep the latest version; a changed schedule replans its future slots only. The
        owner's topic decisions apply to the backlog, which a scheduled channel fills."""
        cid = event.envelope.channel_id
        known = self.state.get("channels", cid)
        version = _iso(event.version)
        if known is not None and known["version"] > version:
            return []
        fields = msgspec.structs.asdict(event)
        channel: dict[str, Any] = {
            "id": cid, "owner": event.envelope.owner_id, "version": version,
            **{k: fields[k] for k in CHANNEL_FIELDS},
            **{k: None if fields[k] is None else str(fields[k]) for k in BUDGETS},
            "schedule": None if event.schedule is None else plain(event.schedule),
        }
        self.state.put("channels", cid, channel)
        self._index("channels", cid)
        self._index(f"owner:{channel['owner']}", cid)
        before = (known or {}).get("schedule") or {}
        after = channel["schedule"] or {}
        timing = ("cron", "timezone", "videos_per_slot")
        if channel["deleted"] or [before.get(k) for k in timing] != [after.get(k) for k in timing]:
            self._unplan(cid)
        made = self._made(channel["owner"])
        return (self.backlog.decide(channel, event.topic_decisions, made)
                + self.backlog.refill(channel, made))

    def discovered(self, event: TopicsDiscovered) -> list[Emit]:
        """A discovery run for a scheduled channel joins its backlog (the scheduler is the
        backlog's one writer); a run for a channel it does not hold (yet) waits for the next."""
        channel = self.state.get("channels", event.envelope.channel_id)
        if channel is None or channel["schedule"] is None or channel["deleted"]:
            return []
        return self.backlog.merge(channel, msgspec.to_builtins(event.topics))

    def cost(self, event: CostIncurred) -> None:
        envelope = event.envelope
        eid = envelope.event_id
        day = envelope.occurred_at.astimezone(UTC).date().isoformat()
        self._add("spend", f"{envelope.channel_id}:{day}", eid, str(event.usd))
        if event.unit == "youtube_quota":
            quota_day = envelope.occurred_at.astimezone(sched.PACIFIC).date().isoformat()
            self._add("spend", f"quota:{quota_day}", eid, str(int(event.quantity)))
        video = self.state.get("videos", envelope.video_id)
        if video is not None and eid not in video["seen"]:
            self.state.put("videos", envelope.video_id, {
                **video, "usd": str(_usd(video["usd"]) + event.usd),
                "seen": [*video["seen"], eid]})

    def published(self, event: UploadDone) -> None:
        """A scheduled video is out: its request-to-published time and cost become samples."""
        envelope = event.envelope
        video = self.state.get("videos", envelope.video_id)
        if video is None or video.get("published"):
            return
        plan = copy.deepcopy(self._plan_of(video["channel"]))
        took = (envelope.occurred_at - _at(video["requested_at"])).total_seconds()
        plan["ttp"] = [*plan["ttp"], max(0.0, took)][-SAMPLES:]
        plan["costs"] = [*plan["costs"], video["usd"]][-SAMPLES:]
        self.state.put("plans", video["channel"], plan)
        self.state.put("videos", envelope.video_id, {**video, "published": True})

    def tick(self, now: datetime) -> list[Emit]:
        """Plan ahead and request what is due, for every channel, as of ``now``."""
        emits: list[Emit] = []
        for cid in self.state.get("index", "channels") or []:
            channel = self.state.get("channels", cid)
            plan = self._plan_of(cid)
            active = (channel is not None and channel["schedule"] is not None
                      and not channel["deleted"])
            if not self._has_work(plan, now, active):
                continue
            new = copy.deepcopy(plan)
            if active:
                emits += self._plan_ahead(channel, new, now)
                emits += self._request_due(channel, new, now)
            cutoff = now - KEEP_PAST
            new["slots"] = {k: s for k, s in new["slots"].items()
                            if s["status"] == "planned" or _at(s["at"]) >= cutoff}
            if new != plan:
                self.state.put("plans", cid, new)
        return emits

    def _has_work(self, plan: dict[str, Any], now: datetime, active: bool) -> bool:
        """Whether a tick changes this channel: a plan to extend, a slot due or one to prune.
        Most ticks change nothing, and copying every plan on every tick was most of its cost."""
        if active and (plan["until"] is None
                       or _at(plan["until"]) < now + self.horizon - PLAN_STEP):
            return True
        lead = self.lead(plan)
        cutoff = now - KEEP_PAST
        for entry in plan["slots"].values():
            at = _at(entry["at"])
            if (entry["status"] == "planned" and active and at - lead <= now) or (
                    entry["status"] != "planned" and at < cutoff):
                return True
        return False

    # -- planning ---------------------------------------------------------------------------

    def lead(self, plan: dict[str, Any]) -> timedelta:
        return sched.lead_time(plan["ttp"], self.margin, self.default_lead)

    def _plan_ahead(self, channel: dict[str, Any], plan: dict[str, Any],
                    now: datetime) -> list[Emit]:
        schedule = channel["schedule"]
        until = now + self.horizon
        after = max(now, _at(plan["until"])) if plan["until"] else now
        if after >= until:
            return []
        emits = []
        lead = self.lead(plan)
        for slot in sched.slots(schedule["cron"], schedule["timezone"], after, until):
            key = sched.slot_key(slot)
            if key in plan["slots"]:
                continue
            count = schedule["videos_per_slot"]
            following = sched.next_slot(schedule["cron"], schedule["timezone"], slot)
            entry = {
                "at": _iso(slot), "status": "planned", "reason": "",
                "videos": [sched.slot_video_id(channel["id"], slot, i) for i in range(count)],
                "publish_at": [_iso(t) for t in sched.publish_times(slot, following, count)],
                "topics": [],
            }
            plan["slots"][key] = entry
            emits.append(self._slot_event(channel, entry, slot - lead))
        plan["until"] = _iso(until)
        return emits

    def _request_due(self, channel: dict[str, Any], plan: dict[str, Any],
                     now: datetime) -> list[Emit]:
        emits: list[Emit] = []
        lead = self.lead(plan)
        for key in sorted(plan["slots"]):
            entry = plan["slots"][key]
            slot = _at(entry["at"])
            if entry["status"] != "planned" or now < slot - lead:
                continue
            reason = self._skip_reason(channel, plan, entry, now)
            topics: list[str] = []
            if not reason:
                topics, changed = self.backlog.take(channel, entry["videos"],
                                                    self._made(channel["owner"]), now)
                emits += changed
                if not topics:
                    reason = NO_TOPIC[channel["schedule"]["topic_mode"]]
            if reason:
                entry.update(status="skipped", reason=reason)
            else:
                entry.update(status="requested", topics=topics)
                plan["topics"] = [*plan["topics"], *topics]
                emits += self._requests(channel, entry, now)
            emits.append(self._slot_event(channel, entry, slot - lead))
        return emits

    def _skip_reason(self, channel: dict[str, Any], plan: dict[str, Any],
                     entry: dict[str, Any], now: datetime) -> str:
        count = len(entry["videos"])
        if now >= _at(entry["at"]):
            return "missed: the slot's time passed before its videos could be requested"
        if channel["schedule"]["paused"]:
            return "paused: the channel's schedule is paused"
        costs = [_usd(c) for c in plan["costs"]]
        each = (sum(costs, Decimal(0)) / len(costs) if costs
                else _usd(channel["per_video_budget_usd"]))
        need = each * count
        day = now.astimezone(UTC).date()
        spent = self._spent(channel["id"], [day])
        daily = _usd(channel["daily_budget_usd"])
        if spent + need > daily:
            return (f"daily_budget: ${spent:.2f} spent today + ${need:.2f} for this slot would "
                    f"pass the channel's daily budget of ${daily:.2f}")
        if channel["monthly_budget_usd"] is not None:
            monthly = _usd(channel["monthly_budget_usd"])
            days = [day.replace(day=d) for d in range(1, day.day + 1)]
            month = sum((self._spent(c, days) for c in
                         self.state.get("index", f"owner:{channel['owner']}") or []), Decimal(0))
            if month + need > monthly:
                return (f"monthly_budget: ${month:.2f} spent this month + ${need:.2f} for this "
                        f"slot would pass the owner's monthly budget of ${monthly:.2f}")
        if channel["publish_target"] == "youtube":
            quota_day = now.astimezone(sched.PACIFIC).date().isoformat()
            used = int((self.state.get("spend", f"quota:{quota_day}") or {"sum": "0"})["sum"])
            if used + count * sched.UPLOAD_QUOTA_UNITS > self.daily_quota:
                return (f"youtube_quota: {used:,} of {self.daily_quota:,} units used today "
                        f"(Pacific); {count} upload(s) need {count * sched.UPLOAD_QUOTA_UNITS:,}")
        return ""

    def _made(self, owner: str) -> list[str]:
        """Every topic the owner's channels were given: no new topic may repeat one."""
        return [t for c in self.state.get("index", f"owner:{owner}") or []
                for t in self._plan_of(c)["topics"]]

    def _requests(self, channel: dict[str, Any], entry: dict[str, Any],
                  now: datetime) -> list[Emit]:
        emits = []
        for video_id, topic, publish_at in zip(entry["videos"], entry["topics"],
                                               entry["publish_at"], strict=True):
            emit = request_event(VideoRequest(
                topic=topic, format=channel["format"],
                target_duration_s=channel["target_duration_s"], language=channel["language"],
                style=channel["visual_style"] or "informative", voice=channel["voice"],
                quality_threshold=channel["quality_threshold"],
                budget_usd=_usd(channel["per_video_budget_usd"]), privacy=channel["privacy"],
                auto_publish=channel["auto_publish"],
                daily_budget_usd=_usd(channel["daily_budget_usd"]),
                visual_style=channel["visual_style"], publish_at=_at(publish_at),
                channel_id=channel["id"], owner_id=channel["owner"], video_id=video_id,
            ), producer=NAME)
            monthly = channel["monthly_budget_usd"]
            request = emit.value
            assert isinstance(request, ScriptRequested)
            spec = msgspec.structs.replace(
                request.spec, monthly_budget_usd=None if monthly is None else _usd(monthly))
            emits.append(Emit(emit.topic, msgspec.structs.replace(request, spec=spec)))
            self.state.put("videos", video_id, {
                "channel": channel["id"], "requested_at": _iso(request.envelope.occurred_at),
                "usd": "0", "seen": []})
        return emits

    def _slot_event(self, channel: dict[str, Any], entry: dict[str, Any],
                    request_at: datetime) -> Emit:
        envelope = new_envelope(video_id="", channel_id=channel["id"], owner_id=channel["owner"],
                                producer=NAME,
                                event_key=f"{channel['id']}:{entry['at']}:{entry['status']}")
        return Emit(SLOT_TOPIC, ScheduleSlot(
            envelope=envelope, slot_at=_at(entry["at"]), status=entry["status"],
            reason=entry["reason"], request_at=request_at, video_ids=list(entry["videos"]),
            publish_at=[_at(t) for t in entry["publish_at"]], topics=list(entry["topics"]),
        ), key_field="channel_id")

    # -- state helpers ----------------------------------------------------------------------

    def _plan_of(self, cid: str) -> dict[str, Any]:
        found: dict[str, Any] | None = self.state.get("plans", cid)
        if found is None:
            return {"until": None, "slots": {}, "ttp": [], "costs": [], "topics": []}
        return found

    def _unplan(self, cid: str) -> None:
        plan = copy.deepcopy(self._plan_of(cid))
        plan["slots"] = {k: s for k, s in plan["slots"].items() if s["status"] != "planned"}
        plan["until"] = None
        self.state.put("plans", cid, plan)

    def _index(self, key: str, cid: str) -> None:
        ids = self.state.get("index", key) or []
        if cid not in ids:
            self.state.put("index", key, sorted([*ids, cid]))

    def _add(self, table: str, key: str, eid: str, amount: str) -> None:
        record = self.state.get(table, key) or {"sum": "0", "seen": []}
        if eid in record["seen"]:
            return
        self.state.put(table, key, {"sum": str(_usd(record["sum"]) + _usd(amount)),
                                    "seen": [*record["seen"], eid]})

    def _spent(self, cid: str, days: list[Any]) -> Decimal:
        total = Decimal(0)
        for day in days:
            record = self.state.get("spend", f"{cid}:{day.isoformat()}")
            if record is not None:
                total += _usd(record["sum"])
        return total


class SchedulerStage(LogicStage):
    """The stage the worker runs; it declares ``tables``, so the worker sets ``state``. It
    reads no video's events that a cancellation could stop."""

    spec = StageSpec(name=NAME, inputs=INPUT_TOPICS,
                     outputs=("script.requested", SLOT_TOPIC, BACKLOG_TOPIC),
                     tables=TABLES, cancel="never")


def build(settings: Settings) -> SchedulerStage:
    return SchedulerStage(Scheduler(MemoryState(TABLES), settings))
