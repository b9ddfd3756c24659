"""Make a Kafka cluster match topics.yaml: diff it, then carry out the safe changes.

``plan`` lists every difference as a ``Change``; the safe ones (missing topic, too few partitions,
a config that differs or an override nobody declared) are what ``apply`` carries out. Unsafe ones
(fewer partitions declared than the cluster has, another replication factor) are refused before
anything is touched, because Kafka cannot undo them in place. The file itself is
``ytempire.core.topics``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ConfigSource,
    NewPartitions,
    NewTopic,
    OffsetSpec,
    ResourceType,
)

from ytempire.core.topics import UNIT_MS, TopicsFile, connect, load


class TopicConfigDrift(RuntimeError):
    """The cluster differs from topics.yaml in a way ``apply`` must not fix on its own."""




class TopicApplyError(RuntimeError):
    """The cluster refused a change ``apply`` asked for, or did not settle to topics.yaml."""




@dataclass(frozen=True)
class Change:
    """One difference between the cluster and topics.yaml, and whether ``apply`` may fix it."""

    topic: str
    setting: str
    cluster: str | None
    declared: str | None
    safe: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)




@dataclass(frozen=True)
class _Observed:
    partitions: int
    replication_factor: int
    values: dict[str, str]
    overrides: dict[str, str]


def _observe(admin: AdminClient, names: list[str], timeout: float) -> dict[str, _Observed]:
    meta = admin.list_topics(timeout=timeout)
    present = [n for n in names if n in meta.topics and meta.topics[n].error is None]
    if not present:
        return {}
    futures = admin.describe_configs([ConfigResource(ResourceType.TOPIC, n) for n in present],
                                     request_timeout=timeout)
    configs = {resource.name: future.result() for resource, future in futures.items()}
    observed = {}
    for name in present:
        parts = meta.topics[name].partitions
        entries = configs[name]
        observed[name] = _Observed(
            partitions=len(parts),
            replication_factor=min((len(p.replicas) for p in parts.values()), default=0),
            values={k: e.value for k, e in entries.items() if e.value is not None},
            overrides={k: e.value for k, e in entries.items()
                       if ConfigSource(e.source) == ConfigSource.DYNAMIC_TOPIC_CONFIG},
        )
    return observed


def _same(key: str, a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    if key == "cleanup.policy":
        return sorted(a.replace(" ", "").split(",")) == sorted(b.replace(" ", "").split(","))
    return a.strip() == b.strip()


def _shown(key: str, value: str | None) -> str:
    """A config value as a person reads it: retention.ms=604800000 also says (7d)."""
    if value is None or not key.endswith(".ms") or not value.lstrip("-").isdigit():
        return str(value)
    ms = int(value)
    if ms < 0:
        return f"{value} (forever)"
    for unit in ("w", "d", "h", "m", "s"):
        if ms and ms % UNIT_MS[unit] == 0:
            return f"{value} ({ms // UNIT_MS[unit]}{unit})"
    return value


def plan(admin: AdminClient, spec: TopicsFile, timeout: float = 10.0) -> list[Change]:
    """Every difference between the cluster and ``spec``, in topics.yaml order."""
    observed = _observe(admin, spec.names, timeout)
    changes: list[Change] = []
    for topic in spec.topics:
        name, now = topic.name, observed.get(topic.name)
        if now is None:
            changes.append(Change(name, "topic", None, f"{topic.partitions} partitions", True,
                                  f"topic {name} is missing; apply creates it with "
                                  f"{topic.partitions} partitions"))
            continue
        if now.partitions < topic.partitions:
            changes.append(Change(
                name, "partitions", str(now.partitions), str(topic.partitions), True,
                f"topic {name} has {now.partitions} partitions, topics.yaml says "
                f"{topic.partitions}; apply raises them (new partitions take only new keys' "
                "events, so a video in flight may change partition once)"))
        elif now.partitions > topic.partitions:
            changes.append(Change(
                name, "partitions", str(now.partitions), str(topic.partitions), False,
                f"topic {name} has {now.partitions} partitions, topics.yaml says "
                f"{topic.partitions}; Kafka cannot reduce partitions — recreate the topic or "
                "raise topics.yaml"))
        if now.replication_factor != topic.replication_factor:
            changes.append(Change(
                name, "replication_factor", str(now.replication_factor),
                str(topic.replication_factor), False,
                f"topic {name} has replication factor {now.replication_factor}, topics.yaml says "
                f"{topic.replication_factor}; apply does not move replicas — reassign them with "
                "Kafka's tools, recreate the topic or change topics.yaml"))
        for key, want in topic.config.items():
            have = now.values.get(key)
            if not _same(key, have, want):
                changes.append(Change(name, key, have, want, True,
                                      f"topic {name} has {key}={_shown(key, have)}, topics.yaml "
                                      f"says {_shown(key, want)}; apply sets it"))
        for key, have in sorted(now.overrides.items()):
            if key not in topic.config:
                changes.append(Change(name, key, have, None, True,
                                      f"topic {name} overrides {key}={_shown(key, have)}, which "
                                      "topics.yaml does not declare; apply resets it to the "
                                      "broker default"))
    return changes


def check(admin: AdminClient, spec: TopicsFile, timeout: float = 10.0) -> list[Change]:
    """The drift between the cluster and ``spec``; empty when they match."""
    return plan(admin, spec, timeout)


def apply(admin: AdminClient, spec: TopicsFile, timeout: float = 30.0) -> list[Change]:
    """Make the cluster match ``spec``; the changes made (empty when it already matched).

    Unsafe drift raises ``TopicConfigDrift`` before anything is changed. After the changes the
    cluster is re-read until it matches, so a second run right away finds nothing to do.
    """
    changes = plan(admin, spec, timeout)
    if unsafe := [c for c in changes if not c.safe]:
        raise TopicConfigDrift("\n".join(c.message for c in unsafe))
    if not changes:
        return []
    creates = [spec[c.topic] for c in changes if c.setting == "topic"]
    if creates:
        futures = admin.create_topics(
            [NewTopic(t.name, num_partitions=t.partitions, replication_factor=t.replication_factor,
                      config=t.config) for t in creates],
            operation_timeout=timeout, request_timeout=timeout)
        _settle(futures, "create topic", ignore=KafkaError.TOPIC_ALREADY_EXISTS)
    raises = [c for c in changes if c.setting == "partitions"]
    if raises:
        futures = admin.create_partitions(
            [NewPartitions(c.topic, spec[c.topic].partitions) for c in raises],
            operation_timeout=timeout, request_timeout=timeout)
        _settle(futures, "raise partitions of")
    edits: dict[str, list[ConfigEntry]] = defaultdict(list)
    for c in changes:
        if c.setting not in ("topic", "partitions"):
            op = AlterConfigOpType.SET if c.declared is not None else AlterConfigOpType.DELETE
            edits[c.topic].append(ConfigEntry(c.setting, c.declared, incremental_operation=op))
    if edits:
        resources = [ConfigResource(ResourceType.TOPIC, topic, incremental_configs=entries)
                     for topic, entries in edits.items()]
        futures = admin.incremental_alter_configs(resources, request_timeout=timeout)
        _settle({r.name: f for r, f in futures.items()}, "alter configs of")
    _await_match(admin, spec, timeout)
    _await_leaders(admin, sorted({c.topic for c in changes
                                  if c.setting in ("topic", "partitions")}), timeout)
    return changes


def _settle(futures: dict[Any, Any], doing: str, ignore: int | None = None) -> None:
    problems = []
    for name, future in futures.items():
        try:
            future.result()
        except KafkaException as exc:
            err = exc.args[0]
            if ignore is None or err.code() != ignore:
                problems.append(f"could not {doing} {name}: {err.str()}")
    if problems:
        raise TopicApplyError("\n".join(problems))


def _await_match(admin: AdminClient, spec: TopicsFile, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while remaining := plan(admin, spec, timeout):
        if time.monotonic() > deadline:
            raise TopicApplyError("the cluster did not settle to topics.yaml after apply:\n"
                                  + "\n".join(c.message for c in remaining))
        time.sleep(0.2)


def _await_leaders(admin: AdminClient, names: list[str], timeout: float) -> None:
    """Wait until every partition of ``names`` answers an offsets lookup.

    Metadata names a leader a moment before the broker has opened the partition's log; a client
    asking in between gets NOT_LEADER_FOR_PARTITION. Apply returns only after that moment.
    """
    if not names:
        return
    deadline = time.monotonic() + timeout
    while True:
        meta = admin.list_topics(timeout=timeout)
        wanted = {TopicPartition(n, p): OffsetSpec.latest()
                  for n in names for p in meta.topics[n].partitions}
        try:
            for future in admin.list_offsets(wanted, request_timeout=timeout).values():
                future.result()
            return
        except KafkaException as exc:
            if time.monotonic() > deadline:
                raise TopicApplyError(f"partitions of {', '.join(names)} did not get a leader "
                                      f"within {timeout:.0f} s: {exc.args[0].str()}") from None
            time.sleep(0.1)


def apply_file(bootstrap: str, path: Path, timeout: float = 30.0) -> list[Change]:
    """Load ``path`` and apply it to the cluster at ``bootstrap``."""
    spec = load(path)
    return apply(connect(bootstrap), spec, timeout)


def check_file(bootstrap: str, path: Path, timeout: float = 10.0) -> list[Change]:
    """Load ``path`` and return the cluster's drift from it."""
    spec = load(path)
    return check(connect(bootstrap), spec, timeout)
