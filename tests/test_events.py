"""Envelopes carry the video's cost so far; the price table says where each figure comes from."""

from __future__ import annotations

from decimal import Decimal

import yaml

from ytempire.core.events import cost_so_far, derive_envelope, new_envelope, spent
from ytempire.core.pricing import PRICES_DIR, current_table


def test_cost_so_far_adds_what_each_stage_spent() -> None:
    request = new_envelope(video_id="v", channel_id="c", owner_id="o", producer="test")
    assert cost_so_far(request) == 0
    script = derive_envelope(request, "scriptwriter", "script.ready", spent=Decimal("0.012345"))
    voice = derive_envelope(script, "narrator", "voice.ready", spent=Decimal("0.2"))
    assert cost_so_far(voice) == Decimal("0.212345")
    assert cost_so_far(derive_envelope(voice, "assembler", "video.assembled")) == cost_so_far(voice)


def test_events_from_before_the_field_count_as_nothing_spent() -> None:
    old = new_envelope(video_id="v", channel_id="c", owner_id="o", producer="test")
    old["cost_so_far_usd"] = None
    assert cost_so_far(derive_envelope(old, "narrator", "voice.ready",
                                       spent=Decimal("0.5"))) == Decimal("0.5")


def test_only_the_paying_delivery_spends() -> None:
    billed = {"price_table_version": "t", "usage": [{"usd": "0.10"}, {"usd": "0.025"}]}
    assert spent(billed, paid=True) == Decimal("0.125")
    assert spent(billed, paid=False) == 0


def test_every_price_row_names_its_source_and_the_newest_table_is_current() -> None:
    tables = sorted(PRICES_DIR.glob("*.yaml"))
    for path in tables:
        doc = yaml.safe_load(path.read_text())
        assert doc["version"] == path.stem
        for row in doc["prices"]:
            assert row.get("source"), f"{path.name}: {row} has no source"
            assert Decimal(row["usd"]) >= 0
    assert current_table().version == tables[-1].stem
    million = current_table().price("openai", "gpt-4o-mini", "tokens_in", 1_000_000)
    assert million == Decimal("0.15")
