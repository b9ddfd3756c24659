"""The gateway as a real process under hostile traffic: an oversized body is cut off while it
arrives (the process's peak memory barely moves), and racing channel creations never make a
sixth active channel, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import GatewaySettings
from tests.gateway.conftest import CHANNEL, Caller
from tests.gateway.server import free_port, serve
from ytempire.core.settings import Settings

MiB = 1024 * 1024

GATEWAY = textwrap.dedent("""
    import sys
    from pathlib import Path
    import uvicorn
    from gateway.app import create_app
    from gateway.config import GatewaySettings
    from ytempire.core.settings import Settings
    root = Path(sys.argv[1])
    app = create_app(Settings(data_dir=root, database_url=f"sqlite:///{root / 'g.db'}",
                              kafka_bootstrap="127.0.0.1:9"), GatewaySettings(consume=False))
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
""")


def _memory(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of a process, in bytes."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) * 1024
    return fields


@pytest.fixture(scope="module")
def gateway_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    """A real gateway process (uvicorn, SQLite): its pid and base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", GATEWAY, str(tmp_path_factory.mktemp("gw")),
                             str(port)], cwd=Path(__file__).parents[2],
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # imports take seconds, a minute on a busy machine
    while True:
        try:
            httpx.get(f"{url}/v1/me", timeout=1)
            break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "gateway did not start"
        time.sleep(0.2)
    try:
        yield proc.pid, url
    finally:
        proc.terminate()
        proc.wait(20)


def _stream(url: str, path: str, total: int) -> tuple[int | None, int]:
    """POST ``total`` bytes chunked, without credentials; (status if one came back, bytes the
    server let us send before answering or closing)."""
    port = int(url.rsplit(":", 1)[1])
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"%x\r\n" % MiB + b"[" * MiB + b"\r\n"
        try:
            while sent < total:
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered
                sock.sendall(chunk)
                sent += MiB
            answer = sock.recv(200)
        except OSError:
            return None, sent
    status = answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/1.1") else None
    return (int(status) if status else None), sent


def test_oversized_unauthenticated_bodies_are_refused_while_read(
        gateway_process: tuple[int, str]) -> None:
    pid, url = gateway_process
    httpx.get(f"{url}/v1/me", timeout=5)  # warm: the first request imports and allocates
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # the peak (VmHWM) starts again from now
    before = _memory(pid)
    inbound = _stream(url, "/v1/inbound/no-such-source", 300 * MiB)
    channels = _stream(url, "/v1/channels", 50 * MiB)
    declared = _declared(url, "/v1/channels", 50 * MiB)
    after = _memory(pid)
    assert inbound[1] < 32 * MiB and channels[1] < 32 * MiB, (inbound, channels)
    assert inbound[0] in (413, None) and channels[0] in (413, None)
    assert declared == 413
    assert after["VmHWM"] - before["VmRSS"] < 40 * MiB, (before, after)
    assert httpx.get(f"{url}/v1/me", timeout=5).status_code == 401  # still serving


def _declared(url: str, path: str, length: int) -> int:
    """A request that announces ``length`` bytes and sends none: refused before reading."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {length}\r\n\r\n".encode())
        return int(sock.recv(200).split(b" ", 2)[1])


def test_racing_creations_never_make_a_sixth_active_channel(
        gateway_settings: Settings, make_user: Callable[..., Caller]) -> None:
    alice = make_user("racer")
    app = create_app(gateway_settings, GatewaySettings(consume=False))
    with serve(app) as url, httpx.Client(base_url=url, headers=alice.headers,
                                         timeout=60) as http:
        with ThreadPoolExecutor(12) as pool:
            codes = sorted(pool.map(lambda i: http.post(
                "/v1/channels", json={**CHANNEL, "name": f"c{i}"}).status_code, range(12)))
        every = http.get("/v1/channels?include_deleted=true").json()
    assert codes == [201] * 5 + [409] * 7
    assert len(every) == 5 and all(c["deleted_at"] is None for c in every)


@pytest.fixture
def client(gateway_settings: Settings) -> Iterator[TestClient]:
    """``make_user`` needs an app on the same database as the one served above."""
    with TestClient(create_app(gateway_settings, GatewaySettings(consume=False))) as test_client:
        yield test_client
