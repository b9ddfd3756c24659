"""A script written by the economy model because the premium one kept breaking its contract
reaches the owner as a ``provider.fallback`` notice, once, saying what stood in and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway import videos
from gateway.config import GatewaySettings
from gateway.identity import Principal
from gateway.payloads.videos import VideoCreate
from gateway.projection import apply_event
from processors.scriptwriter import build as build_scriptwriter
from tests.fakes.openai_server import FakeOpenAI
from tests.gateway.conftest import Caller
from ytempire.core.codec import Codec
from ytempire.core.events import plain
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
KEY = "sk-fallback-test"


def test_a_script_written_by_the_fallback_model_is_a_notice_to_its_owner(
        client: TestClient, alice: Caller, channel: dict, tmp_path: Path) -> None:
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        [video] = videos.create(db, Principal(alice.user_id, "", "free"),
                                [VideoCreate(channel_id=channel["id"], topic="Bees")], None,
                                settings=client.app.state.settings)  # type: ignore[attr-defined]
        db.commit()
        video_id = video.id
    request = request_event(VideoRequest(topic="Bees", video_id=video_id,
                                         owner_id=alice.user_id, channel_id=channel["id"]))
    with FakeOpenAI(api_key=KEY) as fake:
        fake.garble_next = 2  # the premium model's answer and its second chance
        stage = build_scriptwriter(Settings(data_dir=tmp_path, openai_api_key=KEY,
                                            openai_base_url=fake.url))
        ready = stage.handle(request.value)[0]
    codec = Codec(SchemaRegistry.load(Settings().schemas_dir))
    value = codec.decode(ready.topic, codec.encode(ready.topic, plain(ready.value)))
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        for _ in range(2):  # redelivered: still one notice
            apply_event(db, "script.ready", value, GatewaySettings())
            db.commit()
    notices = client.get("/v1/notifications", headers=alice.headers).json()
    assert [(n["kind"], n["data"]["video_id"]) for n in notices] == [
        ("provider.fallback", video_id)]
    data = notices[0]["data"]
    assert (data["stage"], data["writer"]) == ("scriptwriter", "openai/gpt-4o-mini")
    [why] = data["fallbacks"]
    assert "openai/gpt-4o failed (ProviderContractError" in why
    assert why.endswith("openai/gpt-4o-mini wrote it")
