"""The Avro codec: every topic's events survive a round trip; bad bytes fail one clear way."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.avro_strategies import for_schema
from ytempire.core.codec import MAGIC, Codec, EncodeError, UndecodableEvent
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import PROJECT_ROOT

REGISTRY = SchemaRegistry.load(PROJECT_ROOT / "schemas")
CODEC = Codec(REGISTRY)


@pytest.mark.parametrize("topic", REGISTRY.topics)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_event_round_trips(topic: str, data: st.DataObject) -> None:
    value = data.draw(for_schema(REGISTRY.current[topic].schema))
    encoded = CODEC.encode(topic, value)
    assert encoded[:2] == MAGIC
    assert encoded[2:10] == REGISTRY.current[topic].fingerprint
    assert CODEC.decode(topic, encoded) == value


@settings(max_examples=200, deadline=None)
@given(garbage=st.binary(max_size=200))
def test_garbage_raises_undecodable_with_its_position(garbage: bytes) -> None:
    with pytest.raises(UndecodableEvent) as caught:
        CODEC.decode("voice.ready", garbage, partition=3, offset=42)
    assert (caught.value.topic, caught.value.partition, caught.value.offset) == (
        "voice.ready",
        3,
        42,
    )
    assert "voice.ready[3]@42" in str(caught.value)


def events_of(topic: str) -> st.SearchStrategy[bytes]:
    return for_schema(REGISTRY.current[topic].schema).map(lambda v: CODEC.encode(topic, v))


few = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@few
@given(encoded=events_of("script.requested"))
def test_truncated_body_is_undecodable(encoded: bytes) -> None:
    with pytest.raises(UndecodableEvent, match="corrupt Avro body"):
        CODEC.decode("script.requested", encoded[:-3], 0, 7)


@few
@given(encoded=events_of("upload.done"))
def test_trailing_bytes_are_undecodable(encoded: bytes) -> None:
    with pytest.raises(UndecodableEvent, match="trailing bytes"):
        CODEC.decode("upload.done", encoded + b"\x00\x01", 0, 1)


@few
@given(encoded=events_of("cost.alert"))
def test_event_of_another_topic_is_refused(encoded: bytes) -> None:
    with pytest.raises(UndecodableEvent, match="schema of cost.alert"):
        CODEC.decode("voice.ready", encoded, 1, 2)


@few
@given(original=events_of("cost.alert"))
def test_unknown_fingerprint_is_named(original: bytes) -> None:
    encoded = bytearray(original)
    encoded[2:10] = b"\xff" * 8
    with pytest.raises(
        UndecodableEvent, match="unknown writer schema fingerprint ffffffffffffffff"
    ):
        CODEC.decode("cost.alert", bytes(encoded), 0, 0)


def test_value_missing_a_field_cannot_be_encoded() -> None:
    with pytest.raises(EncodeError, match="ScriptRequested"):
        CODEC.encode("script.requested", {"envelope": {}})
