"""One offline stack (every stage a worker process, default settings) shared by the reliability
tests that need nothing else: starting and stopping six workers costs more than most of them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import VIDEO_STAGES
from ytempire.app.broker import LocalBroker
from ytempire.app.stack import Stack
from ytempire.core.settings import Settings


@pytest.fixture(scope="package")
def offline_stack(kafka_broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[Stack]:
    """The stack's ``settings`` hold its data dir (caches, channels, logs) and group prefix; its
    groups start at the end of their topics, so it sees only what the tests send from now on.
    Tests sharing it tell their videos apart by id, never by what a directory or topic holds."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("offline-stack"),
                        kafka_bootstrap=kafka_broker.bootstrap,
                        consumer_group_prefix=f"test-{uuid.uuid4().hex[:8]}")
    stack = Stack(settings, stages=VIDEO_STAGES)
    stack.start(with_broker=False, from_end=True)
    yield stack
    stack.stop()
