"""The local stack in one process tree: broker, topics, one worker process per stage."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from ytempire.core import processes
from ytempire.core.kafka import start_group_at_end
from ytempire.core.logging import get_logger
from ytempire.core.manifest import PIPELINE
from ytempire.core.settings import Settings

log = get_logger("ytempire.app.stack")


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process read the same settings."""
    env = dict(os.environ)
    for name, value in settings.model_dump(exclude_defaults=True).items():
        if value is None:  # only optional settings default to None: the child's default
            continue
        if isinstance(value, SecretStr):  # the child needs the key itself, not its mask
            value = value.get_secret_value()
        env[f"YTEMPIRE_{name.upper()}"] = str(value)
    env.setdefault("YTEMPIRE_LOG_FORMAT", "json")
    return env


@dataclass
class WorkerProcess:
    stage: str
    process: subprocess.Popen[bytes]
    log_path: Path


# Services beside the stage workers, by name: the ``ytempire`` arguments that run each.
SERVICES: dict[str, list[str]] = {
    "gateway": ["gateway"],
    "analytics-sink": ["analytics", "sink"],
    "scheduler-clock": ["scheduler-clock"],
}


@dataclass
class Stack:
    """Stage workers (and optionally services) as child processes, each with its own log."""

    settings: Settings
    stages: list[str] = field(default_factory=lambda: PIPELINE.names)
    services: list[str] = field(default_factory=list)
    workers: dict[str, WorkerProcess] = field(default_factory=dict)
    started_broker: bool = False

    def start(self, with_broker: bool = True, from_end: bool = False) -> None:
        """``from_end``: stage groups new to the cluster skip what is already on their topics."""
        if with_broker:
            self.started_broker = start_local_broker(self.settings)
        apply_topics(self.settings)
        for stage in self.stages:
            if from_end:
                self.start_group_at_end(stage)
            self.start_worker(stage)
        for service in self.services:
            self._spawn(service, SERVICES[service])

    def start_group_at_end(self, stage: str) -> None:
        """The stage's group starts at the end of each of its input topics."""
        start_group_at_end(self.settings.kafka_bootstrap, self.settings.group_id(stage),
                           PIPELINE[stage].inputs)

    def start_worker(self, stage: str) -> WorkerProcess:
        return self._spawn(stage, ["worker", stage])

    def restart(self, name: str) -> WorkerProcess:
        self.workers.pop(name, None)
        args = SERVICES.get(name) or ["worker", name]
        return self._spawn(name, args)

    def _spawn(self, name: str, args: list[str]) -> WorkerProcess:
        logs = self.settings.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"{name}.log"
        with log_path.open("ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "ytempire", *args],
                env=settings_env(self.settings),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # a worker never outlives the stack's process (a killed test run, a crashed
                # `ytempire up`): no orphan keeps consuming from the broker
                preexec_fn=processes.die_with_parent(),
            )
        self.workers[name] = WorkerProcess(name, proc, log_path)
        log.debug("process_started", name=name, pid=proc.pid, log=str(log_path))
        return self.workers[name]

    def kill_worker(self, stage: str, sig: int = signal.SIGKILL) -> None:
        worker = self.workers.pop(stage)
        worker.process.send_signal(sig)
        worker.process.wait(30)

    def dead_workers(self) -> list[str]:
        return [s for s, w in self.workers.items() if w.process.poll() is not None]

    def stop(self, timeout: float = 20.0) -> None:
        for worker in self.workers.values():
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for worker in self.workers.values():
            try:
                worker.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
        self.workers.clear()
        if self.started_broker:
            stop_local_broker(self.settings)
            self.started_broker = False


def start_local_broker(settings: Settings) -> bool:
    """Start the project's broker unless one answers already; True when we started it."""
    from ytempire.app.broker import LocalBroker

    broker = LocalBroker.from_settings(settings)
    if broker.status().running:
        return False
    broker.start()
    return True


def stop_local_broker(settings: Settings) -> None:
    from ytempire.app.broker import LocalBroker

    LocalBroker.from_settings(settings).stop()


def apply_topics(settings: Settings) -> None:
    from ytempire.core import topic_sync

    topic_sync.apply_file(settings.kafka_bootstrap, settings.topics_file)
