"""Cancellation as the stages see it: an event of a cancelled video is skipped (committed with
no outputs, logged with its correlation id), a later attempt runs, the ledger still counts, the
publisher asks right before uploading, and the broker view sees every acknowledged cancel."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import structlog
from structlog.testing import capture_logs

from processors.ledger import build as build_ledger
from processors.publisher import PublisherStage
from processors.publisher import build as build_publisher
from tests.processors.test_publisher import channel_folders, scored
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event, cost_event, derive_envelope, new_envelope
from ytempire.core.kafka import EventProducer
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.runtime.cancellations import CancelledVideos
from ytempire.runtime.worker import Incoming, StageRunner
from ytempire.stage import Deferred, StageSpec, VideoCancelled


class Cancelled:
    """Cancellations by hand: video id -> the highest attempt cancelled; counts the questions."""

    def __init__(self, **attempts: int) -> None:
        self.attempts, self.asked = dict(attempts), 0

    def is_cancelled(self, envelope: Event) -> bool:
        self.asked += 1
        return self.attempts.get(envelope["video_id"], 0) >= envelope["attempt"]


class Sent:
    """The producer side of a runner: what it would have sent."""

    def __init__(self) -> None:
        self.emits: list[Emit] = []

    def send_all(self, emits: list[Emit], timeout: float = 30.0) -> None:
        self.emits.extend(emits)


class Scripted:
    """A stage that counts its calls; held (Deferred) ``holds`` times first."""

    spec = StageSpec(name="scripted", inputs=("script.requested",),
                     outputs=("script.requested",))

    def __init__(self, holds: int = 0, on_hold: object = None) -> None:
        self.calls, self.holds, self.on_hold = 0, holds, on_hold

    def handle(self, event: Event) -> list[Emit]:
        self.calls += 1
        if self.calls <= self.holds:
            if callable(self.on_hold):
                self.on_hold()
            raise Deferred("quota", datetime.now(UTC) + timedelta(hours=1))
        return [Emit("script.requested", {**event, "envelope": derive_envelope(
            event["envelope"], self.spec.name, "script.requested")})]


@pytest.fixture
def codec(settings: Settings) -> Codec:
    return Codec(SchemaRegistry.load(settings.schemas_dir))


def _run(runner: StageRunner, codec: Codec, emit: Emit) -> list[dict]:
    """Process one record; the log lines it wrote, with the bound context merged in."""
    async def no_sleep(_: float) -> None:
        return None

    runner.sleep = no_sleep
    record = Incoming(emit.topic, 0, 0, emit.key.encode(), codec.encode(emit.topic, emit.value))
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        asyncio.run(runner.process(record))
    return logs


def _request(attempt: int = 1) -> Emit:
    emit = request_event(VideoRequest(topic="Tides", video_id=str(uuid.uuid4())))
    emit.value["envelope"]["attempt"] = attempt
    return emit


def test_an_event_of_a_cancelled_video_is_skipped_and_logged(settings: Settings,
                                                             codec: Codec) -> None:
    request, stage, sent = _request(), Scripted(), Sent()
    video_id = request.value["envelope"]["video_id"]
    runner = StageRunner(stage, codec, sent, settings,  # type: ignore[arg-type]
                         cancellations=Cancelled(**{video_id: 1}))
    logs = _run(runner, codec, request)
    assert stage.calls == 0 and sent.emits == []
    [skip] = [line for line in logs if line["event"] == "video_cancelled_skip"]
    assert (skip["correlation_id"], skip["video_id"], skip["stage"], skip["attempt"]) == (
        request.value["envelope"]["correlation_id"], video_id, "scripted", 1)
    assert not [line for line in logs if line["log_level"] in ("warning", "error")]


def test_a_later_attempt_of_a_cancelled_video_runs(settings: Settings, codec: Codec) -> None:
    retried, stage, sent = _request(attempt=2), Scripted(), Sent()
    cancelled = Cancelled(**{retried.value["envelope"]["video_id"]: 1})
    runner = StageRunner(stage, codec, sent, settings, cancellations=cancelled)  # type: ignore[arg-type]
    logs = _run(runner, codec, retried)
    assert stage.calls == 1 and [e.topic for e in sent.emits] == ["script.requested"]
    assert cancelled.asked == 1
    assert "video_cancelled_skip" not in [line["event"] for line in logs]


def test_a_video_cancelled_while_its_event_is_held_is_skipped(settings: Settings,
                                                              codec: Codec) -> None:
    """Each try asks again: a quota hold (or a retry) does not outlive the cancel."""
    request = _request()
    cancelled = Cancelled()

    def cancel() -> None:
        cancelled.attempts[request.value["envelope"]["video_id"]] = 1

    stage, sent = Scripted(holds=1, on_hold=cancel), Sent()
    runner = StageRunner(stage, codec, sent, settings, cancellations=cancelled)  # type: ignore[arg-type]
    logs = _run(runner, codec, request)
    assert stage.calls == 1 and sent.emits == [] and cancelled.asked == 2
    assert [line["event"] for line in logs].count("video_cancelled_skip") == 1


def test_the_ledger_still_counts_what_a_cancelled_video_spent(settings: Settings,
                                                              codec: Codec) -> None:
    request = _request()
    cost = cost_event(request.value["envelope"], stage="narrator", provider="elevenlabs",
                      model="m", unit="characters", quantity=1.0, usd=Decimal("4.00"),
                      cached=False, price_table_version="t", call_key="k")
    ledger, sent = build_ledger(settings), Sent()
    cancelled = Cancelled(**{request.value["envelope"]["video_id"]: 1})
    runner = StageRunner(ledger, codec, sent, settings, cancellations=cancelled)  # type: ignore[arg-type]
    _run(runner, codec, cost)
    assert runner.cancellations is None and cancelled.asked == 0
    assert [(e.value["scope"], e.value["threshold_pct"]) for e in sent.emits] == [
        ("video", 80), ("video", 100)]


@pytest.fixture
def publisher(settings: Settings) -> Iterator[PublisherStage]:
    yield build_publisher(settings)


def test_the_publisher_asks_right_before_uploading_and_uploads_nothing(
        settings: Settings, codec: Codec, publisher: PublisherStage) -> None:
    event = scored(settings)
    cancelled = Cancelled(**{event["envelope"]["video_id"]: 1})
    sent = Sent()
    runner = StageRunner(publisher, codec, sent, settings, cancellations=cancelled)  # type: ignore[arg-type]
    assert publisher.cancellations is cancelled
    logs = _run(runner, codec, Emit("quality.scored", event))
    assert cancelled.asked == 1 and sent.emits == [] and channel_folders(settings) == []
    assert "video_cancelled_skip" in [line["event"] for line in logs]
    assert list(publisher.cache.dir.iterdir()) == []  # nothing cached: a retry starts afresh
    retried = {**event, "envelope": {**event["envelope"], "attempt": 2}}
    _run(runner, codec, Emit("quality.scored", retried))
    assert [e.topic for e in sent.emits] == ["upload.done", "cost.incurred"]
    assert len(channel_folders(settings)) == 1


def test_a_published_video_stays_published_whatever_is_cancelled_after(
        settings: Settings, publisher: PublisherStage) -> None:
    event = scored(settings)
    first = publisher.handle(event)
    publisher.cancellations = Cancelled(**{event["envelope"]["video_id"]: 1})
    again = publisher.handle(event)  # a redelivery re-emits the same upload.done
    assert [(e.topic, e.value["envelope"]["event_id"]) for e in again] == [
        (e.topic, e.value["envelope"]["event_id"]) for e in first]
    assert again[0].value["url"] == first[0].value["url"]


def test_an_upload_cut_by_a_crash_is_resumed_even_if_cancelled_since(
        settings: Settings, publisher: PublisherStage) -> None:
    """It may have reached the platform: cancelling cannot claim otherwise."""
    event = scored(settings)
    real_upload = publisher.publisher.upload

    def crash(*args: object) -> None:
        raise KeyboardInterrupt("killed mid-upload")

    publisher.publisher.upload = crash  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        publisher.handle(event)
    publisher.publisher.upload = real_upload  # type: ignore[method-assign]
    publisher.cancellations = Cancelled(**{event["envelope"]["video_id"]: 1})
    assert [e.topic for e in publisher.handle(event)] == ["upload.done", "cost.incurred"]


def test_a_deferred_upload_sent_nothing_so_a_cancel_during_the_hold_stops_it(
        settings: Settings, publisher: PublisherStage) -> None:
    event = scored(settings)
    real_upload = publisher.publisher.upload

    def quota(*args: object) -> None:
        raise Deferred("quota", datetime.now(UTC) + timedelta(hours=1))

    publisher.publisher.upload = quota  # type: ignore[method-assign]
    with pytest.raises(Deferred):
        publisher.handle(event)
    publisher.publisher.upload = real_upload  # type: ignore[method-assign]
    publisher.cancellations = Cancelled(**{event["envelope"]["video_id"]: 1})
    with pytest.raises(VideoCancelled):
        publisher.handle(event)
    assert channel_folders(settings) == []


def _cancel(video_id: str, attempt: int) -> Emit:
    envelope = new_envelope(video_id=video_id, channel_id="c", owner_id="o", producer="gateway",
                            event_key=f"cancel-{attempt}")
    return Emit("video.cancelled", {"envelope": {**envelope, "attempt": attempt},
                                    "reason": "", "cancelled_by": "api-key:k"})


def test_the_broker_view_sees_every_acknowledged_cancel_and_recovers_after_a_restart(
        kafka_settings: Settings) -> None:
    codec = Codec(SchemaRegistry.load(kafka_settings.schemas_dir))
    producer = EventProducer(kafka_settings.kafka_bootstrap, codec)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    view = CancelledVideos.from_settings(kafka_settings, codec)
    try:
        assert not view.is_cancelled({"video_id": first, "attempt": 1})  # reads the history
        producer.send_all([_cancel(first, 1), _cancel(second, 2)])
        # Asked right after the acknowledgement: seen, with no waiting in the test.
        assert view.is_cancelled({"video_id": first, "attempt": 1})
        assert not view.is_cancelled({"video_id": first, "attempt": 2})  # a retry runs
        assert view.is_cancelled({"video_id": second, "attempt": 1})  # earlier attempts too
    finally:
        view.close()
    restarted = CancelledVideos.from_settings(kafka_settings, codec)
    try:
        assert restarted.cancelled_attempt(first) == 1
        assert restarted.cancelled_attempt(second) == 2
    finally:
        restarted.close()
        producer.close()
