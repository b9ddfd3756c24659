"""publisher: ``quality.scored`` (passed) -> ``upload.done`` (+ ``cost.incurred``).

Only videos that passed the quality gate are published; a rejected video emits nothing (its
status comes from ``quality.scored``'s reasons). A video whose spec says ``auto_publish: false``
is held the same way: it passed, and ``quality.scored`` already tells the status projection it
awaits a person. The person's decision arrives on ``video.approved`` (from the gateway), which
repeats what this stage needs from ``quality.scored``: it is published like a passed video,
at the slot or now (``spec.publish_at``), a rejected one too when the owner overrode the gate.

Where: YouTube for channels connected to it (``build``), the local channel folder for channels
set local only, and nowhere for the others: their videos end ``upload.done`` with platform
``none`` (``providers.publish.not_uploaded``: ready, not uploaded). A
YouTube upload that would pass the daily API quota raises ``UploadDeferred`` (a
``TransientError`` carrying the reset time) before any call is made: nothing is cached, the
event is retried after the reset.

One video is published at most once per platform: the result is cached by (platform, channel,
video), and the publisher itself treats an existing upload as done, so a redelivery (even after
a crash between upload and emit) re-emits the identical ``upload.done`` without uploading again.

Cancellation: the stage asks whether the video was cancelled right before it uploads (after the
cache said it was not published yet), and skips it if so (``VideoCancelled``). A cancel that
comes once the upload has begun cannot unsend it: the upload finishes, ``upload.done`` goes out
and the gateway shows the video as published. The start is marked in the cache first, so an
upload cut by a crash is resumed on redelivery, cancelled since or not (it may have reached the
platform), and a video already published re-emits its ``upload.done``. A deferred upload (quota)
has sent nothing: its mark is taken back, so a cancel during the hold still stops it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from processors.providers.google.connections import Connections, refreshed
from processors.providers.publish import PRIVACY, Published, Publisher, VideoMetadata
from processors.providers.publish.local_channel import LocalChannelPublisher
from processors.providers.publish.not_uploaded import NotUploaded
from processors.providers.publish.youtube import YouTubePublisher
from processors.providers.publish.youtube_quota import QuotaLedger
from ytempire.core.artifacts import ArtifactStore, artifact_record
from ytempire.core.cache import ResultCache
from ytempire.core.events import (
    Emit,
    content_hash,
    cost_events,
    derive_envelope,
    plain,
    spent,
)
from ytempire.core.logging import get_logger
from ytempire.core.pricing import bill
from ytempire.core.records import Artifact, QualityScored, UploadDone, VideoApproved
from ytempire.core.settings import Settings
from ytempire.stage import (
    Cancellations,
    Deferred,
    NothingCancelled,
    PermanentError,
    StageSpec,
    VideoCancelled,
)

log = get_logger("ytempire.publisher")

NAME = "publisher"
OUTPUT_TOPIC = "upload.done"
VERSION = "2"


def metadata_for(event: QualityScored | VideoApproved) -> VideoMetadata:
    """The platform metadata of a scored video: the script's title, description and tags."""
    envelope, spec, script = event.envelope, event.spec, event.script
    privacy = spec.privacy
    if privacy not in PRIVACY:
        raise PermanentError(f"privacy {privacy!r} is not one of {', '.join(PRIVACY)}")
    return VideoMetadata(
        video_id=envelope.video_id, channel_id=envelope.channel_id,
        title=script.title, description=script.description, tags=list(script.tags),
        privacy=privacy, language=script.language or spec.language,
        category_id=spec.category_id or "27",
        made_for_kids=spec.made_for_kids,
        publish_at=spec.publish_at,
        extra={"quality_score": event.score, "quality_threshold": event.threshold,
               "duration_s": event.duration_s, "width": event.width,
               "height": event.height, "format": spec.format, "topic": spec.topic,
               "owner_id": envelope.owner_id})


