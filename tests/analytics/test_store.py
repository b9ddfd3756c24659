"""One process per chdb store: a second opener is told who holds it, and KPIs go through the
sink's endpoint while it holds the store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from analytics.kpi import PRICE_TABLE, collect, run_queries
from analytics.server import KpiServer
from analytics.store import SinkOwner
from tests.analytics.seed import Seeded
from ytempire.core.settings import PROJECT_ROOT, Settings

HOLD = """
import sys, time
from analytics.store import connect
client = connect("chdb://" + sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""

OPEN = """
import sys
from analytics.store import ClickHouseBusy, connect
try:
    connect("chdb://" + sys.argv[1])
except ClickHouseBusy as exc:
    print(exc)
    sys.exit(3)
"""


def test_a_second_process_is_told_the_store_is_held(tmp_path: Path) -> None:
    store = tmp_path / "clickhouse"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(store)], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        second = subprocess.run([sys.executable, "-c", OPEN, str(store)], cwd=PROJECT_ROOT,
                                capture_output=True, text=True, timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert second.returncode == 3, second.stderr[-2000:]
    assert "open in another process" in second.stdout


def test_kpis_come_from_the_sink_endpoint_while_it_holds_the_store(seeded: Seeded,
                                                                   tmp_path: Path) -> None:
    store = tmp_path / "clickhouse"
    store.mkdir()
    server = KpiServer(seeded.client)
    owner = SinkOwner(os.getpid(), server.start(), server.token)
    owner.write(store)
    try:
        began = time.monotonic()
        via_sink = [d for d in collect(Settings(data_dir=tmp_path), days=30, with_lag=False)
                    if d["name"] != PRICE_TABLE]
        assert time.monotonic() - began < 30
    finally:
        owner.remove(store)
        server.stop()
    direct = [r.as_dict() for r in run_queries(seeded.client, days=30)]
    assert [d["name"] for d in via_sink] == [d["name"] for d in direct]
    assert [d["rows"] for d in via_sink] == [d["rows"] for d in direct]
    assert not SinkOwner.file(store).exists()


def test_a_stale_owner_file_from_a_killed_sink_is_ignored(tmp_path: Path) -> None:
    store = tmp_path / "clickhouse"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    SinkOwner(int(dead.stdout), "http://127.0.0.1:9").write(store)
    assert SinkOwner.read(store) is None


def test_the_sink_endpoint_answers_only_with_its_token(seeded: Seeded, tmp_path: Path) -> None:
    """Any local user can reach 127.0.0.1: the token, in an owner-only file, is the key."""
    import json
    import stat
    import urllib.error
    import urllib.request

    store = tmp_path / "clickhouse"
    store.mkdir()
    server = KpiServer(seeded.client)
    owner = SinkOwner(os.getpid(), server.start(), server.token)
    owner.write(store)
    query = json.dumps({"sql": "SELECT 1 AS one", "parameters": {}}).encode()
    try:
        refused = []
        for headers in ({}, {"Authorization": "Bearer guess"}):
            for request in (urllib.request.Request(f"{owner.url}/kpi?days=1", headers=headers),
                            urllib.request.Request(f"{owner.url}/query", data=query,
                                                   headers=headers)):
                try:
                    urllib.request.urlopen(request, timeout=30)
                except urllib.error.HTTPError as exc:
                    refused.append(exc.code)
        allowed = urllib.request.urlopen(urllib.request.Request(
            f"{owner.url}/query", data=query, headers=SinkOwner.read(store).headers()),
            timeout=30)
        assert refused == [401] * 4 and json.load(allowed)["rows"] == [[1]]
        assert stat.S_IMODE(SinkOwner.file(store).stat().st_mode) == 0o600
    finally:
        owner.remove(store)
        server.stop()
