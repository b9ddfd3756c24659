"""What the sink hands around: a batch (the unit of insert and commit), a prepared staged
insert, runs for the Python path, and the running totals."""

from __future__ import annotations

from dataclasses import dataclass, field

from confluent_kafka import Message

from analytics.staging import StagingTable


@dataclass(frozen=True)
class Batch:
    """A run of consecutive offsets of one partition; the unit of insert and commit."""

    topic: str
    partition: int
    first: int
    last: int
    inserted: int
    duplicates: int
    dead_lettered: int

    @property
    def token(self) -> str:
        return f"{self.topic}:{self.partition}:{self.first}-{self.last}"


@dataclass(eq=False)
class Staged:
    """Runs of one topic prepared for its staging table, and what preparing them assumed.

    ``kept`` are the ids it writes: while it is in flight, a batch prepared after it treats
    them as stored. ``generation`` counts the topic's Python-path writes when it was prepared:
    such a write (a run of another writer, a refused block) may have stored ids this one did
    not see, or may have left out (as poison) ids it took as stored, so a staged insert whose
    generation moved is checked again before it is written.
    """

    topic: str
    runs: list[tuple[int, list[Message]]]
    table: StagingTable
    records: list[tuple[int, int, bytes, bool]]
    block: bytes
    batches: list[Batch]
    kept: set[str]
    generation: int


@dataclass(frozen=True)
class Decode:
    """Runs for the Python path (decoded, poison dead-lettered, inserted as rows)."""

    topic: str
    runs: list[tuple[int, list[Message]]]


@dataclass
class SinkStats:
    batches: int = 0
    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    committed: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, batch: Batch) -> None:
        self.batches += 1
        self.read += batch.last - batch.first + 1
        self.inserted += batch.inserted
        self.duplicates += batch.duplicates
        self.dead_lettered += batch.dead_lettered
        self.committed[(batch.topic, batch.partition)] = batch.last + 1
