"""Reading what YouTube knows of published videos: the Data API's ``videos.list`` (statistics,
status, processing; 50 ids a call, 1 quota unit) and the YouTube Analytics API v2
``reports.query`` (per video and day; revenue only with the monetary scope).

Every call's quota units go through a ``QuotaLedger`` before it is made: Data API calls share
the upload ledger, keeping ``keep_free`` units for uploads (the collector yields to them);
Analytics calls have a ledger of their own (a separate quota). A short day raises
``QuotaShort`` and the caller tries later. Retries follow Google's advice: 5xx, 429 and
rate-limit 403s with backoff (``sleep`` is injected), ``quotaExceeded`` marks the day full,
other 4xx are permanent. An answer without a field it must have is a ``MalformedAnswer``
naming the field (transient: the next read usually is whole), and nothing of it is used.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from googleapiclient.errors import HttpError

from processors.providers.google.connections import Connections, Link, refreshed
from processors.providers.publish.youtube_quota import QuotaLedger, UploadDeferred
from ytempire.core.google import client, message, reason
from ytempire.core.schedule import PACIFIC
from ytempire.stage import Deferred, PermanentError, TransientError

LIST_UNITS = 1
REPORT_UNITS = 1
BATCH = 50
REPORT_BATCH = 200
BASE_METRICS = ("views", "estimatedMinutesWatched", "averageViewDuration",
                "averageViewPercentage", "likes", "comments", "shares", "subscribersGained",
                "subscribersLost")
MONETARY_METRICS = ("estimatedRevenue", "cpm", "playbackBasedCpm", "adImpressions")
FIELDS = {"views": "views", "estimatedMinutesWatched": "estimated_minutes_watched",
          "averageViewDuration": "average_view_duration_s",
          "averageViewPercentage": "average_view_percentage", "likes": "likes",
          "comments": "comments", "shares": "shares", "subscribersGained": "subscribers_gained",
          "subscribersLost": "subscribers_lost", "estimatedRevenue": "estimated_revenue_usd",
          "cpm": "cpm", "playbackBasedCpm": "playback_based_cpm",
          "adImpressions": "ad_impressions"}
"""YouTube's metric name -> the video.metrics field."""
RETRIABLE = (500, 502, 503, 504, 429)


class QuotaShort(Deferred):
    """Not enough quota left today (after what uploads need): read again after the reset."""


class MalformedAnswer(TransientError):
    """YouTube answered without a field its documentation promises; the message names it."""


@dataclass(frozen=True)
class VideoState:
    """One video as ``videos.list`` shows it; ``None`` statistics for a video YouTube hides."""

    platform_video_id: str
    views: int | None
    likes: int | None
    comments: int | None
    upload_status: str
    reason: str | None
    processing_status: str | None


@dataclass(frozen=True)
class ReportRow:
    """One (video, day) of a report, metrics named as video.metrics fields; a channel report's
    rows (dimension day only) have an empty ``platform_video_id``."""

    platform_video_id: str
    day: str
    metrics: dict[str, Any]