class PublisherStage:
    """The publisher stage around one ``Publisher``."""

    # Cancellations are asked right before the upload begins, not before every try.
    spec = StageSpec(name=NAME, inputs=("quality.scored", "video.approved"),
                     outputs=(OUTPUT_TOPIC, "cost.incurred"), cancel="in_stage")
    cancellations: Cancellations = NothingCancelled()
    """Set by the runner (``ytempire.runtime.worker.StageRunner``)."""

    def __init__(self, publisher: Publisher, store: ArtifactStore, cache: ResultCache,
                 choose: Callable[[str], Publisher] | None = None) -> None:
        self.publisher = publisher
        self.store = store
        self.cache = cache
        self.choose = choose or (lambda _channel_id: publisher)
        """Which publisher serves a channel (``build``: YouTube when it has credentials)."""

    def handle(self, event: QualityScored | VideoApproved) -> list[Emit]:
        envelope = event.envelope
        if isinstance(event, VideoApproved):  # a person decided
            log.info("publishing on approval", approved_by=event.approved_by,
                     override=event.override, reason=event.reason)
        elif not event.passed:
            log.info("not published: rejected by quality", score=event.score,
                     reasons=event.reasons)
            return []
        elif not event.spec.auto_publish:
            log.info("not published: held for a manual publish (auto_publish is off)")
            return []
        metadata = metadata_for(event)
        publisher = self.choose(metadata.channel_id)
        key = content_hash(NAME, VERSION, publisher.platform, metadata.channel_id,
                           metadata.video_id)
        result, paid = self.cache.once(key, envelope.event_id,
                                       lambda: self._publish(publisher, event, metadata, key))
        done = UploadDone(
            envelope=derive_envelope(envelope, NAME, OUTPUT_TOPIC, spent=spent(result, paid)),
            platform=result["platform"],
            platform_video_id=result["platform_video_id"],
            url=result["url"],
            title=metadata.title,
            video=artifact_record(result["video"]),
            thumbnail=artifact_record(result["thumbnail"]),
            duration_s=event.duration_s,
            privacy=metadata.privacy,
            quality_score=event.score,
        )
        costs = cost_events(envelope, stage=NAME, billed=result, paid=paid, call_key=key)
        return [Emit(OUTPUT_TOPIC, done), *costs]

    def _publish(self, publisher: Publisher, event: QualityScored | VideoApproved,
                 metadata: VideoMetadata,
                 key: str) -> dict[str, Any]:
        video, thumbnail = self._local(event.video, "video"), \
            self._local(event.thumbnail, "thumbnail")
        began = f"{key}.upload-began"
        if self.cache.get(began) is None:  # the point of no return: ask, then mark it passed
            if self.cancellations.is_cancelled(event.envelope):
                raise VideoCancelled("video cancelled before its upload began")
            self.cache.put(began, {"event_id": event.envelope.event_id})
        try:
            published: Published = publisher.upload(video, thumbnail, metadata)
        except Deferred:
            self.cache.put(began, None)  # taken back: nothing was sent (reads as never marked)
            raise
        log.info("published", platform=published.platform, url=published.url,
                 location=published.location)
        return {
            "platform": published.platform,
            "platform_video_id": published.platform_video_id,
            "url": published.url,
            "location": published.location,
            "video": published.video or plain(event.video),
            "thumbnail": published.thumbnail or plain(event.thumbnail),
            **bill(published.usage),
        }

    def _local(self, artifact: Artifact, what: str) -> Path:
        path = self.store.path(artifact)
        if not path.exists():
            raise PermanentError(f"the {what} artifact {artifact.uri} is missing from the "
                                 "artifact store; re-run the assembler for this video")
        return path


def build(settings: Settings) -> PublisherStage:
    """The publisher: YouTube for a channel connected through the product (its sealed grant in
    the gateway's database) or with an operator-placed credentials file
    (``settings.youtube_credentials_dir/<channel_id>.json``); the local channel folder
    (``settings.channels_dir``) for channels the owner set "local only" (and the CLI's
    ``local`` channel); nowhere for a channel not connected or whose grant was revoked."""
    local = LocalChannelPublisher(settings.channels_dir)
    connections = Connections.from_settings(settings)
    publishers: dict[str, Publisher] = {
        "youtube": youtube_publisher(settings, connections), "local_only": local}
    nowhere = NotUploaded()

    def choose(channel_id: str) -> Publisher:
        return publishers.get(connections.link(channel_id).mode, nowhere)

    return PublisherStage(publisher=local, store=ArtifactStore(settings.artifacts_dir),
                          cache=ResultCache(settings.data_dir / "cache", NAME), choose=choose)


def youtube_publisher(settings: Settings, connections: Connections) -> YouTubePublisher:
    """The YouTube publisher; a channel's credentials come from ``connections`` (refreshed
    first, so a revoked grant turns the channel "reconnect needed" before anything is sent)."""
    state = settings.data_dir / "youtube"
    return YouTubePublisher(
        credentials_dir=settings.youtube_credentials_dir or state / "credentials",
        state_dir=state / "uploads", quota=QuotaLedger(state, settings.youtube_daily_quota),
        api_base_url=settings.youtube_api_base_url, token_uri=settings.youtube_token_uri,
        timeout_s=settings.provider_timeout_s,
        credentials=lambda channel_id: refreshed(connections, connections.link(channel_id)))
