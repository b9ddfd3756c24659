"""ledger: ``cost.incurred`` (+ ``script.requested`` for budgets) -> ``cost.alert``.

Keeps running totals per video, per channel per UTC day and per owner per UTC month, and raises
a video-scope alert once when spending reaches 80% and once at 100% of the video's budget (the
request's ``spec.budget_usd``, or ``settings.default_budget_usd`` until the request is seen).

The arithmetic is :class:`Ledger`, plain Python over Decimal. State lives in a small SQLite file
under ``settings.data_dir / "ledger"``; one transaction records a cost's event id, the new totals
and the alerts it raised, so a redelivered cost never counts twice. A redelivered input gives
back the alerts it raised, with the same event ids (the stage contract): if the worker died
between saving the state and producing the alerts, the redelivery still delivers them, and
consumers deduplicate by event id.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from ytempire.events import Emit, Event, derive_envelope, event_id
from ytempire.settings import Settings

NAME = "ledger"
INPUT_TOPIC = "cost.incurred"
BUDGET_TOPIC = "script.requested"
OUTPUT_TOPIC = "cost.alert"
THRESHOLDS = (80, 100)
ZERO = Decimal("0")
MICRO = Decimal("0.000001")


@dataclass(frozen=True)
class VideoTotals:
    """What the ledger knows about one video: spend, budget (None until requested), alerts."""

    spent_usd: Decimal = ZERO
    budget_usd: Decimal | None = None
    alerted: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Alert:
    """A threshold reached, with the amounts at that moment."""

    threshold_pct: int
    budget_usd: Decimal
    spent_usd: Decimal


def rollup_keys(envelope: Event) -> dict[str, str]:
    """The non-video scopes a cost counts towards: channel per UTC day, owner per UTC month."""
    at: datetime = envelope["occurred_at"]
    return {
        "channel_day": f"{envelope['channel_id']}:{at:%Y-%m-%d}",
        "owner_month": f"{envelope['owner_id']}:{at:%Y-%m}",
    }


def alert_event(cause: Event, video_id: str, alert: Alert) -> Emit:
    """The ``cost.alert`` for ``alert``; its id depends only on the video and the threshold."""
    parent = {**cause, "event_id": event_id(NAME, "video", video_id)}
    return Emit(
        OUTPUT_TOPIC,
        {
            "envelope": derive_envelope(parent, NAME, OUTPUT_TOPIC, index=alert.threshold_pct),
            "scope": "video",
            "scope_id": video_id,
            "threshold_pct": alert.threshold_pct,
            "budget_usd": alert.budget_usd.quantize(MICRO),
            "spent_usd": alert.spent_usd.quantize(MICRO),
        },
    )


class Ledger:
    """Pure budget arithmetic: totals in, new totals and newly reached thresholds out."""

    def __init__(self, default_budget_usd: Decimal) -> None:
        self.default_budget_usd = default_budget_usd

    def add_cost(self, totals: VideoTotals, usd: Decimal) -> tuple[VideoTotals, list[Alert]]:
        return self._check(replace(totals, spent_usd=totals.spent_usd + usd))

    def set_budget(self, totals: VideoTotals, budget: Decimal) -> tuple[VideoTotals, list[Alert]]:
        """A budget learnt after some costs may already be reached: check at once."""
        return self._check(replace(totals, budget_usd=budget))

    def _check(self, totals: VideoTotals) -> tuple[VideoTotals, list[Alert]]:
        budget = self.default_budget_usd if totals.budget_usd is None else totals.budget_usd
        if totals.spent_usd <= ZERO:
            return totals, []
        reached = [
            Alert(pct, budget, totals.spent_usd)
            for pct in THRESHOLDS
            if pct not in totals.alerted and totals.spent_usd * 100 >= budget * pct
        ]
        alerted = totals.alerted | {a.threshold_pct for a in reached}
        return replace(totals, alerted=frozenset(alerted)), reached


SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY, video_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS videos (
    video_id TEXT PRIMARY KEY, spent_usd TEXT NOT NULL, budget_usd TEXT);
CREATE TABLE IF NOT EXISTS totals (
    scope TEXT NOT NULL, scope_id TEXT NOT NULL, spent_usd TEXT NOT NULL,
    PRIMARY KEY (scope, scope_id));
CREATE TABLE IF NOT EXISTS alerts (
    video_id TEXT NOT NULL, threshold_pct INTEGER NOT NULL, cause_event_id TEXT NOT NULL,
    budget_usd TEXT NOT NULL, spent_usd TEXT NOT NULL, PRIMARY KEY (video_id, threshold_pct));
"""


