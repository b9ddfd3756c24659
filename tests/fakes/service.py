"""``FakeService``: the machinery every fake provider shares — a ThreadingHTTPServer on
127.0.0.1 in a daemon thread, routes, call counting and fault injection (HTTP errors with
Retry-After, dropped connections)."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[dict[str, Any], dict[str, str]], "Reply"]


@dataclass
class Reply:
    """One HTTP answer: status, body and headers (JSON bodies are dicts)."""

    status: int
    body: bytes | dict[str, Any]
    headers: dict[str, str] | None = None
    content_type: str = "application/json"


@dataclass
class Fault:
    """An injected failure for the next matching request: an HTTP status or a dropped socket."""

    endpoint: str | None
    status: int = 500
    retry_after: float | None = None
    drop_after: int | None = None  # bytes of the real answer sent before the socket closes
    skip: int = 0  # matching requests to let through first


class FakeService:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread; subclasses register routes.

    ``calls`` counts every request seen per endpoint (failures included); ``served`` counts
    requests answered 200 (what a real provider would bill); ``requests`` keeps (endpoint,
    body, headers) in order. Faults apply to the next matching requests, in FIFO order.
    """

    prefix = ""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.served: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self._routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self._server: ThreadingHTTPServer | None = None

    def route(self, method: str, pattern: str, endpoint: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{self.prefix}{pattern}$"), endpoint, handler))

    # fault injection --------------------------------------------------------------------
    def fail_next(self, n: int = 1, status: int = 500, endpoint: str | None = None,
                  after: int = 0) -> None:
        """Answer ``status`` to ``n`` matching requests, once ``after`` more have been served."""
        with self.lock:
            self._faults.extend(Fault(endpoint, status, skip=after if i == 0 else 0)
                                for i in range(n))

    def rate_limit_next(self, n: int = 1, retry_after: float = 1, endpoint: str | None = None
                        ) -> None:
        with self.lock:
            self._faults.extend(Fault(endpoint, 429, retry_after) for _ in range(n))

    def drop_next(self, n: int = 1, after_bytes: int = 0, endpoint: str | None = None) -> None:
        """Close the connection after sending ``after_bytes`` of the real answer (0: nothing)."""
        with self.lock:
            self._faults.extend(Fault(endpoint, drop_after=after_bytes) for _ in range(n))

    def _take_fault(self, endpoint: str) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.endpoint in (None, endpoint):
                    if fault.skip:
                        fault.skip -= 1
                        return None
                    self._faults.remove(fault)
                    return fault
        return None

    # server -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first (use it as a context manager)"
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.prefix}"

    def __enter__(self) -> FakeService:
        service = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                service._dispatch(self, "GET")

            def do_POST(self) -> None:
                service._dispatch(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _dispatch(self, http: BaseHTTPRequestHandler, method: str) -> None:
        length = int(http.headers.get("Content-Length") or 0)
        raw = http.rfile.read(length) if length else b""
        if len(raw) < length:
            # The client went away mid-body (a SIGKILLed worker): a real server never sees a
            # request, so nothing is answered, counted or billed.
            http.close_connection = True
            return
        path = http.path.split("?", 1)[0]
        for route_method, pattern, endpoint, handler in self._routes:  # noqa: B007
            match = pattern.match(path)
            if route_method == method and match:
                break
        else:
            self._send(http, Reply(404, {"error": {"message": f"no route {method} {path}"}}))
            return
        try:
            body = json.loads(raw) if raw else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):  # what OpenAI answers to a body that is not an object
            self._send(http, Reply(400, {"error": {
                "message": "We could not parse the JSON body of your request.",
                "type": "invalid_request_error", "param": None, "code": None}}))
            return
        body = {**body, **match.groupdict()}
        headers = {k.lower(): v for k, v in http.headers.items()}
        query = dict(p.split("=", 1) for p in http.path.partition("?")[2].split("&") if "=" in p)
        with self.lock:
            self.calls[endpoint] += 1
            self.requests.append((endpoint, body, headers))
        fault = self._take_fault(endpoint)
        if fault is not None and fault.drop_after is None:
            extra = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after else {}
            self._send(http, Reply(fault.status, self.error_body(fault.status), extra))
            return
        reply = handler(body, {**headers, **{f"query:{k}": v for k, v in query.items()}})
        if fault is not None:
            self._drop(http, reply, fault.drop_after or 0)
            return
        if reply.status == 200:
            with self.lock:
                self.served[endpoint] += 1
        self._send(http, reply)

    def error_body(self, status: int) -> dict[str, Any]:
        kind = {429: "rate_limit_exceeded", 401: "invalid_api_key"}.get(status, "server_error")
        return {"error": {"message": f"fake {status}", "type": kind, "param": None, "code": kind}}

    @staticmethod
    def _payload(reply: Reply) -> bytes:
        return reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()

    def _send(self, http: BaseHTTPRequestHandler, reply: Reply) -> None:
        payload = self._payload(reply)
        http.send_response(reply.status)
        http.send_header("Content-Type", reply.content_type)
        http.send_header("Content-Length", str(len(payload)))
        for name, value in (reply.headers or {}).items():
            http.send_header(name, value)
        http.end_headers()
        http.wfile.write(payload)

    def _drop(self, http: BaseHTTPRequestHandler, reply: Reply, after_bytes: int) -> None:
        if after_bytes:
            payload = self._payload(reply)
            http.send_response(reply.status)
            http.send_header("Content-Type", reply.content_type)
            http.send_header("Content-Length", str(len(payload)))
            http.end_headers()
            http.wfile.write(payload[:after_bytes])
            http.wfile.flush()
        http.close_connection = True
        try:
            http.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
