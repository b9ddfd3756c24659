"""publisher: passed videos land once in the channel folder; rejected or held ones never do; a
channel neither connected nor local only gets its video ready, not uploaded."""

from __future__ import annotations

import copy
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from processors.providers.publish.local_channel import LocalChannelPublisher
from processors.providers.script.offline import OfflineScriptWriter
from processors.publisher import PublisherStage, build
from tests.processors.samples import typed, without_time
from ytempire.core.artifacts import ArtifactStore
from ytempire.core.cache import ResultCache
from ytempire.core.codec import Codec
from ytempire.core.events import Event, plain
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.script_brief import ScriptRequest
from ytempire.core.settings import Settings
from ytempire.stage import PermanentError

VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64
THUMB_BYTES = b"\x89PNG\r\n\x1a\n" + b"thumbnail" * 100


@pytest.fixture
def stage(settings: Settings) -> PublisherStage:
    return build(settings)


def scored(settings: Settings, passed: bool = True, **spec: Any) -> Event:
    """A quality.scored event whose artifacts are in the settings' store."""
    request = plain(
        request_event(VideoRequest(topic="How volcanoes form", privacy="unlisted")).value
    )
    request["spec"].update(spec)
    store = ArtifactStore(settings.artifacts_dir)
    return {
        "envelope": request["envelope"],
        "spec": request["spec"],
        "script": OfflineScriptWriter().write(ScriptRequest("How volcanoes form", 60)).script,
        "video": store.put_bytes(VIDEO_BYTES, ".mp4", "video/mp4"),
        "thumbnail": store.put_bytes(THUMB_BYTES, ".png", "image/png"),
        "duration_s": 61.5,
        "width": 1920,
        "height": 1080,
        "score": 91.5 if passed else 40.0,
        "threshold": 70,
        "passed": passed,
        "checks": [],
        "reasons": [] if passed else ["video black frames: 3.9 s black of 4.0 s (critical)"],
    }


def channel_folders(settings: Settings) -> list[Path]:
    return sorted(settings.channels_dir.glob("*/*"))


def test_passed_video_is_published_into_the_channel_folder(
    stage: PublisherStage, settings: Settings
) -> None:
    event = scored(settings)
    emits = stage.handle(typed("quality.scored", event))
    assert [e.topic for e in emits] == ["upload.done", "cost.incurred"]
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    for emit in emits:
        codec.encode(emit.topic, plain(emit.value))

    video_id = event["envelope"]["video_id"]
    folder = settings.channels_dir / event["envelope"]["channel_id"] / video_id
    assert channel_folders(settings) == [folder]
    assert (folder / "video.mp4").read_bytes() == VIDEO_BYTES
    assert (folder / "thumbnail.png").read_bytes() == THUMB_BYTES
    metadata = json.loads((folder / "metadata.json").read_text())
    script = event["script"]
    assert metadata["title"] == script["title"]
    assert metadata["description"] == script["description"]
    assert metadata["tags"] == script["tags"]
    assert metadata["privacy"] == "unlisted"
    assert metadata["quality_score"] == 91.5 and metadata["duration_s"] == 61.5
    assert metadata["files"]["video"]["sha256"] == hashlib.sha256(VIDEO_BYTES).hexdigest()
    assert metadata["files"]["thumbnail"]["sha256"] == event["thumbnail"]["sha256"]

    done = plain(emits[0].value)
    assert done["platform"] == "local" and len(done["platform_video_id"]) == 11
    assert done["url"] == (folder / "video.mp4").resolve().as_uri()
    assert done["video"]["uri"] == done["url"]
    assert done["video"]["sha256"] == event["video"]["sha256"]
    assert done["thumbnail"]["uri"] == (folder / "thumbnail.png").resolve().as_uri()
    assert (done["title"], done["privacy"], done["quality_score"], done["duration_s"]) == (
        script["title"],
        "unlisted",
        91.5,
        61.5,
    )
    cost = plain(emits[1].value)
    assert (cost["provider"], cost["model"], cost["unit"], cost["quantity"]) == (
        "local-channel",
        "folder",
        "requests",
        1.0,
    )
    assert cost["usd"] == Decimal(0) and cost["cached"] is False


