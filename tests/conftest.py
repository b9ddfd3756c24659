"""Shared fixtures: one real Kafka broker per test session; settings on a fresh data dir."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from confluent_kafka import Consumer

from tests.fakes.google_server import FakeGoogle
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


SUITE_PARTS = ("broker", "gateway", "rest")
"""The sessions ``make test`` runs side by side (tests/run_suite.py): the tests on the session's
Kafka broker, the gateway's other tests (most of the remaining time), and everything else."""


def suite_part(item: pytest.Item) -> str:
    """Which of SUITE_PARTS runs ``item``: a test that needs ``kafka_broker`` (directly or
    through a fixture) runs with the other broker tests, which share one broker and its fixed
    topic names and so must run one at a time."""
    if "kafka_broker" in getattr(item, "fixturenames", ()):
        return "broker"
    if item.path.is_relative_to(Path(__file__).parent / "gateway"):
        return "gateway"
    return "rest"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--part", choices=SUITE_PARTS, default=None,
        help="run only this part of the suite (tests/run_suite.py, which `make test` runs, "
             "runs every part side by side)")
    parser.addoption(
        "--part-report", default=None, metavar="PATH",
        help="write the collected test ids, this part's selection and how many ran as JSON")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that need ``kafka_broker`` ``broker``, and with ``--part`` keep that part.
    Runs last, so ``-k``/``-m`` have already chosen and every part splits the same list."""
    for item in items:
        if suite_part(item) == "broker":
            item.add_marker(pytest.mark.broker)
    part = config.getoption("part")
    if part is None:
        return
    keep = [suite_part(item) == part for item in items]
    _split.update(part=part, collected=[item.nodeid for item in items], selected=keep)
    config.hook.pytest_deselected(items=[item for item, k in zip(items, keep, strict=True)
                                         if not k])
    items[:] = [item for item, k in zip(items, keep, strict=True) if k]


def pytest_runtest_logfinish() -> None:
    _split["ran"] += 1


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("part_report")
    if path and "part" in _split:
        Path(path).write_text(json.dumps(_split))


_split: dict = {"ran": 0}
"""With ``--part``: the collected ids, which this part kept, and how many of them ran (to the
end of teardown, whatever the outcome), for tests/run_suite.py to check."""


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


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    """Google's OAuth, YouTube Data and Analytics APIs on a local server (``tests/fakes``)."""
    with FakeGoogle() as fake:
        yield fake
