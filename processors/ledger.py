"""ledger: ``cost.incurred`` (+ ``script.requested`` for budgets) -> ``cost.alert``.

It also projects each channel's and owner's spend for the month and alerts when a projection
passes its budget (``processors.ledger_projection``), from ``channel.updated`` (schedules),
``upload.done``, ``quality.scored`` and ``pipeline.failed`` (ended videos: published, rejected
or failed) besides the costs and requests.

Running totals per video, per channel per UTC day and per owner per UTC month. Alerts once per
threshold (80%, 100%) per scope and period: of the video's budget (the request's
``spec.budget_usd``, ``settings.default_budget_usd`` until the request is seen), of the
channel's daily budget (the latest request's ``spec.daily_budget_usd``; no alert while none is
known) and of the owner's monthly budget (the latest request's ``spec.monthly_budget_usd``, set
on the owner in the gateway; a request without one means the owner has none, so no alert).
"Latest" is by the request's ``occurred_at``, so a late or re-driven old request changes nothing.
A budget is learnt from the owner's next request or the channel's next ``channel.updated``; one
lower than what was spent alerts at once.

State is five tables (and the projection's three) of JSON values behind ``ytempire.stage.State``
(get/put by key): dicts without a worker (``MemoryState``), Faust tables recovered from their
changelogs under it. The video's record is the authority: it holds the video's spend per day and
the ids of the events it has counted, so a redelivered cost never counts twice. The channel-day
and owner-month records do not add, they *set* the part that video (or channel-day) contributes,
recomputed from the authority on every delivery, so a crash between two tables' writes heals on
redelivery instead of losing or doubling a cent. A redelivered input gives back the alerts it
raised, with the same event ids (an alert's id depends only on scope, period and threshold).

The sums over channels and owners need every partition of ``cost.incurred``: run one ledger
process (it reads a few events per video); more processes would each sum only their partitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec

from processors import ledger_projection
from processors.ledger_projection import Projections
from ytempire.core import projection as rule
from ytempire.core.events import Emit, Event, derive_envelope, event_id
from ytempire.core.records import (
    ChannelUpdated,
    CostAlert,
    CostIncurred,
    Envelope,
    PipelineFailed,
    QualityScored,
    ScriptRequested,
    UploadDone,
)
from ytempire.core.settings import Settings
from ytempire.stage import MemoryState, Partitioning, PermanentError, StageSpec, State

NAME = "ledger"
INPUT_TOPIC = "cost.incurred"
BUDGET_TOPIC = "script.requested"
PROJECTION_TOPICS = ("channel.updated", "upload.done", "quality.scored", "pipeline.failed")
OUTPUT_TOPIC = "cost.alert"
THRESHOLDS = (80, 100)
ZERO = Decimal("0")
MICRO = Decimal("0.000001")

# The tables, and how each one's changelog is partitioned (ytempire.stage.Partitioning):
# all by the table key, so each key's writes keep their order in one changelog partition even if
# a video's requests and costs were produced to different partitions.
TABLES: dict[str, Partitioning] = {
    "videos": "key",  # video_id -> spend, budget, spend per day, counted event ids, alerts
    "channel_days": "key",  # "<channel>:<YYYY-MM-DD>" -> each video's spend that day, alerts
    "owner_months": "key",  # "<owner>:<YYYY-MM>" -> each channel-day's total, alerts
    "channels": "key",  # channel_id -> the daily budget of the latest request
    "owners": "key",  # owner_id -> the monthly budget of the latest request
    **ledger_projection.TABLES,
}


@dataclass(frozen=True)
class Alert:
    """A threshold of one scope reached, with the amounts at that moment."""

    scope: str
    scope_id: str
    threshold_pct: int
    budget_usd: Decimal
    spent_usd: Decimal

    def as_json(self) -> list[Any]:
        return [self.scope, self.scope_id, self.threshold_pct, str(self.budget_usd),
                str(self.spent_usd)]

    @classmethod
    def from_json(cls, row: list[Any]) -> Alert:
        scope, scope_id, pct, budget, spent = row
        return cls(scope, scope_id, pct, Decimal(budget), Decimal(spent))


@dataclass(frozen=True)
class VideoTotals:
    spent_usd: Decimal
    budget_usd: Decimal | None
    alerted: frozenset[int]


def reached(spent: Decimal, budget: Decimal, alerted: list[int]) -> list[int]:
    """Thresholds ``spent`` reaches of ``budget`` that were not alerted yet (none at $0)."""
    if spent <= ZERO:
        return []
    return [pct for pct in THRESHOLDS if pct not in alerted and spent * 100 >= budget * pct]


def periods(envelope: Envelope) -> tuple[str, str, str]:
    """UTC day, channel-day key and owner-month key of an event."""
    at: datetime = envelope.occurred_at.astimezone(UTC)
    day = f"{at:%Y-%m-%d}"
    return day, f"{envelope.channel_id}:{day}", f"{envelope.owner_id}:{at:%Y-%m}"


def alert_event(cause: Envelope, alert: Alert) -> Emit:
    """The ``cost.alert`` for ``alert``; its id depends only on scope, period and threshold."""
    parent = msgspec.structs.replace(cause, event_id=event_id(NAME, alert.scope, alert.scope_id))
    return Emit(
        OUTPUT_TOPIC,
        CostAlert(
            envelope=derive_envelope(parent, NAME, OUTPUT_TOPIC, index=alert.threshold_pct),
            scope=alert.scope,
            scope_id=alert.scope_id,
            threshold_pct=alert.threshold_pct,
            budget_usd=alert.budget_usd.quantize(MICRO),
            spent_usd=alert.spent_usd.quantize(MICRO),
        ),
    )


def _sum(values: dict[str, str]) -> Decimal:
    return sum((Decimal(v) for v in values.values()), ZERO)


class Ledger:
    """The arithmetic over ``State``: one input event in, the alerts it raises out."""

    def __init__(self, state: State, default_budget_usd: Decimal) -> None:
        self.state = state
        self.default_budget_usd = default_budget_usd

    def record_cost(self, cost: CostIncurred) -> list[Alert]:
        envelope = cost.envelope
        day, channel_day, owner_month = periods(envelope)
        video = self._video(envelope.video_id)
        alerts: list[Alert] = []
        if envelope.event_id not in video["seen"]:
            usd: Decimal = cost.usd
            video["spent"] = str(Decimal(video["spent"]) + usd)
            video["days"][day] = str(Decimal(video["days"].get(day, "0")) + usd)
            alerts = self._check_video(envelope.video_id, video)
        alerts += self._sync_rollups(envelope, channel_day, owner_month, video["days"].get(day))
        alerts = self._done(envelope, video, alerts)
        self.projections.spent(envelope, Decimal(video["spent"]), ended=False)
        return alerts + self._project(envelope)

    def record_request(self, request: ScriptRequested) -> list[Alert]:
        envelope = request.envelope
        spec = request.spec
        day, channel_day, owner_month = periods(envelope)
        video = self._video(envelope.video_id)
        alerts: list[Alert] = []
        if envelope.event_id not in video["seen"]:
            video["budget"] = str(spec.budget_usd)
            alerts = self._check_video(envelope.video_id, video)
            if spec.daily_budget_usd is not None:
                self._learn_daily_budget(envelope, spec.daily_budget_usd)
            self._learn_monthly_budget(envelope, spec.monthly_budget_usd)
        alerts += self._sync_rollups(envelope, channel_day, owner_month, video["days"].get(day))
        alerts = self._done(envelope, video, alerts)
        self.projections.requested(envelope)
        return alerts + self._project(envelope)

    def record_channel(self, event: ChannelUpdated) -> list[Alert]:
        """A channel as the gateway holds it: its schedule, and its and its owner's budgets."""
        envelope = event.envelope
        self._learn_daily_budget(envelope, event.daily_budget_usd)
        self._learn_monthly_budget(envelope, event.monthly_budget_usd)
        self.projections.channel_updated(event)
        return self._project(envelope)

    def record_ended(self, envelope: Envelope) -> list[Alert]:
        """A video published (or ready), rejected or failed: its spend is a cost-per-video
        sample, however many of its end events arrive (costs arriving later still add)."""
        spent = Decimal(self._video(envelope.video_id)["spent"])
        self.projections.spent(envelope, spent, ended=True)
        return self._project(envelope)

    @property
    def projections(self) -> Projections:
        return Projections(self.state)

    def _project(self, envelope: Envelope) -> list[Alert]:
        channel = self.state.get("channels", envelope.channel_id)
        owner = self.state.get("owners", envelope.owner_id)
        daily = None if channel is None else Decimal(channel["daily_budget"])
        monthly = (None if owner is None or owner["monthly_budget"] is None
                   else Decimal(owner["monthly_budget"]))
        return [Alert(scope, scope_id, 100, budget, projected)
                for scope, scope_id, budget, projected
                in self.projections.check(envelope, daily, monthly)]

    # -- reading --------------------------------------------------------------------------------

    def video(self, video_id: str) -> VideoTotals:
        video = self._video(video_id)
        budget = video["budget"]
        return VideoTotals(Decimal(video["spent"]), None if budget is None else Decimal(budget),
                           frozenset(video["alerted"]))

    def total(self, scope: str, scope_id: str) -> Decimal:
        """Spend of ``channel_day`` ("<channel>:<YYYY-MM-DD>") or ``owner_month``."""
        if scope == "channel_day":
            return _sum((self.state.get("channel_days", scope_id) or {}).get("videos", {}))
        if scope == "owner_month":
            return _sum((self.state.get("owner_months", scope_id) or {}).get("channel_days", {}))
        raise ValueError(f"scope is channel_day or owner_month, not {scope!r}")

    # -- steps ----------------------------------------------------------------------------------

    def _video(self, video_id: str) -> dict[str, Any]:
        found = self.state.get("videos", video_id)
        if found is None:
            return {"spent": "0", "budget": None, "alerted": [], "days": {}, "seen": [],
                    "raised": {}}
        return {**found, "days": dict(found["days"]), "seen": list(found["seen"])}

    def _check_video(self, video_id: str, video: dict[str, Any]) -> list[Alert]:
        budget = self.default_budget_usd if video["budget"] is None else Decimal(video["budget"])
        spent = Decimal(video["spent"])
        new = reached(spent, budget, video["alerted"])
        video["alerted"] = [*video["alerted"], *new]
        return [Alert("video", video_id, pct, budget, spent) for pct in new]

    def _learn_daily_budget(self, envelope: Envelope, budget: Decimal) -> None:
        """The latest request (by occurred_at) says the channel's daily budget."""
        as_of = envelope.occurred_at.astimezone(UTC).isoformat()
        known = self.state.get("channels", envelope.channel_id)
        if known is None or known["as_of"] <= as_of:
            self.state.put("channels", envelope.channel_id,
                           {"daily_budget": str(budget), "as_of": as_of})

    def _learn_monthly_budget(self, envelope: Envelope, budget: Decimal | None) -> None:
        """The latest request (by occurred_at) says the owner's monthly budget, or that none is."""
        as_of = envelope.occurred_at.astimezone(UTC).isoformat()
        known = self.state.get("owners", envelope.owner_id)
        if known is None or known["as_of"] <= as_of:
            value = {"monthly_budget": None if budget is None else str(budget), "as_of": as_of}
            if value != known:
                self.state.put("owners", envelope.owner_id, value)

    def _sync_rollups(self, envelope: Envelope, channel_day: str, owner_month: str,
                      video_day_spent: str | None) -> list[Alert]:
        """Set this video's part of its channel-day, and that day's part of its owner-month."""
        record = self.state.get("channel_days", channel_day) or {"videos": {}, "alerted": []}
        videos = dict(record["videos"])
        if video_day_spent is not None:
            videos[envelope.video_id] = video_day_spent
        total = _sum(videos)
        alerts: list[Alert] = []
        channel = self.state.get("channels", envelope.channel_id)
        if channel is not None:
            budget = Decimal(channel["daily_budget"])
            alerts = [Alert("channel_day", channel_day, pct, budget, total)
                      for pct in reached(total, budget, record["alerted"])]
        updated = {"videos": videos,
                   "alerted": [*record["alerted"], *(a.threshold_pct for a in alerts)]}
        if updated != record:
            self.state.put("channel_days", channel_day, updated)
        return alerts + self._sync_month(envelope, owner_month, channel_day,
                                         None if video_day_spent is None else total)

    def _sync_month(self, envelope: Envelope, owner_month: str, channel_day: str,
                    channel_day_total: Decimal | None) -> list[Alert]:
        """Set the channel-day's part of its owner-month; alert on the owner's monthly budget."""
        # Records from before monthly budgets have no "alerted".
        record = {"channel_days": {}, "alerted": [],
                  **(self.state.get("owner_months", owner_month) or {})}
        days = dict(record["channel_days"])
        if channel_day_total is not None:
            days[channel_day] = str(channel_day_total)
        alerted = record["alerted"]
        alerts: list[Alert] = []
        owner = self.state.get("owners", envelope.owner_id)
        if owner is not None and owner["monthly_budget"] is not None:
            budget, total = Decimal(owner["monthly_budget"]), _sum(days)
            alerts = [Alert("owner_month", owner_month, pct, budget, total)
                      for pct in reached(total, budget, alerted)]
        updated = {"channel_days": days, "alerted": [*alerted, *(a.threshold_pct for a in alerts)]}
        if updated != record:
            self.state.put("owner_months", owner_month, updated)
        return alerts

    def _done(self, envelope: Envelope, video: dict[str, Any], alerts: list[Alert]) -> list[Alert]:
        """Count the input once; a redelivery gets back what it raised the first time."""
        input_id = envelope.event_id
        if input_id in video["seen"]:
            first = [Alert.from_json(row) for row in video["raised"].get(input_id, [])]
            alerts = first + [a for a in alerts if a not in first]
        else:
            video["seen"].append(input_id)
            if alerts:
                video["raised"] = {**video["raised"], input_id: [a.as_json() for a in alerts]}
        if video != self.state.get("videos", envelope.video_id):
            self.state.put("videos", envelope.video_id, video)
        return alerts


