"""narrator: espeak-ng speech with word timings, loudness-normalised, spoken once per script."""

from __future__ import annotations

import copy
import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from processors.narrator import NarratorStage, build, narration_parts
from processors.providers.voice import Speech
from processors.providers.voice.espeak import EspeakVoice
from tests.processors.samples import script_ready, without_time
from ytempire.core.artifacts import ArtifactStore
from ytempire.core.cache import ResultCache
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event
from ytempire.core.media import measure_loudness, probe
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.core.spend import SpendJournal
from ytempire.stage import PermanentError


class CountingVoice(EspeakVoice):
    """The real espeak voice, counting how often it is asked to speak."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def speak(self, text: str, voice: str) -> Speech:
        self.calls += 1
        return super().speak(text, voice)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("narrator")


@pytest.fixture(scope="module")
def voice() -> CountingVoice:
    return CountingVoice()


@pytest.fixture(scope="module")
def stage(data_dir: Path, voice: CountingVoice) -> NarratorStage:
    return NarratorStage(
        voice=voice,
        store=ArtifactStore(data_dir / "artifacts"),
        cache=ResultCache(data_dir / "cache", "narrator"),
        work_dir=data_dir / "tmp",
        journal=SpendJournal(data_dir, "narrator"),
    )


@pytest.fixture(scope="module")
def event() -> Event:
    return script_ready()


@pytest.fixture(scope="module")
def emits(stage: NarratorStage, event: Event) -> list[Emit]:
    return stage.handle(event)


def timings(stage: NarratorStage, voice_ready: Event) -> list[dict[str, Any]]:
    return json.loads(stage.store.path(voice_ready["word_timings"]).read_text())


def test_emits_voice_ready_and_a_cost_that_both_encode(emits: list[Emit]) -> None:
    assert [e.topic for e in emits] == ["voice.ready", "cost.incurred"]
    codec = Codec(SchemaRegistry.load(Settings().schemas_dir))
    for emit in emits:
        assert codec.decode(emit.topic, codec.encode(emit.topic, emit.value))
    voice_ready, cost = emits[0].value, emits[1].value
    assert voice_ready["voice"] == "espeak-ng/en"
    assert cost["provider"] == "espeak-ng" and cost["unit"] == "characters"
    assert cost["quantity"] == sum(len(p) for p in narration_parts(voice_ready["script"]))
    assert cost["usd"] == Decimal("0") and cost["cached"] is False


def test_word_timings_are_monotonic_and_cover_the_audio(
    stage: NarratorStage, emits: list[Emit]
) -> None:
    voice_ready = emits[0].value
    words = timings(stage, voice_ready)
    spoken = " ".join(narration_parts(voice_ready["script"])).split()
    assert [w["word"] for w in words] == spoken
    previous_end = 0.0
    for word in words:
        assert previous_end <= word["start_s"] < word["end_s"], word
        previous_end = word["end_s"]
    duration = voice_ready["duration_s"]
    assert words[0]["start_s"] < 0.3
    assert duration - 0.6 < words[-1]["end_s"] <= duration + 0.05


def test_each_part_starts_where_its_words_start(stage: NarratorStage, emits: list[Emit]) -> None:
    voice_ready = emits[0].value
    starts = voice_ready["section_starts_s"]
    assert len(starts) == len(voice_ready["script"]["sections"]) + 2
    assert starts == sorted(starts) and starts[0] == 0.0
    bounds = [*starts[1:], voice_ready["duration_s"] + 0.05]
    for word in timings(stage, voice_ready):
        part = word["section"]
        assert starts[part] <= word["start_s"] and word["end_s"] <= bounds[part], word


def test_audio_is_48k_aac_at_minus_14_lufs(stage: NarratorStage, emits: list[Emit]) -> None:
    voice_ready = emits[0].value
    path = stage.store.path(voice_ready["audio"])
    info = probe(path)
    assert (info.audio_codec, info.audio_sample_rate) == ("aac", 48_000)
    assert voice_ready["duration_s"] == pytest.approx(info.duration_s, abs=0.01)
    measured = measure_loudness(path)
    assert measured.integrated_lufs == pytest.approx(-14.0, abs=1.5)
    assert voice_ready["loudness_lufs"] == pytest.approx(measured.integrated_lufs, abs=0.1)
    assert measured.true_peak_dbtp <= -1.0


def test_redelivered_script_is_not_spoken_twice(
    stage: NarratorStage, voice: CountingVoice, event: Event, emits: list[Emit]
) -> None:
    calls = voice.calls
    again = stage.handle(copy.deepcopy(event))
    assert voice.calls == calls
    assert without_time(again) == without_time(emits)


def test_same_script_in_another_event_reuses_the_speech_for_free(
    stage: NarratorStage, voice: CountingVoice, emits: list[Emit]
) -> None:
    calls = voice.calls
    other = stage.handle(script_ready(video_id="video-2"))
    assert voice.calls == calls
    assert other[0].value["audio"] == emits[0].value["audio"]
    assert other[0].value["envelope"]["event_id"] != emits[0].value["envelope"]["event_id"]
    assert other[1].value["cached"] is True and other[1].value["usd"] == Decimal("0")


def test_requested_voice_is_used(stage: NarratorStage) -> None:
    voice_ready = stage.handle(script_ready(voice="en-us"))[0].value
    assert voice_ready["voice"] == "espeak-ng/en-us"


def test_a_language_code_without_a_voice_of_that_name_still_finds_one(stage: NarratorStage) -> None:
    event = script_ready()
    event["script"]["language"] = "en-GB"
    assert stage.handle(event)[0].value["voice"] == "espeak-ng/en-gb"


def test_unknown_voice_is_a_permanent_error(stage: NarratorStage) -> None:
    with pytest.raises(PermanentError, match="no voice 'xx-nope'"):
        stage.handle(script_ready(voice="xx-nope"))


def test_script_without_words_is_a_permanent_error(stage: NarratorStage) -> None:
    event = script_ready()
    event["script"].update(hook="", call_to_action=" ")
    for section in event["script"]["sections"]:
        section["narration"] = "..."
    with pytest.raises(PermanentError, match="no words"):
        stage.handle(event)


def test_concurrent_calls_each_get_their_own_words(settings: Settings) -> None:
    stage = build(settings)
    hooks = ["Alpha bravo charlie delta.", "One two three four five six."]
    results: dict[str, Event] = {}

    def narrate(hook: str) -> None:
        results[hook] = stage.handle(script_ready(video_id=hook, hook=hook))[0].value

    threads = [threading.Thread(target=narrate, args=(hook,)) for hook in hooks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for hook in hooks:
        words = timings(stage, results[hook])
        assert [w["word"] for w in words if w["section"] == 0] == hook.split()
