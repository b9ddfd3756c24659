"""The read side of a chdb store held by the sink: KPIs as JSON over HTTP on localhost.

chdb lets one process open a store, and the sink holds it while it runs, so ``ytempire kpi``
(and any other reader) asks the sink instead: ``GET /kpi?days=30[&name=cost_per_video...]``
returns the list of ``KpiResult.as_dict()``; ``GET /health`` says it is up; ``POST /query``
with ``{"sql": ..., "parameters": {...}}`` runs one read-only query (``readonly=1``) and
returns ``{"columns": [...], "rows": [[...]]}`` (the gateway's owner-scoped cost queries).
Requests are served one at a time on their own ClickHouse client, beside the sink's inserts.
With a ClickHouse server none of this is needed; readers connect to the server.

``/kpi`` and ``/query`` want ``Authorization: Bearer <token>``: localhost is shared by every
user and process of the machine, so a random token, announced only in the owner file (mode
0600, beside the store), keeps the store's data to those who may read the store's directory.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from clickhouse_connect.driver.client import Client

from analytics.kpi import run_queries, to_json
from ytempire.core.logging import get_logger

log = get_logger("analytics.server")


class KpiServer:
    """Serves KPIs from ``client`` on ``host:port`` (port 0 picks a free one) in a thread."""

    def __init__(self, client: Client, host: str = "127.0.0.1", port: int = 0) -> None:
        self.client = client
        self.token = secrets.token_urlsafe(32)
        self._http = HTTPServer((host, port), self._handler())
        self._thread = threading.Thread(target=self._http.serve_forever, name="kpi-server",
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                url = urlparse(self.path)
                query = parse_qs(url.query)
                if url.path == "/health":
                    self._send(HTTPStatus.OK, {"ok": True})
                    return
                if url.path != "/kpi":
                    self._send(HTTPStatus.NOT_FOUND, {"error": "try /kpi?days=30 or /health"})
                    return
                if not self._allowed():
                    return
                try:
                    days = int(query.get("days", ["30"])[0])
                except ValueError:
                    self._send(HTTPStatus.BAD_REQUEST, {"error": "days must be an integer"})
                    return
                try:
                    results = run_queries(server.client, days, query.get("name"))
                except Exception as exc:  # a broken query must not take the sink down
                    log.exception("kpi_failed", error=repr(exc))
                    self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": str(exc)})
                    return
                self._send(HTTPStatus.OK, [r.as_dict() for r in results])

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                if urlparse(self.path).path != "/query":
                    self._send(HTTPStatus.NOT_FOUND, {"error": "POST /query only"})
                    return
                if not self._allowed():
                    return
                try:
                    length = int(self.headers.get("Content-Length", "0"))
                    doc = json.loads(self.rfile.read(length))
                    sql, parameters = str(doc["sql"]), dict(doc.get("parameters") or {})
                except (ValueError, KeyError, TypeError):
                    self._send(HTTPStatus.BAD_REQUEST,
                               {"error": 'expected {"sql": "...", "parameters": {...}}'})
                    return
                try:
                    result = server.client.query(sql, parameters=parameters,
                                                 settings={"readonly": 1})
                except Exception as exc:  # a bad query must not take the sink down
                    log.exception("query_failed", error=repr(exc))
                    self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": str(exc)})
                    return
                self._send(HTTPStatus.OK, {
                    "columns": list(result.column_names),
                    "rows": [[to_json(v) for v in row] for row in result.result_rows]})

            def _allowed(self) -> bool:
                given = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if hmac.compare_digest(given.encode(), server.token.encode()):
                    return True
                self._send(HTTPStatus.UNAUTHORIZED, {"error": "the sink's token (in its owner "
                                                              "file) is required"})
                return False

            def _send(self, status: HTTPStatus, doc: Any) -> None:
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                log.debug("kpi_request", line=format % args)

        return Handler
