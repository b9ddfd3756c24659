"""topics.yaml against a real broker: apply creates, re-apply is a no-op, unsafe drift is refused,
check sees drift made behind its back. Destructive cases use their own uniquely named topics."""

from __future__ import annotations

import json
import re
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from confluent_kafka.admin import (
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewPartitions,
    ResourceType,
)
from typer.testing import CliRunner

from ytempire.app.broker import LocalBroker
from ytempire.app.cli.topics import app
from ytempire.core import topic_sync, topics
from ytempire.core.settings import PROJECT_ROOT

TOPICS_YAML = PROJECT_ROOT / "topics.yaml"
DESIGN_TOPICS = {"script.requested", "script.ready", "voice.ready", "video.assembled",
                 "quality.scored", "upload.done", "cost.incurred", "cost.alert",
                 "pipeline.failed", "pipeline.dlq", "video.cancelled", "channel.updated",
                 "scheduler.tick", "schedule.slot", "video.approved", "video.metrics",
                 "metrics.requested", "backlog.updated", "upload.status", "topics.discovered"}
CHANNEL_KEYED = {"channel.updated", "scheduler.tick", "schedule.slot", "metrics.requested",
                 "backlog.updated", "topics.discovered"}
"""Channel topics are keyed by channel id (the tick's is "*": one partition takes them all)."""
runner = CliRunner()


def scratch_file(tmp_path: Path, names: list[str] | None = None, **changes: object) -> Path:
    """A copy of topics.yaml whose topics carry a fresh prefix, with settings changed for all."""
    doc = yaml.safe_load(TOPICS_YAML.read_text())
    prefix = f"t{uuid.uuid4().hex[:8]}."
    chosen = names or list(doc["topics"])
    out = {}
    for name in chosen:
        topic = dict(doc["topics"][name])
        topic["value_schema"] = str(PROJECT_ROOT / topic["value_schema"])
        topic.update(changes)
        out[prefix + name] = topic
    path = tmp_path / f"topics-{prefix}yaml"
    path.write_text(yaml.safe_dump({"topics": out}, sort_keys=False))
    return path


def rewrite(path: Path, **changes: object) -> None:
    doc = yaml.safe_load(path.read_text())
    for topic in doc["topics"].values():
        topic.update(changes)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def invoke(*args: str) -> object:
    return runner.invoke(app, list(args))


def cluster_state(broker: LocalBroker, name: str) -> tuple[int, dict[str, str]]:
    admin = topics.connect(broker.bootstrap)
    partitions = len(admin.list_topics(name, timeout=10).topics[name].partitions)
    resource = ConfigResource(ResourceType.TOPIC, name)
    entries = admin.describe_configs([resource])[resource].result()
    return partitions, {k: e.value for k, e in entries.items()}


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Changes made behind apply's back reach the broker's metadata a moment after the ack."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the broker never showed the change"
        time.sleep(0.05)


# -- topics.yaml itself -------------------------------------------------------------------------


def test_topics_yaml_declares_every_design_topic_keyed_by_video_id() -> None:
    spec = topics.load(TOPICS_YAML)
    assert set(spec.names) == DESIGN_TOPICS
    for topic in spec.topics:
        assert topic.key == ("channel_id" if topic.name in CHANNEL_KEYED else "video_id")
        assert topic.value_schema == PROJECT_ROOT / "schemas" / f"{topic.name}.avsc"
        assert topic.value_schema.is_file()
        assert topic.producers and topic.consumers
        assert "analytics-sink" in topic.consumers
    assert spec["cost.incurred"].retention_ms == -1
    assert spec["channel.updated"].cleanup_policy == "compact"
    assert spec["voice.ready"].config == {"retention.ms": str(30 * 86_400_000),
                                          "cleanup.policy": "delete"}


