"""The scriptwriter on OpenAI, through the real ``openai`` client against ``FakeOpenAI``:
structured scripts priced from the response's usage, paid once, retries, tier fallback and
budget step-down, moderation, and no secret in the logs."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from processors.scriptwriter import ScriptWriterStage, build
from tests.fakes.openai_server import FakeOpenAI
from tests.processors.providers.conftest import OPENAI_KEY, openai_settings
from tests.processors.samples import typed, without_time
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event, plain
from ytempire.core.pricing import current_table
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.script_brief import ANGLES, ScriptRequest, count_prompt_tokens, messages_for
from ytempire.core.settings import Settings
from ytempire.stage import PermanentError, TransientError

CHAT = "chat.completions"


def requested(topic: str = "How sourdough bread rises", **fields: Any) -> Event:
    return plain(request_event(VideoRequest(topic=topic, target_duration_s=60, **fields)).value)


def stage_for(tmp_path: Path, fake: FakeOpenAI, **overrides: Any) -> ScriptWriterStage:
    return build(openai_settings(tmp_path, fake, **overrides))


def costs(emits: list[Emit]) -> list[Event]:
    return [plain(e.value) for e in emits if e.topic == "cost.incurred"]


def expected_usd(fake: FakeOpenAI) -> Decimal:
    """What the fake billed, priced from the table: every served chat and moderation call."""
    table = current_table()
    total = Decimal(0)
    for use in fake.usage_of(CHAT):
        total += table.price("openai", use["model"], "tokens_in", use["prompt_tokens"])
        total += table.price("openai", use["model"], "tokens_out", use["completion_tokens"])
    for use in fake.usage_of("moderations"):
        total += table.price("openai", use["model"], "requests", 1)
    return total


def test_script_comes_from_openai_structured_and_priced_from_usage(
    tmp_path: Path, openai_fake: FakeOpenAI
) -> None:
    stage = stage_for(tmp_path, openai_fake)
    emits = stage.handle(typed("script.requested", requested()))
    codec = Codec(SchemaRegistry.load(Settings().schemas_dir))
    for emit in emits:
        codec.encode(emit.topic, plain(emit.value))
    ready = plain(emits[0].value)
    assert ready["writer"] == "openai/gpt-4o"
    assert abs(ready["script"]["word_count"] - 150) <= 15, ready["script"]["word_count"]
    assert "sourdough" in ready["script"]["title"].lower()
    assert openai_fake.served == {CHAT: 1, "moderations": 1}
    by_unit = {(c["model"], c["unit"]): c for c in costs(emits)}
    use = openai_fake.usage_of(CHAT)[0]
    assert by_unit[("gpt-4o", "tokens_in")]["quantity"] == use["prompt_tokens"]
    assert by_unit[("gpt-4o", "tokens_out")]["quantity"] == use["completion_tokens"]
    assert by_unit[("omni-moderation-latest", "requests")]["quantity"] == 1
    assert sum(c["usd"] for c in costs(emits)) == expected_usd(openai_fake) > 0
    assert ready["envelope"]["cost_so_far_usd"] == expected_usd(openai_fake)
    request = openai_fake.requests[0][1]
    assert request["response_format"]["type"] == "json_schema"
    assert "Topic: How sourdough bread rises" in request["messages"][1]["content"]


def test_prompt_tokens_are_counted_before_the_call(openai_fake: FakeOpenAI) -> None:
    messages = messages_for(ScriptRequest("How sourdough bread rises", 60))
    counted = count_prompt_tokens(messages, "gpt-4o")
    characters = sum(len(m["content"]) for m in messages)
    # A real BPE count: English prose is about 4 characters a token, never 1 or 10.
    assert characters / 6 < counted < characters / 3
    assert count_prompt_tokens(messages, "llama3.1:8b") > 0  # unknown models still count


def test_redelivery_never_pays_twice_and_another_video_gets_its_own_angle(
    tmp_path: Path, openai_fake: FakeOpenAI
) -> None:
    stage = stage_for(tmp_path, openai_fake)
    event = requested()
    first = stage.handle(typed("script.requested", event))
    again = stage.handle(typed("script.requested", event))
    assert without_time(again) == without_time(first)
    assert openai_fake.calls[CHAT] == 1 and openai_fake.calls["moderations"] == 1
    other = stage.handle(typed("script.requested", requested()))  # another video: written anew
    assert openai_fake.calls[CHAT] == 2
    assert not any(c["cached"] for c in costs(other))
    brief = ScriptRequest("How tides work", 60)
    angled = replace(brief, angle=ANGLES[3], variant="v")
    assert "Angle: " not in messages_for(brief)[1]["content"]
    assert f"Angle: {ANGLES[3]}" in messages_for(angled)[1]["content"]


def test_rate_limit_waits_for_retry_after(tmp_path: Path, openai_fake: FakeOpenAI) -> None:
    openai_fake.rate_limit_next(1, retry_after=2, endpoint=CHAT)
    started = time.monotonic()
    emits = stage_for(tmp_path, openai_fake).handle(typed("script.requested", requested()))
    assert time.monotonic() - started >= 2
    assert openai_fake.calls[CHAT] == 2 and openai_fake.served[CHAT] == 1
    assert plain(emits[0].value)["writer"] == "openai/gpt-4o"


@pytest.mark.parametrize("fault", ["500", "drop", "drop-mid-body"])
def test_server_errors_and_dropped_connections_are_retried(
    tmp_path: Path, openai_fake: FakeOpenAI, fault: str
) -> None:
    if fault == "500":
        openai_fake.fail_next(2, status=500, endpoint=CHAT)
    else:
        openai_fake.drop_next(1, after_bytes=0 if fault == "drop" else 40, endpoint=CHAT)
    emits = stage_for(tmp_path, openai_fake).handle(typed("script.requested", requested()))
    assert plain(emits[0].value)["writer"] == "openai/gpt-4o"
    assert openai_fake.served[CHAT] == 1
    assert openai_fake.calls[CHAT] == (3 if fault == "500" else 2)


def test_premium_failing_after_retries_falls_back_to_economy(
    tmp_path: Path, openai_fake: FakeOpenAI
) -> None:
    openai_fake.failing_models["gpt-4o"] = 503
    stage = stage_for(tmp_path, openai_fake, provider_max_retries=1)
    emits = stage.handle(typed("script.requested", requested()))
    assert plain(emits[0].value)["writer"] == "openai/gpt-4o-mini"
    models = [body["model"] for endpoint, body, _ in openai_fake.requests if endpoint == CHAT]
    assert models == ["gpt-4o", "gpt-4o", "gpt-4o-mini"]
    assert {c["model"] for c in costs(emits)} == {"gpt-4o-mini", "omni-moderation-latest"}
    assert sum(c["usd"] for c in costs(emits)) == expected_usd(openai_fake)


def test_both_tiers_failing_is_transient(tmp_path: Path, openai_fake: FakeOpenAI) -> None:
    openai_fake.failing_models.update({"gpt-4o": 500, "gpt-4o-mini": 500})
    with pytest.raises(TransientError, match="gpt-4o-mini"):
        stage_for(tmp_path, openai_fake, provider_max_retries=0).handle(
            typed("script.requested", requested())
        )


def test_a_wrong_key_is_permanent(tmp_path: Path, openai_fake: FakeOpenAI) -> None:
    settings = Settings(data_dir=tmp_path, openai_api_key="sk-wrong",
                        openai_base_url=openai_fake.url)
    with pytest.raises(PermanentError, match="401"):
        build(settings).handle(typed("script.requested", requested()))


def test_an_exhausted_quota_is_permanent(tmp_path: Path, openai_fake: FakeOpenAI) -> None:
    openai_fake.quota_exhausted = True
    with pytest.raises(PermanentError, match="out of quota"):
        stage_for(tmp_path, openai_fake, provider_max_retries=0).handle(
            typed("script.requested", requested())
        )


@pytest.mark.parametrize(("budget", "spent", "model"), [
    ("3.00", "0", "gpt-4o"),
    ("0.004", "0", "gpt-4o-mini"),  # premium alone (~$0.005 projected) would pass it
    ("3.00", "2.999", "gpt-4o-mini"),  # the video has nearly spent its budget already
])
def test_budget_steps_down_to_economy(
    tmp_path: Path, openai_fake: FakeOpenAI, budget: str, spent: str, model: str
) -> None:
    event = requested(budget_usd=Decimal(budget))
    event["envelope"]["cost_so_far_usd"] = Decimal(spent)
    emits = stage_for(tmp_path, openai_fake).handle(typed("script.requested", event))
    assert plain(emits[0].value)["writer"] == f"openai/{model}"
    assert [body["model"] for e, body, _ in openai_fake.requests if e == CHAT] == [model]
    assert plain(emits[0].value)["envelope"]["cost_so_far_usd"] == Decimal(spent) + expected_usd(
        openai_fake)


def test_flagged_script_ends_the_video_once_with_its_costs(
    tmp_path: Path, openai_fake: FakeOpenAI
) -> None:
    stage = stage_for(tmp_path, openai_fake)
    event = requested(topic="A forbidden recipe")
    emits = stage.handle(typed("script.requested", event))
    assert [e.topic for e in emits] == ["pipeline.failed"] + ["cost.incurred"] * 3
    failed = plain(emits[0].value)
    assert not failed["retryable"] and failed["error_type"] == "PermanentError"
    assert "violence" in failed["error_message"] and "openai/omni-moderation" in failed[
        "error_message"]
    codec = Codec(SchemaRegistry.load(Settings().schemas_dir))
    for emit in emits:
        codec.encode(emit.topic, plain(emit.value))
    assert {c["model"] for c in costs(emits)} == {"gpt-4o", "omni-moderation-latest"}
    assert sum(c["usd"] for c in costs(emits)) == expected_usd(openai_fake)
    assert without_time(stage.handle(typed("script.requested", event))) == without_time(emits)
    assert openai_fake.calls == {CHAT: 1, "moderations": 1}


def test_moderation_can_be_switched_off(tmp_path: Path, openai_fake: FakeOpenAI) -> None:
    emits = stage_for(tmp_path, openai_fake, moderation_model="").handle(
        typed("script.requested", requested())
    )
    assert openai_fake.calls == {CHAT: 1}
    assert {c["model"] for c in costs(emits)} == {"gpt-4o"}


def test_no_key_means_the_offline_writer(tmp_path: Path, openai_fake: FakeOpenAI) -> None:
    emits = build(Settings(data_dir=tmp_path)).handle(typed("script.requested", requested()))
    assert plain(emits[0].value)["writer"] == "offline/template-writer"
    assert openai_fake.calls == {}


def test_the_key_never_reaches_logs_or_events(
    tmp_path: Path, openai_fake: FakeOpenAI, log_text: io.StringIO
) -> None:
    openai_fake.fail_next(1, status=500, endpoint=CHAT)
    stage = stage_for(tmp_path, openai_fake)
    emits = stage.handle(typed("script.requested", requested()))
    with pytest.raises(PermanentError) as wrong:
        build(
            Settings(
                data_dir=tmp_path / "other",
                openai_api_key=OPENAI_KEY + "x",
                openai_base_url=openai_fake.url,
            )
        ).handle(typed("script.requested", requested(topic="Other")))
    logged = log_text.getvalue()
    assert "script written" in logged and "Sending HTTP Request" in logged  # ours and the client's
    assert OPENAI_KEY not in logged
    assert OPENAI_KEY not in repr([plain(e.value) for e in emits]) + str(wrong.value)


def test_unusable_answers_are_billed_with_the_script_that_follows(
    tmp_path: Path, openai_fake: FakeOpenAI
) -> None:
    openai_fake.garble_next = 4  # premium's answers, then economy's: all paid, all useless
    stage = stage_for(tmp_path, openai_fake)
    event = requested()
    with pytest.raises(TransientError, match="does not match the schema"):
        stage.handle(typed("script.requested", event))
    emits = stage.handle(
        typed("script.requested", event)
    )  # the worker's retry: premium again, usable this time
    assert [body["model"] for e, body, _ in openai_fake.requests if e == CHAT] == [
        "gpt-4o", "gpt-4o", "gpt-4o-mini", "gpt-4o-mini", "gpt-4o"]
    billed: dict[tuple[str, str], float] = {}
    for cost in costs(emits):  # one event per paid call and unit
        key = (cost["model"], cost["unit"])
        billed[key] = billed.get(key, 0) + cost["quantity"]
    chats = openai_fake.usage_of(CHAT)
    assert billed[("gpt-4o", "tokens_in")] == sum(chats[i]["prompt_tokens"] for i in (0, 1, 4))
    assert billed[("gpt-4o-mini", "tokens_out")] == sum(chats[i]["completion_tokens"]
                                                        for i in (2, 3))
    assert abs(sum(c["usd"] for c in costs(emits)) - expected_usd(openai_fake)) < Decimal("1e-5")
