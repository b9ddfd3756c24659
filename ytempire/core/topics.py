"""topics.yaml is the truth about topics: load it (every topic's partitions, retention, schema,
producers and consumers, checked as it is read), and reach the cluster it describes.

Making a cluster match the file is ``ytempire.core.topic_sync``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AdminClient,
)

FIELDS = {"partitions", "replication_factor", "retention", "cleanup_policy", "key",
          "value_schema", "producers", "consumers", "description", "config"}
REQUIRED = FIELDS - {"description", "config"}
CLEANUP_POLICIES = {"delete", "compact", "compact,delete"}
TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
DURATION = re.compile(r"^(\d+)\s*(ms|s|m|h|d|w)$")
UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}

_QUIET = logging.getLogger("ytempire.core.kafka.admin")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


class TopicsFileError(ValueError):
    """topics.yaml cannot be used as written; the message names the file, topic and field."""


class KafkaUnreachable(RuntimeError):
    """No broker answered at the bootstrap address."""


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    retention_ms: int
    cleanup_policy: str
    key: str
    value_schema: Path
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    description: str = ""
    extra_config: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> dict[str, str]:
        """The topic-level Kafka configs this topic must carry, exactly."""
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy,
                **self.extra_config}


@dataclass(frozen=True)
class TopicsFile:
    path: Path
    topics: tuple[TopicSpec, ...]

    def __getitem__(self, name: str) -> TopicSpec:
        for topic in self.topics:
            if topic.name == name:
                return topic
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.topics]


# -- topics.yaml ------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that rejects a key given twice instead of silently keeping the last."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise TopicsFileError(f"line {key_node.start_mark.line + 1}: {key!r} is given twice")
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                              _mapping_without_duplicates)


def load(path: Path) -> TopicsFile:
    """Read and validate topics.yaml; every problem raises ``TopicsFileError`` naming the spot."""
    path = Path(path)
    try:
        doc = yaml.load(path.read_text(), Loader=_StrictLoader)  # noqa: S506 (strict SafeLoader)
    except FileNotFoundError:
        raise TopicsFileError(f"{path}: no such file") from None
    except TopicsFileError as exc:
        raise TopicsFileError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise TopicsFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("topics"), dict) or not doc["topics"]:
        raise TopicsFileError(f"{path}: expected a 'topics:' mapping of topic name to settings")
    if unknown := set(doc) - {"topics"}:
        raise TopicsFileError(f"{path}: unknown top-level keys {sorted(unknown)}")
    return TopicsFile(path, tuple(_topic(path, str(n), s) for n, s in doc["topics"].items()))


def _topic(path: Path, name: str, raw: Any) -> TopicSpec:
    def fail(problem: str) -> TopicsFileError:
        return TopicsFileError(f"{path}: topic {name}: {problem}")

    if not TOPIC_NAME.match(name) or name in (".", ".."):
        raise fail("a topic name is 1-249 characters of letters, digits, '.', '_' and '-'")
    if not isinstance(raw, dict):
        raise fail("expected a mapping of settings")
    if unknown := set(raw) - FIELDS:
        raise fail(f"unknown settings {sorted(unknown)}; known: {sorted(FIELDS)}")
    if missing := REQUIRED - set(raw):
        raise fail(f"missing {sorted(missing)}")
    for count in ("partitions", "replication_factor"):
        value = raw[count]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(f"{count} must be a positive integer, got {value!r}")
    policy = str(raw["cleanup_policy"]).replace(" ", "")
    policy = ",".join(sorted(policy.split(",")))
    if policy not in CLEANUP_POLICIES:
        raise fail(f"cleanup_policy must be one of {sorted(CLEANUP_POLICIES)}, "
                   f"got {raw['cleanup_policy']!r}")
    schema = path.parent / str(raw["value_schema"])
    if not schema.is_file():
        raise fail(f"value_schema {raw['value_schema']} does not exist (looked at {schema})")
    if not isinstance(raw["key"], str) or not raw["key"]:
        raise fail(f"key must name the field the record key holds, got {raw['key']!r}")
    extra = raw.get("config") or {}
    if not isinstance(extra, dict) or {"retention.ms", "cleanup.policy"} & set(extra):
        raise fail("config must be a mapping of other Kafka topic configs "
                   "(retention and cleanup_policy have their own settings)")
    return TopicSpec(
        name=name, partitions=raw["partitions"], replication_factor=raw["replication_factor"],
        retention_ms=_retention_ms(raw["retention"], fail), cleanup_policy=policy,
        key=raw["key"], value_schema=schema,
        producers=_names(raw["producers"], "producers", fail),
        consumers=_names(raw["consumers"], "consumers", fail),
        description=str(raw.get("description", "")).strip(),
        extra_config={str(k): _config_text(v) for k, v in extra.items()},
    )


def _retention_ms(value: Any, fail: Any) -> int:
    if value in ("forever", -1):
        return -1
    found = DURATION.match(str(value).strip())
    if not found or int(found.group(1)) < 1:
        raise fail(f"retention must be like 7d, 12h, 30m, 90s, 500ms, 2w or 'forever', "
                   f"got {value!r}")
    return int(found.group(1)) * UNIT_MS[found.group(2)]


def _names(value: Any, what: str, fail: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise fail(f"{what} must be a non-empty list of stage names, got {value!r}")
    return tuple(value)


def _config_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


# -- the cluster --------------------------------------------------------------------------------


def admin_client(bootstrap: str) -> AdminClient:
    """An AdminClient whose connection-refused chatter goes nowhere (errors still raise)."""
    return AdminClient({"bootstrap.servers": bootstrap, "logger": _QUIET})


def connect(bootstrap: str, timeout: float = 10.0) -> AdminClient:
    """An AdminClient that has seen the cluster answer, or ``KafkaUnreachable``."""
    admin = admin_client(bootstrap)
    try:
        admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        raise KafkaUnreachable(
            f"cannot reach Kafka at {bootstrap} within {timeout:.0f} s ({exc.args[0].str()}); "
            "start it with 'ytempire broker start' or set YTEMPIRE_KAFKA_BOOTSTRAP") from None
    return admin
