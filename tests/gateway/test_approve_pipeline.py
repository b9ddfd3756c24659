"""Approve and publish over HTTP drive the real publisher: a video held for review
(auto_publish off) is uploaded at its slot once approved, and one the quality gate rejected is
published by an owner override with a reason (recorded in the audit log), through
``video.approved`` on the session broker and a publisher worker."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from gateway.models import AuditEntry
from tests.gateway.conftest import CHANNEL
from tests.gateway.test_videos import Requests
from tests.polling import until
from tests.processors.test_publisher import scored
from tests.typed import envelope_of, typed
from ytempire.app.stack import Stack
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event, derive_envelope
from ytempire.core.kafka import EventProducer
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings


@pytest.fixture
def publisher(kafka_settings: Settings, tmp_path: Path) -> Iterator[Stack]:
    """The publisher reads the test gateway's database (where the channel is set local only)."""
    stack = Stack(kafka_settings.model_copy(update={
        "database_url": f"sqlite:///{tmp_path / 'gateway.db'}"}), stages=["publisher"])
    stack.start(with_broker=False, from_end=True)
    yield stack
    stack.stop()


def _gateway(settings: Settings) -> tuple[Requests, Requests, EventProducer, FastAPI]:
    """The test's gateway on the publisher's database, readers of the next script requests and
    uploads, and a producer standing in for the stages before the publisher."""
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    return (Requests(settings.kafka_bootstrap, codec),
            Requests(settings.kafka_bootstrap, codec, "upload.done"),
            EventProducer(settings.kafka_bootstrap, codec),
            create_app(settings, GatewaySettings(consumer_group=f"gw-{uuid.uuid4().hex[:8]}")))


def _scored(request: Event, settings: Settings, passed: bool) -> Emit:
    """The quality gate's verdict on ``request`` (what the quality stage would emit)."""
    envelope = derive_envelope(envelope_of(request), "quality", "quality.scored")
    return Emit("quality.scored", typed("quality.scored", {
        **scored(settings, passed), "envelope": envelope, "spec": request["spec"]}))


def test_approved_and_overridden_videos_are_published_by_the_publisher_stage(
        publisher: Stack) -> None:
    settings = publisher.settings
    requests, uploads, producer, app = _gateway(settings)
    with TestClient(app) as client:
        with app.state.sessions() as db:
            headers = {"Authorization": f"Bearer {create_user(db, 'reviewer')[1].secret}"}
        channel = client.post("/v1/channels", json={**CHANNEL, "auto_publish": False},
                              headers=headers).json()
        assert client.patch(f"/v1/channels/{channel['id']}/youtube", json={"local_only": True},
                            headers=headers).json()["publishes_to"] == "local"
        held, weak = (client.post("/v1/videos", json={"channel_id": channel["id"],
                                                      "topic": topic}, headers=headers
                                  ).json()["id"] for topic in ("Tides", "Fog"))
        by_id = {r["envelope"]["video_id"]: r for r in requests.read(2)}
        requests.consumer.close()
        producer.send_all([_scored(by_id[held], settings, passed=True),
                           _scored(by_id[weak], settings, passed=False)])

        def status(video_id: str) -> str:
            return client.get(f"/v1/videos/{video_id}", headers=headers).json()["status"]

        until(lambda: status(held) == "awaiting_publish" and status(weak) == "rejected",
               "the gateway shows the verdicts")
        time.sleep(1.0)  # the publisher has seen both and held them
        assert list(settings.channels_dir.glob("*/*")) == []

        approved = client.post(f"/v1/videos/{held}/approve", headers=headers)
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "processing"
        assert client.post(f"/v1/videos/{weak}/approve", headers=headers).status_code == 409
        no_reason = client.post(f"/v1/videos/{weak}/publish", headers=headers)
        assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
        forced = client.post(f"/v1/videos/{weak}/publish", headers=headers,
                             json={"reason": "the black frames are the point: an eclipse"})
        assert forced.status_code == 200, forced.text

        done = {d["envelope"]["video_id"]: d for d in uploads.read(2, timeout=60)}
        uploads.consumer.close()
        producer.close()
        assert set(done) == {held, weak}
        for video_id in (held, weak):
            until(lambda v=video_id: status(v) == "published", f"{video_id} published")
        [held_folder] = settings.channels_dir.glob(f"*/{held}")
        metadata = json.loads((held_folder / "metadata.json").read_text())
        assert metadata["publish_at"]  # the channel's next slot (weekdays 9:00)
        app.state.audit.flush()
        with app.state.sessions() as db:
            notes = list(db.scalars(select(AuditEntry.note).where(AuditEntry.note.is_not(None))))
        assert len(notes) == 1 and notes[0].startswith("override: publish by api-key:")
        assert notes[0].endswith("the black frames are the point: an eclipse")
        events = client.get(f"/v1/videos/{weak}/events", headers=headers,
                            params={"follow": "false"}).text
        assert "event: video.approved" in events and '"override": true' in events


def test_a_video_made_for_a_channel_not_connected_is_published_once_the_channel_is(
        publisher: Stack) -> None:
    settings = publisher.settings
    requests, uploads, producer, app = _gateway(settings)
    with TestClient(app) as client:
        with app.state.sessions() as db:
            headers = {"Authorization": f"Bearer {create_user(db, 'later')[1].secret}"}
        channel = client.post("/v1/channels", json=CHANNEL, headers=headers).json()["id"]
        video = client.post("/v1/videos", json={"channel_id": channel, "topic": "Tides"},
                            headers=headers).json()["id"]
        [request] = requests.read(1)
        requests.consumer.close()
        producer.send_all([_scored(request, settings, passed=True)])
        [nowhere] = uploads.read(1, timeout=60)
        assert nowhere["platform"] == "none"

        def status() -> str:
            return client.get(f"/v1/videos/{video}", headers=headers).json()["status"]

        until(lambda: status() == "ready_not_uploaded", "the gateway shows it ready")
        refused = client.post(f"/v1/videos/{video}/publish", headers=headers)
        assert refused.status_code == 409 and "not connected" in refused.json()["detail"]
        assert client.patch(f"/v1/channels/{channel}/youtube", json={"local_only": True},
                            headers=headers).json()["publishes_to"] == "local"
        published = client.post(f"/v1/videos/{video}/publish", headers=headers)
        assert published.status_code == 200, published.text
        [done] = uploads.read(1, timeout=60)
        uploads.consumer.close()
        producer.close()
        assert (done["envelope"]["video_id"], done["platform"]) == (video, "local")
        assert done["envelope"]["event_id"] != nowhere["envelope"]["event_id"]
        until(lambda: status() == "published", "the gateway shows it published")
        assert len(list(settings.channels_dir.glob(f"*/{video}"))) == 1
