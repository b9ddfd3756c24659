"""publisher: ``quality.scored`` (passed) -> ``upload.done`` (+ ``cost.incurred``).

Only videos that passed the quality gate are published; a rejected video emits nothing (its
status comes from ``quality.scored``'s reasons). A video whose spec says ``auto_publish: false``
is held the same way: it passed, and ``quality.scored`` already tells the status projection it
awaits a person; a later manual publish re-drives this stage with ``auto_publish`` set.

One video is published at most once per platform: the result is cached by (platform, channel,
video), and the publisher itself treats an existing upload as done, so a redelivery (even after
a crash between upload and emit) re-emits the identical ``upload.done`` without uploading again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from processors.base import PermanentError
from processors.providers.publish import PRIVACY, Published, Publisher, VideoMetadata
from processors.providers.publish.local_channel import LocalChannelPublisher
from ytempire.artifacts import ArtifactStore
from ytempire.cache import ResultCache
from ytempire.events import (
    Emit,
    Event,
    content_hash,
    cost_events,
    derive_envelope,
    spent,
)
from ytempire.logging import get_logger
from ytempire.pricing import bill
from ytempire.settings import Settings

log = get_logger("ytempire.publisher")

NAME = "publisher"
OUTPUT_TOPIC = "upload.done"
VERSION = "2"


def metadata_for(event: Event) -> VideoMetadata:
    """The platform metadata of a scored video: the script's title, description and tags."""
    envelope, spec, script = event["envelope"], event["spec"], event["script"]
    privacy = spec.get("privacy", "private")
    if privacy not in PRIVACY:
        raise PermanentError(f"privacy {privacy!r} is not one of {', '.join(PRIVACY)}")
    return VideoMetadata(
        video_id=envelope["video_id"], channel_id=envelope["channel_id"],
        title=script["title"], description=script["description"], tags=list(script["tags"]),
        privacy=privacy, language=script.get("language") or spec.get("language", "en"),
        extra={"quality_score": event["score"], "quality_threshold": event["threshold"],
               "duration_s": event["duration_s"], "width": event["width"],
               "height": event["height"], "format": spec["format"], "topic": spec["topic"],
               "owner_id": envelope["owner_id"]})


class PublisherStage:
    """The publisher stage around one ``Publisher``."""

    name = NAME
    input_topic = "quality.scored"

    def __init__(self, publisher: Publisher, store: ArtifactStore, cache: ResultCache) -> None:
        self.publisher = publisher
        self.store = store
        self.cache = cache

    def handle(self, event: Event) -> list[Emit]:
        envelope = event["envelope"]
        if not event["passed"]:
            log.info("not published: rejected by quality", score=event["score"],
                     reasons=event["reasons"])
            return []
        if not event["spec"].get("auto_publish", True):
            log.info("not published: held for a manual publish (auto_publish is off)")
            return []
        metadata = metadata_for(event)
        key = content_hash(NAME, VERSION, self.publisher.platform, metadata.channel_id,
                           metadata.video_id)
        result, paid = self.cache.once(key, envelope["event_id"],
                                       lambda: self._publish(event, metadata))
        done = {
            "envelope": derive_envelope(envelope, NAME, OUTPUT_TOPIC,
                                        spent=spent(result, paid)),
            "platform": result["platform"],
            "platform_video_id": result["platform_video_id"],
            "url": result["url"],
            "title": metadata.title,
            "video": result["video"],
            "thumbnail": result["thumbnail"],
            "duration_s": event["duration_s"],
            "privacy": metadata.privacy,
            "quality_score": event["score"],
        }
        costs = cost_events(envelope, stage=NAME, billed=result, paid=paid, call_key=key)
        return [Emit(OUTPUT_TOPIC, done), *costs]

    def _publish(self, event: Event, metadata: VideoMetadata) -> dict[str, Any]:
        video, thumbnail = self._local(event["video"], "video"), \
            self._local(event["thumbnail"], "thumbnail")
        published: Published = self.publisher.upload(video, thumbnail, metadata)
        log.info("published", platform=published.platform, url=published.url,
                 location=published.location)
        return {
            "platform": published.platform,
            "platform_video_id": published.platform_video_id,
            "url": published.url,
            "location": published.location,
            "video": published.video or event["video"],
            "thumbnail": published.thumbnail or event["thumbnail"],
            **bill(published.usage),
        }

    def _local(self, artifact: dict[str, Any], what: str) -> Path:
        path = self.store.path(artifact)
        if not path.exists():
            raise PermanentError(f"the {what} artifact {artifact['uri']} is missing from the "
                                 "artifact store; re-run the assembler for this video")
        return path


def build(settings: Settings) -> PublisherStage:
    """The publisher with the local channel folder (``settings.channels_dir``)."""
    return PublisherStage(publisher=LocalChannelPublisher(settings.channels_dir),
                          store=ArtifactStore(settings.artifacts_dir),
                          cache=ResultCache(settings.data_dir / "cache", NAME))
