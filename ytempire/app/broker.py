"""The project's own single-node Apache Kafka (KRaft): jars from Maven Central, Java 17, no Docker.

``LocalBroker`` fetches the broker jars once into a cache shared by every data directory
(``ytempire.app.broker_runtime``, which also finds Java), formats the storage once, runs
``kafka.Kafka`` detached in its own process group with a pid file and a log file under
``<data_dir>/kafka/``, and returns from ``start()`` only once a metadata request and a
group-coordinator lookup both succeed, so the first consumer group never sees "load in
progress".
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import signal
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaException, Producer

from ytempire.app.broker_runtime import POM, BrokerError, fetch_jars, find_java, tail
from ytempire.core import processes
from ytempire.core.processes import kill_group, port_open, port_taken
from ytempire.core.settings import Settings
from ytempire.core.topics import admin_client

LOG4J_CONFIG = POM.parent / "log4j2.yaml"
DEFAULT_JAR_CACHE = Path.home() / ".cache" / "ytempire"
READINESS_ID = "ytempire-readiness-probe"

_QUIET = logging.getLogger("ytempire.app.broker.kafka")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    pid: int | None
    bootstrap: str
    version: str
    topics: int | None
    data_dir: Path
    log_file: Path

    def as_dict(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class StartResult:
    already_running: bool
    pid: int
    seconds: float


class LocalBroker:
    """One KRaft node (broker + controller) listening on ``bootstrap``, data under ``data_dir``."""

    def __init__(
        self,
        *,
        data_dir: Path,
        bootstrap: str = "127.0.0.1:9092",
        controller_port: int | None = None,
        jar_cache_dir: Path | None = None,
        kafka_version: str = "4.4.0",
        heap: str = "512m",
    ) -> None:
        host, _, port = bootstrap.rpartition(":")
        if not host or not port.isdigit():
            raise BrokerError(f"kafka bootstrap {bootstrap!r} is not host:port")
        self.host, self.port = host, int(port)
        self.controller_port = controller_port or self.port + 1
        self.home = Path(data_dir) / "kafka"
        self.jar_cache_dir = Path(jar_cache_dir or DEFAULT_JAR_CACHE)
        self.kafka_version = kafka_version
        self.heap = heap

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> LocalBroker:
        kwargs: dict[str, Any] = {
            "data_dir": settings.data_dir,
            "bootstrap": settings.kafka_bootstrap,
            "kafka_version": settings.kafka_version,
            "heap": settings.broker_heap,
            # YTEMPIRE_CACHE_DIR once Settings has it; ~/.cache/ytempire until then.
            "jar_cache_dir": getattr(settings, "cache_dir", None),
        }
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**kwargs)

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def lib_dir(self) -> Path:
        return self.jar_cache_dir / "kafka" / self.kafka_version / "lib"

    @property
    def log_file(self) -> Path:
        return self.home / "broker.log"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    @property
    def _out_file(self) -> Path:
        return self.home / "broker.out"

    @property
    def _properties_file(self) -> Path:
        return self.home / "server.properties"

    @property
    def _log_dirs(self) -> Path:
        return self.home / "data"

    def ensure_jars(self) -> Path:
        """The broker's classpath directory, fetched with Maven unless a complete copy is cached."""
        return fetch_jars(self.lib_dir, self.kafka_version)

    # -- lifecycle ----------------------------------------------------------------------------

    def pid(self) -> int | None:
        """The broker's pid when the process named in the pid file is our broker and alive."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _alive(pid, marker=str(self._properties_file)) else None

    def start(self, timeout: float = 90.0, *, die_with_parent: bool = False) -> StartResult:
        """Start the broker and wait until it serves metadata and group coordination.

        Idempotent: a running broker is left alone. ``die_with_parent`` ties the JVM to the calling
        process (test sessions), so a killed test run leaves no broker behind.
        """
        began = time.monotonic()
        running = self.pid()
        if running is not None:
            return StartResult(already_running=True, pid=running, seconds=0.0)
        self.pid_file.unlink(missing_ok=True)
        for port in (self.port, self.controller_port):
            if port_taken(self.host, port):
                raise BrokerError(
                    f"{self.host}:{port} is already in use by another process (not the broker "
                    f"under {self.home}); stop it or point YTEMPIRE_KAFKA_BOOTSTRAP elsewhere")
        java = find_java()
        lib = self.ensure_jars()
        self.home.mkdir(parents=True, exist_ok=True)
        self._properties_file.write_text(self._properties())
        self._format_storage(java, lib)
        with self._out_file.open("ab") as out:
            proc = subprocess.Popen(
                [java, f"-Xmx{self.heap}", *self._jvm_flags(), "-cp", f"{lib}/*", "kafka.Kafka",
                 str(self._properties_file)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=self.home,
                start_new_session=True,
                preexec_fn=processes.die_with_parent() if die_with_parent else None)
        self.pid_file.write_text(f"{proc.pid}\n")
        try:
            self._wait_ready(proc, began + timeout, timeout)
        except BaseException:
            kill_group(proc.pid, signal.SIGKILL)
            proc.wait()
            self.pid_file.unlink(missing_ok=True)
            raise
        return StartResult(already_running=False, pid=proc.pid,
                           seconds=time.monotonic() - began)

    def stop(self, timeout: float = 30.0) -> int | None:
        """Stop the broker (SIGTERM, then SIGKILL after ``timeout``); the pid stopped, or None."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return None
        marker = str(self._properties_file)
        kill_group(pid, signal.SIGTERM)
        if not _wait_dead(pid, marker, timeout):
            kill_group(pid, signal.SIGKILL)
            if not _wait_dead(pid, marker, 10.0):
                raise BrokerError(f"Kafka (pid {pid}) survived SIGKILL; see {self.log_file}")
        self.pid_file.unlink(missing_ok=True)
        return pid

    def status(self, timeout: float = 5.0) -> BrokerStatus:
        pid = self.pid()
        topics = None
        if pid is not None:
            try:
                meta = admin_client(self.bootstrap).list_topics(timeout=timeout)
                topics = sum(1 for name in meta.topics if not name.startswith("__"))
            except KafkaException:
                topics = None
        return BrokerStatus(running=pid is not None, pid=pid, bootstrap=self.bootstrap,
                            version=self.kafka_version, topics=topics, data_dir=self.home,
                            log_file=self.log_file)

    # -- internals ----------------------------------------------------------------------------

    def _jvm_flags(self) -> list[str]:
        # C1 only and the serial collector: on 2 busy cores the broker is ready in ~6 s instead of
        # 11-21 s (C2 compiling competes with start-up), and at this project's volumes it still
        # moves 300k 200-byte records in ~2 s each way (measured).
        return ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true", f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
                f"-Dytempire.kafka.log={self.log_file}", f"-Dkafka.logs.dir={self.home}"]

    def _properties(self) -> str:
        listen, control = f"{self.host}:{self.port}", f"{self.host}:{self.controller_port}"
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{control}",
            "listeners": f"PLAINTEXT://{listen},CONTROLLER://{control}",
            "advertised.listeners": f"PLAINTEXT://{listen}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(self._log_dirs),
            "num.partitions": "1",
            # One node: every internal topic must make do with one replica.
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # 50 each by default: every one is a log to create and load, for no gain on one node.
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.num.partitions": "10",
        }
        header = "# Written by ytempire.app.broker on every start; edits are overwritten.\n"
        return header + "".join(f"{k}={v}\n" for k, v in props.items())

    def _format_storage(self, java: str, lib: Path) -> None:
        if (self._log_dirs / "meta.properties").is_file():
            return
        proc = subprocess.run(
            [java, *self._jvm_flags(), "-cp", f"{lib}/*", "kafka.tools.StorageTool", "format",
             "--ignore-formatted", "-t", _cluster_id(), "-c", str(self._properties_file)],
            capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BrokerError(f"formatting Kafka storage in {self._log_dirs} failed "
                              f"(exit {proc.returncode}):\n{tail(proc.stdout + proc.stderr)}")

    def _wait_ready(self, proc: subprocess.Popen[bytes], deadline: float, timeout: float) -> None:
        while True:
            code = proc.poll()
            if code is not None:
                raise BrokerError(f"Kafka exited with code {code} while starting; "
                                  f"last lines of its logs:\n{self._logtail()}")
            if time.monotonic() > deadline:
                raise BrokerError(f"Kafka did not become ready on {self.bootstrap} within "
                                  f"{timeout:.0f} s; last lines of its logs:\n{self._logtail()}")
            if port_open(self.host, self.port) and _serves_clients(self.bootstrap):
                return
            time.sleep(0.2)

    def _logtail(self) -> str:
        parts = []
        for path in (self._out_file, self.log_file):
            if path.is_file() and (text := tail(path.read_text(errors="replace"))):
                parts.append(f"--- {path}\n{text}")
        return "\n".join(parts) or "(no log output)"


def _serves_clients(bootstrap: str) -> bool:
    """True once metadata answers, the group coordinator is loaded and producer ids are handed out.

    Right after start-up the coordinators answer "load in progress" for a second or two; waiting
    here means the first consumer group or idempotent producer of a test never sees that.
    """
    try:
        admin = admin_client(bootstrap)
        if not admin.list_topics(timeout=2.0).brokers:
            return False
        admin.describe_consumer_groups([READINESS_ID], request_timeout=2.0)[READINESS_ID].result()
        Producer({"bootstrap.servers": bootstrap, "transactional.id": READINESS_ID,
                  "logger": _QUIET}).init_transactions(5.0)
    except KafkaException:
        return False
    return True


def _cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding, never led by '-'."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _alive(pid: int, marker: str) -> bool:
    """Whether ``pid`` is a live (not zombie) process whose command line names ``marker``."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path(f"/proc/{pid}")
    if not proc.is_dir():
        return True
    try:
        state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
        threads = len(os.listdir(proc / "task"))
        cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    if state in ("Z", "X"):
        # Its main thread is gone: a zombie once the other threads are too, else still exiting.
        return threads > 1
    return "kafka.Kafka" in cmdline and marker in cmdline


def _wait_dead(pid: int, marker: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid, marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
