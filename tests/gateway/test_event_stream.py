"""The user's live stream (`GET /v1/events`) on a real server: a new tab starts from now, a
reconnect resumes from its `Last-Event-ID`, the stream says it is open at once, and new notices
arrive on it."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from gateway import notices, videos
from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import Principal, create_user
from gateway.payloads.videos import VideoCreate
from tests.gateway.conftest import CHANNEL
from tests.gateway.server import serve
from ytempire.core.settings import Settings


@pytest.fixture
def app(gateway_settings: Settings) -> FastAPI:
    return create_app(gateway_settings, GatewaySettings(consume=False))


def _event(app: FastAPI, user_id: str, channel_id: str) -> str:
    """A new video with one recorded event, as the projection records it (and wakes streams)."""
    with app.state.sessions() as db:
        [video] = videos.create(db, Principal(user_id, "", "free"),
                                [VideoCreate(channel_id=channel_id, topic="Tides")], None,
                                settings=app.state.settings)
        videos.record(db, video, "script.ready", str(uuid.uuid4()), datetime.now(UTC))
        db.commit()
    app.state.hub.notify()
    return video.id


def _notice(app: FastAPI, user_id: str, spent: str) -> None:
    """A budget alert for the user, as the projection stores it."""
    with app.state.sessions() as db:
        notices.notify(db, app.state.gateway, user_id, "cost.alert", str(uuid.uuid4()),
                       datetime.now(UTC), {"scope": "owner", "spent_usd": spent})
        db.commit()
    app.state.hub.notify()


def _blocks(lines: Iterator[str], want: int) -> list[dict[str, str]]:
    """The next ``want`` SSE blocks as {field: value}, a ':' comment under "comment"."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in lines:
        if line == "":
            blocks.append(current)
            current = {}
            if len(blocks) == want:
                break
        else:
            name, _, value = line.partition(":")
            current[name or "comment"] = value.strip()
    return blocks


def test_a_new_tab_starts_from_now_and_a_reconnect_resumes(app: FastAPI) -> None:
    with serve(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        with app.state.sessions() as db:
            user, issued = create_user(db, "alice", "free")
        http.headers["Authorization"] = f"Bearer {issued.secret}"
        channel = http.post("/v1/channels", json=CHANNEL).raise_for_status().json()["id"]
        _event(app, user.id, channel)  # history a new tab must not replay
        _notice(app, user.id, "1.00")
        started = time.monotonic()
        with http.stream("GET", "/v1/events") as stream:
            lines = stream.iter_lines()
            [opened] = _blocks(lines, 1)
            opened_after_s = time.monotonic() - started
            fresh = _event(app, user.id, channel)
            [news] = _blocks(lines, 1)
            _notice(app, user.id, "9.00")
            [alert] = _blocks(lines, 1)
        assert opened["comment"] == "open" and int(opened["id"]) > 0
        assert opened_after_s < 5, "open is said at once, not with the first ping (15 s)"
        assert news["event"] == "script.ready" and json.loads(news["data"])["video_id"] == fresh
        assert int(news["id"]) > int(opened["id"])
        assert alert["event"] == "notice" and "id" not in alert  # resuming is by video event
        assert (json.loads(alert["data"])["kind"], json.loads(alert["data"])["data"]) == (
            "cost.alert", {"scope": "owner", "spent_usd": "9.00"})

        def replay(last_event_id: str | None) -> str:
            headers = {"Last-Event-ID": last_event_id} if last_event_id is not None else {}
            return http.get("/v1/events", params={"follow": "false"}, headers=headers).text

        resumed = replay(opened["id"])  # a reconnect: what it missed, nothing before
        assert resumed.count("event: ") == 1 and f"id: {news['id']}\n" in resumed
        assert replay("0").count("event: script.ready") == 2  # the whole history, on request
        assert "event: " not in replay(None)
