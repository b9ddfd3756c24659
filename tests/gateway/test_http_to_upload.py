"""A video requested over HTTP travels the real pipeline (every stage its own worker process on
the session broker) and its Server-Sent-Event stream shows every stage until it is done: ready,
not uploaded, as its channel is not connected to YouTube (nor set local only)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from tests.conftest import VIDEO_STAGES
from tests.gateway.conftest import CHANNEL
from tests.gateway.server import serve
from ytempire.app.stack import Stack
from ytempire.core.settings import Settings

pytestmark = pytest.mark.slow

PROGRESS = ["script.requested", "script.ready", "voice.ready", "video.assembled",
          "quality.scored", "upload.done"]


@pytest.fixture
def stack(kafka_settings: Settings) -> Iterator[Stack]:
    stack = Stack(kafka_settings, stages=VIDEO_STAGES)
    stack.start(with_broker=False, from_end=True)
    yield stack
    stack.stop()


def _sse(response: httpx.Response, deadline: float) -> list[tuple[str, dict]]:
    """(event, data) pairs until the server ends the stream (a video's stream ends by itself)."""
    events, name = [], None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: ") and name is not None:
            events.append((name, json.loads(line.removeprefix("data: "))))
        assert time.monotonic() < deadline, f"stream still open; so far {[e for e, _ in events]}"
    return events


def test_video_requested_over_http_streams_every_stage_until_ready_not_uploaded(
        kafka_settings: Settings, stack: Stack, tmp_path: Path) -> None:
    started = time.monotonic()
    settings = kafka_settings.model_copy(update={
        "database_url": f"sqlite:///{tmp_path / 'gateway.db'}"})
    app = create_app(settings, GatewaySettings(consumer_group=f"gw-e2e-{uuid.uuid4().hex[:8]}"))
    with serve(app) as base:
        with app.state.sessions() as db:
            secret = create_user(db, "maker")[1].secret
        headers = {"Authorization": f"Bearer {secret}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            channel = http.post("/v1/channels", json={**CHANNEL, "voice": "",
                                                      "publish_schedule": None}).json()
            accepted = http.post("/v1/videos", json={
                "channel_id": channel["id"], "topic": "Why octopuses have three hearts",
                "target_duration_s": 20}, headers={"Idempotency-Key": "octopus"})
            assert accepted.status_code == 202, accepted.text
            video_id = accepted.json()["id"]
            with http.stream("GET", f"/v1/videos/{video_id}/events",
                             timeout=httpx.Timeout(30, read=120)) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                events = _sse(stream, started + 170)
            final = http.get(f"/v1/videos/{video_id}").json()
            notices = http.get("/v1/notifications").json()

    names = [name for name, _ in events]
    assert [n for n in names if n in PROGRESS] == PROGRESS, names
    assert "cost.incurred" in names
    last = [data for name, data in events if name == "upload.done"][-1]
    assert (last["status"], last["progress"], last["current_stage"]) == (
        "ready_not_uploaded", 1.0, None)
    assert (final["status"], final["progress"]) == ("ready_not_uploaded", 1.0)
    assert [(n["kind"], n["data"]["video_id"]) for n in notices] == [
        ("video.not_uploaded", video_id)]
    assert final["url"] and final["title"] and final["quality"]["passed"] is True
    assert {"video", "thumbnail", "audio", "captions"} <= set(final["artifacts"])
    print(f"request -> published over HTTP in {time.monotonic() - started:.1f} s")
