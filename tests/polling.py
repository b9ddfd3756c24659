"""Waiting in tests for something another process or thread does: poll, never sleep blind."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def until(condition: Callable[[], T], what: str, timeout: float = 60,
          every: float = 0.2) -> T:
    """``condition()``'s first truthy answer, asked every ``every`` seconds; fails the test
    naming ``what`` when ``timeout`` seconds pass without one."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(every)
    return result
