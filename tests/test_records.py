"""Typed records: generated from the .avsc files, matching them field by field, reading every
released version of every topic."""

from __future__ import annotations

import io
import typing
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import msgspec
import pytest
from fastavro import schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.avro_strategies import for_schema
from ytempire.core import records
from ytempire.core.codec import MAGIC, Codec, EncodeError
from ytempire.core.recordgen import generate
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import PROJECT_ROOT

REGISTRY = SchemaRegistry.load(PROJECT_ROOT / "schemas")
CODEC = Codec(REGISTRY)
HISTORY = [(topic, v) for topic, versions in REGISTRY.history.items() for v in versions]
SCALARS: dict[str, Any] = {"string": str, "int": int, "long": int, "double": float,
                           "float": float, "boolean": bool, "bytes": bytes}
few = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_records_module_is_generated_from_the_current_schemas() -> None:
    text = (PROJECT_ROOT / "ytempire" / "core" / "records.py").read_text()
    assert text == generate(PROJECT_ROOT / "schemas"), (
        "ytempire/core/records.py is stale: run 'python -m ytempire.core.recordgen'")


def test_every_topic_has_a_record() -> None:
    assert set(records.RECORDS) == set(REGISTRY.current)


def expected_type(node: Any, named: dict[str, Any]) -> Any:
    """The Python annotation an Avro type must have, checked independently of the generator."""
    if isinstance(node, str):
        return SCALARS[node] if node in SCALARS else named[node.rsplit(".", 1)[-1]]
    if isinstance(node, list):
        branches = [b for b in node if b != "null"]
        assert len(branches) == 1 and "null" in node, f"only [null, T] unions are mapped: {node}"
        return expected_type(branches[0], named) | None
    logical = node.get("logicalType")
    if logical == "decimal":
        return Decimal
    if logical == "timestamp-millis":
        return datetime
    if node["type"] == "array":
        return list[expected_type(node["items"], named)]  # type: ignore[misc]
    if node["type"] == "enum":
        return Literal[tuple(node["symbols"])]
    if node["type"] == "record":
        cls = getattr(records, node["name"].rsplit(".", 1)[-1])
        named[cls.__name__] = cls
        assert_matches(cls, node, named)
        return cls
    return SCALARS[node["type"]]


def assert_matches(cls: type[records.Record], schema: dict[str, Any],
                   named: dict[str, Any]) -> None:
    fields = msgspec.structs.fields(cls)
    assert [f.encode_name for f in fields] == [f["name"] for f in schema["fields"]], cls
    hints = typing.get_type_hints(cls)
    for field, avro in zip(fields, schema["fields"], strict=True):
        assert hints[field.name] == expected_type(avro["type"], named), (cls, field.name)
        if "default" not in avro:
            assert field.required, (cls, field.name)
        elif avro["default"] == []:
            assert field.default_factory is list, (cls, field.name)
        else:
            assert field.default == avro["default"], (cls, field.name)


@pytest.mark.parametrize("topic", REGISTRY.topics)
def test_record_matches_its_schema(topic: str) -> None:
    """Field names and order, types (logical types, unions, arrays, enums), defaults."""
    assert_matches(records.RECORDS[topic], REGISTRY.current[topic].schema, {})


@pytest.mark.parametrize("topic", REGISTRY.topics)
@few
@given(data=st.data())
def test_every_event_round_trips_through_its_record(topic: str, data: st.DataObject) -> None:
    value = data.draw(for_schema(REGISTRY.current[topic].schema))
    encoded = CODEC.encode(topic, value)
    record = CODEC.decode_record(topic, encoded)
    assert type(record) is records.RECORDS[topic]
    assert CODEC.encode(topic, record) == encoded


@pytest.mark.parametrize(
    ("topic", "version"), HISTORY, ids=[f"{t}-v{v.version}" for t, v in HISTORY]
)
@few
@given(data=st.data())
def test_every_released_version_reads_as_the_current_record(topic, version,
                                                            data: st.DataObject) -> None:
    value = data.draw(for_schema(version.schema))
    buf = io.BytesIO()
    buf.write(MAGIC + version.fingerprint)
    schemaless_writer(buf, version.parsed, value)
    record = CODEC.decode_record(topic, buf.getvalue())
    assert type(record) is records.RECORDS[topic]
    assert record.envelope.event_id == value["envelope"]["event_id"]


def test_a_record_of_another_topic_is_refused() -> None:
    value = for_schema(REGISTRY.current["script.requested"].schema).example()
    record = CODEC.decode_record("script.requested", CODEC.encode("script.requested", value))
    with pytest.raises(EncodeError, match="not a script.ready event"):
        CODEC.encode("script.ready", record)
