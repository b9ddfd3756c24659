"""BatchDecoder gives exactly the Codec's answer per record, bad records included."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.decode import MIN_RUN, BatchDecoder
from tests.avro_strategies import for_schema
from ytempire.core.codec import Codec, UndecodableEvent
from ytempire.core.events import cost_event, new_envelope
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import PROJECT_ROOT

REGISTRY = SchemaRegistry.load(PROJECT_ROOT / "schemas")
CODEC = Codec(REGISTRY)


def _codec_answer(topic: str, records: list[tuple[int, bytes | None]]) -> list[object]:
    out: list[object] = []
    for offset, value in records:
        try:
            out.append(CODEC.decode(topic, value, 0, offset))
        except UndecodableEvent as exc:
            out.append(("undecodable", exc.offset))
    return out


def _batch_answer(topic: str, records: list[tuple[int, bytes | None]]) -> list[object]:
    return [("undecodable", r.offset) if isinstance(r, UndecodableEvent) else r
            for r in BatchDecoder(CODEC).decode(topic, 0, records)]


@pytest.mark.parametrize("topic", REGISTRY.topics)
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_run_decodes_to_what_the_codec_says(topic: str, data: st.DataObject) -> None:
    values = data.draw(st.lists(for_schema(REGISTRY.current[topic].schema),
                                min_size=MIN_RUN, max_size=MIN_RUN + 8))
    records = [(offset, CODEC.encode(topic, v)) for offset, v in enumerate(values)]
    assert _batch_answer(topic, records) == _codec_answer(topic, records)


def _run() -> list[tuple[int, bytes | None]]:
    parent = new_envelope(video_id="v", channel_id="c", owner_id="o", producer="test")
    return [(i, CODEC.encode("cost.incurred", cost_event(
        parent, stage="narrator", provider="espeak", model=f"m{i}", unit="characters",
        quantity=i * 1.5, usd=Decimal(i) / 7, cached=i % 2 == 0, price_table_version="v",
        call_key=str(i), index=i).value)) for i in range(80)]


@pytest.mark.parametrize("damage", ["truncated", "trailing", "garbage", "empty", "other_topic"])
@pytest.mark.parametrize("where", [0, 40, 79])
def test_one_bad_record_is_named_and_its_neighbours_are_intact(damage: str, where: int) -> None:
    records = _run()
    offset, value = records[where]
    assert value is not None
    records[where] = (offset, {
        "truncated": value[:-2],
        "trailing": value + b"\x00",
        "garbage": value[:10] + bytes(reversed(value[10:])),
        "empty": None,
        "other_topic": CODEC.encode("cost.alert", {
            "envelope": new_envelope(video_id="v", channel_id="c", owner_id="o", producer="t"),
            "scope": "video", "scope_id": "v", "threshold_pct": 80,
            "budget_usd": Decimal(3), "spent_usd": Decimal("2.5")}),
    }[damage])
    expected = _codec_answer("cost.incurred", records)
    assert _batch_answer("cost.incurred", records) == expected
    if damage != "garbage":  # reversed bytes may still happen to decode
        assert expected[where] == ("undecodable", offset)
