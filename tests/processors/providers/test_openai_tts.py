"""The narrator on OpenAI speech, through the real ``openai`` client against ``FakeOpenAI``:
word timings derived from the audio, the channel's voice, cost per character, retries."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from openai import OpenAI

from processors.narrator import build, narration_parts
from processors.providers.script.offline import OfflineScriptWriter
from processors.providers.voice import split_text
from processors.providers.voice.openai_tts import OpenAITTSVoice, derive_timings
from tests.fakes.openai_server import FakeOpenAI
from tests.processors.providers.conftest import OPENAI_KEY, openai_settings
from tests.processors.providers.test_elevenlabs_voice import narration_cost
from tests.processors.samples import script_of, script_ready, typed, without_time
from ytempire.core.events import plain
from ytempire.core.pricing import current_table
from ytempire.core.script_brief import ScriptRequest
from ytempire.stage import TransientError

SPEECH = "audio.speech"


def voice_for(fake: FakeOpenAI, max_retries: int = 2) -> OpenAITTSVoice:
    return OpenAITTSVoice(OpenAI(base_url=fake.url, api_key=OPENAI_KEY, max_retries=max_retries),
                          "tts-1")


def test_derived_word_timings_follow_the_speech(openai_fake: FakeOpenAI) -> None:
    script = OfflineScriptWriter().write(ScriptRequest("How volcanoes form", 30)).script
    voice = voice_for(openai_fake)
    errors = []
    for text in [script["hook"], *(s["narration"] for s in script["sections"])]:
        speech = voice.speak(text, "alloy")
        truth = openai_fake.usage_of(SPEECH)[-1]["words"]
        assert [w.word for w in speech.words] == text.split()
        assert all(w.end_s >= w.start_s for w in speech.words)
        assert all(a.end_s <= b.start_s + 1e-6
                   for a, b in zip(speech.words, speech.words[1:], strict=False))
        errors += [abs(w.start_s - t[1]) for w, t in zip(speech.words, truth, strict=True)]
    assert np.mean(errors) < 0.15, np.mean(errors)
    assert max(errors) < 0.6, max(errors)


def test_silence_and_empty_text_do_not_break_timings() -> None:
    assert derive_timings("", b"", 24_000) == []
    words = derive_timings("two words", b"\0\0" * 24_000, 24_000)
    assert [(w.word, w.start_s) for w in words][0] == ("two", 0.0)
    assert words[-1].end_s == pytest.approx(1.0)


def test_narration_on_openai_speech_is_priced_and_paid_once(
    tmp_path: Path, openai_fake: FakeOpenAI
) -> None:
    stage = build(openai_settings(tmp_path, openai_fake))
    event = script_ready(voice="nova")
    emits = stage.handle(typed("script.ready", event))
    ready = plain(emits[0].value)
    assert ready["voice"] == "openai/nova"
    characters = sum(len(p) for p in narration_parts(script_of(event)))
    cost = narration_cost(emits)
    assert (cost["provider"], cost["model"], cost["quantity"]) == ("openai", "tts-1", characters)
    assert cost["usd"] == current_table().price("openai", "tts-1", "characters", characters)
    assert sum(u["characters"] for u in openai_fake.usage_of(SPEECH)) == characters
    assert {body["response_format"] for _, body, _ in openai_fake.requests} == {"pcm"}
    calls = openai_fake.calls[SPEECH]
    assert without_time(stage.handle(typed("script.ready", event))) == without_time(emits)
    assert openai_fake.calls[SPEECH] == calls


def test_a_voice_of_another_provider_falls_back_to_the_language_default(
    openai_fake: FakeOpenAI,
) -> None:
    voice = voice_for(openai_fake)
    assert voice.resolve("21m00Tcm4TlvDq8ikWAM", "en") == "alloy"
    assert voice.resolve("Shimmer", "de") == "shimmer"


def test_rate_limits_server_errors_and_drops_are_retried(openai_fake: FakeOpenAI) -> None:
    openai_fake.rate_limit_next(1, retry_after=1, endpoint=SPEECH)
    openai_fake.fail_next(1, status=502, endpoint=SPEECH)
    openai_fake.drop_next(1, after_bytes=0, endpoint=SPEECH)
    started = time.monotonic()
    speech = voice_for(openai_fake, max_retries=3).speak("Monks in Yemen brewed it.", "alloy")
    assert time.monotonic() - started >= 1
    assert speech.duration_s > 0.5
    assert openai_fake.calls[SPEECH] == 4 and openai_fake.served[SPEECH] == 1
    openai_fake.fail_next(2, status=500, endpoint=SPEECH)
    with pytest.raises(TransientError, match="500"):
        voice_for(openai_fake, max_retries=1).speak("Hello.", "alloy")


def test_a_part_longer_than_the_input_limit_is_spoken_in_pieces(openai_fake: FakeOpenAI) -> None:
    text = " ".join(["Lava cools into new rock along the ridge."] * 110)  # 4,729 characters
    speech = voice_for(openai_fake).speak(text, "alloy")
    pieces = openai_fake.usage_of(SPEECH)
    assert len(pieces) == 2 and all(p["characters"] <= 4096 for p in pieces)
    assert sum(p["characters"] for p in pieces) == len(text) - 1  # the space between them
    assert [w.word for w in speech.words] == text.split()
    assert all(a.start_s <= b.start_s for a, b in zip(speech.words, speech.words[1:],
                                                      strict=False))
    assert speech.words[-1].end_s == pytest.approx(speech.duration_s, abs=0.6)


def test_split_text_keeps_words_whole() -> None:
    assert split_text("One. Two three. Four", 9) == ["One.", "Two", "three.", "Four"]
    assert split_text("short", 100) == ["short"]
    assert split_text("", 100) == [""]
    assert split_text("abcdefghij", 4) == ["abcd", "efgh", "ij"]
