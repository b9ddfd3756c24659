"""The publisher of a channel that is neither connected to YouTube nor local only.

Nothing is uploaded or copied: the video is ready (its MP4 stays in the artifact store, which
``url`` points at) and ``upload.done`` says platform ``none``, which the gateway shows as
``ready (not uploaded)`` with a notice that the channel is not connected. Silently publishing
to the local folder instead would show the video as published when no viewer can see it.
"""

from __future__ import annotations

from pathlib import Path

from processors.providers.publish import Published, VideoMetadata
from ytempire.core.google import NOT_UPLOADED
from ytempire.core.logging import get_logger

log = get_logger("ytempire.publisher")


class NotUploaded:
    """Keeps the video where it is; free, and nothing to bill."""

    platform = NOT_UPLOADED
    name = "none/not-uploaded"

    def upload(self, video: Path, thumbnail: Path, metadata: VideoMetadata) -> Published:
        log.warning("not uploaded: the channel is not connected to YouTube",
                    channel_id=metadata.channel_id, video_id=metadata.video_id)
        return Published(platform=self.platform, platform_video_id="",
                         url=video.resolve().as_uri(), location=str(video.resolve()))
