"""Writes ``ytempire/core/records.py``: one typed record per topic, derived from ``schemas/``.

The .avsc files stay the one place a field is named; the records are their Python face, so a
handler that misspells or forgets a field fails type checking instead of dead-lettering at run
time. Run ``python -m ytempire.core.recordgen`` after changing a schema (``ytempire schemas
snapshot`` freezes its history); ``tests/test_records.py`` fails while the module is stale.

Generated, not hand-written: a field is named once (in its .avsc) and the records cannot drift;
the test also checks each record against its schema independently of this generator.
msgspec structs, not dataclasses or pydantic: frozen, keyword-only classes that mypy checks as
dataclasses (``dataclass_transform``), with ``msgspec.convert`` / ``to_builtins`` turning
nested Avro values into records and back in C, no hand-written (de)serialisers. Speed is not the
reason: stages handle a few events a second, and the analytics sink keeps reading plain values.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from ytempire.core.schema_registry import PRIMITIVES, SchemaRegistry

SCALARS = {"boolean": "bool", "int": "int", "long": "int", "float": "float", "double": "float",
           "bytes": "bytes", "string": "str"}
LOGICAL = {"decimal": "Decimal", "timestamp-millis": "datetime"}
ENVELOPE = "Envelope"

HEADER = '''"""Typed event records, one per topic. Generated from schemas/ by ``python -m
ytempire.core.recordgen``: do not edit, change the .avsc and regenerate.

Records are frozen msgspec structs built by keyword; the codec turns Avro values into them and
back (``Codec.decode_record``, ``Codec.encode``). ``Event`` is every topic record: it carries
the envelope. ``RECORDS`` maps a topic to its record. Longer than our ~400-line modules on
purpose: one class per schema, generated, read by searching for a record's name.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

import msgspec


class Record(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every record: immutable, built by keyword, refuses fields its schema does not have."""
'''


EVENT = '''class Event(Record, frozen=True, kw_only=True):
    """Every topic's body: the envelope, then its own fields."""

    envelope: Envelope
'''


def short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


class Generator:
    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.seen: set[str] = set()

    def type_of(self, node: Any) -> str:
        """The Python annotation of an Avro type, emitting named types on first sight."""
        if isinstance(node, str):
            if node in SCALARS:
                return SCALARS[node]
            if node == "null":
                return "None"
            return short(node)  # a named type already defined
        if isinstance(node, list):
            return " | ".join(self.type_of(branch) for branch in sorted(node, key=_null_last))
        logical = node.get("logicalType")
        if logical in LOGICAL:
            return LOGICAL[logical]
        kind = node["type"]
        if kind == "array":
            return f"list[{self.type_of(node['items'])}]"
        if kind == "record":
            self.record(node)
            return short(node["name"])
        if kind == "enum":
            name = short(node["name"])
            if name not in self.seen:
                self.seen.add(name)
                symbols = ", ".join(json.dumps(s) for s in node["symbols"])
                self.blocks.append(f"{name} = Literal[{symbols}]\n")
            return name
        if kind in PRIMITIVES:
            return self.type_of(kind)
        raise ValueError(f"no Python type for Avro type {node!r}; extend recordgen")

    def record(self, schema: dict[str, Any], topic: str | None = None) -> None:
        name = short(schema["name"])
        if name in self.seen:
            return
        self.seen.add(name)
        fields = schema["fields"]
        base = "Record"
        if topic is not None and fields and fields[0]["name"] == "envelope":
            base, fields = "Event", fields[1:]
        lines = [f"class {name}({base}, frozen=True, kw_only=True):"]
        doc = schema.get("doc") or (f"The ``{topic}`` event." if topic else f"The ``{name}``.")
        lines.append(_docstring(doc))
        for field in fields:
            annotation = self.type_of(field["type"])
            if field.get("doc"):
                lines.extend(textwrap.wrap(field["doc"], 95, initial_indent="    #: ",
                                           subsequent_indent="    #: "))
            lines.append(f"    {field['name']}: {annotation}{_default(field)}")
        self.blocks.append("\n".join(lines) + "\n")


def _null_last(branch: Any) -> int:
    return 1 if branch == "null" else 0


def _docstring(text: str) -> str:
    wrapped = textwrap.wrap(text, 92)
    if len(wrapped) == 1:
        return f'    """{wrapped[0]}"""\n'
    return '    """' + "\n    ".join(wrapped) + '\n    """\n'


def _default(field: dict[str, Any]) -> str:
    if "default" not in field:
        return ""
    value = field["default"]
    if value == []:
        return " = msgspec.field(default_factory=list)"
    if isinstance(value, str):
        return f" = {json.dumps(value)}"
    if isinstance(value, (bool, int, float)) or value is None:
        return f" = {value!r}"
    raise ValueError(f"field {field['name']}: no Python default for {value!r}; extend recordgen")


def generate(schemas_dir: Path) -> str:
    """The source of ``records.py`` for the schemas in ``schemas_dir``."""
    registry = SchemaRegistry.load(schemas_dir)
    gen = Generator()
    gen.record(registry.for_topic(registry.topics[0]).schema["fields"][0]["type"])
    gen.blocks.append(EVENT)
    names = {}
    for topic in registry.topics:
        schema = registry.for_topic(topic).schema
        gen.record(schema, topic)
        names[topic] = short(schema["name"])
    table = "".join(f"    {json.dumps(t)}: {n},\n" for t, n in names.items())
    footer = f"RECORDS: dict[str, type[Event]] = {{\n{table}}}\n"
    return HEADER + "\n\n" + "\n\n".join(gen.blocks) + "\n\n" + footer


def main() -> None:
    from ytempire.core.settings import PROJECT_ROOT

    target = PROJECT_ROOT / "ytempire" / "core" / "records.py"
    target.write_text(generate(PROJECT_ROOT / "schemas"))
    print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
