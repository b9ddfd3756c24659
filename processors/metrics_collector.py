"""metrics-collector: what YouTube reports of published videos -> ``video.metrics``.

Reads ``upload.done`` (a YouTube upload to follow), ``scheduler.tick`` (its only clock: tests
drive time by producing ticks) and ``metrics.requested`` (``ytempire metrics backfill``).
On a tick:

- statistics: every followed video that is due is read with ``videos.list`` (50 ids a call,
  part statistics+status+processingDetails), every 15 minutes for its first 48 hours, daily
  after. Its processing state goes out as ``upload.status`` on the first read and whenever it
  changes (the gateway shows "YouTube is still processing" until it says ``processed``). A
  video YouTube rejected, failed to process or no longer has becomes a ``pipeline.failed``
  with YouTube's reason (the gateway shows it, notifies, calls webhooks) and is no longer read;
- analytics: once per Pacific day and connected channel, YouTube Analytics ``reports.query``
  (dimensions video,day) for the last ``REREAD_DAYS`` days (YouTube revises recent days),
  revenue metrics too when the monetary scope was granted; then the same days for the whole
  channel (dimension day: source ``CHANNEL``, every video on the channel counted, those made
  elsewhere too).

Quota: each call is counted first (``YouTubeMetrics``); when the day runs short the tick stops
reading, emits what it has and leaves the rest due: uploads come first. A channel that is not
connected (or needs reconnecting) is skipped, its videos stay due. Any other error fails the
whole tick before anything is emitted or remembered: the runner retries it, then dead-letters
it (a notice), and the next tick starts from the same state.

Idempotent: a video.metrics event id derives from (video, source, day or tick time, values),
so a redelivered tick or a replay emits the same ids, and the analytics sink keeps one of each.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from processors.providers.google.connections import Connections, Link, NotConnected
from processors.providers.google.youtube_metrics import (
    QuotaShort,
    ReportRow,
    VideoState,
    YouTubeMetrics,
    report_day,
)
from processors.providers.publish.youtube_quota import QuotaLedger
from ytempire.core.events import Emit, Envelope, Event, content_hash, event_id, new_envelope
from ytempire.core.logging import get_logger
from ytempire.core.records import (
    MetricsRequested,
    MetricsSource,
    PipelineFailed,
    SchedulerTick,
    UploadDone,
    UploadStatus,
    VideoMetrics,
)
from ytempire.core.settings import Settings
from ytempire.stage import LogicStage, MemoryState, Partitioning, StageSpec, State

log = get_logger("ytempire.metrics_collector")

NAME = "metrics-collector"
OUTPUT_TOPIC = "video.metrics"
STATUS_TOPIC = "upload.status"
INPUTS = ("upload.done", "scheduler.tick", "metrics.requested")
TABLES: dict[str, Partitioning] = {"videos": "key", "index": "key", "channels": "key"}
YOUNG = timedelta(hours=48)
YOUNG_EVERY, OLD_EVERY = timedelta(minutes=15), timedelta(days=1)
REREAD_DAYS = 3
CHANNELS = "\x00channels"
"""The ``index`` key of the channel list (no channel id starts with NUL)."""
GONE = {"deleted": "YouTubeVideoDeleted", "rejected": "YouTubeRejected",
        "failed": "YouTubeProcessingFailed"}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


class MetricsCollector:
    def __init__(self, state: State, provider: YouTubeMetrics, connections: Connections) -> None:
        self.state, self.provider, self.connections = state, provider, connections

    def handle(self, event: Event) -> list[Emit]:
        if isinstance(event, SchedulerTick):
            return self.tick(event.now)
        if isinstance(event, MetricsRequested):
            return self.backfill(event.envelope.channel_id, date.fromisoformat(event.since),
                                 date.fromisoformat(event.until), event.envelope)
        if isinstance(event, UploadDone):
            self.follow(event)
        return []

    # --- what to follow -------------------------------------------------------------------------

    def follow(self, done: UploadDone) -> None:
        """Start following a YouTube upload (a local publish has nothing to read)."""
        if done.platform != "youtube":
            return
        envelope = done.envelope
        video_id = envelope.video_id
        if self.state.get("videos", video_id) is None:
            published = envelope.occurred_at
            self.state.put("videos", video_id, {
                "channel_id": envelope.channel_id, "owner_id": envelope.owner_id,
                "platform_video_id": done.platform_video_id, "published_at": _iso(published),
                "due": _iso(published), "last": None, "gone": None})
            channel = envelope.channel_id
            ids = self.state.get("index", channel) or []
            self.state.put("index", channel, [*ids, video_id])
            if not ids:
                self.state.put("index", CHANNELS, [*self._channels(), channel])

    def _videos(self, channel_id: str) -> dict[str, dict[str, Any]]:
        ids = self.state.get("index", channel_id) or []
        return {v: self.state.get("videos", v) for v in ids}

    def _channels(self) -> list[str]:
        """Every channel with a followed video (``index`` keeps the list under ``CHANNELS``)."""
        return list(self.state.get("index", CHANNELS) or [])

    # --- a tick ---------------------------------------------------------------------------------

    def tick(self, now: datetime) -> list[Emit]:
        out: list[Emit] = []
        for channel_id in self._channels():
            link = self.connections.link(channel_id)
            if link.mode != "youtube":
                continue
            try:
                out += self._statistics(link, now)
                out += self._daily_reports(link, now)
            except QuotaShort as exc:
                log.warning("metrics.quota_short", channel_id=channel_id, error=str(exc))
                break
            except NotConnected as exc:
                log.warning("metrics.not_connected", channel_id=channel_id, error=str(exc))
        return out

    def _statistics(self, link: Link, now: datetime) -> list[Emit]:
        videos = {v: r for v, r in self._videos(link.channel_id).items()
                  if r and r["gone"] is None and _at(r["due"]) <= now}
        if not videos:
            return []
        by_platform = {r["platform_video_id"]: v for v, r in videos.items()}
        found = self.provider.videos(link, sorted(by_platform))
        out: list[Emit] = []
        for platform_id, video_id in sorted(by_platform.items()):
            record = dict(videos[video_id])
            seen = found.get(platform_id)
            status = "deleted" if seen is None else seen.upload_status
            if status not in GONE and seen is not None and seen.processing_status == "failed":
                status = "failed"  # processing failed, before uploadStatus says so
            if status in GONE:
                record["gone"] = status
                out.append(self._gone(video_id, record, seen, now))
            else:
                assert seen is not None
                out += self._processing(video_id, record, seen, now)
                emit = self._snapshot(video_id, record, seen, now)
                if emit is not None:
                    out.append(emit)
                record["due"] = _iso(_next_due(_at(record["published_at"]), now))
            self.state.put("videos", video_id, record)
        return out

    def _processing(self, video_id: str, record: dict[str, Any], seen: VideoState,
                    now: datetime) -> list[Emit]:
        """``upload.status`` when YouTube's processing state is new to us (the first read, then
        each change): how the gateway tells "uploaded, YouTube still processing" from live."""
        state = [seen.upload_status, seen.processing_status]
        if record.get("youtube") == state:
            return []
        record["youtube"] = state
        envelope = self._envelope(video_id, record, f"status:{state[0]}:{state[1]}", now)
        return [Emit(STATUS_TOPIC, UploadStatus(
            envelope=envelope, platform_video_id=record["platform_video_id"],
            upload_status=seen.upload_status, processing_status=seen.processing_status))]

    def _snapshot(self, video_id: str, record: dict[str, Any], seen: VideoState,
                  now: datetime) -> Emit | None:
        values = {"views": seen.views, "likes": seen.likes, "comments": seen.comments}
        digest = content_hash(values)
        if digest == record["last"]:
            return None  # nothing moved since the last snapshot
        record["last"] = digest
        return self._metrics(video_id, record, "STATISTICS", now.astimezone(UTC).date()
                             .isoformat(), now, values)

    def _gone(self, video_id: str, record: dict[str, Any], seen: VideoState | None,
              now: datetime) -> Emit:
        status = record["gone"]
        why = (seen.reason if seen else None) or "no reason given"
        message = (f"YouTube no longer has video {record['platform_video_id']} (deleted on "
                   "YouTube)" if status == "deleted" else
                   f"YouTube {status} video {record['platform_video_id']}: {why}")
        log.warning("metrics.video_gone", video_id=video_id, status=status, reason=why)
        envelope = self._envelope(video_id, record, f"gone:{status}", now)
        return Emit("pipeline.failed", PipelineFailed(
            envelope=envelope, stage=NAME, input_topic="upload.done",
            input_event_id=envelope.event_id, error_type=GONE[status], error_message=message,
            retryable=False))

    def _daily_reports(self, link: Link, now: datetime, force: tuple[date, date] | None = None
                       ) -> list[Emit]:
        today = report_day(now)
        channel = self.state.get("channels", link.channel_id) or {}
        if force is None and channel.get("read_on") == today.isoformat():
            return []
        videos = {r["platform_video_id"]: (v, r) for v, r in self._videos(link.channel_id).items()
                  if r and r["gone"] != "deleted"}
        if not videos:
            return []
        since, until = force or (today - timedelta(days=REREAD_DAYS), today - timedelta(days=1))
        rows = self.provider.daily(link, since, until, sorted(videos))
        totals = self.provider.channel_daily(link, since, until)
        if force is None:
            self.state.put("channels", link.channel_id, {**channel, "read_on": today.isoformat()})
        owner = next(iter(videos.values()))[1]["owner_id"]
        return [*(self._row(videos, row, now) for row in rows if row.platform_video_id in videos),
                *(self._channel_row(link.channel_id, owner, row, now) for row in totals)]

    def _row(self, videos: dict[str, tuple[str, dict[str, Any]]], row: ReportRow,
             now: datetime) -> Emit:
        video_id, record = videos[row.platform_video_id]
        return self._metrics(video_id, record, "ANALYTICS", row.day, now, row.metrics)

    def _channel_row(self, channel_id: str, owner_id: str, row: ReportRow,
                     now: datetime) -> Emit:
        """A CHANNEL day: no video (its id is derived from the channel instead)."""
        key = f"CHANNEL:{row.day}:{content_hash(sorted(row.metrics.items()))}"
        envelope = msgspec.structs.replace(
            new_envelope(video_id="", channel_id=channel_id, owner_id=owner_id, producer=NAME,
                         event_key=key),
            occurred_at=now, event_id=event_id(NAME, f"channel:{channel_id}", key))
        return Emit(OUTPUT_TOPIC, _video_metrics(envelope, "", "CHANNEL", row.day, now, None,
                                                 row.metrics))

    def backfill(self, channel_id: str, since: date, until: date,
                 parent: Envelope) -> list[Emit]:
        link = self.connections.link(channel_id)
        if link.mode != "youtube":
            raise NotConnected(f"channel {channel_id} is {link.mode.replace('_', ' ')}: "
                               "nothing to backfill")
        return self._daily_reports(link, parent.occurred_at, force=(since, until))

    # --- events ---------------------------------------------------------------------------------

    def _envelope(self, video_id: str, record: dict[str, Any], key: str,
                  now: datetime) -> Envelope:
        envelope = new_envelope(video_id=video_id, channel_id=record["channel_id"],
                                owner_id=record["owner_id"], producer=NAME, event_key=key)
        return msgspec.structs.replace(envelope, occurred_at=now)

    def _metrics(self, video_id: str, record: dict[str, Any], source: MetricsSource, day: str,
                 now: datetime, values: dict[str, Any]) -> Emit:
        key = f"{source}:{day}:{content_hash(sorted(values.items()))}"
        envelope = msgspec.structs.replace(self._envelope(video_id, record, key, now),
                                           event_id=event_id(NAME, video_id, key))
        return Emit(OUTPUT_TOPIC, _video_metrics(
            envelope, record["platform_video_id"], source, day, now,
            _at(record["published_at"]), values))


def _video_metrics(envelope: Envelope, platform_video_id: str, source: MetricsSource, day: str,
                   now: datetime, published_at: datetime | None,
                   values: dict[str, Any]) -> VideoMetrics:
    """A ``video.metrics`` record; ``values`` are the metrics read, by their field names (the
    provider's ``FIELDS``), the others stay null."""
    return VideoMetrics(envelope=envelope, platform_video_id=platform_video_id, source=source,
                        day=day, observed_at=now, published_at=published_at, **values)


def _next_due(published: datetime, now: datetime) -> datetime:
    return now + (YOUNG_EVERY if now - published < YOUNG else OLD_EVERY)


class MetricsCollectorStage(LogicStage):
    """The stage the worker runs: it declares tables, so the worker sets ``state``."""

    spec = StageSpec(name=NAME, inputs=INPUTS,
                     outputs=(OUTPUT_TOPIC, STATUS_TOPIC, "pipeline.failed"),
                     tables=TABLES, cancel="never")


def provider(settings: Settings, connections: Connections) -> YouTubeMetrics:
    state = settings.data_dir / "youtube"
    return YouTubeMetrics(
        connections, QuotaLedger(state, settings.youtube_daily_quota),
        QuotaLedger(state / "analytics", settings.youtube_analytics_daily_quota),
        keep_free=settings.youtube_quota_kept_for_uploads,
        api_base_url=settings.youtube_api_base_url,
        analytics_base_url=settings.youtube_analytics_base_url,
        timeout_s=settings.provider_timeout_s)


def build(settings: Settings) -> MetricsCollectorStage:
    connections = Connections.from_settings(settings)
    return MetricsCollectorStage(MetricsCollector(MemoryState(TABLES),
                                                  provider(settings, connections), connections))
