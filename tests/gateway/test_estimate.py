"""The estimate prices the providers the stages would run (from the same Settings), says which
tier it assumed, and lands within 25% of what a video then costs against the fakes."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.estimate import estimate
from processors.assembler import thumbnailer_for
from processors.narrator import build as build_narrator
from processors.scriptwriter import build as build_scriptwriter
from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.fakes.openai_server import FakeOpenAI
from tests.gateway.conftest import Caller
from ytempire.core.events import Emit
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.settings import Settings

OPENAI_KEY, ELEVENLABS_KEY = "sk-estimate", "xi-estimate"
TOLERANCE = Decimal("0.25")


@pytest.fixture
def paid(tmp_path: Path) -> Iterator[tuple[Settings, FakeOpenAI, FakeElevenLabs]]:
    with FakeOpenAI(api_key=OPENAI_KEY) as openai, \
            FakeElevenLabs(api_key=ELEVENLABS_KEY) as elevenlabs:
        settings = Settings(data_dir=tmp_path, openai_api_key=OPENAI_KEY,
                            openai_base_url=openai.url, elevenlabs_api_key=ELEVENLABS_KEY,
                            elevenlabs_base_url=elevenlabs.url, thumbnail_provider="openai",
                            provider_max_retries=0)
        yield settings, openai, elevenlabs


def spec(duration: int, budget: str = "3.00") -> dict[str, object]:
    return {"target_duration_s": duration, "budget_usd": budget, "format": "LANDSCAPE",
            "language": "en"}


def test_offline_settings_estimate_zero_on_the_offline_tier(tmp_path: Path) -> None:
    planned = estimate(Settings(data_dir=tmp_path), "ch", spec(60))
    assert (planned.usd, planned.tier) == (Decimal(0), "offline")
    assert {line.provider for line in planned.lines} >= {"offline", "espeak-ng", "generated"}


def test_paid_providers_are_priced_premium_first(
    paid: tuple[Settings, FakeOpenAI, FakeElevenLabs]
) -> None:
    settings, _, _ = paid
    planned = estimate(settings, "ch", spec(60))
    models = {(line.provider, line.model) for line in planned.lines if line.usd > 0}
    assert models == {("openai", "gpt-4o"), ("elevenlabs", "eleven_multilingual_v2"),
                      ("openai", "gpt-image-1")}
    assert planned.tier == "premium"
    assert Decimal("0.05") < planned.usd < Decimal("0.40")


def test_a_budget_too_small_for_premium_estimates_the_economy_tier(
    paid: tuple[Settings, FakeOpenAI, FakeElevenLabs]
) -> None:
    settings, _, _ = paid
    planned = estimate(settings, "ch", spec(60, budget="0.004"))
    assert planned.tier == "economy"
    paid_models = {line.model for line in planned.lines if line.usd > 0}
    assert "gpt-4o" not in paid_models and "eleven_multilingual_v2" not in paid_models


def test_estimate_is_within_a_quarter_of_what_the_video_costs(
    paid: tuple[Settings, FakeOpenAI, FakeElevenLabs], tmp_path: Path
) -> None:
    settings, openai, elevenlabs = paid
    request: Emit = request_event(VideoRequest(topic="How glaciers carve valleys",
                                               target_duration_s=60))
    planned = estimate(settings, "ch", request.value["spec"])
    script_emits = build_scriptwriter(settings).handle(request.value)
    voice_emits = build_narrator(settings).handle(script_emits[0].value)
    script = script_emits[0].value["script"]
    thumbnailer_for(settings).render(script["title"], "glaciers", "seed", tmp_path / "t.png")
    costs = [e.value for e in (*script_emits, *voice_emits) if e.topic == "cost.incurred"]
    # The thumbnail's cost is the assembler's: one image at the table's price.
    images = len(openai.usage_of("images.generations"))
    thumbnail = next(line.usd for line in planned.lines if line.model == "gpt-image-1") * images
    incurred = sum((c["usd"] for c in costs), Decimal(0)) + thumbnail
    assert elevenlabs.usage and openai.usage_of("chat.completions")
    assert abs(planned.usd - incurred) <= incurred * TOLERANCE, (planned.usd, incurred)
    for unit in ("tokens_out", "characters"):
        expected = next(line.quantity for line in planned.lines
                        if line.unit == unit and line.usd > 0)
        actual = sum(c["quantity"] for c in costs if c["unit"] == unit and c["usd"] > 0)
        assert abs(expected - actual) <= actual * float(TOLERANCE), (unit, expected, actual)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'gateway.db'}"


@pytest.fixture
def gateway_settings(tmp_path: Path, database_url: str) -> Settings:
    """The gateway reads the stages' Settings: here OpenAI and ElevenLabs are configured."""
    return Settings(data_dir=tmp_path, database_url=database_url, openai_api_key=OPENAI_KEY,
                    elevenlabs_api_key=ELEVENLABS_KEY, thumbnail_provider="openai")


def test_projection_and_submission_use_the_configured_providers(
    client: TestClient, alice: Caller, channel: dict
) -> None:
    projected = client.get("/v1/costs/projection", params={"channel_id": channel["id"]},
                           headers=alice.headers)
    assert projected.status_code == 200, projected.text
    body = projected.json()
    assert body["tier"] == "premium" and Decimal(body["per_video_usd"]) > Decimal("0.05")
    assert {line["provider"] for line in body["lines"]} >= {"openai", "elevenlabs"}
    refused = client.post("/v1/videos", headers=alice.headers, json={
        "channel_id": channel["id"], "topic": "Comets", "budget_usd": "0.05"})
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "estimated $0.08" in detail and "economy tier" in detail
