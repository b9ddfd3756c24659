"""YouTube publisher through google-api-python-client against FakeYouTube: chunks, retries,
quota holds, credentials."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from processors.providers.publish import VideoMetadata
from processors.providers.publish.youtube import YouTubePublisher
from processors.providers.publish.youtube_quota import QuotaLedger, UploadDeferred, next_reset
from tests.fakes.youtube_server import FakeYouTube
from tests.processors.publish.conftest import CHANNEL, CHUNK, write_credentials
from ytempire.stage import PermanentError


def metadata(**changes: object) -> VideoMetadata:
    fields: dict = {"video_id": "video-1", "channel_id": CHANNEL,
                    "title": "How volcanoes <really> form", "description": "Lava, explained.",
                    "tags": ["volcano", "geology basics"], "privacy": "public"}
    return VideoMetadata(**{**fields, **changes})  # type: ignore[arg-type]


def ranges(size: int, start: int = 0) -> list[str]:
    return [f"bytes {a}-{min(a + CHUNK, size) - 1}/{size}" for a in range(start, size, CHUNK)]


def test_upload_sends_every_chunk_once_then_sets_the_thumbnail(
    publisher: YouTubePublisher, youtube: FakeYouTube, video_file: Path, thumbnail_file: Path
) -> None:
    published = publisher.upload(video_file, thumbnail_file, metadata())

    size = video_file.stat().st_size
    assert youtube.videos_created == 1
    video = youtube.videos[published.platform_video_id]
    assert video["content"] == video_file.read_bytes()
    assert youtube.chunk_ranges() == ranges(size)
    assert youtube.bytes_received == size and youtube.bytes_resent == 0
    assert youtube.thumbnails[published.platform_video_id] == thumbnail_file.read_bytes()
    assert youtube.calls["POST /token"] == 1
    assert video["snippet"] == {
        "title": "How volcanoes ‹really› form", "description": "Lava, explained.",
        "tags": ["volcano", "geology basics"], "categoryId": "27",
        "defaultLanguage": "en", "defaultAudioLanguage": "en"}
    assert video["status"] == {"uploadStatus": "uploaded", "privacyStatus": "public",
                               "selfDeclaredMadeForKids": False}
    assert published.platform == "youtube"
    assert published.url == f"https://www.youtube.com/watch?v={published.platform_video_id}"
    assert [(u.model, u.unit, u.quantity) for u in published.usage] == [
        ("videos.insert", "youtube_quota", 1600), ("thumbnails.set", "youtube_quota", 50)]
    assert publisher.quota.used() == 1650

    again = publisher.upload(video_file, thumbnail_file, metadata())
    assert again == published
    assert youtube.videos_created == 1 and len(youtube.chunk_ranges()) == len(ranges(size))


def test_scheduled_video_is_uploaded_private_with_publish_at(
    publisher: YouTubePublisher, youtube: FakeYouTube, video_file: Path, thumbnail_file: Path
) -> None:
    at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    published = publisher.upload(video_file, thumbnail_file, metadata(
        publish_at=at, made_for_kids=True, category_id="28", language="de"))
    video = youtube.videos[published.platform_video_id]
    assert video["status"] == {"uploadStatus": "uploaded", "privacyStatus": "private",
                               "publishAt": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                               "selfDeclaredMadeForKids": True}
    assert video["snippet"]["categoryId"] == "28"
    assert video["snippet"]["defaultAudioLanguage"] == "de"


def test_server_errors_and_rate_limits_are_retried_with_backoff(
    publisher: YouTubePublisher, youtube: FakeYouTube, video_file: Path, thumbnail_file: Path,
    sleeps: list[float]
) -> None:
    youtube.fail_next(1, 503, kind="start")
    youtube.fail_next(2, 500)
    youtube.rate_limit_next(1, retry_after=3)
    youtube.fail_next(1, 502, kind="thumbnail")
    published = publisher.upload(video_file, thumbnail_file, metadata())

    assert youtube.videos_created == 1
    assert youtube.videos[published.platform_video_id]["content"] == video_file.read_bytes()
    assert youtube.bytes_resent == 0
    assert len(sleeps) == 5 and 3.0 in sleeps
    assert all(s <= 0.01 * 2 ** 3 for s in sleeps if s != 3.0)
    assert youtube.calls["POST /upload/youtube/v3/videos"] == 2  # the refused start, then one
    assert published.platform_video_id in youtube.thumbnails


def test_connection_dropped_mid_chunk_resumes_from_what_the_server_has(
    publisher: YouTubePublisher, youtube: FakeYouTube, video_file: Path, thumbnail_file: Path
) -> None:
    youtube.drop_connection_after(100_000)
    published = publisher.upload(video_file, thumbnail_file, metadata())

    size = video_file.stat().st_size
    assert youtube.videos[published.platform_video_id]["content"] == video_file.read_bytes()
    assert youtube.videos_created == 1
    assert youtube.bytes_discarded == 100_000
    assert youtube.bytes_received == size + 100_000
    assert youtube.bytes_resent == 0
    statuses = [r for m, _, r in youtube.requests if r.startswith("bytes */")]
    assert statuses == [f"bytes */{size}"]  # asked the server once, then went on
    assert youtube.chunk_ranges() == ranges(size)[:1] + ranges(size)


def test_upload_is_held_when_it_would_pass_the_daily_quota(
    tmp_path: Path, credentials_dir: Path, youtube: FakeYouTube, video_file: Path,
    thumbnail_file: Path
) -> None:
    now = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # 15:30 in California
    ledger = QuotaLedger(tmp_path / "quota", 3000, now=lambda: now)
    publisher = YouTubePublisher(credentials_dir, tmp_path / "state", ledger,
                                 api_base_url=youtube.url, token_uri=youtube.token_url,
                                 chunk_size=CHUNK)
    publisher.upload(video_file, thumbnail_file, metadata())
    with pytest.raises(UploadDeferred, match="deferred until 2026-11-26T08:00:00Z") as held:
        publisher.upload(video_file, thumbnail_file, metadata(video_id="video-2"))
    assert held.value.retry_at == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert youtube.calls["POST /upload/youtube/v3/videos"] == 1  # nothing was sent for it
    assert ledger.used() == 1650

    now = datetime(2026, 11, 26, 8, 0, 1, tzinfo=UTC)  # after midnight Pacific: a new day
    publisher.upload(video_file, thumbnail_file, metadata(video_id="video-2"))
    assert youtube.videos_created == 2 and ledger.used() == 1650


def test_server_quota_refusal_defers_and_marks_the_day_full(
    publisher: YouTubePublisher, youtube: FakeYouTube, video_file: Path, thumbnail_file: Path
) -> None:
    youtube.quota_exceeded_next(1)
    with pytest.raises(UploadDeferred) as held:
        publisher.upload(video_file, thumbnail_file, metadata())
    assert held.value.retry_at == next_reset(datetime.now(UTC))
    assert publisher.quota.used() == 10_000 and youtube.videos_created == 0


def test_summer_time_reset_is_midnight_pacific() -> None:
    assert next_reset(datetime(2026, 7, 1, 12, tzinfo=UTC)) == datetime(2026, 7, 2, 7,
                                                                        tzinfo=UTC)


def test_revoked_refresh_token_is_permanent_and_not_leaked(
    publisher: YouTubePublisher, youtube: FakeYouTube, credentials_dir: Path, video_file: Path,
    thumbnail_file: Path
) -> None:
    write_credentials(credentials_dir, CHANNEL, youtube.token_url, refresh_token="revoked")
    with pytest.raises(PermanentError, match="re-authorize the channel") as refused:
        publisher.upload(video_file, thumbnail_file, metadata())
    assert "revoked" not in str(refused.value) and "client-secret" not in str(refused.value)
    assert youtube.calls["POST /upload/youtube/v3/videos"] == 0


def test_bad_request_is_permanent(
    publisher: YouTubePublisher, youtube: FakeYouTube, video_file: Path, thumbnail_file: Path
) -> None:
    youtube.fail_next(1, 400, kind="start", reason="invalidCategoryId")
    with pytest.raises(PermanentError, match="HTTP 400 \\(invalidCategoryId\\)"):
        publisher.upload(video_file, thumbnail_file, metadata())


def test_refused_thumbnail_does_not_fail_the_published_video(
    publisher: YouTubePublisher, youtube: FakeYouTube, video_file: Path, thumbnail_file: Path
) -> None:
    youtube.fail_next(1, 403, kind="thumbnail", reason="forbidden")
    published = publisher.upload(video_file, thumbnail_file, metadata())
    assert published.platform_video_id in youtube.videos and youtube.thumbnails == {}
    assert publisher.upload(video_file, thumbnail_file, metadata()) == published
    assert youtube.calls["POST /upload/youtube/v3/thumbnails/set"] == 1  # not asked again


def test_crash_after_the_last_byte_finds_the_video_instead_of_making_another(
    publisher: YouTubePublisher, youtube: FakeYouTube, video_file: Path, thumbnail_file: Path,
    tmp_path: Path
) -> None:
    first = publisher.upload(video_file, thumbnail_file, metadata())
    state_file = tmp_path / "state" / CHANNEL / "video-1.json"
    state = json.loads(state_file.read_text())
    # The process died after the server completed the upload, before the id was written.
    state_file.write_text(json.dumps({**state, "video_id": None, "thumbnail_set": False}))

    again = publisher.upload(video_file, thumbnail_file, metadata())
    assert again.platform_video_id == first.platform_video_id
    assert youtube.videos_created == 1 and len(youtube.sessions) == 1
    size = video_file.stat().st_size
    assert youtube.bytes_received == size
    assert [r for m, _, r in youtube.requests if r.startswith("bytes */")] == [f"bytes */{size}"]


def test_expired_session_starts_a_new_upload(
    publisher: YouTubePublisher, youtube: FakeYouTube, video_file: Path, thumbnail_file: Path,
    tmp_path: Path
) -> None:
    state_file = tmp_path / "state" / CHANNEL / "video-1.json"
    state_file.parent.mkdir(parents=True)
    gone = f"{youtube.url}upload/youtube/v3/videos?uploadType=resumable&upload_id=expired"
    state_file.write_text(json.dumps({"size": video_file.stat().st_size, "session_uri": gone,
                                      "video_id": None, "thumbnail_set": False}))
    published = publisher.upload(video_file, thumbnail_file, metadata())
    assert youtube.videos_created == 1
    assert youtube.videos[published.platform_video_id]["content"] == video_file.read_bytes()
    assert json.loads(state_file.read_text())["session_uri"] != gone
