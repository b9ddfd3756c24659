"""Reading ClickHouse from the gateway: the owner-scoped SQL in ``gateway/queries/`` and the KPI
set of ``analytics/queries/``, wherever the data lives.

- A ClickHouse server (``YTEMPIRE_CLICKHOUSE_DSN=http://...``): one clickhouse-connect client.
- A chdb store held by the analytics sink (the local default under ``ytempire up``, where the
  sink and the gateway are separate processes and chdb lets only one of them open the store):
  through the sink's localhost endpoint (``analytics.server``) announced in ``<store>.sink.json``.
- A chdb store nobody holds: opened in this process only when ``analytics_open_store`` is set
  (one-process setups, tests); by default the gateway never takes the store from the sink.

Rows come back JSON-shaped either way (money as exact decimal strings, dates ISO 8601).

When analytics cannot be read, any user may see the 503, so it says what happened in general
words; the operator's log has the details, with the DSN's password masked.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from clickhouse_connect.driver.client import Client

from analytics.kpi import run_queries, to_json
from analytics.migrate import applied
from analytics.store import ClickHouseBusy, SinkOwner, chdb_path, connect
from gateway.errors import GatewayError
from ytempire.core.logging import get_logger
from ytempire.core.settings import Settings

log = get_logger()

QUERIES = Path(__file__).parent / "queries"


class AnalyticsUnavailable(GatewayError):
    """ClickHouse cannot be read right now. The message reaches every user: no address, path
    or DSN in it; ``unavailable`` logs the operator's detail."""

    status_code = 503


def masked(text: str, dsn: str) -> str:
    """``text`` with the DSN's password replaced (for logs)."""
    password = urlsplit(dsn).password if "://" in dsn else None
    return text.replace(password, "***") if password else text


def unavailable(why: str, detail: str, dsn: str = "") -> AnalyticsUnavailable:
    """The user's 503 (``why``) and the operator's log line (``detail``, the password masked)."""
    log.error("analytics.unavailable", why=why, detail=masked(detail, dsn))
    return AnalyticsUnavailable(f"analytics are unavailable right now ({why}); try again "
                                "later, or ask the operator (the gateway's log says why)")


Rows = list[dict[str, Any]]


class Reader(Protocol):
    def query(self, name: str, parameters: dict[str, Any]) -> Rows: ...

    def kpis(self, days: int) -> Rows: ...


def sql(name: str) -> str:
    return (QUERIES / f"{name}.sql").read_text()


class DirectReader:
    """A clickhouse-connect client (server or in-process chdb), one query at a time."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._lock = threading.Lock()

    def query(self, name: str, parameters: dict[str, Any]) -> Rows:
        with self._lock:
            result = self.client.query(sql(name), parameters=parameters,
                                       settings={"readonly": 1})
        columns = list(result.column_names)
        return [dict(zip(columns, map(to_json, row), strict=True)) for row in result.result_rows]

    def kpis(self, days: int) -> Rows:
        with self._lock:
            return [r.as_dict() for r in run_queries(self.client, days)]

    def close(self) -> None:
        self.client.close()


class SinkReader:
    """The analytics sink's endpoint: ``GET /kpi``, and ``POST /query`` (read-only SQL with
    parameters) for the owner-scoped queries."""

    def __init__(self, owner: SinkOwner, timeout_s: float = 30.0) -> None:
        self.url, self.owner, self.timeout_s = owner.url, owner, timeout_s

    def _call(self, request: urllib.request.Request) -> Any:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise unavailable("the analytics sink is an older version", (
                    f"the analytics sink at {self.url} does not answer {request.full_url}; "
                    "restart it, or set YTEMPIRE_CLICKHOUSE_DSN to a ClickHouse server")) from None
            raise unavailable("the analytics sink failed", (
                f"the analytics sink answered {exc.code}: "
                f"{exc.read()[:300].decode(errors='replace')}")) from None
        except OSError as exc:
            raise unavailable("the analytics sink did not answer",
                              f"the analytics sink at {self.url} did not answer ({exc})") from None

    def query(self, name: str, parameters: dict[str, Any]) -> Rows:
        body = json.dumps({"sql": sql(name), "parameters": parameters}).encode()
        doc = self._call(urllib.request.Request(f"{self.url}/query", data=body, method="POST",
                                                headers={"Content-Type": "application/json",
                                                         **self.owner.headers()}))
        return [dict(zip(doc["columns"], row, strict=True)) for row in doc["rows"]]

    def kpis(self, days: int) -> Rows:
        docs: Rows = self._call(urllib.request.Request(f"{self.url}/kpi?days={days}",
                                                       headers=self.owner.headers()))
        return docs


class Analytics:
    """Picks the reader for each request (the sink may start or stop while the gateway runs)."""

    def __init__(self, settings: Settings, open_store: bool = False) -> None:
        self.dsn = settings.effective_clickhouse_dsn
        self.open_store = open_store
        self._direct: DirectReader | None = None
        self._lock = threading.Lock()

    def reader(self) -> Reader:
        path = chdb_path(self.dsn)
        if path is not None:
            owner = SinkOwner.read(path)
            if owner is not None and owner.pid != os.getpid():
                return SinkReader(owner)
            if self._direct is None and owner is None and not self.open_store:
                raise unavailable("the analytics sink is not running", (
                    f"no analytics sink holds the chdb store {path}: start it ('ytempire "
                    "analytics sink'; 'ytempire up' starts it), or set YTEMPIRE_CLICKHOUSE_DSN "
                    "to a ClickHouse server"))
        with self._lock:
            if self._direct is None:
                self._direct = DirectReader(self._connect())
            return self._direct

    def _connect(self) -> Client:
        try:
            client = connect(self.dsn)
        except ClickHouseBusy as exc:
            raise unavailable("the analytics store is busy", str(exc), self.dsn) from None
        except Exception as exc:
            raise unavailable("ClickHouse did not answer", (
                f"ClickHouse at {self.dsn} did not answer: {exc}"), self.dsn) from None
        if not applied(client):
            client.close()
            raise unavailable("analytics tables are not created yet", (
                f"{self.dsn} has no analytics tables yet: run 'ytempire analytics "
                "migrate', or start 'ytempire analytics sink'"), self.dsn)
        return client

    def close(self) -> None:
        if self._direct is not None:
            self._direct.close()
            self._direct = None
