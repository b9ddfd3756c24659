"""The YouTube Data API's daily quota, counted locally so uploads wait instead of failing.

Every project gets ``settings.youtube_daily_quota`` units a day (10,000 by default), reset at
midnight Pacific time; an upload costs 1,600 (``videos.insert``) + 50 (``thumbnails.set``).
The count lives in one small JSON file under a file lock, so every publisher process on the
machine shares it. When the server says ``quotaExceeded`` anyway (other apps on the project),
the day is marked full.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ytempire.core.schedule import PACIFIC
from ytempire.stage import Deferred


class UploadDeferred(Deferred):
    """The upload waits for the YouTube quota reset at ``retry_at`` (UTC)."""


def quota_day(now: datetime) -> str:
    """The quota day a moment belongs to (Pacific calendar date)."""
    return now.astimezone(PACIFIC).date().isoformat()


def next_reset(now: datetime) -> datetime:
    """The next Pacific midnight, in UTC (DST-aware)."""
    tomorrow = now.astimezone(PACIFIC).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=PACIFIC).astimezone(UTC)


class QuotaLedger:
    """Units used today, shared by every process through ``<dir>/quota.json``."""

    def __init__(self, directory: Path, daily_quota: int,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / "quota.json"
        self.daily_quota = daily_quota
        self.now = now

    def used(self) -> int:
        with self._locked() as state:
            return int(state["used"])

    def reserve(self, units: int, what: str, keep_free: int = 0) -> None:
        """Count ``units`` for today, or raise ``UploadDeferred`` if they would pass the cap
        less ``keep_free`` (what a lower-priority reader leaves for uploads)."""
        with self._locked() as state:
            if state["used"] + units > self.daily_quota - keep_free:
                now = self.now()
                reset = next_reset(now)
                raise UploadDeferred(
                    f"YouTube quota for {state['day']} (Pacific) has {state['used']:,} of "
                    f"{self.daily_quota:,} units used and {what} needs {units:,}: deferred "
                    f"until {reset.isoformat().replace('+00:00', 'Z')}", reset)
            state["used"] += units

    def exhaust(self) -> datetime:
        """The server refused for quota: today is full; returns when it resets."""
        with self._locked() as state:
            state["used"] = max(state["used"], self.daily_quota)
        return next_reset(self.now())

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        with (self.dir / "quota.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            today = quota_day(self.now())
            try:
                state = json.loads(self.path.read_text())
            except (FileNotFoundError, ValueError):
                state = {}
            if state.get("day") != today:
                state = {"day": today, "used": 0}
            before = dict(state)
            yield state
            if state != before:
                fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
                with os.fdopen(fd, "w") as fh:
                    json.dump(state, fh)
                os.replace(tmp, self.path)
