"""Gateway fixtures: a throwaway PostgreSQL cluster and Redis server per session, an app per
test on SQLite or PostgreSQL, and users with API keys."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import text

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from ytempire.core.settings import Settings

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its binaries as the ``postgres`` user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A fresh cluster on a free port under /tmp (trust auth, fsync off); fails loudly."""
    binary = Path(os.environ.get("YTEMPIRE_TEST_PG_BIN", PG_BIN))
    if not (binary / "initdb").exists():
        pytest.fail(f"PostgreSQL server binaries not found in {binary}; install Debian's "
                    "'postgresql' package or set YTEMPIRE_TEST_PG_BIN")
    root = Path(tempfile.mkdtemp(prefix="ytempire-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data, port = root / "data", _free_port()
    try:
        subprocess.run(_as_postgres([str(binary / "initdb"), "-D", str(data), "-U", "ytempire",
                                     "--auth=trust", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True, timeout=120)
        subprocess.run(_as_postgres([
            str(binary / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
            "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c max_connections=200",
            "start"]), check=True, capture_output=True, timeout=60)
    except subprocess.CalledProcessError as exc:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        pytest.fail(f"PostgreSQL did not start: {exc.stderr.decode()}\n{log}")
    try:
        yield f"postgresql://ytempire@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([str(binary / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                     "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A real redis-server on a free port, no persistence; fails loudly when not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server not found; install Debian's 'redis-server' (make system-deps)")
    port = _free_port()
    root = Path(tempfile.mkdtemp(prefix="ytempire-redis-"))
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    client.close()
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new empty database on the session's cluster."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def gateway_settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url)


@dataclass
class Caller:
    """A user of the API: its id and the headers that authenticate it."""

    user_id: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture
def client(gateway_settings: Settings) -> Iterator[TestClient]:
    app = create_app(gateway_settings, GatewaySettings(consume=False))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def make_user(client: TestClient) -> Callable[..., Caller]:
    def make(name: str | None = None, tier: str = "free") -> Caller:
        with client.app.state.sessions() as db:  # type: ignore[attr-defined]
            user, issued = create_user(db, name or f"user-{uuid.uuid4().hex[:8]}", tier)
        return Caller(user.id, issued.secret)

    return make


@pytest.fixture
def alice(make_user: Callable[..., Caller]) -> Caller:
    return make_user("alice")


@pytest.fixture
def bob(make_user: Callable[..., Caller]) -> Caller:
    return make_user("bob")


CHANNEL = {"name": "Deep Space", "niche": "space history", "language": "en",
           "voice": "en-us", "visual_style": "documentary", "format": "16:9",
           "target_duration_s": 60, "quality_threshold": 70, "per_video_budget_usd": "3.00",
           "daily_budget_usd": "30.00", "publish_schedule": "0 9 * * 1-5",
           "auto_publish": True, "privacy": "private"}


@pytest.fixture
def channel(client: TestClient, alice: Caller) -> dict:
    response = client.post("/v1/channels", json=CHANNEL, headers=alice.headers)
    assert response.status_code == 201, response.text
    return response.json()


def stored_text(client: TestClient) -> str:
    """Every value of every table of a gateway on SQLite, as one text (to find secrets in)."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        tables = [name for (name,) in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table'"))]
        return json.dumps([list(map(str, row)) for table in tables
                           for row in conn.execute(text(f'SELECT * FROM "{table}"'))])
