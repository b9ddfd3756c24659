"""The local Kafka broker: its lifecycle through the CLI, and errors that say what went wrong."""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import free_ports, local_broker
from ytempire.app.broker import LocalBroker
from ytempire.app.broker_runtime import BrokerError
from ytempire.app.cli.broker import app

runner = CliRunner()


def test_session_broker_reports_running_with_the_declared_topics(kafka_broker: LocalBroker) -> None:
    status = kafka_broker.status()
    assert status.running and status.pid
    assert status.bootstrap == kafka_broker.bootstrap
    assert status.version == "4.4.0"
    assert status.topics is not None and status.topics >= 10
    assert (kafka_broker.ensure_jars() / "kafka_2.13-4.4.0.jar").is_file()


def test_broker_start_status_stop_through_the_cli(tmp_path: Path) -> None:
    broker = local_broker(tmp_path)
    where = ["--bootstrap", broker.bootstrap, "--data-dir", str(tmp_path)]
    try:
        before = runner.invoke(app, ["status", *where])
        assert before.exit_code == 1
        assert "not running" in before.output

        started = runner.invoke(app, ["start", *where, "--controller-port",
                                      str(broker.controller_port)])
        assert started.exit_code == 0, started.output
        assert re.search(rf"Kafka 4\.4\.0 ready on {broker.bootstrap} in \d+\.\d s \(pid \d+\)",
                         started.output)
        again = runner.invoke(app, ["start", *where])
        assert f"already running on {broker.bootstrap}" in again.output

        running = runner.invoke(app, ["status", *where, "--json"])
        assert running.exit_code == 0, running.output
        state = json.loads(running.stdout)
        assert state["running"] is True and state["topics"] == 0
        assert Path(state["log_file"]).read_text().count("Kafka Server started") == 1

        stopped = runner.invoke(app, ["stop", *where])
        assert stopped.exit_code == 0
        assert f"Kafka stopped (pid {state['pid']})" in stopped.output
        assert "Kafka was not running" in runner.invoke(app, ["stop", *where]).output
        assert runner.invoke(app, ["status", *where]).exit_code == 1
        assert not broker.pid_file.exists()
        with pytest.raises(ProcessLookupError):
            os.kill(state["pid"], 0)
    finally:
        broker.stop()


def test_start_refuses_a_port_that_another_process_listens_on(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        (controller,) = free_ports(1)
        broker = LocalBroker(data_dir=tmp_path, bootstrap=f"127.0.0.1:{port}",
                             controller_port=controller)
        with pytest.raises(BrokerError, match=rf"127\.0\.0\.1:{port} is already in use"):
            broker.start(timeout=10)
    assert broker.pid() is None


def test_a_broker_that_dies_while_starting_shows_its_last_log_lines(tmp_path: Path) -> None:
    broker = local_broker(tmp_path)
    broker.heap = "1k"
    with pytest.raises(BrokerError) as raised:
        broker.start(timeout=60)
    assert "Kafka exited with code 1 while starting" in str(raised.value)
    assert "Too small maximum heap" in str(raised.value)
    assert broker.pid() is None and not broker.pid_file.exists()
