"""Events written in tests as their Avro values, turned into the records stages and producers
take."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from ytempire.core.events import Emit, Envelope, Event
from ytempire.core.records import RECORDS, Artifact, UploadDone


def typed(topic: str, value: dict[str, Any]) -> Event:
    """``value`` (an Avro value; records may stand in for nested parts) as ``topic``'s record."""
    return msgspec.convert(value, RECORDS[topic], strict=True)


def envelope_of(value: dict[str, Any]) -> Envelope:
    """The envelope of an event read as its Avro value (``Codec.decode``), as a record."""
    return msgspec.convert(value["envelope"], Envelope, strict=True)


def at_time(emit: Emit, at: datetime) -> Emit:
    """``emit`` as if it happened at ``at``."""
    envelope = msgspec.structs.replace(emit.value.envelope, occurred_at=at)
    return Emit(emit.topic, msgspec.structs.replace(emit.value, envelope=envelope))


def upload_done(envelope: Envelope, platform: str, platform_video_id: str) -> UploadDone:
    """An ``upload.done`` for readers that follow uploads (scheduler, metrics collector): its
    files are placeholders they never open."""
    def file(name: str, media_type: str) -> Artifact:
        return Artifact(uri=f"file:///{name}", size_bytes=1, sha256="0" * 64,
                        media_type=media_type)

    return UploadDone(envelope=envelope, platform=platform, platform_video_id=platform_video_id,
                      url=f"https://youtu.be/{platform_video_id}", title=platform_video_id,
                      video=file("video.mp4", "video/mp4"),
                      thumbnail=file("thumbnail.png", "image/png"), duration_s=60.0,
                      privacy="private", quality_score=80.0)
