"""The sink's writer: batches are prepared and inserted in order, off the consuming loop.

What ``write`` returns is handed back through ``finished`` for the loop to commit: the consumer
is only ever used by the loop's thread (a commit from another thread during a rebalance callback
deadlocks the client). The first error stops the work and is raised to the loop at its next
call.

``Journal`` and ``reread`` make an insert cut short among its materialized views repeatable
exactly (see ``Journal``).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition

Job = tuple[Any, ...]


class Writer:
    """Two threads: ``prepare`` (Python work and the stored-id lookup) and ``write`` (the insert).

    While ClickHouse inserts one batch (chdb releases the GIL), the next is prepared and the loop
    consumes the one after: on two cores the three overlap. Jobs are written in the order they
    were put. At most ``depth`` jobs wait to be prepared and one prepared job waits to be
    written, so a slow store slows consuming instead of filling memory.
    """

    def __init__(self, prepare: Callable[..., Any], write: Callable[[Any], Any],
                 depth: int = 2) -> None:
        self.prepare = prepare
        self.write = write
        self.jobs: queue.Queue[Job | None] = queue.Queue(maxsize=depth)
        self.prepared: queue.Queue[tuple[Any] | None] = queue.Queue(maxsize=1)
        self.finished: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.done_at = time.monotonic()
        self._threads = [
            threading.Thread(target=self._preparing, name="analytics-sink-prepare", daemon=True),
            threading.Thread(target=self._writing, name="analytics-sink-writer", daemon=True)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    @property
    def backlogged(self) -> bool:
        """A batch is waiting for the prepare thread (both threads have work)."""
        return self.jobs.qsize() > 0

    @property
    def busy(self) -> bool:
        return self.jobs.unfinished_tasks > 0 or self.prepared.unfinished_tasks > 0

    def _preparing(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    self.prepared.put(None)
                    return
                if self.error is None:
                    self.prepared.put((self.prepare(*job),))  # before task_done: never idle
            except BaseException as exc:  # handed to the loop, which raises it
                self.error = exc
            finally:
                self.jobs.task_done()

    def _writing(self) -> None:
        while True:
            item = self.prepared.get()
            try:
                if item is None:
                    return
                if self.error is None:
                    self.finished.put(self.write(item[0]))
            except BaseException as exc:
                self.error = exc
            finally:
                self.done_at = time.monotonic()
                self.prepared.task_done()

    def put(self, *job: Any) -> None:
        self.check()
        self.jobs.put(job)

    def drain(self) -> None:
        """Until every job handed over is written (or failed: raised here)."""
        self.jobs.join()
        self.prepared.join()
        self.check()

    def take_finished(self) -> list[Any]:
        out = []
        while not self.finished.empty():
            out.append(self.finished.get())
        return out

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        if any(thread.is_alive() for thread in self._threads):
            self.jobs.put(None)
            for thread in self._threads:
                thread.join()


class Journal:
    """The inserts in flight, one small JSON file each, so a crash inside one repeats it exactly.

    An insert into ``events`` runs its materialized views one after another (or side by side):
    a process killed among them leaves ``events`` with the rows and some views without. The
    redelivered records' ids are then "already stored" and would be dropped, so the views that
    missed them never got them. Before each insert the sink writes here what it needs to make
    the same insert again (topic, dedup token, each run's partition and offsets, the offsets it
    kept); it deletes the file once the insert returned. On start it repeats every insert left
    here with the same rows and token: with ``deduplicate_blocks_in_dependent_materialized_views``
    every table that has the block skips it and the ones that missed it get it. Repeating a
    complete insert is a no-op, so a file left by a crash after the insert (or by another sink
    process of the group sharing the data dir) is harmless.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def write(self, entry: dict[str, Any]) -> Path:
        """Durably (written aside, fsynced, renamed) before the insert it describes."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha1(entry["token"].encode()).hexdigest()[:20]
        path = self.directory / f"{name}.json"
        temp = path.with_name(f".{name}.{os.getpid()}.tmp")
        with temp.open("w") as file:
            json.dump(entry, file, separators=(",", ":"))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
        directory = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return path

    def entries(self) -> list[tuple[Path, dict[str, Any]]]:
        out = []
        for path in sorted(self.directory.glob("*.json")) if self.directory.is_dir() else []:
            try:
                out.append((path, json.loads(path.read_text())))
            except FileNotFoundError:  # another process of the group finished it meanwhile
                continue
        return out

    def clear(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        try:  # a one-off group's (replay's) directory does not outlive it
            self.directory.rmdir()
        except OSError:
            pass


def ranges(offsets: list[int]) -> list[list[int]]:
    """Sorted offsets as ``[first, last]`` runs (kept offsets are mostly one run)."""
    out: list[list[int]] = []
    for offset in offsets:
        if out and out[-1][1] + 1 == offset:
            out[-1][1] = offset
        else:
            out.append([offset, offset])
    return out


def in_ranges(spans: list[list[int]]) -> set[int]:
    return {offset for first, last in spans for offset in range(first, last + 1)}


def reread(consumer: Consumer, topic: str, runs: list[tuple[int, int, int]],
           timeout_s: float) -> dict[int, list[Message]]:
    """Offsets ``first..last`` of each ``(partition, first, last)``, read again by assignment
    (outside the group, nothing committed); the consumer is unassigned after."""
    wanted = {p: (first, last) for p, first, last in runs}
    out: dict[int, list[Message]] = {p: [] for p in wanted}
    left = set(wanted)
    consumer.assign([TopicPartition(topic, p, first) for p, (first, _) in wanted.items()])
    deadline = time.monotonic() + timeout_s
    try:
        while left:
            if time.monotonic() > deadline:
                raise RuntimeError(f"cannot re-read {topic} partitions {sorted(left)} to repeat "
                                   "an interrupted insert")
            for message in consumer.consume(num_messages=10_000, timeout=0.2):
                if message.error() is not None or message.partition() not in left:
                    continue
                first, last = wanted[message.partition()]
                if first <= message.offset() <= last:
                    out[message.partition()].append(message)
                if message.offset() >= last:
                    left.discard(message.partition())
    finally:
        consumer.unassign()
    return out
