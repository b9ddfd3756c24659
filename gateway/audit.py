"""Append-only audit log of API access, written off the request path in small batches."""

from __future__ import annotations

import queue
import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.models import AuditEntry
from ytempire.core.logging import get_logger

log = get_logger()


class AuditWriter:
    """A thread that inserts queued entries in batches; ``flush`` waits until they are stored."""

    def __init__(self, sessions: sessionmaker[Session], batch: int = 500) -> None:
        self._sessions = sessions
        self._batch = batch
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="gateway-audit", daemon=True)
        self._thread.start()

    def record(self, entry: dict[str, Any]) -> None:
        self._queue.put(entry)

    def flush(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            entries = [first]
            while len(entries) < self._batch:
                try:
                    entries.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [e for e in entries if e is not None]
            try:
                if rows:
                    with self._sessions.begin() as db:
                        db.execute(insert(AuditEntry), rows)
            except Exception:  # the log must not take the API down; say so loudly
                log.exception("audit.write_failed", lost=len(rows))
            finally:
                for _ in entries:
                    self._queue.task_done()
            if None in entries:
                return


class AuditMiddleware:
    """Records method, path, status, caller and duration of every ``/v1`` request."""

    def __init__(self, app: ASGIApp, writer_of: Any) -> None:
        self.app = app
        self.writer_of = writer_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            state = scope.get("state", {})
            principal = state.get("principal")
            client = scope.get("client")
            writer = self.writer_of()
            if writer is not None:
                writer.record({
                    "at": datetime.now(UTC),
                    "user_id": principal.user_id if principal else None,
                    "key_id": principal.key_id if principal else None,
                    "method": scope["method"],
                    "path": scope["path"][:500],
                    "status": status,
                    "client_ip": client[0] if client else "",
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                    "note": state.get("audit_note"),
                })
