"""Cost estimate of a planned video: the providers that would run for it, priced before any work.

It reads the same ``Settings`` the stages read and the stages' own planning rules, kept in the
kernel so both layers read one copy: the OpenAI writer's ``quote`` (``core.script_brief``),
``core.voices.voice_plan``, the upload's quota units (``core.schedule``); the assembler's
thumbnailer rule and the publisher's channel credentials are the same settings read the same
way. So an OpenAI or ElevenLabs key switched on shows in the estimate and the budget check at
submission. Tiers step down as the stages step down: premium unless the video's
projected cost so far would pass its budget, then economy (the script first, then the voice).

Quantities: the script's tokens are the writer's own quote (its prompt counted, 1.4 tokens per
narration word + metadata); the narration is ``CHARACTERS_PER_WORD`` characters per word at
150 words a minute; one thumbnail; the video as long as its target. Measured against the
fakes' scripts (tests/gateway/test_estimate.py): within 25% of the cost the video incurs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from ytempire.core.pricing import PriceTable, Usage, current_table
from ytempire.core.schedule import INSERT_UNITS, THUMBNAIL_UNITS
from ytempire.core.script_brief import ScriptRequest, quote
from ytempire.core.settings import Settings
from ytempire.core.voices import voice_plan, voice_priced_as

CHARACTERS_PER_WORD = 6.2
"""Narrated characters per word (spaces and punctuation included) in English scripts."""
OFFLINE_TOKENS_PER_WORD = 1.35
MICRO = Decimal("0.000001")

Tier = Literal["premium", "economy", "offline"]


@dataclass(frozen=True)
class EstimateLine:
    stage: str
    provider: str
    model: str
    unit: str
    quantity: float
    usd: Decimal


@dataclass
class Estimate:
    """What a planned video should cost, by call, and the tier the estimate assumed: premium
    when every paid stage keeps its first choice, economy when one steps down, offline when
    nothing paid is configured."""

    price_table_version: str
    tier: Tier = "offline"
    lines: list[EstimateLine] = field(default_factory=list)

    @property
    def usd(self) -> Decimal:
        return sum((line.usd for line in self.lines), Decimal(0)).quantize(MICRO)

    def add(self, table: PriceTable, stage: str, usage: list[Usage]) -> None:
        for use in usage:
            usd = table.price(use.provider, use.model, use.unit, use.quantity)
            self.lines.append(EstimateLine(stage, use.provider, use.model, use.unit,
                                           use.quantity, usd))
            if usd > 0 and self.tier == "offline":
                self.tier = "premium"


def _priced(table: PriceTable, usage: list[Usage]) -> Decimal:
    return sum((table.price(u.provider, u.model, u.unit, u.quantity) for u in usage), Decimal(0))


def _script(settings: Settings, request: ScriptRequest) -> tuple[list[Usage], list[Usage] | None]:
    """The writer's usage and the economy tier's (None when there is no economy tier)."""
    if settings.openai_api_key is None:
        tokens = round(request.target_words * OFFLINE_TOKENS_PER_WORD)
        return [Usage("offline", "template-writer", "tokens_out", tokens)], None
    economy = None
    if settings.script_model_economy != settings.script_model_premium:
        economy = quote(request, settings.script_model_economy)
    return quote(request, settings.script_model_premium), economy


def _publishes_to_youtube(settings: Settings, channel_id: str) -> bool:
    folder = settings.youtube_credentials_dir
    return folder is not None and (folder / f"{channel_id}.json").is_file()


def estimate(settings: Settings, channel_id: str, spec: Mapping[str, Any]) -> Estimate:
    """The estimate of one video of ``channel_id`` with the request ``spec`` (the fields of
    ``script.requested``: target_duration_s, budget_usd, format, language)."""
    table = current_table()
    request = ScriptRequest(topic="estimate", target_duration_s=int(spec["target_duration_s"]),
                            language=str(spec.get("language") or "en"),
                            style=str(spec.get("style") or "informative"),
                            format=str(spec.get("format") or "LANDSCAPE"))
    budget = Decimal(str(spec["budget_usd"]))
    duration = float(request.target_duration_s)
    plan = Estimate(table.version)
    stepped_down = False

    writer, economy = _script(settings, request)
    if economy is not None and _priced(table, writer) > budget:
        writer, stepped_down = economy, True
    plan.add(table, "scriptwriter", writer)
    if settings.openai_api_key is not None and settings.moderation_model:
        plan.add(table, "scriptwriter", [Usage("openai", settings.moderation_model, "requests", 1)])

    characters = round(request.target_words * CHARACTERS_PER_WORD)
    voices = [voice_priced_as(name, settings) for name in voice_plan(settings)]
    voice = [Usage(*voices[0], "characters", characters)]
    if len(voices) > 1 and plan.usd + _priced(table, voice) > budget:
        voice, stepped_down = [Usage(*voices[1], "characters", characters)], True
    plan.add(table, "narrator", voice)

    thumbnail = (("openai", settings.image_model)
                 if settings.thumbnail_provider == "openai" and settings.openai_api_key
                 else ("generated", "title-card"))
    plan.add(table, "assembler", [Usage("ffmpeg", "libx264", "seconds", duration),
                                  Usage(*thumbnail, "images", 1)])
    plan.add(table, "quality", [Usage("ffmpeg", "analysis", "seconds", duration)])
    if _publishes_to_youtube(settings, channel_id):
        plan.add(table, "publisher", [
            Usage("youtube", "videos.insert", "youtube_quota", INSERT_UNITS),
            Usage("youtube", "thumbnails.set", "youtube_quota", THUMBNAIL_UNITS)])
    else:
        plan.add(table, "publisher", [Usage("local-channel", "folder", "requests", 1)])
    if stepped_down:
        plan.tier = "economy"
    return plan