class LedgerStore:
    """The durable side: SQLite, one transaction per input event, deduplicated by event id."""

    def __init__(self, path: Path, ledger: Ledger) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.ledger = ledger
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def record_cost(self, cost: Event) -> list[Emit]:
        envelope = cost["envelope"]
        video_id = envelope["video_id"]
        usd: Decimal = cost["usd"]
        with self._tx() as db:
            if self._seen(db, envelope["event_id"], video_id):
                return self._raised_by(db, envelope)
            totals, alerts = self.ledger.add_cost(self._video(db, video_id), usd)
            for scope, scope_id in rollup_keys(envelope).items():
                db.execute(
                    "INSERT OR REPLACE INTO totals VALUES (?, ?, ?)",
                    (scope, scope_id, str(self.total(scope, scope_id) + usd)),
                )
            self._save(db, video_id, totals, envelope["event_id"], alerts)
        return [alert_event(envelope, video_id, a) for a in alerts]

    def record_request(self, request: Event) -> list[Emit]:
        envelope = request["envelope"]
        video_id = envelope["video_id"]
        with self._tx() as db:
            if self._seen(db, envelope["event_id"], video_id):
                return self._raised_by(db, envelope)
            budget: Decimal = request["spec"]["budget_usd"]
            totals, alerts = self.ledger.set_budget(self._video(db, video_id), budget)
            self._save(db, video_id, totals, envelope["event_id"], alerts)
        return [alert_event(envelope, video_id, a) for a in alerts]

    def video(self, video_id: str) -> VideoTotals:
        return self._video(self.db, video_id)

    def total(self, scope: str, scope_id: str) -> Decimal:
        row = self.db.execute(
            "SELECT spent_usd FROM totals WHERE scope = ? AND scope_id = ?", (scope, scope_id)
        ).fetchone()
        return Decimal(row[0]) if row else ZERO

    def _seen(self, db: sqlite3.Connection, input_id: str, video_id: str) -> bool:
        cursor = db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (input_id, video_id))
        return cursor.rowcount == 0

    def _video(self, db: sqlite3.Connection, video_id: str) -> VideoTotals:
        row = db.execute(
            "SELECT spent_usd, budget_usd FROM videos WHERE video_id = ?", (video_id,)
        ).fetchone()
        if row is None:
            return VideoTotals()
        alerted = db.execute("SELECT threshold_pct FROM alerts WHERE video_id = ?", (video_id,))
        return VideoTotals(
            spent_usd=Decimal(row[0]),
            budget_usd=None if row[1] is None else Decimal(row[1]),
            alerted=frozenset(pct for (pct,) in alerted),
        )

    def _save(
        self,
        db: sqlite3.Connection,
        video_id: str,
        totals: VideoTotals,
        cause_id: str,
        alerts: list[Alert],
    ) -> None:
        budget = None if totals.budget_usd is None else str(totals.budget_usd)
        db.execute(
            "INSERT OR REPLACE INTO videos VALUES (?, ?, ?)",
            (video_id, str(totals.spent_usd), budget),
        )
        db.executemany(
            "INSERT INTO alerts VALUES (?, ?, ?, ?, ?)",
            [
                (video_id, a.threshold_pct, cause_id, str(a.budget_usd), str(a.spent_usd))
                for a in alerts
            ],
        )

    def _raised_by(self, db: sqlite3.Connection, envelope: Event) -> list[Emit]:
        """The alerts this (redelivered) input raised the first time, rebuilt identically."""
        rows = db.execute(
            "SELECT video_id, threshold_pct, budget_usd, spent_usd FROM alerts"
            " WHERE cause_event_id = ? ORDER BY threshold_pct",
            (envelope["event_id"],),
        ).fetchall()
        return [
            alert_event(envelope, video_id, Alert(pct, Decimal(budget), Decimal(spent)))
            for video_id, pct, budget, spent in rows
        ]


class LedgerStage:
    """The stage the worker runs: costs and requests in, alerts out."""

    name = NAME
    input_topic = INPUT_TOPIC
    input_topics = (INPUT_TOPIC, BUDGET_TOPIC)

    def __init__(self, store: LedgerStore) -> None:
        self.store = store

    def handle(self, event: Event) -> list[Emit]:
        if "spec" in event:
            return self.store.record_request(event)
        return self.store.record_cost(event)


def build(settings: Settings) -> LedgerStage:
    ledger = Ledger(settings.default_budget_usd)
    return LedgerStage(LedgerStore(settings.data_dir / "ledger" / "ledger.sqlite3", ledger))
