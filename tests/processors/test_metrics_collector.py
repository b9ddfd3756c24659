"""The metrics collector against FakeGoogle through google-api-python-client and google-auth,
time driven by ticks (no sleeps): schedule, batches, quota, failures, idempotency."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from processors.metrics_collector import TABLES, MetricsCollector
from processors.providers.google.connections import Connections
from processors.providers.google.youtube_metrics import MalformedAnswer, YouTubeMetrics
from processors.providers.publish.youtube_quota import QuotaLedger
from processors.scheduler_clock import tick_event
from tests.fakes.google_server import CLIENT_ID, CLIENT_SECRET, FakeGoogle
from tests.typed import upload_done
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Envelope, Event, new_envelope, plain
from ytempire.core.google import MONETARY
from ytempire.core.records import MetricsRequested
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import PROJECT_ROOT
from ytempire.runtime.worker import TableState
from ytempire.stage import TransientError

CHANNEL = "channel-1"
T0 = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)  # a Monday, 10:00 in California
DAY = date(2026, 11, 2)


def credentials_file(directory: Path, google: FakeGoogle, monetary: bool = False) -> None:
    """An operator-placed authorized-user file (the headless way in)."""
    directory.mkdir(parents=True, exist_ok=True)
    scopes = ["https://www.googleapis.com/auth/youtube.readonly",
              "https://www.googleapis.com/auth/yt-analytics.readonly",
              *([MONETARY] if monetary else [])]
    (directory / f"{CHANNEL}.json").write_text(json.dumps({
        "type": "authorized_user", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "refresh_token": google.refresh_token, "scopes": scopes}))


def envelope_at(at: datetime, **fields: Any) -> Envelope:
    """A new envelope, occurred at ``at``."""
    return msgspec.structs.replace(new_envelope(**fields), occurred_at=at)


class Harness:
    """A collector on transactional tables, run like the worker runs it (commit or roll back)."""

    def __init__(self, tmp_path: Path, google: FakeGoogle, quota: int = 10_000,
                 monetary: bool = False) -> None:
        credentials_file(tmp_path / "creds", google, monetary)
        self.connections = Connections(None, None, CLIENT_ID, CLIENT_SECRET, google.token_url,
                                       tmp_path / "creds")
        self.now = T0
        self.data_quota = QuotaLedger(tmp_path / "quota", quota, now=lambda: self.now)
        self.sleeps: list[float] = []
        self.provider = YouTubeMetrics(
            self.connections, self.data_quota,
            QuotaLedger(tmp_path / "quota" / "analytics", 100_000, now=lambda: self.now),
            keep_free=3_300, api_base_url=google.url, analytics_base_url=google.url,
            timeout_s=10, backoff_s=0.01, sleep=self.sleeps.append)
        self.tables: dict[str, dict[str, Any]] = {name: {} for name in TABLES}
        self.state = TableState(self.tables)
        self.collector = MetricsCollector(self.state, self.provider, self.connections)

    def run(self, event: Event) -> list[Emit]:
        try:
            out = self.collector.handle(event)
        except BaseException:
            self.state.rollback()
            raise
        self.state.commit()
        return out

    def publish(self, google: FakeGoogle, n: int, at: datetime = T0) -> list[str]:
        ids = []
        for i in range(n):
            platform_id = f"yt{i:05d}"
            google.add_video(platform_id, "UCoperator")
            google.set_statistics(platform_id, views=100 + i, likes=i, comments=1)
            envelope = envelope_at(at, video_id=f"video-{i}", channel_id=CHANNEL, owner_id="o1",
                                   producer="publisher")
            self.run(upload_done(envelope, "youtube", platform_id))
            ids.append(platform_id)
        return ids

    def tick(self, at: datetime) -> list[Emit]:
        self.now = at
        return self.run(tick_event(at).value)


def statistics(out: list[Emit]) -> list[dict[str, Any]]:
    return [plain(e.value) for e in out if e.topic == "video.metrics"
            and plain(e.value)["source"] == "STATISTICS"]


def analytics(out: list[Emit]) -> list[dict[str, Any]]:
    return [plain(e.value) for e in out if e.topic == "video.metrics"
            and plain(e.value)["source"] == "ANALYTICS"]


def channel_days(out: list[Emit]) -> list[dict[str, Any]]:
    return [plain(e.value) for e in out if e.topic == "video.metrics"
            and plain(e.value)["source"] == "CHANNEL"]


def test_young_videos_are_read_every_15_minutes_in_batches_of_50_then_daily(
        tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    h.publish(google, 120)

    first = statistics(h.tick(T0))
    assert google.calls["GET /youtube/v3/videos"] == 3  # 50 + 50 + 20 ids
    assert len(first) == 120
    assert {(m["envelope"]["video_id"], m["views"], m["likes"]) for m in first} == {
        (f"video-{i}", 100 + i, i) for i in range(120)}
    assert h.data_quota.used() == 3

    assert h.tick(T0 + timedelta(minutes=10)) == []
    assert google.calls["GET /youtube/v3/videos"] == 3
    google.set_statistics("yt00007", views=5000, likes=70)
    moved = statistics(h.tick(T0 + timedelta(minutes=15)))
    assert [(m["envelope"]["video_id"], m["views"]) for m in moved] == [("video-7", 5000)]
    assert google.calls["GET /youtube/v3/videos"] == 6

    h.tick(T0 + timedelta(hours=49))  # older than 48 h: daily from now on
    calls = google.calls["GET /youtube/v3/videos"]
    h.tick(T0 + timedelta(hours=49, minutes=15))
    h.tick(T0 + timedelta(hours=72))
    assert google.calls["GET /youtube/v3/videos"] == calls
    h.tick(T0 + timedelta(hours=73))
    assert google.calls["GET /youtube/v3/videos"] == calls + 3


def test_daily_report_reads_video_day_rows_and_revenue_only_with_the_monetary_scope(
        tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    [yt] = h.publish(google, 1)
    google.set_daily(yt, DAY, views=1234, estimatedMinutesWatched=2500,
                     averageViewDuration=121, averageViewPercentage=48.5, likes=40,
                     subscribersGained=7, estimatedRevenue=3.21)

    [row] = analytics(h.tick(T0 + timedelta(days=1)))
    assert row["day"] == "2026-11-02" and row["views"] == 1234
    assert row["estimated_minutes_watched"] == 2500.0
    assert row["average_view_percentage"] == 48.5 and row["subscribers_gained"] == 7
    assert row["estimated_revenue_usd"] is None  # not granted: not asked for
    assert analytics(h.tick(T0 + timedelta(days=1, hours=1))) == []  # once a Pacific day

    m = Harness(tmp_path / "monetary", google, monetary=True)
    m.publish(google, 1)
    [paid] = analytics(m.tick(T0 + timedelta(days=1)))
    assert paid["estimated_revenue_usd"] == Decimal("3.210000")
    codec = Codec(SchemaRegistry.load(PROJECT_ROOT / "schemas"))
    decoded = codec.decode("video.metrics", codec.encode("video.metrics", paid))
    assert decoded["estimated_revenue_usd"] == Decimal("3.21") and decoded["views"] == 1234


def test_the_channel_report_gives_each_days_totals_of_the_whole_channel(
        tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    first, second = h.publish(google, 2)
    google.add_video("yt-elsewhere", "UCoperator")  # on the channel, not made by YTEMPIRE
    for platform_id, views in ((first, 10), (second, 20), ("yt-elsewhere", 400)):
        google.set_daily(platform_id, DAY, views=views, estimatedMinutesWatched=views * 2)
    google.set_daily(first, DAY - timedelta(days=1), views=3)

    out = h.tick(T0 + timedelta(days=1))
    days = channel_days(out)
    assert [(d["day"], d["views"], d["estimated_minutes_watched"]) for d in days] == [
        (str(DAY - timedelta(days=1)), 3, 0.0), (str(DAY), 430, 860.0)]
    assert sum(r["views"] for r in analytics(out)) == 33  # the videos' rows: only ours
    assert {(d["envelope"]["video_id"], d["envelope"]["channel_id"], d["platform_video_id"])
            for d in days} == {("", CHANNEL, "")}
    codec = Codec(SchemaRegistry.load(PROJECT_ROOT / "schemas"))
    assert codec.decode("video.metrics", codec.encode("video.metrics", days[1]))[
        "source"] == "CHANNEL"
    again = Harness(tmp_path / "again", google)
    again.publish(google, 2)
    assert [d["envelope"]["event_id"] for d in channel_days(again.tick(
        T0 + timedelta(days=1)))] == [d["envelope"]["event_id"] for d in days]


def test_a_report_for_many_videos_goes_out_as_a_long_query(
        tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    ids = h.publish(google, 250)
    for platform_id in ids:
        google.set_daily(platform_id, DAY, views=7)
    rows = analytics(h.tick(T0 + timedelta(days=1)))
    assert len(rows) == 250 and {r["views"] for r in rows} == {7}
    # 200 ids pass 2,048 characters: that query goes as a POST; the 50 left fit in a GET, and
    # so does the channel's report
    assert (google.calls["POST /v2/reports"], google.calls["GET /v2/reports"]) == (1, 3)


def test_a_report_with_no_rows_emits_nothing(tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    h.publish(google, 2)
    out = h.tick(T0 + timedelta(days=1))
    assert analytics(out) == [] and channel_days(out) == []
    assert google.calls["GET /v2/reports"] == 2  # the videos', the channel's


def test_an_expired_access_token_is_refreshed(tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    h.publish(google, 1)
    h.tick(T0)
    google.expire_access_tokens()
    google.set_statistics("yt00000", views=999)
    assert [m["views"] for m in statistics(h.tick(T0 + timedelta(minutes=15)))] == [999]
    assert google.calls["POST /token"] >= 2


def test_a_revoked_grant_reads_nothing_and_keeps_videos_due(
        tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    h.publish(google, 1)
    google.grants[google.refresh_token].revoked = True
    assert h.tick(T0) == []
    google.grants[google.refresh_token].revoked = False
    assert len(statistics(h.tick(T0 + timedelta(minutes=1)))) == 1


def test_quota_exceeded_marks_the_day_full_and_leaves_videos_due(
        tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    h.publish(google, 1)
    google.quota_exceeded_next(kind="videos.list")
    assert h.tick(T0) == []
    assert h.data_quota.used() == 10_000
    next_day = T0 + timedelta(days=1)  # the Pacific reset has passed
    assert len(statistics(h.tick(next_day))) == 1


def test_the_collector_leaves_the_last_units_to_uploads(
        tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    h.publish(google, 1)
    h.data_quota.reserve(10_000 - 3_300, "uploads so far")
    assert h.tick(T0) == []
    assert google.calls["GET /youtube/v3/videos"] == 0
    assert h.data_quota.used() == 10_000 - 3_300


def test_server_errors_are_retried(tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    h.publish(google, 1)
    google.fail_next(2, 503, kind="videos.list")
    assert len(statistics(h.tick(T0))) == 1
    assert len(h.sleeps) == 2 and google.calls["GET /youtube/v3/videos"] == 3


def test_a_video_deleted_or_rejected_on_youtube_becomes_a_failure_and_is_not_read_again(
        tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    h.publish(google, 3)
    google.delete_video("yt00000")
    google.set_status("yt00001", "rejected", "copyright")
    out = h.tick(T0)
    failed = {plain(e.value)["envelope"]["video_id"]: plain(e.value) for e in out
              if e.topic == "pipeline.failed"}
    assert failed["video-0"]["error_type"] == "YouTubeVideoDeleted"
    assert failed["video-1"]["error_type"] == "YouTubeRejected"
    assert "copyright" in failed["video-1"]["error_message"]
    assert [m["envelope"]["video_id"] for m in statistics(out)] == ["video-2"]
    google.set_statistics("yt00002", views=1)
    again = h.tick(T0 + timedelta(minutes=15))
    assert [plain(e.value)["envelope"]["video_id"] for e in again] == ["video-2"]


def processing(out: list[Emit]) -> list[tuple[str, str, str | None]]:
    return [(v["envelope"]["video_id"], v["upload_status"], v["processing_status"])
            for v in (plain(e.value) for e in out if e.topic == "upload.status")]


def test_youtube_processing_is_sent_on_the_first_read_and_on_each_change(
        tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    h.publish(google, 3)
    for platform_id in ("yt00000", "yt00001"):
        google.set_status(platform_id, "uploaded")  # YouTube still processing them
    assert sorted(processing(h.tick(T0))) == [("video-0", "uploaded", "processing"),
                                              ("video-1", "uploaded", "processing"),
                                              ("video-2", "processed", "succeeded")]
    assert processing(h.tick(T0 + timedelta(minutes=15))) == []  # nothing changed

    google.set_status("yt00000", "processed")
    google.set_processing("yt00002", "terminated")  # no longer reported: not a failure
    out = h.tick(T0 + timedelta(minutes=30))
    assert sorted(processing(out)) == [("video-0", "processed", "succeeded"),
                                       ("video-2", "processed", "terminated")]
    assert not [e for e in out if e.topic == "pipeline.failed"]


def test_processing_that_fails_on_youtube_becomes_a_failure_with_its_reason(
        tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    h.publish(google, 1)
    google.set_status("yt00000", "uploaded")
    h.tick(T0)
    google.set_processing("yt00000", "failed", "transcodeFailed")  # uploadStatus not yet moved
    out = h.tick(T0 + timedelta(minutes=15))
    [failed] = [plain(e.value) for e in out if e.topic == "pipeline.failed"]
    assert failed["error_type"] == "YouTubeProcessingFailed"
    assert "transcodeFailed" in failed["error_message"] and processing(out) == []
    assert h.tick(T0 + timedelta(minutes=30)) == []  # no longer read


def test_a_malformed_answer_names_the_field_and_nothing_is_half_written(
        tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    h.publish(google, 60)
    google.malform_next("videos.list")
    before = json.dumps(h.tables, sort_keys=True)
    with pytest.raises(MalformedAnswer, match="viewCount") as raised:
        h.tick(T0)
    assert isinstance(raised.value, TransientError)  # the runner retries, then dead-letters
    assert json.dumps(h.tables, sort_keys=True) == before
    assert len(statistics(h.tick(T0))) == 60  # the retry reads everything


def test_a_redelivered_tick_emits_the_same_event_ids(tmp_path: Path, google: FakeGoogle) -> None:
    first, second = Harness(tmp_path / "a", google), Harness(tmp_path / "b", google)
    first.publish(google, 3)
    second.publish(google, 3)
    google.set_daily("yt00001", DAY, views=10)
    ids = [[plain(e.value)["envelope"]["event_id"] for e in h.tick(T0 + timedelta(days=1))]
           for h in (first, second)]
    # 3 upload.status + 3 statistics + 1 analytics day + the channel's day
    assert ids[0] == ids[1] and len(set(ids[0])) == len(ids[0]) == 8


def test_backfill_reads_every_asked_day_of_the_channel(tmp_path: Path, google: FakeGoogle) -> None:
    h = Harness(tmp_path, google)
    [yt] = h.publish(google, 1)
    for offset in range(10):
        google.set_daily(yt, DAY - timedelta(days=offset), views=offset + 1)
    envelope = envelope_at(T0, video_id="", channel_id=CHANNEL, owner_id="", producer="cli",
                           event_key="backfill")
    out = h.run(MetricsRequested(envelope=envelope, since=str(DAY - timedelta(days=6)),
                                 until=str(DAY - timedelta(days=2))))
    assert sorted((m["day"], m["views"]) for m in analytics(out)) == [
        (str(DAY - timedelta(days=o)), o + 1) for o in range(6, 1, -1)]
