"""A local YouTube Data API v3 that speaks the documented resumable-upload protocol.

Implements what the publisher uses: the OAuth token endpoint (refresh-token grant), the
resumable ``videos.insert`` (POST opens a session and answers with its ``Location``; PUTs carry
``Content-Range: bytes a-b/total`` and get ``308`` + ``Range`` until the last byte, then ``200``
with the video resource; an empty PUT with ``bytes */total`` asks how much the server has) and
``thumbnails.set``. https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol

Faults: ``fail_next`` (5xx or any status), ``rate_limit_next`` (429 + Retry-After),
``quota_exceeded_next`` (403 quotaExceeded), ``drop_connection_after`` (a chunk's connection is
reset after N bytes of its body), ``stall_after`` (the server stops reading a chunk after N
session bytes until ``release()``: a test kills the uploader meanwhile). Bytes of a chunk whose
request did not finish are discarded, like a server that commits whole requests only.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

READ = 64 * 1024
CONTENT_RANGE = re.compile(r"bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)")


@dataclass
class Session:
    """One resumable upload: the metadata it was opened with and the bytes committed so far."""

    upload_id: str
    total: int
    metadata: dict[str, Any]
    data: bytearray = field(default_factory=bytearray)
    video_id: str | None = None


@dataclass
class Fault:
    kind: str  # start | chunk | thumbnail | token | any
    status: int
    headers: dict[str, str]
    reason: str


class FakeYouTube:
    """``with FakeYouTube() as yt``: ``yt.url`` is the API root, ``yt.token_url`` the OAuth one."""

    def __init__(self, refresh_token: str = "fake-refresh-token") -> None:
        self.refresh_token = refresh_token
        self.access_token = "fake-access-token-1"
        self.calls: Counter[str] = Counter()
        self.requests: list[tuple[str, str, str]] = []  # (method, path, content-range)
        self.sessions: dict[str, Session] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.thumbnails: dict[str, bytes] = {}
        self.bytes_received = 0  # every chunk body byte read, committed or not
        self.bytes_discarded = 0  # bytes of chunk requests that did not finish
        self.bytes_resent = 0  # bytes the client sent again although the server had them
        self.lock = threading.Lock()
        self._faults: list[Fault] = []
        self._drop_after: int | None = None
        self._stall_after: int | None = None
        self._drop_stalled = False
        self.stalled = threading.Event()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # --- fault injection -------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500, kind: str = "chunk",
                  reason: str = "backendError", headers: dict[str, str] | None = None) -> None:
        with self.lock:
            self._faults += [Fault(kind, status, headers or {}, reason)] * n

    def rate_limit_next(self, n: int = 1, retry_after: int = 1, kind: str = "chunk") -> None:
        self.fail_next(n, 429, kind, "rateLimitExceeded", {"Retry-After": str(retry_after)})

    def quota_exceeded_next(self, n: int = 1, kind: str = "start") -> None:
        self.fail_next(n, 403, kind, "quotaExceeded")

    def drop_connection_after(self, nbytes: int) -> None:
        """Reset the connection of the next chunk after ``nbytes`` of its body."""
        self._drop_after = nbytes

    def stall_after(self, session_bytes: int) -> None:
        """Stop reading once a session has ``session_bytes`` (committed + in flight)."""
        self._release.clear()
        self.stalled.clear()
        self._stall_after = session_bytes

    def release(self, drop: bool = False) -> None:
        """Let a stalled chunk go on; ``drop=True`` loses it instead (the connection broke)."""
        self._drop_stalled = drop
        self._stall_after = None
        self._release.set()

    # --- views for assertions ---------------------------------------------------------------

    @property
    def videos_created(self) -> int:
        return len(self.videos)

    def chunk_ranges(self) -> list[str]:
        """The Content-Range of every data PUT, in order (status queries excluded)."""
        return [r for m, _, r in self.requests if m == "PUT" and not r.startswith("bytes */")]

    # --- lifecycle ---------------------------------------------------------------------------

    def accepts(self, authorization: str) -> bool:
        """Whether an ``Authorization`` header carries a valid access token."""
        return authorization == f"Bearer {self.access_token}"

    def handler_base(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class; a richer fake (``google_server``) adds routes."""
        return _Handler

    def __enter__(self) -> FakeYouTube:
        handler = type("Handler", (self.handler_base(),), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def token_url(self) -> str:
        return f"{self.url}token"

    def _fault(self, kind: str) -> Fault | None:
        with self.lock:
            for i, fault in enumerate(self._faults):
                if fault.kind in (kind, "any"):
                    return self._faults.pop(i)
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that vanished mid-request (killed uploader) is expected here, not news."""


def error_body(status: int, reason: str, message: str) -> dict[str, Any]:
    """Google's JSON error shape (``error.errors[].reason`` is what clients branch on)."""
    return {"error": {"code": status, "message": message,
                      "errors": [{"domain": "youtube", "reason": reason, "message": message}]}}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeYouTube
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    # --- plumbing ---------------------------------------------------------------------------

    def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorized(self) -> bool:
        if self.fake.accepts(self.headers.get("Authorization", "")):
            return True
        self._body()
        self._send(401, error_body(401, "authError", "Invalid Credentials"))
        return False

    def _faulted(self, kind: str) -> bool:
        fault = self.fake._fault(kind)
        if fault is None:
            return False
        self._body()
        self._send(fault.status, error_body(fault.status, fault.reason, f"injected {fault.reason}"),
                   fault.headers)
        return True

    def _record(self) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        with self.fake.lock:
            self.fake.calls[f"{self.command} {parts.path}"] += 1
            self.fake.requests.append((self.command, parts.path,
                                       self.headers.get("Content-Range", "")))
        return parts.path, parse_qs(parts.query)

    # --- routes -------------------------------------------------------------------------------

    def do_POST(self) -> None:
        path, query = self._record()
        if path == "/token":
            self._token()
        elif path == "/upload/youtube/v3/videos" and query.get("uploadType") == ["resumable"]:
            if self._authorized() and not self._faulted("start"):
                self._start(query)
        elif path == "/upload/youtube/v3/thumbnails/set":
            if self._authorized() and not self._faulted("thumbnail"):
                self._thumbnail(query)
        else:
            self._body()
            self._send(404, error_body(404, "notFound", f"no route POST {path}"))

    def do_PUT(self) -> None:
        path, query = self._record()
        session = self.fake.sessions.get((query.get("upload_id") or [""])[0])
        if path != "/upload/youtube/v3/videos" or session is None:
            self._body()
            self._send(404, error_body(404, "notFound", "no such upload session"))
            return
        if self._authorized() and not self._faulted("chunk"):
            self._chunk(session)

    def _token(self) -> None:
        if self._faulted("token"):
            return
        form = parse_qs(self._body().decode())
        if form.get("grant_type") != ["refresh_token"] or \
                form.get("refresh_token") != [self.fake.refresh_token]:
            self._send(400, {"error": "invalid_grant", "error_description": "Bad Request"})
            return
        self._send(200, {"access_token": self.fake.access_token, "expires_in": 3599,
                         "token_type": "Bearer",
                         "scope": "https://www.googleapis.com/auth/youtube.upload"})

    def _start(self, query: dict[str, list[str]]) -> None:
        metadata = json.loads(self._body() or b"{}")
        total = int(self.headers.get("X-Upload-Content-Length") or -1)
        with self.fake.lock:
            upload_id = f"upload-{len(self.fake.sessions) + 1}"
            self.fake.sessions[upload_id] = Session(upload_id, total, metadata)
        part = ",".join(query.get("part", []))
        self._send(200, None, {"Location": f"{self.fake.url}upload/youtube/v3/videos?"
                                           f"uploadType=resumable&part={part}"
                                           f"&upload_id={upload_id}"})

    def _chunk(self, session: Session) -> None:
        match = CONTENT_RANGE.fullmatch(self.headers.get("Content-Range", ""))
        if match is None:
            self._body()
            self._send(400, error_body(400, "badContent", "Content-Range is required"))
            return
        first, last, total = match.groups()
        if total != "*":
            session.total = int(total)
        if first is not None:
            if not self._receive(session, int(first), int(last)):
                return
        self._status(session)

    def _receive(self, session: Session, first: int, last: int) -> bool:
        """Read one chunk body (with the drop and stall faults); commit it only if whole."""
        length = int(self.headers.get("Content-Length") or 0)
        fake, got = self.fake, bytearray()
        drop, fake._drop_after = fake._drop_after, None
        while len(got) < length:
            stall = fake._stall_after
            if stall is not None and len(session.data) + len(got) >= stall:
                fake.stalled.set()
                fake._release.wait()
                if fake._drop_stalled:
                    with fake.lock:
                        fake.bytes_discarded += len(got)
                    self._reset()
                    return False
            step = min(READ, length - len(got))
            if drop is not None:
                step = min(step, max(1, drop - len(got)))
            try:
                piece = self.rfile.read(step)
            except OSError:
                piece = b""
            with fake.lock:
                fake.bytes_received += len(piece)
            if not piece or (drop is not None and len(got) + len(piece) >= drop):
                got += piece
                with fake.lock:
                    fake.bytes_discarded += len(got)
                self._reset()
                return False
            got += piece
        with fake.lock:
            have = len(session.data)
            if first > have or last - first + 1 != len(got):
                self._send(400, error_body(400, "badContent", f"chunk starts at {first}, "
                                           f"server has {have} bytes"))
                return False
            fake.bytes_resent += have - first
            session.data[first:] = got
        return True

    def _reset(self) -> None:
        """Drop the connection without a response (RST, like a broken network path)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _status(self, session: Session) -> None:
        """308 + Range while incomplete; the video resource once every byte is in."""
        have = len(session.data)
        if session.total < 0 or have < session.total:
            self._send(308, None, {"Range": f"bytes=0-{have - 1}"} if have else {})
            return
        with self.fake.lock:
            if session.video_id is None:
                session.video_id = f"vid{len(self.fake.videos) + 1:08d}"
                snippet = session.metadata.get("snippet", {})
                status = {"uploadStatus": "uploaded", **session.metadata.get("status", {})}
                self.fake.videos[session.video_id] = {
                    "kind": "youtube#video", "id": session.video_id, "snippet": snippet,
                    "status": status, "size": have, "content": bytes(session.data)}
            video = {k: v for k, v in self.fake.videos[session.video_id].items()
                     if k not in ("content", "size")}
        self._send(200, video)

    def _thumbnail(self, query: dict[str, list[str]]) -> None:
        video_id = (query.get("videoId") or [""])[0]
        data = self._body()
        if video_id not in self.fake.videos:
            self._send(404, error_body(404, "videoNotFound", f"no video {video_id}"))
            return
        with self.fake.lock:
            self.fake.thumbnails[video_id] = data
        url = f"{self.fake.url}vi/{video_id}/default.jpg"
        self._send(200, {"kind": "youtube#thumbnailSetResponse",
                         "items": [{"default": {"url": url, "width": 120, "height": 90}}]})
