"""What every stage is, seen from the worker that runs it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from ytempire.core.events import Emit, Event


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


class VideoCancelled(Exception):
    """Not a failure: the event's video (this attempt) was cancelled. The worker commits the
    event with no outputs and logs ``video_cancelled_skip``."""


class Cancellations(Protocol):
    """Whether an event's video was cancelled: its attempt (``envelope.attempt``) or a later one.

    It answers for every cancellation the broker acknowledged before the question was asked
    (``ytempire.runtime.cancellations``), whatever order the topics are read in.
    """

    def is_cancelled(self, envelope: Event) -> bool: ...


class NothingCancelled:
    """``Cancellations`` for a stage run without a worker (tests, tools)."""

    def is_cancelled(self, envelope: Event) -> bool:
        return False


CANCEL_CHECKS = ("before", "in_stage", "never")
"""When a stage's events are checked against cancellations (``Stage.cancel_check``)."""


class Stage(Protocol):
    """A pipeline stage: reads one topic, returns the events to emit for one input event.

    ``handle`` must be idempotent: the same input (a redelivery) gives the same event ids and
    never repeats a paid side effect (cache by input hash).

    Optional ``cancel_check`` (one of ``CANCEL_CHECKS``): "before" (the default) has the worker
    skip an event of a cancelled video before each try of ``handle``; "in_stage" has the stage
    ask ``self.cancellations`` (set by the worker) at its own point of no return and raise
    ``VideoCancelled`` (the publisher, right before uploading); "never" handles every event
    (the ledger: what a cancelled video spent still counts).
    """

    name: str
    input_topic: str

    def handle(self, event: Event) -> list[Emit]: ...


def cancel_check(stage: Stage) -> str:
    check: str = getattr(stage, "cancel_check", "before")
    if check not in CANCEL_CHECKS:
        raise ValueError(f"stage {stage.name}: cancel_check is one of {', '.join(CANCEL_CHECKS)}, "
                         f"not {check!r}")
    return check
