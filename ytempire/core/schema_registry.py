"""The schema registry that needs no server: every topic's current Avro schema and its history.

Layout of ``schemas/``:
  ``types/<full.Name>.avsc``        shared named records (the envelope and friends)
  ``<topic>.avsc``                  the current value schema of one topic
  ``history/<topic>/vN.avsc``       every released version, fully expanded and frozen
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastavro.schema import fingerprint, parse_schema, to_parsing_canonical_form

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


class SchemaError(Exception):
    """The schemas directory is inconsistent (missing type, history out of date, ...)."""


@dataclass(frozen=True)
class SchemaVersion:
    topic: str
    version: int  # 0 means "current, not yet snapshotted"
    schema: dict[str, Any]  # fully expanded JSON
    parsed: Any
    fingerprint: bytes  # CRC-64-AVRO, little-endian, as single-object encoding frames it


@dataclass
class SchemaRegistry:
    current: dict[str, SchemaVersion] = field(default_factory=dict)
    history: dict[str, list[SchemaVersion]] = field(default_factory=dict)
    by_fingerprint: dict[bytes, SchemaVersion] = field(default_factory=dict)

    @classmethod
    def load(cls, schemas_dir: Path) -> SchemaRegistry:
        types = _load_types(schemas_dir / "types")
        registry = cls()
        for path in sorted(schemas_dir.glob("*.avsc")):
            topic = path.name.removesuffix(".avsc")
            expanded = expand(json.loads(path.read_text()), types)
            registry._add_current(topic, expanded)
        for topic_dir in sorted((schemas_dir / "history").glob("*")):
            versions = sorted(topic_dir.glob("v*.avsc"), key=lambda p: int(p.stem[1:]))
            for path in versions:
                registry._add_history(
                    topic_dir.name, int(path.stem[1:]), json.loads(path.read_text())
                )
        return registry

    def _add_current(self, topic: str, expanded: dict[str, Any]) -> None:
        version = _version(topic, 0, expanded)
        self.current[topic] = version
        self.by_fingerprint.setdefault(version.fingerprint, version)

    def _add_history(self, topic: str, number: int, expanded: dict[str, Any]) -> None:
        version = _version(topic, number, expanded)
        self.history.setdefault(topic, []).append(version)
        self.by_fingerprint[version.fingerprint] = version

    @property
    def topics(self) -> list[str]:
        return sorted(self.current)

    def for_topic(self, topic: str) -> SchemaVersion:
        try:
            return self.current[topic]
        except KeyError:
            raise SchemaError(
                f"no schema for topic {topic!r}; expected schemas/{topic}.avsc"
            ) from None

    def unsnapshotted(self) -> list[str]:
        """Topics whose current schema differs from their newest history version."""
        stale = []
        for topic, version in self.current.items():
            released = self.history.get(topic, [])
            if not released or released[-1].fingerprint != version.fingerprint:
                stale.append(topic)
        return stale

    def snapshot(self, schemas_dir: Path) -> list[Path]:
        """Freeze every changed current schema as the next history version."""
        written = []
        for topic in self.unsnapshotted():
            released = self.history.get(topic, [])
            number = released[-1].version + 1 if released else 1
            path = schemas_dir / "history" / topic / f"v{number}.avsc"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(self.current[topic].schema, indent=1) + "\n")
            written.append(path)
        return written


def _version(topic: str, number: int, expanded: dict[str, Any]) -> SchemaVersion:
    parsed = parse_schema(expanded, _write_hint=False)
    fp = bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO"))
    return SchemaVersion(topic, number, expanded, parsed, fp)


def _load_types(types_dir: Path) -> dict[str, dict[str, Any]]:
    types: dict[str, dict[str, Any]] = {}
    for path in sorted(types_dir.glob("*.avsc")):
        schema = json.loads(path.read_text())
        types[f"{schema['namespace']}.{schema['name']}"] = schema
    return types


def expand(schema: Any, types: dict[str, dict[str, Any]]) -> Any:
    """Inline shared named types so each topic schema stands alone (first use defines)."""
    defined: set[str] = set()

    def walk(node: Any, namespace: str) -> Any:
        if isinstance(node, str):
            if node in PRIMITIVES:
                return node
            full = node if "." in node else f"{namespace}.{node}"
            if full in defined:
                return full
            if full not in types:
                return node
            defined.add(full)
            return walk(dict(types[full]), types[full].get("namespace", namespace))
        if isinstance(node, list):
            return [walk(item, namespace) for item in node]
        if isinstance(node, dict):
            node = dict(node)
            kind = node.get("type")
            ns = node.get("namespace", namespace)
            if kind in ("record", "enum", "fixed") and "name" in node:
                name = node["name"]
                defined.add(name if "." in name else f"{ns}.{name}")
            if kind == "record":
                node["fields"] = [{**f, "type": walk(f["type"], ns)} for f in node["fields"]]
            elif kind == "array":
                node["items"] = walk(node["items"], ns)
            elif kind == "map":
                node["values"] = walk(node["values"], ns)
            elif isinstance(kind, (dict, list)) or (
                isinstance(kind, str) and kind not in PRIMITIVES and kind not in ("enum", "fixed")
            ):
                node["type"] = walk(kind, ns)
            return node
        return node

    return walk(
        schema, schema.get("namespace", "ytempire") if isinstance(schema, dict) else "ytempire"
    )
