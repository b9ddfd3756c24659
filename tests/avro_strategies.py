"""Hypothesis strategies that generate values for any Avro schema (as fastavro reads them back)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


def for_schema(schema: Any, named: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    named = {} if named is None else named
    if isinstance(schema, list):
        return st.one_of(*[for_schema(s, named) for s in schema])
    if isinstance(schema, str):
        if schema in named:
            return st.deferred(lambda: for_schema(named[schema], named))
        return _primitive(schema)
    kind = schema["type"]
    logical = schema.get("logicalType")
    if logical == "decimal":
        places, precision = schema.get("scale", 0), schema["precision"]
        bound = Decimal(10) ** (precision - places) - Decimal(1) / (Decimal(10) ** places)
        return st.decimals(-bound, bound, places=places, allow_nan=False, allow_infinity=False)
    if logical == "timestamp-millis":
        return st.datetimes(datetime(1971, 1, 1), datetime(2200, 1, 1)).map(
            lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000, tzinfo=UTC)
        )
    if kind == "record":
        name = schema["name"]
        full = name if "." in name else f"{schema.get('namespace', 'ytempire')}.{name}"
        named[full] = named[name] = schema
        fields = {f["name"]: for_schema(f["type"], named) for f in schema["fields"]}
        return st.fixed_dictionaries(fields)
    if kind == "enum":
        named[schema["name"]] = schema
        return st.sampled_from(schema["symbols"])
    if kind == "array":
        return st.lists(for_schema(schema["items"], named), max_size=4)
    if kind == "map":
        return st.dictionaries(st.text(max_size=8), for_schema(schema["values"], named), max_size=3)
    if isinstance(kind, (dict, list)) or kind in named:
        return for_schema(kind, named)
    return _primitive(kind)


def _primitive(kind: str) -> st.SearchStrategy[Any]:
    return {
        "null": st.none(),
        "boolean": st.booleans(),
        "int": st.integers(*INT32),
        "long": st.integers(*INT64),
        "float": st.floats(width=32, allow_nan=False),
        "double": st.floats(allow_nan=False),
        "bytes": st.binary(max_size=64),
        "string": st.text(max_size=40),
    }[kind]
