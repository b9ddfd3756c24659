"""A stage as a Faust worker on the real broker: Avro in, Avro out, poison to the DLQ."""

from __future__ import annotations

import time
import uuid

import pytest
from confluent_kafka import Consumer

from ytempire.app.stack import Stack
from ytempire.core.codec import Codec
from ytempire.core.kafka import EventProducer, assign_at_end
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings


def _read(
    consumer: Consumer, codec: Codec, want: int, timeout: float = 60
) -> list[tuple[str, dict]]:
    got: list[tuple[str, dict]] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        got.append(
            (msg.topic(), codec.decode(msg.topic(), msg.value(), msg.partition(), msg.offset()))
        )
    return got


@pytest.fixture
def scriptwriter(kafka_settings: Settings):
    stack = Stack(kafka_settings, stages=["scriptwriter"])
    stack.start(with_broker=False, from_end=True)
    yield stack
    stack.stop()


def test_faust_worker_turns_a_request_into_a_script(
    kafka_settings: Settings, scriptwriter, consumer: Consumer
) -> None:
    codec = Codec(SchemaRegistry.load(kafka_settings.schemas_dir))
    assign_at_end(consumer, ["script.ready"])
    request = request_event(VideoRequest(topic="Why cats purr", target_duration_s=30))
    EventProducer(kafka_settings.kafka_bootstrap, codec).send_all([request])

    [(topic, ready)] = _read(consumer, codec, 1)
    assert topic == "script.ready"
    assert ready["envelope"]["video_id"] == request.value["envelope"]["video_id"]
    assert ready["envelope"]["correlation_id"] == request.value["envelope"]["correlation_id"]
    assert "cat" in ready["script"]["title"].lower()


def test_poison_messages_go_to_the_dlq_and_the_stream_goes_on(
    kafka_settings: Settings, scriptwriter, consumer: Consumer
) -> None:
    codec = Codec(SchemaRegistry.load(kafka_settings.schemas_dir))
    assign_at_end(consumer, ["script.ready", "pipeline.dlq", "pipeline.failed"])
    producer = EventProducer(kafka_settings.kafka_bootstrap, codec)
    video = str(uuid.uuid4())
    garbage = b"\x00not avro at all"
    producer.send_raw("script.requested", video.encode(), garbage)
    wrong_schema = codec.encode(
        "upload.done",
        {**_upload_value(request_event(VideoRequest(topic="x", video_id=video)).value["envelope"])},
    )
    producer.send_raw("script.requested", video.encode(), wrong_schema)
    bad_request = request_event(VideoRequest(topic="x", target_duration_s=5, video_id=video))
    producer.send_all([bad_request])
    good = request_event(
        VideoRequest(topic="The moon landing", target_duration_s=30, video_id=video)
    )
    producer.send_all([good])

    events = _read(consumer, codec, 5)
    topics = [t for t, _ in events]
    dlq = [v for t, v in events if t == "pipeline.dlq"]
    assert topics.count("pipeline.dlq") == 3, topics
    assert [d["original_value"] for d in dlq][:2] == [garbage, wrong_schema]
    assert {d["error_type"] for d in dlq} >= {"UndecodableEvent", "PermanentError"}
    assert all(d["source_topic"] == "script.requested" for d in dlq)
    assert topics.count("pipeline.failed") == 1
    assert topics.count("script.ready") == 1


def _upload_value(envelope: dict) -> dict:
    artifact = {"uri": "file:///x", "size_bytes": 1, "sha256": "0" * 64, "media_type": "video/mp4"}
    return {
        "envelope": envelope,
        "platform": "local",
        "platform_video_id": "v",
        "url": "file:///x",
        "title": "t",
        "video": artifact,
        "thumbnail": artifact,
        "duration_s": 1.0,
        "privacy": "private",
        "quality_score": 90.0,
    }