class YouTubeMetrics:
    def __init__(self, connections: Connections, data_quota: QuotaLedger,
                 analytics_quota: QuotaLedger, keep_free: int, api_base_url: str | None,
                 analytics_base_url: str | None, timeout_s: float = 30.0,
                 max_retries: int = 4, backoff_s: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.connections = connections
        self.data_quota, self.analytics_quota = data_quota, analytics_quota
        self.keep_free = keep_free
        self.api_base_url, self.analytics_base_url = api_base_url, analytics_base_url
        self.timeout_s, self.max_retries, self.backoff_s = timeout_s, max_retries, backoff_s
        self.sleep = sleep
        self.calls = {"videos.list": 0, "reports.query": 0}

    # --- Data API -------------------------------------------------------------------------------

    def videos(self, link: Link, ids: list[str]) -> dict[str, VideoState]:
        """The videos YouTube still has, by id (a deleted one is absent), 50 ids per call."""
        youtube = client("youtube", "v3", refreshed(self.connections, link), self.api_base_url,
                         self.timeout_s)
        found: dict[str, VideoState] = {}
        for batch in _chunks(ids, BATCH):
            self._reserve(self.data_quota, LIST_UNITS, "videos.list", keep_free=self.keep_free)
            answer = self._call(partial(
                youtube.videos().list, part="statistics,status,processingDetails",
                id=",".join(batch), maxResults=BATCH), "videos.list", self.data_quota)
            self.calls["videos.list"] += 1
            for item in _field(answer, "items", "videos.list"):
                state = _video_state(item)
                found[state.platform_video_id] = state
        return found

    # --- Analytics API --------------------------------------------------------------------------

    def daily(self, link: Link, since: date, until: date, ids: list[str]) -> list[ReportRow]:
        """Per video and day, ``since``..``until`` inclusive, for ``ids`` (200 per query)."""
        analytics = client("youtubeAnalytics", "v2", refreshed(self.connections, link),
                           self.analytics_base_url, self.timeout_s)
        metrics = BASE_METRICS + (MONETARY_METRICS if link.monetary else ())
        rows: list[ReportRow] = []
        for batch in _chunks(ids, REPORT_BATCH):
            self._reserve(self.analytics_quota, REPORT_UNITS, "reports.query")
            answer = self._call(partial(
                analytics.reports().query, ids="channel==MINE", startDate=since.isoformat(),
                endDate=until.isoformat(), metrics=",".join(metrics), dimensions="video,day",
                filters="video==" + ",".join(batch), sort="day"),
                "reports.query", self.analytics_quota)
            self.calls["reports.query"] += 1
            rows += parse_report(answer)
        return rows

    def channel_daily(self, link: Link, since: date, until: date) -> list[ReportRow]:
        """The whole channel per day, ``since``..``until`` inclusive (one query, dimension day):
        every video on it counts, those YTEMPIRE did not make too."""
        analytics = client("youtubeAnalytics", "v2", refreshed(self.connections, link),
                           self.analytics_base_url, self.timeout_s)
        metrics = BASE_METRICS + (MONETARY_METRICS if link.monetary else ())
        self._reserve(self.analytics_quota, REPORT_UNITS, "reports.query")
        answer = self._call(partial(
            analytics.reports().query, ids="channel==MINE", startDate=since.isoformat(),
            endDate=until.isoformat(), metrics=",".join(metrics), dimensions="day", sort="day"),
            "reports.query", self.analytics_quota)
        self.calls["reports.query"] += 1
        return parse_report(answer, ("day",))

    # --- plumbing -------------------------------------------------------------------------------

    def _reserve(self, ledger: QuotaLedger, units: int, what: str, keep_free: int = 0) -> None:
        try:
            ledger.reserve(units, what, keep_free=keep_free)
        except UploadDeferred as exc:
            raise QuotaShort(f"{exc} (the collector keeps {keep_free:,} units for uploads)",
                             exc.retry_at) from None

    def _call(self, request: Callable[[], Any], what: str, ledger: QuotaLedger) -> Any:
        """``request()`` builds the API request, made anew and executed on each try."""
        for attempt in range(self.max_retries + 1):
            try:
                return request().execute()
            except HttpError as exc:
                status, why = exc.resp.status, reason(exc)
                if status == 403 and why in ("quotaExceeded", "dailyLimitExceeded"):
                    reset = ledger.exhaust()
                    raise QuotaShort(f"YouTube refused {what}: daily quota exceeded", reset) \
                        from None
                if status not in RETRIABLE and not (
                        status == 403 and why in ("rateLimitExceeded", "userRateLimitExceeded")):
                    raise PermanentError(f"YouTube {what} failed with HTTP {status} ({why}): "
                                         f"{message(exc)}") from None
                error = f"HTTP {status} {why}".strip()
            except (OSError, TimeoutError) as exc:
                error = type(exc).__name__
            if attempt == self.max_retries:
                raise TransientError(f"YouTube {what} still failing after {attempt + 1} tries "
                                     f"({error})")
            self.sleep(min(self.backoff_s * random.random() * 2 ** attempt, 64.0))
        raise AssertionError("unreachable")


def parse_report(answer: dict[str, Any], dimensions: tuple[str, ...] = ("video", "day")
                 ) -> list[ReportRow]:
    """``columnHeaders`` + ``rows`` (rows left out when there are none) into rows by field."""
    headers = [_field(h, "name", "reports.query columnHeaders[]")
               for h in _field(answer, "columnHeaders", "reports.query")]
    if tuple(headers[:len(dimensions)]) != dimensions:
        raise MalformedAnswer(f"reports.query columnHeaders start {headers[:len(dimensions)]}, "
                              f"not {list(dimensions)}")
    out = []
    for row in answer.get("rows") or []:
        if not isinstance(row, list) or len(row) != len(headers):
            raise MalformedAnswer(f"reports.query row {row!r:.80} does not match its "
                                  f"{len(headers)} columnHeaders")
        values = dict(zip(headers, row, strict=True))
        metrics = {FIELDS[name]: _metric(name, value) for name, value in values.items()
                   if name in FIELDS}
        out.append(ReportRow(str(values.get("video", "")), str(values["day"]), metrics))
    return out


def _metric(name: str, value: Any) -> Any:
    try:
        if name == "estimatedRevenue":
            return Decimal(str(value)).quantize(Decimal("0.000001"))
        if name in ("views", "likes", "comments", "shares", "subscribersGained",
                    "subscribersLost", "adImpressions"):
            return int(value)
        return float(value)
    except (TypeError, ValueError, InvalidOperation):
        raise MalformedAnswer(f"reports.query metric {name} is {value!r:.40}, not a number") \
            from None


def _video_state(item: dict[str, Any]) -> VideoState:
    status = _field(item, "status", "videos.list items[].status")
    stats = item.get("statistics")

    def count(name: str, required: bool) -> int | None:
        if stats is None or (name not in stats and not required):
            return None  # hidden (likes can be) or not served for this video
        try:
            return int(_field(stats, name, "videos.list items[].statistics"))
        except (TypeError, ValueError):
            raise MalformedAnswer(f"videos.list items[].statistics.{name} is not a "
                                  "number") from None

    processing = item.get("processingDetails") or {}
    return VideoState(
        platform_video_id=str(_field(item, "id", "videos.list items[]")),
        views=count("viewCount", True), likes=count("likeCount", False),
        comments=count("commentCount", False),
        upload_status=str(_field(status, "uploadStatus", "videos.list items[].status")),
        reason=status.get("failureReason") or status.get("rejectionReason")
        or processing.get("processingFailureReason"),
        processing_status=processing.get("processingStatus"))


def _field(doc: Any, name: str, where: str) -> Any:
    if not isinstance(doc, dict) or name not in doc:
        raise MalformedAnswer(f"{where} answer has no {name!r} field")
    return doc[name]


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def report_day(moment: datetime) -> date:
    """YouTube Analytics days are Pacific days."""
    return moment.astimezone(PACIFIC).date()
