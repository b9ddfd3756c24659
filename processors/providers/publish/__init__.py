"""Publishers: put a finished video on a channel (a local folder now, YouTube next).

A publisher must be idempotent per (channel, video): asked again for a video it already
published, it returns the first ``Published`` and uploads nothing. That is what makes a
redelivered ``quality.scored`` safe even if the process died between upload and emit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ytempire.core.pricing import Usage

PRIVACY = ("private", "unlisted", "public")


@dataclass(frozen=True)
class VideoMetadata:
    """Everything a platform needs besides the files; mirrors YouTube's snippet and status."""

    video_id: str
    channel_id: str
    title: str
    description: str
    tags: list[str]
    privacy: str = "private"
    language: str = "en"
    category_id: str = "27"  # YouTube's "Education"
    made_for_kids: bool = False
    publish_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Facts kept with the upload where the platform allows (quality score, duration...)."""


@dataclass(frozen=True)
class Published:
    """Where the video now lives. ``video`` and ``thumbnail`` are Artifact records of the
    published copies when the platform keeps files we can point at (the local channel),
    else ``None`` and the stage reports the artifacts it uploaded."""

    platform: str
    platform_video_id: str
    url: str
    location: str
    video: dict[str, Any] | None = None
    thumbnail: dict[str, Any] | None = None
    usage: list[Usage] = field(default_factory=list)


class Publisher(Protocol):
    """Uploads one video with its thumbnail and metadata. Raises ``TransientError`` for
    retryable trouble (5xx, dropped connection, quota exhausted for today) and
    ``PermanentError`` for uploads that can never succeed."""

    platform: str
    name: str

    def upload(self, video: Path, thumbnail: Path, metadata: VideoMetadata) -> Published: ...
