"""Shared fixtures: one real Kafka broker per test session; settings on a fresh data dir."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from confluent_kafka import Consumer

from ytempire.app.broker import LocalBroker
from ytempire.core import topic_sync
from ytempire.core.manifest import PIPELINE
from ytempire.core.settings import PROJECT_ROOT, Settings

CLOCKED_STAGES = ("scheduler", "metrics-collector", "trends")
VIDEO_STAGES = [name for name in PIPELINE.names if name not in CLOCKED_STAGES]
"""The stages a requested video passes through (and the ledger). Tests of that pipeline leave out
the scheduler, the metrics collector and the trends stage: on the session's shared broker they
would act on the channels and clock ticks other tests left on ``channel.updated`` and
``scheduler.tick``."""


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on right now, distinct from each other (held open while picking)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


def local_broker(data_dir: Path) -> LocalBroker:
    """A LocalBroker on free ports under ``data_dir``; the jar cache is the shared one."""
    port, controller_port = free_ports(2)
    return LocalBroker(
        data_dir=data_dir, bootstrap=f"127.0.0.1:{port}", controller_port=controller_port
    )


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """One broker for the whole session, every topic of topics.yaml applied; ``.bootstrap``."""
    broker = local_broker(tmp_path_factory.mktemp("kafka-session"))
    broker.start(timeout=180, die_with_parent=True)
    try:
        topic_sync.apply_file(broker.bootstrap, PROJECT_ROOT / "topics.yaml")
        yield broker
    finally:
        # Its data is thrown away: no need to wait out a controlled shutdown (~25 s here).
        broker.stop(timeout=3)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh data dir; no broker is started for tests that do not need one."""
    return Settings(data_dir=tmp_path)


@pytest.fixture
def kafka_settings(kafka_broker: LocalBroker, tmp_path: Path) -> Settings:
    """Settings with a fresh data dir and ``kafka_bootstrap`` pointing at the session broker.

    Stage consumer groups get a per-test prefix, so a test's workers never pick up work that
    earlier tests left on the shared topics (start them with ``Stack.start(from_end=True)``).
    """
    return Settings(
        data_dir=tmp_path,
        kafka_bootstrap=kafka_broker.bootstrap,
        consumer_group_prefix=f"test-{uuid.uuid4().hex[:8]}",
    )


@pytest.fixture
def quick_failover(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stage workers this test starts lose a SIGKILLed member's partitions after 6 s (the
    broker's minimum session timeout), not the worker's own 15 s: the same failover with less
    waiting. Faust takes these from the environment over the app's arguments."""
    monkeypatch.setenv("BROKER_SESSION_TIMEOUT", "6")
    monkeypatch.setenv("BROKER_HEARTBEAT_INTERVAL", "1")


@pytest.fixture
def consumer(kafka_settings: Settings) -> Iterator[Consumer]:
    """A plain consumer on the session broker, outside any group; assign it with
    ``ytempire.core.kafka.assign_at_end`` to read what comes next."""
    consumer = Consumer(
        {
            "bootstrap.servers": kafka_settings.kafka_bootstrap,
            "group.id": f"test.{uuid.uuid4()}",
            "enable.auto.commit": False,
        }
    )
    yield consumer
    consumer.close()
