"""Cancel over HTTP stops the real pipeline: a video cancelled while an earlier stage works on it
is skipped by the next stages (narrator and publisher workers on the session broker) and never
uploaded; retried, it runs again and is published."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from tests.gateway.conftest import CHANNEL
from tests.gateway.test_videos import Requests
from tests.polling import until
from tests.processors.samples import script_ready
from tests.processors.test_publisher import scored
from tests.typed import envelope_of, typed
from ytempire.app.stack import Stack
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event, derive_envelope
from ytempire.core.kafka import EventProducer
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings


@pytest.fixture
def workers(kafka_settings: Settings, tmp_path: Path) -> Iterator[Stack]:
    """The publisher reads the test gateway's database (where the channel is set local only)."""
    stack = Stack(kafka_settings.model_copy(update={
        "database_url": f"sqlite:///{tmp_path / 'gateway.db'}"}), stages=["narrator", "publisher"])
    stack.start(with_broker=False, from_end=True)
    yield stack
    stack.stop()


def _after(stage: str, request: Event, topic: str, settings: Settings) -> Emit:
    """What ``stage`` emits for ``request`` once its work is done (the earlier stage's output)."""
    envelope = derive_envelope(envelope_of(request), stage, topic)
    if topic == "script.ready":
        return Emit(topic, typed(topic, {**script_ready(), "envelope": envelope,
                                          "spec": request["spec"]}))
    return Emit(topic, typed(topic, {**scored(settings), "envelope": envelope,
                                      "spec": request["spec"]}))


def _skips(stack: Stack, stage: str, correlation_id: str) -> list[dict]:
    lines = stack.settings.data_dir.joinpath("logs", f"{stage}.log").read_text().splitlines()
    # JSON lines, some behind the terminal codes Faust writes (cursor on/off).
    found = [json.loads(line[line.index("{"):]) for line in lines if '{"' in line]
    return [entry for entry in found if entry["event"] == "video_cancelled_skip"
            and entry.get("correlation_id") == correlation_id]


def test_a_cancelled_video_is_never_uploaded_and_its_retry_is(
        kafka_settings: Settings, workers: Stack, tmp_path: Path) -> None:
    settings = kafka_settings.model_copy(update={
        "database_url": f"sqlite:///{tmp_path / 'gateway.db'}"})
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    requests = Requests(settings.kafka_bootstrap, codec)
    uploads = Requests(settings.kafka_bootstrap, codec, "upload.done")
    producer = EventProducer(settings.kafka_bootstrap, codec)
    app = create_app(settings, GatewaySettings(consumer_group=f"gw-{uuid.uuid4().hex[:8]}"))
    with TestClient(app) as client:
        with app.state.sessions() as db:
            headers = {"Authorization": f"Bearer {create_user(db, 'canceller')[1].secret}"}
        channel = client.post("/v1/channels", json=CHANNEL, headers=headers).json()
        assert client.patch(f"/v1/channels/{channel['id']}/youtube", json={"local_only": True},
                            headers=headers).json()["publishes_to"] == "local"
        video_id = client.post("/v1/videos", json={"channel_id": channel["id"],
                                                   "topic": "Tides"}, headers=headers).json()["id"]
        [first] = requests.read(1)
        # The scriptwriter and the quality gate are at work on it when the owner cancels...
        assert client.post(f"/v1/videos/{video_id}/cancel", json={"reason": "wrong topic"},
                           headers=headers).status_code == 200
        # ...and they finish their step after the cancel: the next stages must skip it.
        producer.send_all([_after("scriptwriter", first, "script.ready", settings),
                           _after("quality", first, "quality.scored", settings)])
        correlation_id = first["envelope"]["correlation_id"]
        for stage in ("narrator", "publisher"):
            until(lambda s=stage: _skips(workers, s, correlation_id), f"{stage} skipped it")
        assert list(settings.channels_dir.glob(f"*/{video_id}")) == []
        assert client.get(f"/v1/videos/{video_id}", headers=headers).json()[
            "status"] == "cancelled"

        assert client.post(f"/v1/videos/{video_id}/retry", headers=headers).status_code == 202
        [second] = requests.read(1)
        requests.consumer.close()
        assert second["envelope"]["attempt"] == 2
        producer.send_all([_after("quality", second, "quality.scored", settings)])
        [done] = uploads.read(1)
        uploads.consumer.close()
        producer.close()
        assert (done["envelope"]["video_id"], done["envelope"]["attempt"]) == (video_id, 2)
        assert len(list(settings.channels_dir.glob(f"*/{video_id}"))) == 1
        until(lambda: client.get(f"/v1/videos/{video_id}", headers=headers).json()[
            "status"] == "published", "the gateway shows it published")
    assert len(_skips(workers, "publisher", correlation_id)) == 1  # the retry was not skipped
