"""VideoMetadata -> the ``snippet`` and ``status`` parts of a YouTube ``videos.insert`` body.

YouTube refuses titles over 100 characters, descriptions over 5,000 bytes, tags over 500
characters together and ``<``/``>`` anywhere in them; a scheduled video must be private with
``publishAt`` in the future (YouTube publishes it then). These are trimmed here rather than
failing an upload at the end of the pipeline.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from processors.providers.publish import VideoMetadata

TITLE_MAX = 100
DESCRIPTION_MAX_BYTES = 5000
TAGS_MAX_CHARS = 500


def _clean(text: str) -> str:
    return text.replace("<", "‹").replace(">", "›").strip()


def _cut_bytes(text: str, limit: int) -> str:
    data = text.encode()
    return text if len(data) <= limit else data[:limit].decode(errors="ignore").rstrip()


def _tags(tags: list[str]) -> list[str]:
    """Tags in order while they fit (YouTube counts a tag with a space as quoted, +2)."""
    kept: list[str] = []
    used = 0
    for tag in (_clean(t) for t in tags):
        cost = len(tag) + (2 if " " in tag else 0) + (1 if kept else 0)
        if not tag or used + cost > TAGS_MAX_CHARS:
            continue
        kept.append(tag)
        used += cost
    return kept


def snippet_and_status(metadata: VideoMetadata, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    status: dict[str, Any] = {"privacyStatus": metadata.privacy,
                              "selfDeclaredMadeForKids": metadata.made_for_kids}
    if metadata.publish_at is not None and metadata.publish_at > now:
        status["privacyStatus"] = "private"
        status["publishAt"] = metadata.publish_at.astimezone(UTC).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "snippet": {
            "title": _clean(metadata.title)[:TITLE_MAX],
            "description": _cut_bytes(_clean(metadata.description), DESCRIPTION_MAX_BYTES),
            "tags": _tags(metadata.tags),
            "categoryId": metadata.category_id,
            "defaultLanguage": metadata.language,
            "defaultAudioLanguage": metadata.language,
        },
        "status": status,
    }