@pytest.mark.parametrize(("edit", "complaint"), [
    ({"partitions": 0}, "partitions must be a positive integer, got 0"),
    ({"partitions": "six"}, "partitions must be a positive integer, got 'six'"),
    ({"retention": "a week"}, "retention must be like 7d"),
    ({"cleanup_policy": "shred"}, "cleanup_policy must be one of"),
    ({"value_schema": "schemas/nope.avsc"}, "value_schema schemas/nope.avsc does not exist"),
    ({"partitons": 6}, "unknown settings ['partitons']"),
    ({"producers": []}, "producers must be a non-empty list"),
    ({"config": {"retention.ms": "1"}}, "retention and cleanup_policy have their own settings"),
])
def test_invalid_topics_yaml_names_topic_and_field(tmp_path: Path, edit: dict[str, object],
                                                    complaint: str) -> None:
    doc = yaml.safe_load(TOPICS_YAML.read_text())
    doc["topics"]["voice.ready"].update(edit)
    path = tmp_path / "topics.yaml"
    path.write_text(yaml.safe_dump(doc))
    (tmp_path / "schemas").symlink_to(PROJECT_ROOT / "schemas")
    with pytest.raises(topics.TopicsFileError) as raised:
        topics.load(path)
    assert f"{path}: topic voice.ready: " in str(raised.value)
    assert complaint in str(raised.value)


def test_a_topic_declared_twice_is_an_error(tmp_path: Path) -> None:
    text = TOPICS_YAML.read_text()
    block = text[text.index("  cost.alert:"):text.index("  pipeline.failed:")]
    path = tmp_path / "topics.yaml"
    path.write_text(text + block)
    with pytest.raises(topics.TopicsFileError, match=r"'cost.alert' is given twice"):
        topics.load(path)


# -- against the broker -------------------------------------------------------------------------


def test_session_broker_matches_topics_yaml(kafka_broker: LocalBroker) -> None:
    result = invoke("check", "--bootstrap", kafka_broker.bootstrap, "--file", str(TOPICS_YAML))
    assert result.exit_code == 0, result.output
    assert f"In sync: all {len(DESIGN_TOPICS)} topics" in result.output


