"""Paid calls recorded the moment a provider answers, so no cent is lost when a stage fails.

A stage writes each paid call's usage to its ``SpendJournal`` (under the input event's id)
right after the provider answered and before anything that could fail (parsing, checking,
writing outputs). What the journal holds is what the event has paid, whatever happens next:
the stage bills it with its outputs when it succeeds, and the runner bills it with
``pipeline.failed`` when the stage fails, is cancelled, or was killed and the event comes back.

Each call's cost events have ids that depend only on the input event, the call and the unit
(``spend_events``), so whichever path bills a call, and however often it is delivered, the
ledger and ClickHouse count it once.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from ytempire.core.cache import ResultCache
from ytempire.core.events import Emit, Envelope, content_hash, cost_event, event_id
from ytempire.core.pricing import Usage, bill


class SpendJournal:
    """Per stage: input event id -> the paid calls it made, each priced when recorded."""

    def __init__(self, root: Path, stage: str) -> None:
        self.stage = stage
        self.cache = ResultCache(Path(root) / "spend", stage)

    def record(self, input_event_id: str, call: str, usage: Iterable[Usage]) -> None:
        """Keep ``call``'s usage (priced now); recording the same call again changes nothing."""
        calls = self.calls(input_event_id)
        if call not in calls:
            self.cache.put(input_event_id, {**calls, call: bill(usage)})

    def calls(self, input_event_id: str) -> dict[str, dict[str, Any]]:
        """Each recorded call's ``pricing.bill`` document, in the order they were recorded."""
        found: dict[str, dict[str, Any]] = self.cache.get(input_event_id) or {}
        return found

    def usd(self, input_event_id: str) -> Decimal:
        return sum((Decimal(u["usd"]) for billed in self.calls(input_event_id).values()
                    for u in billed["usage"]), Decimal(0))


def spend_events(parent: Envelope, journal: SpendJournal) -> list[Emit]:
    """One ``cost.incurred`` per recorded call and unit of ``parent``'s event. Its id and its
    ``call_key`` depend on the event, the call and the unit only: whichever path bills a call
    (the stage's outputs, or the runner after a failure or a kill) sends the same event, and a
    narration of five paid sections shows five calls, not one call paid five times."""
    emits = []
    for call, billed in journal.calls(parent.event_id).items():
        for use in billed["usage"]:
            unit_key = (use["provider"], use["model"], use["unit"])
            emit = cost_event(parent, stage=journal.stage, provider=use["provider"],
                              model=use["model"], unit=use["unit"], quantity=use["quantity"],
                              usd=Decimal(use["usd"]), cached=False,
                              price_table_version=billed["price_table_version"],
                              call_key=content_hash(parent.event_id, journal.stage, call,
                                                    *unit_key))
            envelope = msgspec.structs.replace(
                emit.value.envelope, event_id=event_id(parent.event_id, "cost.incurred",
                                                       journal.stage, call, *unit_key))
            emits.append(Emit(emit.topic, msgspec.structs.replace(emit.value, envelope=envelope)))
    return emits
