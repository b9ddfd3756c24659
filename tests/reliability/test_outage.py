"""A provider outage delays videos and loses none. OpenAI (the counting fake) answers 500 to
chat completions: an outage shorter than the retry budget is ridden out by the client's and
the worker's retries; a longer one parks the request in the DLQ (retryable), and one
``dlq retry`` after the outage publishes it. Every script is paid exactly once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import VIDEO_STAGES
from tests.fakes.openai_server import FakeOpenAI
from ytempire.app.stack import Stack
from ytempire.core.codec import Codec
from ytempire.core.kafka import EventProducer
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.runtime import dlq, dlq_retry

from .watch import Watch

pytestmark = pytest.mark.slow

KEY = "sk-outage-openai"
ATTEMPTS = 3  # the worker's attempts per record
REQUESTS_PER_ATTEMPT = 3  # the OpenAI client's first try + provider_max_retries (2)
CHAT = "chat.completions"


@pytest.fixture
def openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as fake:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
        # One model tier: a failing premium model would otherwise fall back to the economy one.
        monkeypatch.setenv("YTEMPIRE_SCRIPT_MODEL_ECONOMY", "gpt-4o")
        yield fake


def test_an_outage_delays_videos_and_loses_none(kafka_settings: Settings,
                                                openai: FakeOpenAI) -> None:
    settings = kafka_settings.model_copy(update={
        "stage_max_attempts": ATTEMPTS, "retry_base_seconds": 0.5, "retry_max_seconds": 2.0,
        "provider_max_retries": REQUESTS_PER_ATTEMPT - 1})
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    producer = EventProducer(settings.kafka_bootstrap, codec)
    stack = Stack(settings, stages=VIDEO_STAGES)
    stack.start(with_broker=False, from_end=True)
    watch = Watch(settings)
    since = datetime.now(UTC) - timedelta(seconds=1)
    try:
        # 1. Shorter than the budget: the first attempt's three requests and one more fail.
        openai.fail_next(REQUESTS_PER_ATTEMPT + 1, status=500, endpoint=CHAT)
        short = request_event(VideoRequest(topic="How tides work", target_duration_s=15))
        began = time.monotonic()
        producer.send_all([short])
        a = short.value.envelope.video_id
        assert watch.until(lambda w: w.values("script.ready", [a]), 120), \
            watch.values("pipeline.failed", [a])
        delayed = time.monotonic() - began
        assert openai.calls[CHAT] == REQUESTS_PER_ATTEMPT + 2 and openai.served[CHAT] == 1

        # 2. Longer than the budget: every request of every attempt fails, then it is over.
        # (Only scripts use chat completions: the first video goes on being voiced and rendered.)
        openai.fail_next(ATTEMPTS * REQUESTS_PER_ATTEMPT, status=500, endpoint=CHAT)
        long = request_event(VideoRequest(topic="Why ice floats", target_duration_s=15))
        producer.send_all([long])
        b = long.value.envelope.video_id
        assert watch.until(lambda w: w.values("pipeline.dlq", [b]), 120)
        [failed] = watch.values("pipeline.failed", [b])
        assert failed["retryable"] is True and failed["stage"] == "scriptwriter"
        mine = dlq.DlqFilter(since=since, stage="scriptwriter")
        [parked] = [e for e in dlq.entries(settings, mine) if e.video_id == b]
        assert parked.attempts == ATTEMPTS and parked.error_type == "TransientError"
        assert openai.served[CHAT] == 1 and not watch.values("upload.done", [b])

        outcomes = dlq_retry.retry_matching(settings, dlq.DlqFilter(
            since=since, stage="scriptwriter", status="pending"))
        assert [o.entry_id for o in outcomes if o.status == "retried"] == [parked.id]
        assert watch.until(lambda w: w.values("upload.done", [a]) and w.values("upload.done", [b]),
                           180), watch.values("pipeline.failed", [a, b])
        watch.settle(settings)
    finally:
        watch.close()
        stack.stop()
    print(f"outage: the short outage delayed the first video's script to {delayed:.1f} s")

    assert not watch.values("pipeline.dlq", [a]) and not watch.values("pipeline.failed", [a])

    assert openai.served[CHAT] == 2, "a script was paid twice"
    assert openai.calls[CHAT] == 2 + (REQUESTS_PER_ATTEMPT + 1) + ATTEMPTS * REQUESTS_PER_ATTEMPT
    for video in (a, b):
        assert len({v["envelope"]["event_id"] for v in watch.values("upload.done", [video])}) == 1
    paid = [c for c in watch.values("cost.incurred", [a, b])
            if c["provider"] == "openai" and c["unit"] == "tokens_in" and not c["cached"]]
    assert len({c["envelope"]["event_id"] for c in paid}) == 2
