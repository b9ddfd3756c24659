"""The sink's writer thread: batches are inserted in order, off the consuming loop.

chdb releases the GIL while it works, so while ClickHouse decodes and writes one batch the loop
reads and groups the next: on two cores the two overlap. At most ``depth`` batches wait, so a
slow store slows consuming instead of filling memory. What ``write`` returns is handed back
through ``finished`` for the loop to commit: the consumer is only ever used by the loop's thread
(a commit from another thread during a rebalance callback deadlocks the client). The first error
stops the writing and is raised to the loop at its next call.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

Job = tuple[Any, ...]


class Writer(threading.Thread):
    def __init__(self, write: Callable[..., Any], depth: int = 2) -> None:
        super().__init__(name="analytics-sink-writer", daemon=True)
        self.write = write
        self.jobs: queue.Queue[Job | None] = queue.Queue(maxsize=depth)
        self.finished: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.done_at = time.monotonic()

    @property
    def busy(self) -> bool:
        return self.jobs.unfinished_tasks > 0

    def run(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                if self.error is None:
                    self.finished.put(self.write(*job))
            except BaseException as exc:  # handed to the loop, which raises it
                self.error = exc
            finally:
                self.done_at = time.monotonic()
                self.jobs.task_done()

    def put(self, *job: Any) -> None:
        self.check()
        self.jobs.put(job)

    def drain(self) -> None:
        """Until every batch handed over is written (or failed: raised here)."""
        self.jobs.join()
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
        if self.is_alive():
            self.jobs.put(None)
            self.join()
