"""Analytics fixtures: a fresh migrated chdb store per test, and a seeded pipeline history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client

from analytics.migrate import migrate
from analytics.store import connect
from tests.analytics.seed import Seeded, seed_pipeline
from ytempire.core.codec import Codec
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import PROJECT_ROOT


@pytest.fixture(scope="session")
def codec() -> Codec:
    return Codec(SchemaRegistry.load(PROJECT_ROOT / "schemas"))


@pytest.fixture
def chdb_client(tmp_path: Path) -> Iterator[Client]:
    """A migrated chdb store under this test's tmp dir (chdb allows one open path per process,
    so it is closed before the next test opens its own)."""
    client = connect(f"chdb://{tmp_path / 'clickhouse'}")
    migrate(client)
    yield client
    client.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory, codec: Codec) -> Iterator[Seeded]:
    """The known history of ``tests/analytics/seed.py`` in a store shared by one test module
    (read it, do not write: seeding takes seconds on two cores). Do not mix it with
    ``chdb_client`` in one module: one chdb path per process."""
    client = connect(f"chdb://{tmp_path_factory.mktemp('seeded') / 'clickhouse'}")
    migrate(client)
    yield seed_pipeline(client, codec)
    client.close()
