"""Every cent even when things fail: a provider answer outside its contract is a typed provider
error (the fakes serve each kind), the scriptwriter asks again, then falls back (a broken script
answer to the economy model, a broken moderation answer to the blocklist), and a failure or
cancellation after a paid call still bills the call, once, matching what the fake billed."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
import structlog
from elevenlabs.client import ElevenLabs
from openai import OpenAI
from structlog.testing import capture_logs

from processors.narrator import build as build_narrator
from processors.providers import ProviderContractError
from processors.providers.policy.blocklist import BlocklistChecker
from processors.providers.policy.openai_moderation import OpenAIModeration
from processors.providers.script.openai_writer import OpenAIScriptWriter
from processors.providers.thumbnail.openai_image import OpenAIThumbnail
from processors.providers.voice.elevenlabs import RACHEL, ElevenLabsVoice
from processors.providers.voice.openai_tts import OpenAITTSVoice
from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.fakes.openai_server import FakeOpenAI
from tests.processors.providers.conftest import ELEVENLABS_KEY, OPENAI_KEY, openai_settings
from tests.processors.providers.test_openai_script_writer import (
    CHAT,
    costs,
    expected_usd,
    requested,
    stage_for,
)
from tests.processors.samples import script_ready, typed
from ytempire.core.artifacts import ArtifactStore
from ytempire.core.cache import ResultCache
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event, plain
from ytempire.core.pricing import current_table
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.script_brief import ScriptRequest
from ytempire.core.settings import Settings
from ytempire.runtime.worker import Incoming, StageRunner
from ytempire.stage import NothingCancelled, PermanentError, Stage

MODERATION = "omni-moderation-latest"


class Sent:
    """The producer side of a runner: what it would have sent."""

    def __init__(self) -> None:
        self.emits: list[Emit] = []

    def send_all(self, emits: list[Emit], timeout: float = 30.0) -> None:
        self.emits.extend(emits)


class CancelledNow:
    def is_cancelled(self, envelope: Event) -> bool:
        return True


def client(fake: FakeOpenAI) -> OpenAI:
    return OpenAI(api_key=OPENAI_KEY, base_url=fake.url, max_retries=0, timeout=20)


def run(stage: Stage, event: Event, settings: Settings,
        cancellations: object | None = None) -> list[Emit]:
    """One delivery of ``event`` through the real runner (no broker); what it sent."""
    async def no_sleep(_: float) -> None:
        return None

    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    sent = Sent()
    runner = StageRunner(stage, codec, sent, settings.model_copy(update={  # type: ignore[arg-type]
        "stage_max_attempts": 2}), sleep=no_sleep,
        cancellations=cancellations or NothingCancelled())  # type: ignore[arg-type]
    topic = stage.spec.input_topic
    record = Incoming(topic, 0, 0, event["envelope"]["video_id"].encode(),
                      codec.encode(topic, event))
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]):
        asyncio.run(runner.process(record))
    for emit in sent.emits:
        codec.encode(emit.topic, plain(emit.value))  # everything sent is a valid record
    return sent.emits


CONTENT = "choices[0].message.content"


@pytest.mark.parametrize(("mode", "field"), [
    ("chat.cut_short", "choices[0].finish_reason"), ("chat.missing_field", f"{CONTENT}.hook"),
    ("chat.wrong_type", f"{CONTENT}.sections"), ("chat.no_sections", f"{CONTENT}.sections"),
    ("garble_next", CONTENT)])
def test_script_answers_outside_the_contract_are_typed_provider_errors_with_their_usage(
    openai_fake: FakeOpenAI, mode: str, field: str
) -> None:
    if mode == "garble_next":  # half the JSON, finish_reason "stop"
        openai_fake.garble_next = 1
    else:
        openai_fake.broken.add(mode)
    request = ScriptRequest.from_spec(typed("script.requested", requested()).spec)
    with pytest.raises(ProviderContractError) as caught:
        OpenAIScriptWriter(client(openai_fake), "gpt-4o").write(request)
    error = caught.value
    assert (error.provider, error.call, error.field) == ("openai", "chat.completions.create",
                                                         field)
    (served,) = openai_fake.usage_of(CHAT)
    assert [(u.unit, u.quantity) for u in error.usage] == [
        ("tokens_in", served["prompt_tokens"]), ("tokens_out", served["completion_tokens"])]


def test_a_broken_script_answer_is_asked_again_then_the_economy_model_writes_it(
    openai_fake: FakeOpenAI, tmp_path: Path
) -> None:
    openai_fake.garble_next = 2  # the premium model's answer and its second chance
    with capture_logs() as logs:
        emits = stage_for(tmp_path, openai_fake).handle(typed("script.requested", requested()))
    assert [u["model"] for u in openai_fake.usage_of(CHAT)] == ["gpt-4o", "gpt-4o", "gpt-4o-mini"]
    assert plain(emits[0].value)["writer"] == "openai/gpt-4o-mini"
    fallback = [e for e in logs if e["event"].startswith("writer failed, falling back")]
    assert [e["error_type"] for e in fallback] == ["ProviderContractError"]
    [why] = plain(emits[0].value)["fallbacks"]  # for the owner's provider.fallback notice
    assert "choices[0].message.content" in why and why.endswith("openai/gpt-4o-mini wrote it")
    assert sum(c["usd"] for c in costs(emits)) == expected_usd(openai_fake)
    assert plain(emits[0].value)["envelope"]["cost_so_far_usd"] == expected_usd(openai_fake)


def test_script_answers_always_broken_are_dead_lettered_with_every_paid_answer(
    openai_fake: FakeOpenAI, tmp_path: Path
) -> None:
    openai_fake.broken.add("chat.no_sections")
    sent = run(stage_for(tmp_path, openai_fake), requested(), Settings(data_dir=tmp_path))
    assert [e.topic for e in sent if e.topic != "cost.incurred"] == [
        "pipeline.failed", "pipeline.dlq"]
    # Two tries of the stage, each: premium twice, then the economy model twice.
    assert [u["model"] for u in openai_fake.usage_of(CHAT)] == (
        ["gpt-4o"] * 2 + ["gpt-4o-mini"] * 2) * 2
    failed = plain(sent[-2].value)
    assert failed["error_type"] == "ProviderContractError"
    assert "at choices[0].message.content.sections" in failed["error_message"]
    assert sum(c["usd"] for c in costs(sent)) == expected_usd(openai_fake) > 0
    assert failed["envelope"]["cost_so_far_usd"] == expected_usd(openai_fake)


@pytest.mark.parametrize(("mode", "field"), [("moderations.fewer_results", "results"),
                                             ("moderations.missing_flagged", "results[0].flagged")])
def test_moderation_answers_outside_the_contract_are_typed_provider_errors(
    openai_fake: FakeOpenAI, mode: str, field: str
) -> None:
    openai_fake.broken.add(mode)
    with pytest.raises(ProviderContractError) as caught:
        OpenAIModeration(client(openai_fake), MODERATION).check({"title": "a", "hook": "b"})
    error = caught.value
    assert (error.provider, error.call, error.field) == ("openai", "moderations.create", field)
    assert [u.unit for u in error.usage] == ["requests"]


def test_empty_speech_and_undecodable_images_are_typed_provider_errors(
    openai_fake: FakeOpenAI, tmp_path: Path
) -> None:
    openai_fake.broken |= {"audio.speech.empty", "images.undecodable"}
    with pytest.raises(ProviderContractError, match="audio.speech.create broke its contract at "
                                                    "body") as speech:
        OpenAITTSVoice(client(openai_fake), "tts-1").speak("Hello there.", "alloy")
    assert speech.value.usage[0].quantity == len("Hello there.")
    with pytest.raises(ProviderContractError, match="data\\[0\\].b64_json") as image:
        OpenAIThumbnail(client(openai_fake), "gpt-image-1", ArtifactStore(tmp_path / "a"),
                        ResultCache(tmp_path / "c", "images")).render(
            "Title", "topic", "s", tmp_path / "t.png")
    assert [(u.model, u.unit) for u in image.value.usage] == [("gpt-image-1", "images")]


def test_broken_moderation_is_asked_again_then_the_blocklist_decides_and_all_is_billed(
    openai_fake: FakeOpenAI, tmp_path: Path
) -> None:
    openai_fake.broken.add("moderations.fewer_results")
    emits = stage_for(tmp_path, openai_fake).handle(typed("script.requested", requested()))
    assert emits[0].topic == "script.ready"
    assert len(openai_fake.usage_of("moderations")) == 2 and len(openai_fake.usage_of(CHAT)) == 1
    assert plain(emits[0].value)["fallbacks"] == [
        f"openai/{MODERATION} answered outside its contract twice: "
        f"{BlocklistChecker.name} checked the script instead"]
    billed = costs(emits)
    assert {c["provider"] for c in billed} == {"openai", "blocklist"}
    assert sum(c["usd"] for c in billed) == expected_usd(openai_fake) > 0
    assert plain(emits[0].value)["envelope"]["cost_so_far_usd"] == expected_usd(openai_fake)


def test_a_failure_after_the_paid_chat_bills_it_and_a_retry_reuses_the_script(
    openai_fake: FakeOpenAI, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    stage = stage_for(tmp_path, openai_fake)
    openai_fake.failing_models[MODERATION] = 400  # the checker refuses after the script was paid
    event = requested()
    with pytest.raises(PermanentError):
        stage.handle(typed("script.requested", event))
    sent = run(stage, event, settings)
    # The costs go first, so a reader that stops at the failure has already seen them.
    assert [e.topic for e in sent][-2:] == ["pipeline.failed", "pipeline.dlq"]
    assert {e.topic for e in sent[:-2]} == {"cost.incurred"}
    paid = costs(sent)
    chat_usd = expected_usd(openai_fake)
    assert len(openai_fake.usage_of(CHAT)) == 1, "the retry reused the kept script"
    assert sum(c["usd"] for c in paid) == chat_usd > 0
    failed = plain(sent[-2].value)
    assert failed["envelope"]["cost_so_far_usd"] == chat_usd
    # Redelivered once moderation works: the chat is not paid again and its costs keep their ids.
    del openai_fake.failing_models[MODERATION]
    emits = stage.handle(typed("script.requested", event))
    assert len(openai_fake.usage_of(CHAT)) == 1 and emits[0].topic == "script.ready"
    again = {c["envelope"]["event_id"]: c["usd"] for c in costs(emits)}
    assert {c["envelope"]["event_id"]: c["usd"] for c in paid}.items() <= again.items()
    assert sum(again.values()) == expected_usd(openai_fake)


def test_a_cancelled_video_still_bills_what_it_paid_before_the_cancel(
    openai_fake: FakeOpenAI, tmp_path: Path
) -> None:
    stage = stage_for(tmp_path, openai_fake)
    openai_fake.failing_models[MODERATION] = 503  # paid chat, then a transient failure...
    event = requested()
    with pytest.raises(Exception, match="moderation"):
        stage.handle(typed("script.requested", event))
    sent = run(stage, event, Settings(data_dir=tmp_path), CancelledNow())  # ...then cancelled
    assert {e.topic for e in sent} == {"cost.incurred"}
    assert sum(c["usd"] for c in costs(sent)) == expected_usd(openai_fake) - Decimal(0) > 0


def test_a_narration_that_fails_after_paid_speech_bills_every_call(
    openai_fake: FakeOpenAI, tmp_path: Path
) -> None:
    openai_fake.broken.add("audio.speech.empty")  # served and billed, but no audio
    settings = openai_settings(tmp_path, openai_fake, voice_provider="openai",
                               provider_max_retries=0)
    sent = run(build_narrator(settings), script_ready(), settings)
    assert [e.topic for e in sent if e.topic.startswith("pipeline.")] == [
        "pipeline.failed", "pipeline.dlq"]
    assert "audio.speech.create broke its contract at body" in \
        plain(sent[-1].value)["error_message"]
    served = openai_fake.usage_of("audio.speech")
    assert len(served) == 2  # one per attempt
    billed = sum((current_table().price("openai", "tts-1", "characters", u["characters"])
                  for u in served), Decimal(0))
    assert sum(c["usd"] for c in costs(sent)) == billed > 0
    assert plain(sent[-2].value)["envelope"]["cost_so_far_usd"] == billed


@pytest.mark.parametrize(("mode", "field"), [("audio.empty", "audio_base64"),
                                             ("alignment.missing", "alignment")])
def test_elevenlabs_answers_outside_the_contract_are_typed_provider_errors(
    elevenlabs_fake: FakeElevenLabs, mode: str, field: str
) -> None:
    elevenlabs_fake.broken.add(mode)
    voice = ElevenLabsVoice(ElevenLabs(api_key=ELEVENLABS_KEY, base_url=elevenlabs_fake.url),
                            "eleven_multilingual_v2", max_retries=0)
    with pytest.raises(ProviderContractError, match=f"broke its contract at {field}") as caught:
        voice.speak("Hello there.", RACHEL)
    assert caught.value.provider == "elevenlabs"
    assert [(u.unit, u.quantity) for u in caught.value.usage] == [("characters", 12)]