def test_apply_creates_every_topic_with_declared_partitions_and_configs(
        kafka_broker: LocalBroker, tmp_path: Path) -> None:
    path = scratch_file(tmp_path)
    result = invoke("apply", "--bootstrap", kafka_broker.bootstrap, "--file", str(path), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["changed"] is True
    assert [c["setting"] for c in report["changes"]] == ["topic"] * len(DESIGN_TOPICS)
    for spec in topics.load(path).topics:
        partitions, config = cluster_state(kafka_broker, spec.name)
        assert partitions == spec.partitions
        assert config["retention.ms"] == str(spec.retention_ms)
        assert config["cleanup.policy"] == spec.cleanup_policy


def test_second_apply_changes_nothing_and_says_so(kafka_broker: LocalBroker,
                                                  tmp_path: Path) -> None:
    path = scratch_file(tmp_path, ["voice.ready", "cost.alert"])
    first = invoke("apply", "--bootstrap", kafka_broker.bootstrap, "--file", str(path))
    assert first.exit_code == 0, first.output
    voice, alert = topics.load(path).names
    assert first.output.splitlines()[:2] == [f"created {voice} (6 partitions)",
                                             f"created {alert} (3 partitions)"]
    second = invoke("apply", "--bootstrap", kafka_broker.bootstrap, "--file", str(path))
    assert second.exit_code == 0, second.output
    assert "Nothing to change: all 2 topics" in second.output
    as_json = invoke("apply", "--bootstrap", kafka_broker.bootstrap, "--file", str(path), "--json")
    assert json.loads(as_json.stdout)["changed"] is False


def test_fewer_partitions_than_the_cluster_is_refused_and_nothing_changes(
        kafka_broker: LocalBroker, tmp_path: Path) -> None:
    path = scratch_file(tmp_path, ["voice.ready"])
    name = topics.load(path).names[0]
    created = invoke("apply", "--bootstrap", kafka_broker.bootstrap, "--file", str(path))
    assert created.exit_code == 0, created.output
    rewrite(path, partitions=3, retention="1d")

    result = invoke("apply", "--bootstrap", kafka_broker.bootstrap, "--file", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"TopicConfigDrift: topic {name} has 6 partitions, topics.yaml says 3; Kafka cannot "
        "reduce partitions — recreate the topic or raise topics.yaml")
    partitions, config = cluster_state(kafka_broker, name)
    assert partitions == 6
    assert config["retention.ms"] == str(30 * 86_400_000), "a refused apply changes nothing"


def test_apply_raises_partitions_when_topics_yaml_grows(kafka_broker: LocalBroker,
                                                        tmp_path: Path) -> None:
    path = scratch_file(tmp_path, ["pipeline.dlq"])
    name = topics.load(path).names[0]
    admin = topics.connect(kafka_broker.bootstrap)
    topic_sync.apply(admin, topics.load(path))
    rewrite(path, partitions=5)
    changes = topic_sync.apply(admin, topics.load(path))
    assert [(c.setting, c.cluster, c.declared) for c in changes] == [("partitions", "3", "5")]
    assert cluster_state(kafka_broker, name)[0] == 5
    assert topic_sync.check(admin, topics.load(path)) == []


def test_check_detects_config_altered_behind_its_back(kafka_broker: LocalBroker,
                                                      tmp_path: Path) -> None:
    path = scratch_file(tmp_path, ["script.ready"])
    name = topics.load(path).names[0]
    admin = topics.connect(kafka_broker.bootstrap)
    topic_sync.apply(admin, topics.load(path))
    edits = [ConfigEntry("retention.ms", "60000", incremental_operation=AlterConfigOpType.SET),
             ConfigEntry("max.message.bytes", "2048", incremental_operation=AlterConfigOpType.SET)]
    resource = ConfigResource(ResourceType.TOPIC, name, incremental_configs=edits)
    admin.incremental_alter_configs([resource])[resource].result()
    eventually(lambda: cluster_state(kafka_broker, name)[1]["max.message.bytes"] == "2048")

    result = invoke("check", "--bootstrap", kafka_broker.bootstrap, "--file", str(path))
    assert result.exit_code == 1, result.output
    assert re.search(r"retention\.ms\s.*60000\s.*2592000000", result.output)
    assert re.search(r"max\.message\.bytes\s.*2048\s.*\(not declared\)", result.output)
    drift = json.loads(invoke("check", "--bootstrap", kafka_broker.bootstrap, "--file", str(path),
                              "--json").stdout)
    assert drift["in_sync"] is False
    assert {d["message"] for d in drift["drift"]} == {
        f"topic {name} has retention.ms=60000 (1m), topics.yaml says 2592000000 (30d); "
        "apply sets it",
        f"topic {name} overrides max.message.bytes=2048, which topics.yaml does not declare; "
        "apply resets it to the broker default"}

    fixed = invoke("apply", "--bootstrap", kafka_broker.bootstrap, "--file", str(path))
    assert fixed.exit_code == 0, fixed.output
    assert fixed.output.splitlines()[:2] == [
        f"set {name} retention.ms=2592000000 (was 60000)",
        f"reset {name} max.message.bytes (was 2048) to the broker default"]
    assert invoke("check", "--bootstrap", kafka_broker.bootstrap, "--file", str(path)
                  ).exit_code == 0
    config = cluster_state(kafka_broker, name)[1]
    assert config["retention.ms"] == "2592000000"
    assert config["max.message.bytes"] != "2048"


def test_check_detects_partitions_raised_behind_its_back(kafka_broker: LocalBroker,
                                                         tmp_path: Path) -> None:
    path = scratch_file(tmp_path, ["voice.ready"])
    name = topics.load(path).names[0]
    admin = topics.connect(kafka_broker.bootstrap)
    topic_sync.apply(admin, topics.load(path))
    admin.create_partitions([NewPartitions(name, 8)])[name].result()
    eventually(lambda: cluster_state(kafka_broker, name)[0] == 8)

    result = invoke("check", "--bootstrap", kafka_broker.bootstrap, "--file", str(path))
    assert result.exit_code == 1, result.output
    assert f"unsafe: topic {name} has 8 partitions, topics.yaml says 6" in result.output
    with pytest.raises(topic_sync.TopicConfigDrift, match="Kafka cannot reduce partitions"):
        topic_sync.apply(admin, topics.load(path))


def test_check_without_a_broker_says_how_to_start_one() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = invoke("check", "--bootstrap", f"127.0.0.1:{port}", "--file", str(TOPICS_YAML),
                    "--timeout", "1")
    assert result.exit_code == 2
    assert f"KafkaUnreachable: cannot reach Kafka at 127.0.0.1:{port}" in result.stderr
    assert "ytempire broker start" in result.stderr
