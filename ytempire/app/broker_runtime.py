"""What the local broker runs on: Java 17+ and the Kafka jars, fetched from Maven Central once.

The jars land in a cache shared by every data directory (``<cache>/kafka/<version>/lib``), with
a ``.complete`` marker naming the pom's fingerprint and every jar, so a fetch cut short or an
edited pom fetches again. ``ytempire.app.broker`` runs the broker on them.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ytempire.core.processes import file_lock

POM = Path(__file__).resolve().parent / "kafka_broker" / "pom.xml"
MIN_JAVA = 17


class BrokerError(RuntimeError):
    """The local broker could not be fetched, started or stopped; the message says why."""


def fetch_jars(lib: Path, kafka_version: str) -> Path:
    """The broker's classpath directory ``lib``, fetched with Maven unless a complete copy is
    there already (several processes may ask at once: one fetches, under a file lock)."""
    if _jars_complete(lib, kafka_version):
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError("mvn is not on PATH; install Maven (apt-get install maven) so the "
                          "Kafka jars can be fetched from Maven Central")
    lib.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(lib.parent / ".lock"):
        if _jars_complete(lib, kafka_version):
            return lib
        staging = Path(tempfile.mkdtemp(prefix="lib.", dir=lib.parent))
        try:
            proc = subprocess.run(
                [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
                 f"-DoutputDirectory={staging}", f"-Dkafka.version={kafka_version}"],
                capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise BrokerError(
                    f"mvn could not fetch the Kafka {kafka_version} jars "
                    f"(exit {proc.returncode}):\n{tail(proc.stdout + proc.stderr)}")
            jars = sorted(p.name for p in staging.glob("*.jar"))
            (staging / ".complete").write_text(
                "\n".join([_jar_fingerprint(kafka_version), *jars]) + "\n")
            if lib.exists():
                shutil.rmtree(lib)
            staging.rename(lib)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return lib


def _jar_fingerprint(kafka_version: str) -> str:
    digest = hashlib.sha256(POM.read_bytes() + kafka_version.encode()).hexdigest()
    return f"pom-sha256 {digest}"


def _jars_complete(lib: Path, kafka_version: str) -> bool:
    marker = lib / ".complete"
    if not marker.is_file():
        return False
    fingerprint, *jars = marker.read_text().splitlines()
    return (fingerprint == _jar_fingerprint(kafka_version) and bool(jars)
            and all((lib / jar).is_file() for jar in jars))


def find_java() -> str:
    """The ``java`` to run the broker with (``JAVA_HOME`` first), at least ``MIN_JAVA``."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).is_file():
        raise BrokerError(f"Java {MIN_JAVA}+ is needed for Kafka but no java was found on PATH "
                          "or in JAVA_HOME (apt-get install openjdk-17-jre-headless)")
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    major = int(found.group(1)) if found else 0
    if major == 1 and found and found.group(2):
        major = int(found.group(2))
    if major < MIN_JAVA:
        raise BrokerError(f"Kafka needs Java {MIN_JAVA}+, {java} is: {out.strip() or 'unknown'}")
    return java


def tail(text: str, lines: int = 30) -> str:
    """The last ``lines`` lines of a tool's output, for an error message."""
    return "\n".join(text.strip().splitlines()[-lines:])
