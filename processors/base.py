"""What every stage is, seen from the worker that runs it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from ytempire.events import Emit, Event


class PermanentError(Exception):
    """Retrying cannot help (bad input, policy refusal): the event goes to pipeline.failed + DLQ."""


class TransientError(Exception):
    """Worth retrying with backoff (timeouts, 429, 5xx)."""


class Deferred(TransientError):
    """Not a failure: the work must wait until ``retry_at`` (UTC), e.g. a daily quota's reset.

    The worker holds the event and tries again then (re-checking every few minutes) without
    counting an attempt, so a held event never reaches the DLQ.
    """

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at

    def delay_s(self, now: datetime | None = None) -> float:
        return max(0.0, (self.retry_at - (now or datetime.now(UTC))).total_seconds())


class Stage(Protocol):
    """A pipeline stage: reads one topic, returns the events to emit for one input event.

    ``handle`` must be idempotent: the same input (a redelivery) gives the same event ids and
    never repeats a paid side effect (cache by input hash).
    """

    name: str
    input_topic: str

    def handle(self, event: Event) -> list[Emit]: ...
