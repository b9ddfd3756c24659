"""Schema history: every released version stays readable by the current schema."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from fastavro import schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.avro_strategies import for_schema
from ytempire.core.codec import MAGIC, Codec
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import PROJECT_ROOT
from ytempire.core.topics import load as load_topics

SCHEMAS = PROJECT_ROOT / "schemas"
REGISTRY = SchemaRegistry.load(SCHEMAS)
CODEC = Codec(REGISTRY)
HISTORY = [(topic, v) for topic, versions in REGISTRY.history.items() for v in versions]


def test_every_current_schema_is_frozen_in_history() -> None:
    assert REGISTRY.unsnapshotted() == [], "run 'ytempire schemas snapshot' after changing a schema"


def test_every_topic_has_a_history() -> None:
    assert set(REGISTRY.history) == set(REGISTRY.current)


@pytest.mark.parametrize(
    ("topic", "version"), HISTORY, ids=[f"{t}-v{v.version}" for t, v in HISTORY]
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_current_schema_reads_every_older_version(topic, version, data: st.DataObject) -> None:
    value = data.draw(for_schema(version.schema))
    buf = io.BytesIO()
    buf.write(MAGIC + version.fingerprint)
    schemaless_writer(buf, version.parsed, value)
    decoded = CODEC.decode(topic, buf.getvalue())
    added = decoded["envelope"].keys() - value["envelope"].keys()
    assert {k: decoded["envelope"][k] for k in value["envelope"]} == value["envelope"]
    if "cost_so_far_usd" in added:  # Envelope v2 added it: unknown on older events
        assert decoded["envelope"]["cost_so_far_usd"] is None
    if "spec" in value and "monthly_budget_usd" not in value["spec"]:  # VideoSpec v3 added it
        assert decoded["spec"]["monthly_budget_usd"] is None


def test_an_added_field_with_default_reads_old_data(tmp_path: Path) -> None:
    """The evolution path works end to end: v1 data, v2 schema adding a defaulted field."""
    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, copy)
    path = copy / "upload.done.avsc"
    schema = json.loads(path.read_text())
    schema["fields"].append({"name": "playlist_id", "type": "string", "default": ""})
    path.write_text(json.dumps(schema))
    evolved = SchemaRegistry.load(copy)
    assert evolved.unsnapshotted() == ["upload.done"]
    released = [v.version for v in evolved.history["upload.done"]]
    evolved.snapshot(copy)
    evolved = SchemaRegistry.load(copy)
    assert [v.version for v in evolved.history["upload.done"]] == [*released, released[-1] + 1]
    check_old_data_reads_with_default(Codec(evolved))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(old=for_schema(REGISTRY.current["upload.done"].schema))
def check_old_data_reads_with_default(evolved: Codec, old: dict) -> None:
    decoded = evolved.decode("upload.done", CODEC.encode("upload.done", old))
    assert decoded["playlist_id"] == ""
    assert decoded["title"] == old["title"]


def test_topics_yaml_and_schemas_agree() -> None:
    declared = load_topics(PROJECT_ROOT / "topics.yaml")
    assert set(declared.names) == set(REGISTRY.current)
    for topic in declared.topics:
        schema_path = PROJECT_ROOT / topic.value_schema
        assert schema_path.exists(), f"{topic.name}: {schema_path} missing"
        assert schema_path.name == f"{topic.name}.avsc"
