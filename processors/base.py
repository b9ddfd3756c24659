"""What every stage is, seen from the worker that runs it."""

from __future__ import annotations

from typing import Protocol

from ytempire.events import Emit, Event


class PermanentError(Exception):
    """Retrying cannot help (bad input, policy refusal): the event goes to pipeline.failed + DLQ."""


class TransientError(Exception):
    """Worth retrying with backoff (timeouts, 429, 5xx)."""


class Stage(Protocol):
    """A pipeline stage: reads one topic, returns the events to emit for one input event.

    ``handle`` must be idempotent: the same input (a redelivery) gives the same event ids and
    never repeats a paid side effect (cache by input hash).
    """

    name: str
    input_topic: str

    def handle(self, event: Event) -> list[Emit]: ...
