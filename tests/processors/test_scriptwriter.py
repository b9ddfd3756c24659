"""scriptwriter: sized, deterministic, limit-abiding scripts; bad briefs refused; paid once."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from processors.providers.script.limits import tags_length
from processors.providers.script.offline import OfflineScriptWriter
from processors.scriptwriter import ScriptWriterStage, build
from tests.processors.samples import typed, without_time
from ytempire.core.cache import ResultCache
from ytempire.core.codec import Codec
from ytempire.core.events import Event, plain
from ytempire.core.pricing import current_table
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.script_brief import WORDS_PER_MINUTE
from ytempire.core.settings import Settings
from ytempire.core.spend import SpendJournal
from ytempire.stage import PermanentError


def requested(topic: str = "How volcanoes form", **spec: Any) -> Event:
    event = plain(request_event(VideoRequest(topic="placeholder")).value)
    event["spec"].update(topic=topic, **spec)
    return event


def sentences(script: dict[str, Any]) -> list[str]:
    text = " ".join(
        [script["hook"], *(s["narration"] for s in script["sections"]), script["call_to_action"]]
    )
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


@pytest.fixture
def stage(settings: Settings) -> ScriptWriterStage:
    return build(settings)


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec(SchemaRegistry.load(Settings().schemas_dir))


def test_script_ready_is_structured_and_encodes(stage: ScriptWriterStage, codec: Codec) -> None:
    emits = stage.handle(typed("script.requested", requested(target_duration_s=60)))
    assert [e.topic for e in emits] == ["script.ready", "cost.incurred"]
    for emit in emits:
        codec.encode(emit.topic, plain(emit.value))
    ready = plain(emits[0].value)
    script = ready["script"]
    assert ready["writer"] == "offline/template-writer"
    assert "volcanoes form" in script["title"].lower()
    assert script["hook"] and script["call_to_action"]
    assert len(script["sections"]) >= 2
    for section in script["sections"]:
        assert section["heading"] and section["narration"] and section["on_screen_text"]
        assert "volcanoes" in section["keywords"]
    assert "volcanoes form" in script["description"]
    assert script["tags"] and script["language"] == "en"


def test_equal_requests_get_identical_scripts_even_without_the_cache(tmp_path: Path) -> None:
    event = requested()  # one video's request, handled by two stages with separate caches
    first = build(Settings(data_dir=tmp_path / "a")).handle(typed("script.requested", event))
    second = build(Settings(data_dir=tmp_path / "b")).handle(typed("script.requested", event))
    assert plain(first[0].value)["script"] == plain(second[0].value)["script"]


def test_different_topics_get_different_scripts(stage: ScriptWriterStage) -> None:
    volcano = plain(
        stage.handle(typed("script.requested", requested("How volcanoes form")))[0].value
    )["script"]
    coffee = plain(
        stage.handle(typed("script.requested", requested("The history of coffee")))[0].value
    )["script"]
    assert volcano["title"] != coffee["title"]
    assert volcano["hook"] != coffee["hook"]
    assert volcano["tags"] != coffee["tags"]


def test_style_changes_the_voice_of_the_script(stage: ScriptWriterStage) -> None:
    calm = plain(stage.handle(typed("script.requested", requested(style="informative")))[0].value)[
        "script"
    ]
    loud = plain(stage.handle(typed("script.requested", requested(style="energetic")))[0].value)[
        "script"
    ]
    assert (calm["title"], calm["hook"]) != (loud["title"], loud["hook"])


def test_redelivered_request_gives_identical_events_and_is_paid_once(
    stage: ScriptWriterStage,
) -> None:
    event = requested()
    first, again = (
        stage.handle(typed("script.requested", event)),
        stage.handle(typed("script.requested", copy.deepcopy(event))),
    )
    assert without_time(first) == without_time(again)
    cost = plain(first[1].value)
    assert (cost["provider"], cost["model"], cost["unit"]) == (
        "offline",
        "template-writer",
        "tokens_out",
    )
    assert cost["quantity"] > plain(first[0].value)["script"]["word_count"]
    assert cost["cached"] is False and cost["usd"] == Decimal(0)
    assert cost["price_table_version"] == current_table().version

    other = requested()  # another video with the same brief is written anew (issue #16)
    fresh = stage.handle(typed("script.requested", other))
    assert plain(fresh[0].value)["script"] != plain(first[0].value)["script"]
    assert plain(fresh[1].value)["cached"] is False
    assert plain(fresh[1].value)["call_key"] != cost["call_key"]


def test_one_brief_twice_or_on_two_channels_of_an_owner_never_shares_a_script(
    stage: ScriptWriterStage,
) -> None:
    def video(channel: str) -> Event:
        event = requested("How honeybees make honey")
        event["envelope"].update(owner_id="owner-1", channel_id=channel)
        return event

    first = video("chan-a")
    outputs = [stage.handle(typed("script.requested", copy.deepcopy(e)))
               for e in (first, video("chan-b"), video("chan-a"))]
    scripts = [plain(out[0].value)["script"] for out in outputs]
    narrations = [" ".join(s["narration"] for s in script["sections"]) for script in scripts]
    assert len(set(narrations)) == 3
    assert len({plain(out[1].value)["call_key"] for out in outputs}) == 3  # three cache keys
    again = stage.handle(typed("script.requested", copy.deepcopy(first)))  # a redelivery
    assert without_time(again) == without_time(outputs[0])


@pytest.mark.parametrize("seconds", [15, 30, 60, 180, 600, 1200])
def test_word_count_fits_the_target_duration(stage: ScriptWriterStage, seconds: int) -> None:
    script = plain(
        stage.handle(typed("script.requested", requested(target_duration_s=seconds)))[0].value
    )["script"]
    target = seconds * WORDS_PER_MINUTE / 60
    assert abs(script["word_count"] - target) <= 0.15 * target
    assert len(sentences(script)) == len(set(sentences(script))), "a sentence is repeated"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"topic": "   "}, "no words"),
        ({"topic": "?!"}, "no words"),
        ({"topic": "word " * 60}, "characters"),
        ({"target_duration_s": 14}, "15..1200"),
        ({"target_duration_s": 1201}, "15..1200"),
        ({"language": "de"}, "'de'"),
    ],
)
def test_bad_requests_are_refused_permanently(
    stage: ScriptWriterStage, spec: dict[str, Any], message: str
) -> None:
    event = requested()
    event["spec"].update(spec)
    with pytest.raises(PermanentError, match=re.escape(message)):
        stage.handle(typed("script.requested", event))


def test_regional_english_is_english(stage: ScriptWriterStage) -> None:
    script = plain(stage.handle(typed("script.requested", requested(language="en-GB")))[0].value)[
        "script"
    ]
    assert script["language"] == "en"


@pytest.fixture(scope="module")
def shared_stage(tmp_path_factory: pytest.TempPathFactory) -> ScriptWriterStage:
    root = tmp_path_factory.mktemp("scriptwriter-cache")
    return ScriptWriterStage(writer=OfflineScriptWriter(), cache=ResultCache(root, "scriptwriter"),
                             journal=SpendJournal(root, "scriptwriter"))


topics = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200)


@hyp_settings(max_examples=150, deadline=None)
@given(
    topic=topics,
    seconds=st.integers(15, 1200),
    style=st.sampled_from(["informative", "casual", "energetic", "Funny", "unknown style"]),
    fmt=st.sampled_from(["LANDSCAPE", "SHORTS"]),
)
def test_limits_hold_for_any_topic(
    shared_stage: ScriptWriterStage, codec: Codec, topic: str, seconds: int, style: str, fmt: str
) -> None:
    event = requested(topic, target_duration_s=seconds, style=style, format=fmt)
    if not any(c.isalnum() for c in topic):
        with pytest.raises(PermanentError):
            shared_stage.handle(typed("script.requested", event))
        return
    ready = plain(shared_stage.handle(typed("script.requested", event))[0].value)
    codec.encode("script.ready", ready)
    script = ready["script"]
    assert 0 < len(script["title"]) <= 100
    assert 0 < len(script["description"].encode()) <= 5000
    assert script["tags"] and tags_length(script["tags"]) <= 500
    published_text = script["title"] + script["description"] + "".join(script["tags"])
    assert "<" not in published_text and ">" not in published_text
    target = seconds * WORDS_PER_MINUTE / 60
    assert abs(script["word_count"] - target) <= 0.15 * target
    assert all(s["narration"] and s["heading"] for s in script["sections"])
    said = sentences(script)
    assert len(said) == len(set(said)), "a sentence is repeated"
