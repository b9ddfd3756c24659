"""Which file serves a video's MP4 or thumbnail: found from the video's own record, never from
anything in the request, and only inside the artifact store or the channel folders."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlparse

from gateway.errors import NotFound
from gateway.models import Video
from ytempire.core.settings import Settings

Kind = Literal["video", "thumbnail"]
MEDIA_TYPES: dict[str, frozenset[str]] = {
    "video": frozenset({"video/mp4"}),
    "thumbnail": frozenset({"image/png", "image/jpeg"}),
}
FALLBACK = {"video": "video/mp4", "thumbnail": "image/png"}


def locate(settings: Settings, video: Video, kind: Kind) -> tuple[Path, str]:
    """The file and its media type; NotFound when there is none yet, or when the recorded URI
    leads anywhere but our own directories (an event must not open the machine's files)."""
    artifact = (video.artifacts or {}).get(kind)
    missing = NotFound(f"video {video.id} has no {kind} file (yet)")
    if not isinstance(artifact, dict) or not isinstance(artifact.get("uri"), str):
        raise missing
    parsed = urlparse(artifact["uri"])
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        raise missing
    path = Path(unquote(parsed.path)).resolve()
    roots = (settings.artifacts_dir.resolve(), settings.channels_dir.resolve())
    if not any(path.is_relative_to(root) for root in roots) or not path.is_file():
        raise missing
    media_type = artifact.get("media_type")
    return path, media_type if media_type in MEDIA_TYPES[kind] else FALLBACK[kind]
