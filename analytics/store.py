"""Opening ClickHouse: a chdb directory in-process by default, a ClickHouse server over HTTP.

chdb runs ClickHouse inside the Python process and only one process may open a chdb directory
at a time (a second one fails with an opaque "Error initializing EmbeddedServer"). The analytics
sink is the long-running owner: while it runs it announces itself in ``<dir>.sink.json`` (pid
and the URL of its read-only KPI endpoint), and every other reader (``ytempire kpi``, the
gateway) goes through that endpoint instead of opening the directory. With an HTTP DSN none of
this applies: any number of processes talk to the server.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client

CHDB_SCHEME = "chdb://"


class ClickHouseBusy(RuntimeError):
    """The chdb directory is open in another process; the message says which and what to do."""


def chdb_path(dsn: str) -> Path | None:
    """The directory of a ``chdb://`` DSN, or None for a server DSN."""
    if not dsn.startswith(CHDB_SCHEME):
        return None
    return Path(dsn.removeprefix(CHDB_SCHEME))


def connect(dsn: str) -> Client:
    """A clickhouse-connect client for ``dsn``; creates a chdb directory on first use."""
    path = chdb_path(dsn)
    if path is None:
        return clickhouse_connect.get_client(dsn=dsn)
    path.mkdir(parents=True, exist_ok=True)
    owner = SinkOwner.read(path)
    if owner is not None and owner.pid != os.getpid():
        raise ClickHouseBusy(
            f"the chdb store {path} is held by the analytics sink (pid {owner.pid}); ask it at "
            f"{owner.url} (ytempire kpi does), or stop it before opening the store directly")
    try:
        return clickhouse_connect.get_client(dsn=f"{CHDB_SCHEME}{path}")
    except Exception as exc:
        if "EmbeddedServer" in str(exc):
            raise ClickHouseBusy(
                f"the chdb store {path} is open in another process (chdb allows one); stop the "
                "other ytempire process using it, or set YTEMPIRE_CLICKHOUSE_DSN to a ClickHouse "
                "server") from exc
        raise


@dataclass(frozen=True)
class SinkOwner:
    """Who holds a chdb directory: the sink's pid, where it answers KPI requests, and the token
    those requests carry (the file is readable by its owner only)."""

    pid: int
    url: str
    token: str = ""

    @staticmethod
    def file(path: Path) -> Path:
        return path.with_name(path.name + ".sink.json")

    @classmethod
    def read(cls, path: Path) -> SinkOwner | None:
        """The live owner of ``path``, or None (a stale file from a killed sink is ignored)."""
        try:
            doc: dict[str, Any] = json.loads(cls.file(path).read_text())
            owner = cls(pid=int(doc["pid"]), url=str(doc["url"]), token=str(doc.get("token", "")))
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None
        return owner if _alive(owner.pid) else None

    def write(self, path: Path) -> None:
        target = self.file(path)
        tmp = target.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps({"pid": self.pid, "url": self.url, "token": self.token}))
        tmp.replace(target)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def remove(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            if SinkOwner.read(path) == self:
                self.file(path).unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError, IndexError):
        return stat.read_text().rpartition(")")[2].split()[0] not in ("Z", "X")
    return True
