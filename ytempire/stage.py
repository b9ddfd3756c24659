"""What every stage is, seen from the runner: its declaration, its state, its errors.

A stage is a class with a ``spec`` (a ``StageSpec``: what it reads, what it writes, its state
tables, when it is checked against cancellations, how many events it handles at once) and a
synchronous ``handle(event) -> list[Emit]``. The runner (``ytempire.runtime.worker``) reads the
spec and nothing else; a stage that declares tables is a ``StatefulStage`` and one that checks
cancellations itself is a ``CancelAwareStage``, and the runner hands each what it declared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal, Protocol, get_args, runtime_checkable

from ytempire.core.events import Emit, Envelope, Event
from ytempire.core.spend import SpendJournal


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


class ContractError(TypeError):
    """A stage's declaration is inconsistent (with itself, its class or the manifest)."""


CancelPolicy = Literal["before", "in_stage", "never"]
"""When a stage's events are checked against cancellations: "before" (the runner skips an
event of a cancelled video before each try of ``handle``), "in_stage" (the stage asks
``self.cancellations`` at its own point of no return and raises ``VideoCancelled``: the
publisher, right before uploading) or "never" (the ledger: what a cancelled video spent still
counts)."""

Partitioning = Literal["input", "key"]
"""How a state table's changelog is partitioned: "input" like the input record (the table's
keys are record keys), "key" by the table key (one key's writes stay in order in one partition
whichever input partition wrote them)."""

RUNNER_OUTPUTS = ("pipeline.failed", "pipeline.dlq")
"""What the runner writes for every stage it runs (a failure, a dead letter)."""


@dataclass(frozen=True)
class StageSpec:
    """A stage's declaration, read by the runner, replay and the manifest checks.

    ``inputs[0]`` is the topic the stage is named by (its changelogs copy its partitions);
    ``outputs`` is every topic ``handle`` may emit to (the runner refuses any other).
    """

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    tables: Mapping[str, Partitioning] = field(default_factory=dict)
    cancel: CancelPolicy = "before"
    concurrency: int = 1
    """Events of one worker handled at once (a Faust agent's concurrency)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))
        if not self.inputs:
            raise ContractError(f"stage {self.name} reads no topic; give it inputs")
        if self.cancel not in get_args(CancelPolicy):
            raise ContractError(f"stage {self.name}: cancel is one of "
                                f"{', '.join(get_args(CancelPolicy))}, not {self.cancel!r}")
        for table, partitioning in self.tables.items():
            if partitioning not in get_args(Partitioning):
                raise ContractError(f"stage {self.name}: table {table} is partitioned by one of "
                                    f"{', '.join(get_args(Partitioning))}, not {partitioning!r}")
        if self.concurrency < 1 or (self.tables and self.concurrency != 1):
            raise ContractError(f"stage {self.name}: concurrency {self.concurrency}; it is at "
                                "least 1, and exactly 1 for a stage with tables (one event's "
                                "writes reach the tables before the next event reads them)")

    @property
    def input_topic(self) -> str:
        return self.inputs[0]


@runtime_checkable
class Stage(Protocol):
    """A pipeline stage: returns the events to emit for one input event.

    ``handle`` must be idempotent: the same input (a redelivery) gives the same event ids and
    never repeats a paid side effect (cache by input hash). It runs in a worker thread and
    raises the errors above to steer the runner.
    """

    spec: StageSpec

    def handle(self, event: Event) -> list[Emit]: ...


class State(Protocol):
    """A stage's tables: JSON values by table and key; ``get`` gives None for a key never put."""

    def get(self, table: str, key: str) -> Any: ...

    def put(self, table: str, key: str, value: Any) -> None: ...


@runtime_checkable
class StatefulStage(Stage, Protocol):
    """A stage whose spec declares ``tables``: the runner sets ``state`` to them before the
    first event (``MemoryState`` until then)."""

    state: State


class StatefulLogic(Protocol):
    """What a ``LogicStage`` runs: an object that keeps its own ``state`` and handles events."""

    state: State

    def handle(self, event: Event) -> list[Emit]: ...


class LogicStage:
    """A stateful stage whose logic is its own object (testable without a stage around it): the
    subclass names its ``spec``; the tables the runner sets as ``state`` reach the logic."""

    spec: StageSpec

    def __init__(self, logic: StatefulLogic) -> None:
        self.logic = logic

    @property
    def state(self) -> State:
        return self.logic.state

    @state.setter
    def state(self, state: State) -> None:
        self.logic.state = state

    def handle(self, event: Event) -> list[Emit]:
        return self.logic.handle(event)


@runtime_checkable
class PayingStage(Stage, Protocol):
    """A stage that pays providers and records each paid call in ``journal`` as it answers
    (``ytempire.core.spend``): when the stage fails, is cancelled or was killed, the runner
    bills what the event paid with ``pipeline.failed``."""

    journal: SpendJournal


class Cancellations(Protocol):
    """Whether an event's video was cancelled: its attempt (``envelope.attempt``) or a later one.

    It answers for every cancellation the broker acknowledged before the question was asked
    (``ytempire.runtime.cancellations``), whatever order the topics are read in.
    """

    def is_cancelled(self, envelope: Envelope) -> bool: ...


@runtime_checkable
class CancelAwareStage(Stage, Protocol):
    """A stage whose spec says ``cancel="in_stage"``: the runner sets ``cancellations`` before
    the first event (``NothingCancelled`` until then)."""

    cancellations: Cancellations


class NothingCancelled:
    """``Cancellations`` for a stage run without a worker (tests, tools)."""

    def is_cancelled(self, envelope: Envelope) -> bool:
        return False


class MemoryState:
    """``State`` in dicts: a stateful stage run without a worker (tests, tools)."""

    def __init__(self, tables: Iterable[str]) -> None:
        self.tables: dict[str, dict[str, Any]] = {name: {} for name in tables}

    def get(self, table: str, key: str) -> Any:
        return self.tables[table].get(key)

    def put(self, table: str, key: str, value: Any) -> None:
        self.tables[table][key] = value


def check(stage: Stage) -> StageSpec:
    """The stage's spec, once its class provides what the spec promises the runner."""
    spec = stage.spec
    if spec.tables and not isinstance(stage, StatefulStage):
        raise ContractError(f"stage {spec.name} declares tables but has no `state` attribute "
                            "for the runner to set (ytempire.stage.StatefulStage)")
    if spec.cancel == "in_stage" and not isinstance(stage, CancelAwareStage):
        raise ContractError(f"stage {spec.name} checks cancellations itself (cancel='in_stage') "
                            "but has no `cancellations` attribute (ytempire.stage."
                            "CancelAwareStage)")
    return spec
