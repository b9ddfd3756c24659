"""Fixtures for the YouTube publisher tests: a FakeYouTube, per-channel OAuth files, media."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from processors.providers.publish.youtube import YouTubePublisher
from processors.providers.publish.youtube_quota import QuotaLedger
from tests.fakes.youtube_server import FakeYouTube

CHUNK = 256 * 1024
CHANNEL = "channel-1"


@pytest.fixture
def youtube() -> Iterator[FakeYouTube]:
    with FakeYouTube() as fake:
        yield fake


def write_credentials(directory: Path, channel_id: str, token_uri: str,
                      refresh_token: str = "fake-refresh-token") -> Path:
    """An authorized-user file as google-auth's own tools write it (google-auth ignores its
    token_uri; the publisher is given the fake's)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{channel_id}.json"
    path.write_text(json.dumps({
        "type": "authorized_user", "client_id": "client-id.apps.googleusercontent.com",
        "client_secret": "client-secret-do-not-log", "refresh_token": refresh_token,
        "token_uri": token_uri}))
    return path


@pytest.fixture
def credentials_dir(tmp_path: Path, youtube: FakeYouTube) -> Path:
    directory = tmp_path / "youtube-credentials"
    write_credentials(directory, CHANNEL, youtube.token_url)
    return directory


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def publisher(tmp_path: Path, credentials_dir: Path, youtube: FakeYouTube,
              sleeps: list[float]) -> YouTubePublisher:
    return YouTubePublisher(credentials_dir, tmp_path / "state",
                            QuotaLedger(tmp_path / "quota", 10_000),
                            api_base_url=youtube.url, token_uri=youtube.token_url,
                            chunk_size=CHUNK, backoff_s=0.01,
                            timeout_s=20, sleep=sleeps.append)


@pytest.fixture
def video_file(tmp_path: Path) -> Path:
    """Four chunks and a bit: the last chunk is short, as real files are."""
    path = tmp_path / "video.mp4"
    path.write_bytes(os.urandom(4 * CHUNK + 12_345))
    return path


@pytest.fixture
def thumbnail_file(tmp_path: Path) -> Path:
    path = tmp_path / "thumbnail.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    return path
