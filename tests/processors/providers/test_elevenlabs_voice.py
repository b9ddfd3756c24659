"""The narrator on ElevenLabs, through the real ``elevenlabs`` client against
``FakeElevenLabs``: exact word timings from character alignment, the channel's voice, cost per
character, retries (429 + Retry-After, 5xx, dropped connections), the budget step-down to OpenAI
TTS, and no secret in the logs."""

from __future__ import annotations

import io
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from elevenlabs.client import ElevenLabs

from processors.narrator import NarratorStage, build, narration_parts
from processors.providers.voice import VoiceUnavailable
from processors.providers.voice.elevenlabs import RACHEL, ElevenLabsVoice
from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.fakes.openai_server import FakeOpenAI
from tests.processors.providers.conftest import ELEVENLABS_KEY, OPENAI_KEY
from tests.processors.samples import script_ready, without_time
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event
from ytempire.core.pricing import current_table
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.stage import PermanentError, TransientError

SPEECH = "text_to_speech.with_timestamps"
SARAH = "EXAVITQu4vr4xnSDxMaL"


def narrator(tmp_path: Path, fake: FakeElevenLabs, **overrides: Any) -> NarratorStage:
    return build(Settings(data_dir=tmp_path, elevenlabs_api_key=ELEVENLABS_KEY,
                          elevenlabs_base_url=fake.url, **overrides))


def voice_for(fake: FakeElevenLabs, max_retries: int = 2) -> ElevenLabsVoice:
    client = ElevenLabs(api_key=ELEVENLABS_KEY, base_url=fake.url)
    return ElevenLabsVoice(client, "eleven_multilingual_v2", max_retries=max_retries)


def costs(emits: list[Emit]) -> list[Event]:
    return [e.value for e in emits if e.topic == "cost.incurred"]


def narration_cost(emits: list[Emit]) -> Event:
    """The narration's cost events (one per paid part) as one: the same provider, model and
    unit throughout, quantities and dollars summed."""
    paid = costs(emits)
    assert len({(c["provider"], c["model"], c["unit"]) for c in paid}) == 1
    return {**paid[0], "quantity": sum(c["quantity"] for c in paid),
            "usd": sum(c["usd"] for c in paid)}


def test_word_timings_come_from_the_character_alignment(elevenlabs_fake: FakeElevenLabs) -> None:
    text = "Legend says a goat herder found it in Ethiopia, in 850 AD."
    speech = voice_for(elevenlabs_fake).speak(text, RACHEL)
    assert speech.sample_rate == 24_000
    assert abs(speech.duration_s - elevenlabs_fake.usage[0]["words"][-1][2]) < 0.5
    assert [w.word for w in speech.words] == text.split()
    truth = elevenlabs_fake.usage[0]["words"]
    for word, (_, start, end) in zip(speech.words, truth, strict=True):
        assert word.start_s == pytest.approx(start, abs=0.002)
        assert word.end_s == pytest.approx(end, abs=0.002)


def test_narration_is_spoken_priced_per_character_and_paid_once(
    tmp_path: Path, elevenlabs_fake: FakeElevenLabs
) -> None:
    stage = narrator(tmp_path, elevenlabs_fake)
    event = script_ready()
    emits = stage.handle(event)
    codec = Codec(SchemaRegistry.load(Settings().schemas_dir))
    for emit in emits:
        codec.encode(emit.topic, emit.value)
    ready = emits[0].value
    assert ready["voice"] == f"elevenlabs/{RACHEL}"
    characters = sum(len(p) for p in narration_parts(event["script"]))
    assert sum(u["characters"] for u in elevenlabs_fake.usage) == characters
    cost = narration_cost(emits)
    assert (cost["provider"], cost["model"], cost["unit"]) == (
        "elevenlabs", "eleven_multilingual_v2", "characters")
    assert cost["quantity"] == characters
    assert cost["usd"] == current_table().price(
        "elevenlabs", "eleven_multilingual_v2", "characters", characters) > 0
    timings = json.loads(stage.store.path(ready["word_timings"]).read_text())
    spoken = " ".join(narration_parts(event["script"])).split()
    assert [t["word"] for t in timings] == spoken
    assert all(a["start_s"] <= b["start_s"] for a, b in zip(timings, timings[1:], strict=False))
    calls = elevenlabs_fake.calls[SPEECH]
    assert without_time(stage.handle(event)) == without_time(emits)
    assert elevenlabs_fake.calls[SPEECH] == calls


def test_the_channel_voice_is_used_and_an_unknown_one_refused(
    tmp_path: Path, elevenlabs_fake: FakeElevenLabs
) -> None:
    stage = narrator(tmp_path, elevenlabs_fake)
    emits = stage.handle(script_ready(voice=SARAH))
    assert emits[0].value["voice"] == f"elevenlabs/{SARAH}"
    assert {b["voice_id"] for e, b, _ in elevenlabs_fake.requests if e == SPEECH} == {SARAH}
    assert stage.handle(script_ready(voice="adam"))[0].value["voice"] == (
        "elevenlabs/pNInz6obpgDQGcFMJ2oE")  # a name from the account's voice list
    with pytest.raises(PermanentError, match="no voice named 'nova'"):
        stage.handle(script_ready(video_id="video-2", voice="nova"))
    with pytest.raises(PermanentError, match="no voice"):
        stage.handle(script_ready(video_id="video-3", voice="AAAAAAAAAAAAAAAAAAAA"))


def test_rate_limit_waits_for_retry_after(elevenlabs_fake: FakeElevenLabs) -> None:
    elevenlabs_fake.rate_limit_next(1, retry_after=2, endpoint=SPEECH)
    started = time.monotonic()
    speech = voice_for(elevenlabs_fake).speak("Monks in Yemen brewed it.", RACHEL)
    assert time.monotonic() - started >= 2
    assert speech.words and elevenlabs_fake.calls[SPEECH] == 2


