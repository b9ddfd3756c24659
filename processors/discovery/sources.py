"""Topic sources: where a channel's candidates come from, one small class per kind, chosen by
``Settings.topic_source`` in ``processors.trends.build``.

A source never raises for a source's own trouble (a page that is not a feed, a feed that does
not answer, YouTube's quota short for today): it returns what it found with a notice saying
why the rest is missing, so one broken feed never stops a channel's discovery. What a source
used (quota units, tokens) comes back as ``Usage``, which the stage records as
``cost.incurred``.
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Protocol

from googleapiclient.errors import HttpError

from processors.discovery import feeds, offline
from processors.discovery.scoring import Candidate
from processors.discovery.youtube import LIST_UNITS, SEARCH_UNITS, Snapshots, YouTubeTrends
from processors.providers.publish.youtube_quota import QuotaLedger, UploadDeferred
from ytempire.core import egress
from ytempire.core.pricing import Usage

SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
FEED_MAX_BYTES = 2_000_000
CHART_FRESH = timedelta(minutes=10)
"""A region's chart is read once for every channel discovering within this long."""


@dataclass(frozen=True)
class Wanted:
    """What one channel asks of the sources."""

    channel_id: str
    niche: str
    language: str = "en"
    feeds: tuple[str, ...] = ()
    search: bool = False
    """Whether a paid keyword search (YouTube ``search.list``) is due for this channel."""
    avoid: tuple[str, ...] = ()
    """A few topics the owner made lately (the LLM is asked for something else)."""


@dataclass
class Found:
    candidates: list[Candidate] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    usage: list[Usage] = field(default_factory=list)


class Source(Protocol):
    name: str

    def gather(self, wanted: Wanted, now: datetime, key: str) -> Found:
        """Candidates as of ``now``; ``key`` names this run (a paid call is cached under it,
        so a redelivered run does not pay again)."""
        ...


class OfflineSource:
    """Feed files (``<dir>/*.xml``, and ``<dir>/<channel_id>/*.xml`` for one channel) and the
    deterministic brainstorm: free, account-less, the default."""

    name = "offline"

    def __init__(self, feeds_dir: Path) -> None:
        self.feeds_dir = feeds_dir

    def gather(self, wanted: Wanted, now: datetime, key: str) -> Found:
        found = Found([Candidate(t, "offline")
                       for t in offline.brainstorm(wanted.niche, wanted.channel_id)])
        files = sorted(self.feeds_dir.glob("*.xml"))
        if SAFE_NAME.fullmatch(wanted.channel_id):
            files += sorted((self.feeds_dir / wanted.channel_id).glob("*.xml"))
        for path in files:
            read = feeds.read(str(path))
            found.candidates += read.candidates
            found.notices += [read.notice] if read.notice else []
        return found


class FeedSource:
    """The RSS/Atom feeds a channel lists, fetched through the egress guard
    (``ytempire.core.egress``: public addresses only unless ``allow`` names a network, each
    redirect checked, one deadline, a size cap). The URLs are the owner's: anything else is a
    notice, never a crash."""

    name = "feeds"

    def __init__(self, allow: Sequence[str] = (), deadline_s: float = 10.0,
                 max_bytes: int = FEED_MAX_BYTES,
                 resolve: egress.Resolver = egress.system_resolver) -> None:
        self.allow = egress.networks(allow)
        self.deadline_s, self.max_bytes, self.resolve = deadline_s, max_bytes, resolve

    def gather(self, wanted: Wanted, now: datetime, key: str) -> Found:
        found = Found()
        for url in wanted.feeds:
            document, problem = self._fetch(url)
            read = feeds.read(url, document) if document is not None else None
            if read is None or read.notice:
                found.notices.append(read.notice if read is not None else problem)
                continue
            found.candidates += read.candidates
        return found

    def _fetch(self, url: str) -> tuple[bytes | None, str]:
        if not url.startswith(("http://", "https://")):
            return None, f"{url} is not an http(s) feed URL"
        try:
            answer = egress.fetch(url, self.resolve, self.allow, self.deadline_s,
                                  self.max_bytes)
        except egress.Refused as exc:
            return None, f"{url} is refused: {exc}"
        except egress.TooLarge:
            return None, f"{url} is larger than {self.max_bytes:,} bytes"
        except (egress.Timeout, OSError, http.client.HTTPException) as exc:
            return None, f"{url} could not be read: {type(exc).__name__}"
        if answer.status != 200:
            return None, f"{url} answered HTTP {answer.status}, not a feed"
        return answer.body, ""


class YouTubeSource:
    """The most popular videos per region and category (1 unit a call, read once for every
    channel within ``CHART_FRESH``) and, when due, a search for the niche (100 units + 1).
    Every call's units are reserved on the shared quota ledger first, leaving ``keep_free``
    for uploads; a short day is a notice."""

    name = "youtube"

    def __init__(self, trends: YouTubeTrends, quota: QuotaLedger, keep_free: int,
                 regions: list[str], categories: list[str]) -> None:
        self.trends, self.quota, self.keep_free = trends, quota, keep_free
        self.charts = [(r, c) for r in regions for c in categories or [""]]
        self.read: dict[tuple[str, str], tuple[datetime, list[Candidate]]] = {}

    def gather(self, wanted: Wanted, now: datetime, key: str) -> Found:
        found = Found()
        for region, category in self.charts:
            last = self.read.get((region, category))
            if last is not None and timedelta(0) <= now - last[0] < CHART_FRESH:
                found.candidates += last[1]
                continue
            chart = self._call(found, {"videos.list": LIST_UNITS},
                               partial(self.trends.trending, region, category, at=now))
            if chart is None:
                return found
            self.read[(region, category)] = (now, chart)
            found.candidates += chart
        if wanted.search:
            found.candidates += self._call(
                found, {"search.list": SEARCH_UNITS, "videos.list": LIST_UNITS},
                lambda: self.trends.search(wanted.niche, at=now)) or []
        return found

    def _call(self, found: Found, units: dict[str, int],
              call: Callable[[], list[Candidate]]) -> list[Candidate] | None:
        """One read once its units are reserved (and recorded: Google counts a failed call
        too); None, with a notice, when the day is short or the call fails."""
        what = " + ".join(units)
        try:
            self.quota.reserve(sum(units.values()), f"topic discovery's {what}",
                               keep_free=self.keep_free)
        except UploadDeferred as short:
            found.notices.append(f"youtube: {short}")
            return None
        found.usage += [Usage("youtube", name, "youtube_quota", n) for name, n in units.items()]
        self.trends.snapshots = Snapshots()  # the stage keeps the history, not this process
        try:
            return call()
        except (HttpError, OSError) as exc:
            found.notices.append(f"youtube: {what} failed: {type(exc).__name__}: "
                                 f"{str(exc)[:200]}")
            return None
