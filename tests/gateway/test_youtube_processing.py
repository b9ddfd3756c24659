"""A video published on YouTube says whether YouTube is still processing it, from upload.done
until the metrics collector's ``upload.status`` says ``processed``, in the video and the list;
YouTube failing it makes it a failure with YouTube's reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from gateway import videos
from gateway.config import GatewaySettings
from gateway.identity import Principal
from gateway.payloads.videos import VideoCreate
from gateway.projection import apply_event
from tests.gateway.conftest import Caller
from tests.gateway.test_ready_not_uploaded import upload_done

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
T0 = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)


def envelope(video_id: str, channel_id: str, owner_id: str, key: str, at: datetime) -> dict:
    return {"event_id": f"{key}-{video_id}", "video_id": video_id, "channel_id": channel_id,
            "owner_id": owner_id, "occurred_at": at,
            "producer": {"name": "metrics-collector", "version": "2"},
            "correlation_id": video_id, "attempt": 1, "cost_so_far_usd": Decimal(0)}


def upload_status(video: dict, upload: str, processing: str | None, minutes: int) -> dict:
    """``upload.status`` as the projection reads it, read ``minutes`` after T0."""
    return {"envelope": envelope(*video.values(), f"status-{upload}-{processing}",
                                 T0 + timedelta(minutes=minutes)),
            "platform_video_id": "yt1", "upload_status": upload, "processing_status": processing}


@pytest.fixture
def made(client: TestClient, alice: Caller, channel: dict) -> list[dict]:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        rows = videos.create(db, Principal(alice.user_id, "", "free"),
                             [VideoCreate(channel_id=channel["id"], topic=t)
                              for t in ("Bees", "Ants")], "yt", settings=settings)
        db.commit()
        return [{"id": v.id, "channel": channel["id"], "owner": alice.user_id} for v in rows]


def project(client: TestClient, *events: tuple[str, dict]) -> None:
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        for topic, value in events:
            apply_event(db, topic, value, GatewaySettings())
        db.commit()


def shown(client: TestClient, caller: Caller, video_id: str) -> tuple[dict, dict]:
    """The video as GET /v1/videos/{id} and as the list shows it."""
    one = client.get(f"/v1/videos/{video_id}", headers=caller.headers).json()
    listed = client.get("/v1/videos", headers=caller.headers).json()["items"]
    return one, next(v for v in listed if v["id"] == video_id)


def test_a_youtube_upload_shows_processing_until_youtube_says_processed(
        client: TestClient, alice: Caller, made: list[dict]) -> None:
    video, local = made
    project(client, ("upload.done", upload_done(*video.values(), "youtube")),
            ("upload.done", upload_done(*local.values(), "local")))
    one, listed = shown(client, alice, video["id"])
    assert one["status"] == "published" and one["youtube"] == {
        "upload_status": "uploaded", "processing_status": None, "processing": True,
        "checked_at": None}
    assert listed["youtube"] == one["youtube"]
    assert shown(client, alice, local["id"])[0]["youtube"] is None  # not on YouTube

    project(client, ("upload.status", upload_status(video, "uploaded", "processing", 0)))
    assert shown(client, alice, video["id"])[0]["youtube"]["processing"] is True
    project(client, ("upload.status", upload_status(video, "processed", "succeeded", 15)))
    one, listed = shown(client, alice, video["id"])
    assert one["youtube"]["processing"] is False and listed["youtube"]["processing"] is False
    assert (one["youtube"]["upload_status"], one["status"]) == ("processed", "published")
    assert one["youtube"]["checked_at"].startswith("2026-11-02T18:15")


def test_an_older_or_earlier_read_state_never_hides_a_newer_one(
        client: TestClient, alice: Caller, made: list[dict]) -> None:
    video = made[0]
    # upload.status read before upload.done (the topics are consumed side by side)
    project(client, ("upload.status", upload_status(video, "processed", "succeeded", 15)),
            ("upload.done", upload_done(*video.values(), "youtube")),
            ("upload.status", upload_status(video, "uploaded", "processing", 0)))
    youtube = shown(client, alice, video["id"])[0]["youtube"]
    assert (youtube["upload_status"], youtube["processing"]) == ("processed", False)


def test_youtube_failing_the_processing_makes_the_video_a_failure(
        client: TestClient, alice: Caller, made: list[dict]) -> None:
    video = made[0]
    failed = {"envelope": envelope(*video.values(), "gone", T0), "stage": "metrics-collector",
              "input_topic": "upload.done", "input_event_id": "gone", "retryable": False,
              "error_type": "YouTubeProcessingFailed",
              "error_message": "YouTube failed video yt1: transcodeFailed"}
    project(client, ("upload.done", upload_done(*video.values(), "youtube")),
            ("pipeline.failed", failed))
    one = shown(client, alice, video["id"])[0]
    assert one["status"] == "failed" and "transcodeFailed" in one["failure_reason"]
    notices = client.get("/v1/notifications", headers=alice.headers).json()
    assert [(n["kind"], n["data"]["video_id"]) for n in notices] == [
        ("video.youtube_failed", video["id"])]
    assert "transcodeFailed" in notices[0]["data"]["detail"]
