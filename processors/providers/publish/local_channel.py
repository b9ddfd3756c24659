"""The offline publisher: a channel is a folder, a published video a sub-folder.

``<channels_dir>/<channel_id>/<video_id>/`` holds ``video.mp4``, ``thumbnail.png`` and
``metadata.json``. The folder is assembled under a temporary name and renamed into place, so
it appears whole or not at all, and its existence is the record that the video is published.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from processors.providers.publish import Published, VideoMetadata
from ytempire.core.pricing import Usage
from ytempire.stage import PermanentError

CHUNK = 1 << 20
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
MEDIA_TYPES = {".mp4": "video/mp4", ".png": "image/png", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg"}


def _copy(source: Path, target: Path) -> dict[str, Any]:
    """Copy and hash in one read; the Artifact record of the copy at its final place."""
    digest = hashlib.sha256()
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
    return {"file": target.name, "size_bytes": target.stat().st_size,
            "sha256": digest.hexdigest(),
            "media_type": MEDIA_TYPES.get(target.suffix.lower(), "application/octet-stream")}


def platform_video_id(channel_id: str, video_id: str) -> str:
    """A stable 11-character id, shaped like YouTube's."""
    digest = hashlib.sha256(f"{channel_id}/{video_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:11]


class LocalChannelPublisher:
    """Publishes into ``channels_dir``; free, one ``requests`` unit per upload."""

    platform = "local"
    provider = "local-channel"
    model = "folder"
    name = f"{provider}/{model}"

    def __init__(self, channels_dir: Path) -> None:
        self.channels_dir = Path(channels_dir)

    def folder(self, channel_id: str, video_id: str) -> Path:
        for what, value in (("channel_id", channel_id), ("video_id", video_id)):
            if not SAFE_NAME.fullmatch(value):
                raise PermanentError(f"{what} {value!r} cannot name a folder; use letters, "
                                     "digits, '.', '_' and '-'")
        return self.channels_dir / channel_id / video_id

    def upload(self, video: Path, thumbnail: Path, metadata: VideoMetadata) -> Published:
        folder = self.folder(metadata.channel_id, metadata.video_id)
        if not (folder / "metadata.json").exists():
            self._write(folder, video, thumbnail, metadata)
        return self._published(folder, json.loads((folder / "metadata.json").read_text()))

    def _write(self, folder: Path, video: Path, thumbnail: Path, metadata: VideoMetadata) -> None:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp",
                                        dir=folder.parent))
        try:
            files = {"video": _copy(video, staging / "video.mp4"),
                     "thumbnail": _copy(thumbnail, staging / f"thumbnail{thumbnail.suffix}")}
            record = {
                "platform": self.platform,
                "platform_video_id": platform_video_id(metadata.channel_id, metadata.video_id),
                **{k: v for k, v in asdict(metadata).items() if k not in ("extra", "publish_at")},
                "publish_at": metadata.publish_at.isoformat() if metadata.publish_at else None,
                **metadata.extra,
                "files": files,
                "published_at": datetime.now(UTC).isoformat(),
            }
            (staging / "metadata.json").write_text(
                json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n")
            os.chmod(staging, 0o755)
            try:
                os.rename(staging, folder)
            except OSError:
                if not (folder / "metadata.json").exists():
                    raise  # not a lost race with another publisher: a real failure
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _published(self, folder: Path, record: dict[str, Any]) -> Published:
        def artifact(name: str) -> dict[str, Any]:
            entry = record["files"][name]
            return {"uri": (folder / entry["file"]).resolve().as_uri(),
                    "size_bytes": entry["size_bytes"], "sha256": entry["sha256"],
                    "media_type": entry["media_type"]}

        video = artifact("video")
        return Published(platform=self.platform, platform_video_id=record["platform_video_id"],
                         url=video["uri"], location=str(folder.resolve()), video=video,
                         thumbnail=artifact("thumbnail"),
                         usage=[Usage(self.provider, self.model, "requests", 1)])
