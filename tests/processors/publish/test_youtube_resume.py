"""The must-show: a publisher process killed half way through a YouTube upload; the restarted
publisher sends only the bytes the server does not have and ends with exactly one video.

Also: channels pick their publisher by configuration alone (credentials file -> YouTube)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from processors.publisher import build
from tests.fakes.youtube_server import FakeYouTube
from tests.processors.publish.conftest import CHANNEL
from tests.processors.samples import typed
from ytempire.core.artifacts import ArtifactStore
from ytempire.core.codec import Codec
from ytempire.core.events import Event, plain
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import PROJECT_ROOT, Settings

MIB = 1024 * 1024
CHUNK = 8 * MIB  # the publisher's production chunk size: nothing is tuned for the test

PUBLISHER_PROCESS = """
import sys
from pathlib import Path
from processors.publisher import build
from ytempire.core.codec import Codec
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

settings = Settings()
event = Codec(SchemaRegistry.load(settings.schemas_dir)).decode_record(
    "quality.scored", Path(sys.argv[1]).read_bytes())
build(settings).handle(event)
"""


def scored(settings: Settings, channel_id: str, video: bytes) -> Event:
    request = plain(request_event(VideoRequest(topic="How volcanoes form", channel_id=channel_id,
                                         privacy="public")).value)
    store = ArtifactStore(settings.artifacts_dir)
    return {
        "envelope": request["envelope"], "spec": request["spec"],
        "script": {"title": "How volcanoes form", "hook": "Boom.", "sections": [],
                   "call_to_action": "Subscribe.", "description": "Lava, explained.",
                   "tags": ["volcano"], "word_count": 3, "language": "en"},
        "video": store.put_bytes(video, ".mp4", "video/mp4"),
        "thumbnail": store.put_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(500), ".png",
                                     "image/png"),
        "duration_s": 61.5, "width": 1920, "height": 1080, "score": 91.5, "threshold": 70,
        "passed": True, "checks": [], "reasons": [],
    }


def youtube_settings(tmp_path: Path, fake: FakeYouTube, credentials_dir: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", youtube_credentials_dir=credentials_dir,
                    youtube_api_base_url=fake.url, youtube_token_uri=f"{fake.url}/token")


def test_killed_upload_resumes_with_the_remaining_bytes_only_and_one_video(
    tmp_path: Path, youtube: FakeYouTube, credentials_dir: Path
) -> None:
    settings = youtube_settings(tmp_path, youtube, credentials_dir)
    video = os.urandom(3 * CHUNK + MIB + 4321)
    event = scored(settings, CHANNEL, video)
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    (tmp_path / "event.avro").write_bytes(codec.encode("quality.scored", event))
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "YTEMPIRE_LOG_LEVEL": "warning",
           "YTEMPIRE_DATA_DIR": str(settings.data_dir),
           "YTEMPIRE_YOUTUBE_CREDENTIALS_DIR": str(credentials_dir),
           "YTEMPIRE_YOUTUBE_API_BASE_URL": youtube.url,
           "YTEMPIRE_YOUTUBE_TOKEN_URI": f"{youtube.url}/token"}

    youtube.stall_after(len(video) // 2)  # the server stops reading half way through
    process = subprocess.Popen([sys.executable, "-c", PUBLISHER_PROCESS,
                                str(tmp_path / "event.avro")], env=env, cwd=PROJECT_ROOT)
    try:
        assert youtube.stalled.wait(60), "the publisher never got half way"
        state_file = settings.data_dir / "youtube" / "uploads" / CHANNEL / \
            f"{event['envelope']['video_id']}.json"
        state = json.loads(state_file.read_text())
        assert state["session_uri"] and state["video_id"] is None  # persisted before the bytes
    finally:
        process.kill()
    assert process.wait(30) == -9
    (session,) = youtube.sessions.values()
    committed = len(session.data)
    assert committed == CHUNK  # chunk 1 acknowledged, chunk 2 in flight when it died
    youtube.release(drop=True)  # the dead process's chunk never completes

    emits = build(settings).handle(typed("quality.scored", event))  # the restarted publisher

    done = plain(emits[0].value)
    assert youtube.videos_created == 1 and len(youtube.sessions) == 1
    assert done["platform"] == "youtube" and done["platform_video_id"] in youtube.videos
    assert youtube.videos[done["platform_video_id"]]["content"] == video
    # Exactly the file, plus the part of the in-flight chunk the server had read when the
    # publisher died (discarded: not acknowledged), and nothing acknowledged sent twice.
    assert 0 < youtube.bytes_discarded < CHUNK
    assert youtube.bytes_received == len(video) + youtube.bytes_discarded
    assert youtube.bytes_resent == 0
    size = len(video)
    assert youtube.chunk_ranges() == [
        f"bytes 0-{CHUNK - 1}/{size}",  # first process: acknowledged
        f"bytes {CHUNK}-{2 * CHUNK - 1}/{size}",  # first process: killed in flight
        f"bytes {CHUNK}-{2 * CHUNK - 1}/{size}",  # restarted: from the server's Range on
        f"bytes {2 * CHUNK}-{3 * CHUNK - 1}/{size}",
        f"bytes {3 * CHUNK}-{size - 1}/{size}",
    ]
    assert [r for m, _, r in youtube.requests if r.startswith("bytes */")] == [f"bytes */{size}"]
    assert youtube.calls["POST /upload/youtube/v3/thumbnails/set"] == 1

    again = build(settings).handle(
        typed("quality.scored", event)
    )  # a redelivery: same upload.done, nothing sent
    assert plain(again[0].value)["platform_video_id"] == done["platform_video_id"]
    assert youtube.videos_created == 1 and len(youtube.chunk_ranges()) == 5


def test_publisher_is_chosen_by_channel_credentials(
    tmp_path: Path, youtube: FakeYouTube, credentials_dir: Path
) -> None:
    settings = youtube_settings(tmp_path, youtube, credentials_dir)
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    stage = build(settings)

    on_youtube = stage.handle(
        typed("quality.scored", scored(settings, CHANNEL, os.urandom(300_000)))
    )
    for emit in on_youtube:
        codec.encode(emit.topic, plain(emit.value))
    done, *costs = on_youtube
    assert plain(done.value)["platform"] == "youtube" and youtube.videos_created == 1
    assert plain(done.value)["url"].startswith("https://www.youtube.com/watch?v=")
    assert [
        (
            plain(c.value)["provider"],
            plain(c.value)["model"],
            plain(c.value)["unit"],
            plain(c.value)["quantity"],
            plain(c.value)["usd"],
        )
        for c in costs
    ] == [
        ("youtube", "videos.insert", "youtube_quota", 1600.0, Decimal(0)),
        ("youtube", "thumbnails.set", "youtube_quota", 50.0, Decimal(0)),
    ]

    local = stage.handle(
        typed("quality.scored", scored(settings, "channel-without-credentials", b"local video"))
    )
    # Neither connected nor local only: ready, not uploaded (the CLI's ``local`` channel is
    # local only).
    assert plain(local[0].value)["platform"] == "none" and youtube.videos_created == 1
    assert plain(build(Settings(data_dir=tmp_path / "offline")).handle(typed("quality.scored",
        scored(settings, CHANNEL, b"offline video")))[0].value)["platform"] == "none"
    assert plain(build(Settings(data_dir=tmp_path / "offline")).handle(typed("quality.scored",
        scored(settings, "local", b"cli video")))[0].value)["platform"] == "local"
