"""A video's latest status when it is cancelled (migrations/0011): within an attempt `cancelled`
beats a stage's late output but not upload.done; a retry (a later attempt) beats everything
of the attempts before it, even their events that arrive later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from clickhouse_connect.driver.client import Client

from analytics.kpi import QUERIES_DIR
from tests.analytics.seed import Event, Raw, _cancelled, _value, insert_events
from ytempire.core.codec import Codec
from ytempire.core.events import plain
from ytempire.core.requests import VideoRequest, request_event

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _request(video_id: str, attempt: int, at: datetime) -> Event:
    request = request_event(VideoRequest(topic="Why cats purr", channel_id="ch",
                                         owner_id="owner-1", video_id=video_id)).value
    request = plain(request)
    request["envelope"]["attempt"] = attempt
    request["envelope"]["occurred_at"] = at
    return request


def _after(parent: Event, topic: str, stage: str, at: datetime) -> Raw:
    value = _value(topic, parent, stage, passed=True)
    value["envelope"]["occurred_at"] = at
    return Raw(topic, value)


def sql(name: str) -> str:
    return (QUERIES_DIR / f"{name}.sql").read_text()


def _status(client: Client, video_id: str) -> str:
    return client.query("SELECT status FROM video_status FINAL WHERE video_id = {v:String}",
                        parameters={"v": video_id}).result_rows[0][0]


def test_cancelled_beats_late_stage_output_not_an_upload_and_a_retry_beats_it(
        chdb_client: Client, codec: Codec) -> None:
    emits: list[Raw] = []
    # 1: cancelled while the narrator worked; its voice.ready came two seconds later
    first = _request("late-output", 1, T0)
    script = _after(first, "script.ready", "scriptwriter", T0 + timedelta(seconds=5))
    emits += [Raw("script.requested", first), script,
              _cancelled(first, T0 + timedelta(seconds=8)),
              _after(script.value, "voice.ready", "narrator", T0 + timedelta(seconds=10))]
    # 2: cancelled while the upload ran: it was published anyway
    second = _request("uploaded", 1, T0)
    scored = _after(second, "quality.scored", "quality", T0 + timedelta(seconds=30))
    emits += [Raw("script.requested", second), scored,
              _cancelled(second, T0 + timedelta(seconds=31)),
              _after(scored.value, "upload.done", "publisher", T0 + timedelta(seconds=35))]
    # 3: cancelled, retried (attempt 2), and a leftover of attempt 1 arriving after the retry
    third = _request("retried", 1, T0)
    old_script = _after(third, "script.ready", "scriptwriter", T0 + timedelta(seconds=5))
    retry = _request("retried", 2, T0 + timedelta(seconds=60))
    leftover = _after(old_script.value, "voice.ready", "narrator", T0 + timedelta(seconds=70))
    emits += [Raw("script.requested", third), old_script,
              _cancelled(third, T0 + timedelta(seconds=6)), Raw("script.requested", retry),
              _after(retry, "script.ready", "scriptwriter", T0 + timedelta(seconds=65)), leftover]
    assert retry["envelope"]["attempt"] == 2 and leftover.value["envelope"]["attempt"] == 1
    insert_events(chdb_client, codec, emits)

    assert _status(chdb_client, "late-output") == "cancelled"
    assert _status(chdb_client, "uploaded") == "published"
    assert _status(chdb_client, "retried") == "scriptwriter"


def test_a_video_left_ready_by_a_channel_not_connected_is_not_published(
        chdb_client: Client, codec: Codec) -> None:
    """upload.done with platform none (migrations/0013): ready, not uploaded, never counted as
    published per day, still a pipeline success."""
    emits: list[Raw] = []
    for video_id, platform in (("not-connected", "none"), ("local-only", "local")):
        request = _request(video_id, 1, T0)
        scored = _after(request, "quality.scored", "quality", T0 + timedelta(seconds=30))
        done = _after(scored.value, "upload.done", "publisher", T0 + timedelta(seconds=35))
        done.value["platform"] = platform
        emits += [Raw("script.requested", request), scored, done]
    insert_events(chdb_client, codec, emits)

    assert _status(chdb_client, "not-connected") == "ready_not_uploaded"
    assert _status(chdb_client, "local-only") == "published"
    since = {"since": T0 - timedelta(days=1)}
    published = chdb_client.query(sql("videos_published_per_day"), parameters=since)
    assert [row[1] for row in published.result_rows] == [1]
    [rate] = chdb_client.query(sql("pipeline_success_rate"), parameters=since).named_results()
    assert (rate["succeeded"], rate["in_flight"]) == (2, 0)