class LedgerStage:
    """The stage the worker runs: costs and requests in, alerts out.

    It declares ``tables`` (a ``StatefulStage``), so the runner replaces ``state`` with its
    Faust tables. It never skips a cancelled video's events: what it spent still counts.
    """

    spec = StageSpec(name=NAME, inputs=(INPUT_TOPIC, BUDGET_TOPIC, *PROJECTION_TOPICS),
                     outputs=(OUTPUT_TOPIC,),
                     tables=TABLES, cancel="never")

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @property
    def state(self) -> State:
        return self.ledger.state

    @state.setter
    def state(self, state: State) -> None:
        self.ledger.state = state

    def handle(self, event: Event) -> list[Emit]:
        if isinstance(event, ScriptRequested):
            alerts = self.ledger.record_request(event)
        elif isinstance(event, CostIncurred):
            alerts = self.ledger.record_cost(event)
        elif isinstance(event, ChannelUpdated):
            alerts = self.ledger.record_channel(event)
        elif (isinstance(event, UploadDone)
              or (isinstance(event, QualityScored) and not event.passed)
              or (isinstance(event, PipelineFailed) and rule.ends_video(event.stage))):
            alerts = self.ledger.record_ended(event.envelope)
        elif isinstance(event, QualityScored | PipelineFailed):
            alerts = []  # passed on to the publisher; a failure beside the line (or its own)
        else:
            raise PermanentError(f"the ledger reads cost.incurred, script.requested and "
                                 f"{', '.join(PROJECTION_TOPICS)}, not {type(event).__name__}")
        return [alert_event(event.envelope, alert) for alert in alerts]


def build(settings: Settings) -> LedgerStage:
    return LedgerStage(Ledger(MemoryState(TABLES), settings.default_budget_usd))
