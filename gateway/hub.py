"""Wakes Server-Sent-Event streams when the projection stored something new.

Streams read from the ``video_events`` table (so they resume from ``Last-Event-ID`` and work
across processes); the hub only saves them from polling while they wait.
"""

from __future__ import annotations

import asyncio
import threading


class Hub:
    def __init__(self) -> None:
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._lock = threading.Lock()

    def notify(self) -> None:
        """Callable from any thread (the projection's consumer thread)."""
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            loop.call_soon_threadsafe(event.set)

    async def wait(self, timeout: float) -> None:
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        with self._lock:
            self._waiters.add(waiter)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(waiter)