@pytest.mark.parametrize("fault", ["500", "drop", "drop-mid-body"])
def test_server_errors_and_dropped_connections_are_retried(
    elevenlabs_fake: FakeElevenLabs, fault: str
) -> None:
    if fault == "500":
        elevenlabs_fake.fail_next(2, status=500, endpoint=SPEECH)
    else:
        elevenlabs_fake.drop_next(2, after_bytes=0 if fault == "drop" else 100, endpoint=SPEECH)
    speech = voice_for(elevenlabs_fake).speak("Monks in Yemen brewed it.", RACHEL)
    assert [w.word for w in speech.words] == ["Monks", "in", "Yemen", "brewed", "it."]
    assert elevenlabs_fake.calls[SPEECH] == 3 and elevenlabs_fake.served[SPEECH] == 1


def test_errors_left_after_retries_are_transient_or_permanent(
    elevenlabs_fake: FakeElevenLabs,
) -> None:
    elevenlabs_fake.fail_next(2, status=503, endpoint=SPEECH)
    with pytest.raises(VoiceUnavailable, match="503"):
        voice_for(elevenlabs_fake, max_retries=1).speak("Hello.", RACHEL)
    elevenlabs_fake.drop_next(2, endpoint=SPEECH)
    with pytest.raises(VoiceUnavailable, match="connection"):
        voice_for(elevenlabs_fake, max_retries=1).speak("Hello.", RACHEL)
    client = ElevenLabs(api_key="xi-wrong", base_url=elevenlabs_fake.url)
    with pytest.raises(PermanentError, match="401"):
        ElevenLabsVoice(client, "eleven_multilingual_v2").speak("Hello.", RACHEL)


@pytest.mark.parametrize(("budget", "spent", "voice"), [
    ("3.00", "0", "elevenlabs"),
    ("0.005", "0", "openai"),  # 170 characters at $0.10/1k = $0.017 would pass it
    ("3.00", "2.99", "openai"),
])
def test_budget_steps_down_to_openai_speech(
    tmp_path: Path, elevenlabs_fake: FakeElevenLabs, budget: str, spent: str, voice: str
) -> None:
    with FakeOpenAI(api_key=OPENAI_KEY) as openai_fake:
        stage = narrator(tmp_path, elevenlabs_fake, openai_api_key=OPENAI_KEY,
                         openai_base_url=openai_fake.url)
        event = script_ready()
        event["spec"]["budget_usd"] = Decimal(budget)
        event["envelope"]["cost_so_far_usd"] = Decimal(spent)
        emits = stage.handle(event)
        cost = narration_cost(emits)
        assert cost["provider"] == voice
        assert emits[0].value["voice"].startswith(f"{voice}/")
        assert (openai_fake.calls["audio.speech"] > 0) == (voice == "openai")
        assert (elevenlabs_fake.calls[SPEECH] > 0) == (voice == "elevenlabs")
        assert emits[0].value["envelope"]["cost_so_far_usd"] == Decimal(spent) + cost["usd"]


def test_the_key_never_reaches_logs_or_events(
    tmp_path: Path, elevenlabs_fake: FakeElevenLabs, log_text: io.StringIO
) -> None:
    elevenlabs_fake.fail_next(1, status=500, endpoint=SPEECH)
    emits = narrator(tmp_path, elevenlabs_fake).handle(script_ready())
    client = ElevenLabs(api_key=ELEVENLABS_KEY + "x", base_url=elevenlabs_fake.url)
    with pytest.raises(PermanentError) as wrong:
        ElevenLabsVoice(client, "eleven_multilingual_v2").speak("Hello.", RACHEL)
    logged = log_text.getvalue()
    assert "narrated" in logged and "HTTP Request" in logged  # ours and the client's
    assert ELEVENLABS_KEY not in logged
    assert ELEVENLABS_KEY not in repr([e.value for e in emits]) + str(wrong.value)


def test_a_narration_failing_half_way_pays_each_part_once(
    tmp_path: Path, elevenlabs_fake: FakeElevenLabs
) -> None:
    stage = narrator(tmp_path, elevenlabs_fake, provider_max_retries=0)
    event = script_ready()
    parts = narration_parts(event["script"])
    elevenlabs_fake.fail_next(1, status=503, endpoint=SPEECH, after=2)
    with pytest.raises(TransientError, match="503"):
        stage.handle(event)
    assert elevenlabs_fake.served[SPEECH] == 2
    emits = stage.handle(event)  # the worker's retry
    assert [u["characters"] for u in elevenlabs_fake.usage] == [len(p) for p in parts]
    cost = narration_cost(emits)
    assert cost["quantity"] == sum(len(p) for p in parts)


def test_a_part_longer_than_the_input_limit_is_spoken_in_pieces(
    elevenlabs_fake: FakeElevenLabs,
) -> None:
    client = ElevenLabs(api_key=ELEVENLABS_KEY, base_url=elevenlabs_fake.url)
    voice = ElevenLabsVoice(client, "eleven_multilingual_v2", max_chars=60)
    text = "Legend says a goat herder found it. Monks in Yemen brewed it to stay awake."
    speech = voice.speak(text, RACHEL)
    assert [u["characters"] for u in elevenlabs_fake.usage] == [35, 39]  # cut after "it."
    assert [w.word for w in speech.words] == text.split()
    first_piece_end = elevenlabs_fake.usage[0]["words"][-1][2]
    assert speech.words[7].start_s > first_piece_end  # "Monks" comes after the first piece
    assert all(a.end_s <= b.start_s for a, b in zip(speech.words, speech.words[1:],
                                                    strict=False))
