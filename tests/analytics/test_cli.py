"""The commands: ``analytics migrate`` is idempotent, ``analytics sink`` runs until SIGTERM and
answers ``kpi`` while it holds the chdb store, ``kpi --json`` prints every KPI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from analytics.store import SinkOwner
from ytempire.app.cli import analytics as cli
from ytempire.core.codec import Codec
from ytempire.core.events import cost_event, new_envelope
from ytempire.core.kafka import EventProducer
from ytempire.core.settings import PROJECT_ROOT, Settings, get_settings

HARNESS = "from ytempire.app.cli.analytics import app, kpi; app.command()(kpi); app()"


@pytest.fixture
def ytempire(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[typer.Typer]:
    """The analytics commands as registered under ``ytempire``, on this test's data dir (the
    same tmp_path ``kafka_settings`` uses)."""
    monkeypatch.setenv("YTEMPIRE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    app = typer.Typer()
    app.add_typer(cli.app, name="analytics")
    app.command()(cli.kpi)
    yield app
    get_settings.cache_clear()


def test_migrate_twice_then_kpi_json(ytempire: typer.Typer) -> None:
    runner = CliRunner()
    unmigrated = runner.invoke(ytempire, ["kpi", "--no-lag"])
    assert unmigrated.exit_code == 1 and "analytics migrate" in unmigrated.output
    first = runner.invoke(ytempire, ["analytics", "migrate"])
    assert first.exit_code == 0 and "applied 0001_schema_migrations" in first.output
    again = runner.invoke(ytempire, ["analytics", "migrate"])
    assert again.exit_code == 0 and "up to date" in again.output
    shown = runner.invoke(ytempire, ["kpi", "--json", "--no-lag", "--days", "7"])
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.stdout)
    assert doc["days"] == 7 and len(doc["kpis"]) >= 20
    assert all(k["error"] is None for k in doc["kpis"])


def test_the_running_sink_ingests_and_answers_kpi(kafka_settings: Settings, codec: Codec,
                                                  ytempire: typer.Typer) -> None:
    channel = f"cli-{uuid.uuid4().hex[:8]}"
    parent = new_envelope(video_id=f"{channel}-v", channel_id=channel, owner_id="o",
                          producer="test")
    costs = [cost_event(parent, stage="narrator", provider="elevenlabs", model="m",
                        unit="characters", quantity=10, usd=Decimal("0.123457"), cached=False,
                        price_table_version="v", call_key=str(i), index=i) for i in range(3)]
    EventProducer(kafka_settings.kafka_bootstrap, codec).send_all(costs)
    env = {**os.environ, "YTEMPIRE_DATA_DIR": str(kafka_settings.data_dir),
           "YTEMPIRE_KAFKA_BOOTSTRAP": kafka_settings.kafka_bootstrap,
           "YTEMPIRE_LOG_FORMAT": "json"}
    sink = subprocess.Popen([sys.executable, "-c", HARNESS, "sink", "--lag-every", "3600"],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    store = kafka_settings.data_dir / "clickhouse"
    try:
        deadline = time.monotonic() + 60
        while SinkOwner.read(store) is None:
            assert sink.poll() is None, sink.stderr.read().decode()[-2000:] if sink.stderr else ""
            assert time.monotonic() < deadline, "the sink never announced itself"
            time.sleep(0.2)
        spent = Decimal(0)
        while spent < Decimal("0.370371") and time.monotonic() < deadline:
            result = CliRunner().invoke(ytempire, ["kpi", "--json", "--no-lag"])
            assert result.exit_code == 0, result.output
            [by_channel] = [k for k in json.loads(result.stdout)["kpis"]
                            if k["name"] == "cost_by_channel"]
            spent = sum((Decimal(r[1]) for r in by_channel["rows"] if r[0] == channel),
                        Decimal(0))
            time.sleep(0.3)
        assert spent == Decimal("0.370371")
    finally:
        sink.send_signal(signal.SIGTERM)
        code = sink.wait(60)
    assert code == 0
    assert SinkOwner.read(store) is None and not SinkOwner.file(store).exists()
