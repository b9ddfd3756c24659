"""YouTube Data API as a topic source: the most popular videos of a region and category
(``videos.list chart=mostPopular``, 1 quota unit a call) and a search for the niche's keywords
(``search.list``, 100 units a call: use it sparingly, then ``videos.list`` by id for the views).

Each call is a snapshot of the videos' view counts; ``Snapshots`` keeps them per video, so a
later call gives every candidate a views-per-hour (``scoring.views_per_hour``). Public data,
read with an API key; the client is google-api-python-client built offline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httplib2
from googleapiclient.discovery import build_from_document

from processors.discovery.scoring import Candidate, Snapshot
from ytempire.core.google import discovery_document

LIST_UNITS = 1
SEARCH_UNITS = 100


@dataclass
class Snapshots:
    """View counts per video over time, and each video's latest title."""

    views: dict[str, list[Snapshot]] = field(default_factory=lambda: defaultdict(list))
    titles: dict[str, str] = field(default_factory=dict)

    def add(self, items: list[dict[str, Any]], at: datetime) -> list[str]:
        ids = []
        for item in items:
            self.views[item["id"]].append(Snapshot(at, int(item["statistics"]["viewCount"])))
            self.titles[item["id"]] = item["snippet"]["title"]
            ids.append(item["id"])
        return ids

    def candidates(self, ids: list[str], source: str) -> list[Candidate]:
        """The videos as candidates, each with the forecast of its snapshots so far (made here,
        as a snapshot arrives, not when candidates are ranked)."""
        return [Candidate(self.titles[i], source, f"https://www.youtube.com/watch?v={i}",
                          tuple(self.views[i])) for i in ids]


class YouTubeTrends:
    """One API key's reads; ``units`` counts the quota they used."""

    def __init__(self, api_key: str, root_url: str | None, timeout_s: float = 30.0,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.api = build_from_document(discovery_document("youtube", "v3", root_url),
                                       developerKey=api_key, http=httplib2.Http(timeout=timeout_s))
        self.now = now
        self.units = 0
        self.snapshots = Snapshots()

    def trending(self, region: str, category: str, at: datetime | None = None
                 ) -> list[Candidate]:
        """The chart of a region (and category: empty = all); ``at`` dates the snapshot (the
        caller's clock, else ``now``)."""
        chart = {"videoCategoryId": category} if category else {}
        response = self.api.videos().list(part="snippet,statistics", chart="mostPopular",
                                          regionCode=region, maxResults=50, **chart).execute()
        self.units += LIST_UNITS
        ids = self.snapshots.add(response.get("items", []), at or self.now())
        return self.snapshots.candidates(ids, "youtube_trending")

    def search(self, keywords: str, max_results: int = 25, at: datetime | None = None
               ) -> list[Candidate]:
        found = self.api.search().list(part="snippet", q=keywords, type="video",
                                       order="viewCount", maxResults=max_results).execute()
        self.units += SEARCH_UNITS
        ids = [item["id"]["videoId"] for item in found.get("items", [])]
        if not ids:
            return []
        response = self.api.videos().list(part="snippet,statistics", id=",".join(ids)).execute()
        self.units += LIST_UNITS
        ids = self.snapshots.add(response.get("items", []), at or self.now())
        return self.snapshots.candidates(ids, "youtube_search")
