"""One video through every stage on the real broker with OpenAI and ElevenLabs pointed at the
fakes: its ``cost.incurred`` events add up, to the cent, to the tokens and characters the fakes
served x the price table, and delivering the same ``script.requested`` again pays no provider
request twice (fake call counts unchanged, the same cost event ids and values). A second video
whose moderation is refused after its script was paid is dead-lettered with the chat's cost in
``cost.incurred`` and in the failure's cost so far. The stage processes never log a key."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import VIDEO_STAGES
from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.fakes.openai_server import FakeOpenAI
from tests.reliability.watch import Watch
from ytempire.app.stack import Stack
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event
from ytempire.core.kafka import EventProducer
from ytempire.core.pricing import current_table
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings

pytestmark = pytest.mark.slow

OPENAI_KEY = "sk-e2e-openai-key"
ELEVENLABS_KEY = "xi-e2e-elevenlabs-key"


def consume_video(watch: Watch, settings: Settings, video_id: str, timeout: float
                  ) -> tuple[list[Event], list[Event]]:
    """Cost events and uploads of ``video_id`` from now until it was uploaded and every stage
    has gone idle (all it emitted read); fails fast on pipeline.failed."""
    seen = len(watch.records)

    def mine(topic: str) -> list[Event]:
        return [v for t, _, _, v in watch.records[seen:] if t == topic and v is not None
                and v["envelope"]["video_id"] == video_id]

    def uploaded(w: Watch) -> bool:
        if failed := mine("pipeline.failed"):
            pytest.fail(f"{failed[0]['stage']} failed: {failed[0]['error_message']}")
        return bool(mine("upload.done"))

    assert watch.until(uploaded, timeout), f"video {video_id}: no upload after {timeout} s"
    watch.settle(settings)
    assert not mine("pipeline.failed")
    return mine("cost.incurred"), mine("upload.done")


def expected_usage(openai: FakeOpenAI, elevenlabs: FakeElevenLabs) -> Counter[tuple[str, ...]]:
    """Quantities by (provider, model, unit), as the fakes served them."""
    usage: Counter[tuple[str, ...]] = Counter()
    for use in openai.usage_of("chat.completions"):
        usage[("openai", use["model"], "tokens_in")] += use["prompt_tokens"]
        usage[("openai", use["model"], "tokens_out")] += use["completion_tokens"]
    for use in openai.usage_of("moderations"):
        usage[("openai", use["model"], "requests")] += 1
    for use in elevenlabs.usage:
        usage[("elevenlabs", use["model"], "characters")] += use["characters"]
    return usage


def without_time(event: Event) -> dict[str, Any]:
    return {**event, "envelope": {**event["envelope"], "occurred_at": None}}


def test_costs_add_up_to_provider_usage_and_redelivery_pays_nothing(
    kafka_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    codec = Codec(SchemaRegistry.load(kafka_settings.schemas_dir))
    with FakeOpenAI(api_key=OPENAI_KEY) as openai, \
            FakeElevenLabs(api_key=ELEVENLABS_KEY) as elevenlabs:
        # Keys reach the stage processes through the environment only (never through Settings,
        # whose dump would carry the masked SecretStr).
        monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", openai.url)
        monkeypatch.setenv("ELEVENLABS_API_KEY", ELEVENLABS_KEY)
        monkeypatch.setenv("YTEMPIRE_ELEVENLABS_BASE_URL", elevenlabs.url)
        stack = Stack(kafka_settings, stages=VIDEO_STAGES)
        stack.start(with_broker=False, from_end=True)
        watch = Watch(kafka_settings, ["cost.incurred", "upload.done", "pipeline.failed"])
        try:
            request: Emit = request_event(VideoRequest(topic="How sourdough bread rises",
                                                       target_duration_s=15))
            video_id = request.value.envelope.video_id
            producer = EventProducer(kafka_settings.kafka_bootstrap, codec)
            producer.send_all([request])
            costs, uploads = consume_video(watch, kafka_settings, video_id, timeout=75)

            table = current_table()
            usage = expected_usage(openai, elevenlabs)
            paid = [c for c in costs if c["usd"] > 0]
            billed: Counter[tuple[str, ...]] = Counter()
            for cost in paid:
                billed[(cost["provider"], cost["model"], cost["unit"])] += cost["quantity"]
            assert billed == {k: v for k, v in usage.items() if k[2] != "requests"}
            assert {(c["provider"], c["unit"]) for c in costs} >= {
                ("openai", "tokens_in"), ("openai", "requests"), ("elevenlabs", "characters")}
            expected = sum((table.price(*key, quantity) for key, quantity in usage.items()),
                           Decimal(0))
            total = sum((c["usd"] for c in costs), Decimal(0))
            assert abs(total - expected) < Decimal("0.00001"), (total, expected)
            assert total.quantize(Decimal("0.01")) == expected.quantize(Decimal("0.01"))
            assert total > 0 and all(c["price_table_version"] == table.version for c in costs)
            assert uploads[0]["envelope"]["cost_so_far_usd"] == total

            calls = (Counter(openai.calls), Counter(elevenlabs.calls))
            producer.send_all([request])  # the same script.requested, delivered again
            again, _ = consume_video(watch, kafka_settings, video_id, timeout=60)
            assert (Counter(openai.calls), Counter(elevenlabs.calls)) == calls
            first = {c["envelope"]["event_id"]: without_time(c) for c in costs}
            second = {c["envelope"]["event_id"]: without_time(c) for c in again}
            assert second == first
            # A video whose moderation is refused after its script was paid: dead-lettered, and
            # the paid chat still reaches cost.incurred and the failure's cost so far.
            openai.failing_models["omni-moderation-latest"] = 400
            served = len(openai.usage_of("chat.completions"))
            refused: Emit = request_event(VideoRequest(topic="Why bread goes stale",
                                                       target_duration_s=15))
            refused_id = refused.value.envelope.video_id
            seen = len(watch.records)
            producer.send_all([refused])

            def of_refused(topic: str) -> list[Event]:
                return [v for t, _, _, v in watch.records[seen:] if t == topic and v is not None
                        and v["envelope"]["video_id"] == refused_id]

            assert watch.until(lambda w: bool(of_refused("pipeline.failed")), 60)
            watch.settle(kafka_settings)
            chats = openai.usage_of("chat.completions")[served:]
            assert len(chats) == 1
            paid_usd = sum((table.price("openai", c["model"], unit, c[field])
                            for c in chats for unit, field in (("tokens_in", "prompt_tokens"),
                                                               ("tokens_out",
                                                                "completion_tokens"))),
                           Decimal(0))
            [failed] = of_refused("pipeline.failed")
            assert sum(c["usd"] for c in of_refused("cost.incurred")) == paid_usd > 0
            assert failed["envelope"]["cost_so_far_usd"] == paid_usd
            logs = "".join(p.read_text() for p in (kafka_settings.data_dir / "logs").glob("*"))
            assert "script written" in logs and "narrated" in logs
            assert OPENAI_KEY not in logs and ELEVENLABS_KEY not in logs
        finally:
            watch.close()
            stack.stop()