def test_redelivery_publishes_once_and_re_emits_the_same_upload(
    stage: PublisherStage, settings: Settings
) -> None:
    event = scored(settings)
    first = stage.handle(typed("quality.scored", event))
    folder = channel_folders(settings)[0]
    written = (folder / "metadata.json").read_text()
    again = stage.handle(typed("quality.scored", copy.deepcopy(event)))
    assert without_time(first) == without_time(again)

    # The process died after uploading but before caching: the folder is the record.
    restarted = PublisherStage(
        publisher=LocalChannelPublisher(settings.channels_dir),
        store=stage.store,
        cache=ResultCache(settings.data_dir / "fresh-cache", "publisher"),
    )
    after_crash = restarted.handle(typed("quality.scored", copy.deepcopy(event)))
    assert without_time(after_crash[:1]) == without_time(first[:1])
    assert (folder / "metadata.json").read_text() == written
    assert channel_folders(settings) == [folder]

    other = copy.deepcopy(event)  # another scoring of the same video: still one upload
    other["envelope"]["event_id"] = "a-second-quality-scored-for-this-video"
    reused = stage.handle(typed("quality.scored", other))
    assert plain(reused[0].value)["platform_video_id"] == plain(first[0].value)["platform_video_id"]
    assert plain(reused[1].value)["cached"] is True and plain(reused[1].value)["usd"] == Decimal(0)
    assert channel_folders(settings) == [folder]


def test_rejected_video_is_never_published(stage: PublisherStage, settings: Settings) -> None:
    assert stage.handle(typed("quality.scored", scored(settings, passed=False))) == []
    assert channel_folders(settings) == []


def test_video_is_held_when_auto_publish_is_off(stage: PublisherStage, settings: Settings) -> None:
    assert stage.handle(typed("quality.scored", scored(settings, auto_publish=False))) == []
    assert channel_folders(settings) == []


def test_unknown_privacy_is_refused(stage: PublisherStage, settings: Settings) -> None:
    with pytest.raises(PermanentError, match="privacy 'secret'"):
        stage.handle(typed("quality.scored", scored(settings, privacy="secret")))
    assert channel_folders(settings) == []


def test_a_channel_not_connected_gets_its_video_ready_but_not_uploaded(
    stage: PublisherStage, settings: Settings
) -> None:
    event = scored(settings)
    event["envelope"]["channel_id"] = "never-connected"  # no row: neither YouTube nor local only
    emits = stage.handle(typed("quality.scored", event))
    assert [e.topic for e in emits] == ["upload.done"]  # nothing uploaded, nothing billed
    done = plain(emits[0].value)
    kept = stage.store.path(typed("quality.scored", event).video)
    assert (done["platform"], done["platform_video_id"]) == ("none", "")
    assert done["url"] == kept.resolve().as_uri() and kept.read_bytes() == VIDEO_BYTES
    assert done["video"]["sha256"] == event["video"]["sha256"]
    Codec(SchemaRegistry.load(settings.schemas_dir)).encode("upload.done", done)
    assert channel_folders(settings) == []
    again = stage.handle(typed("quality.scored", copy.deepcopy(event)))
    assert without_time(again) == without_time(emits)


def test_channel_id_that_is_not_a_folder_name_is_refused(settings: Settings) -> None:
    stage = PublisherStage(publisher=LocalChannelPublisher(settings.channels_dir),
                           store=ArtifactStore(settings.artifacts_dir),
                           cache=ResultCache(settings.data_dir / "cache", "publisher"))
    event = scored(settings)
    event["envelope"]["channel_id"] = "../elsewhere"
    with pytest.raises(PermanentError, match="channel_id"):
        stage.handle(typed("quality.scored", event))
    assert not (settings.data_dir / "elsewhere").exists()


def test_missing_artifact_is_a_permanent_error(stage: PublisherStage, settings: Settings) -> None:
    event = scored(settings)
    stage.store.path(event["video"]).unlink()
    with pytest.raises(PermanentError, match="missing from the artifact store"):
        stage.handle(typed("quality.scored", event))
