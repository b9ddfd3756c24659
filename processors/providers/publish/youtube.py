"""YouTube publisher: ``videos.insert`` as a resumable upload, then ``thumbnails.set``.

Driven through google-api-python-client built from its bundled (static) discovery document, so
no discovery request is made; ``api_base_url`` replaces the document's ``rootUrl`` (tests).
OAuth: ``<credentials_dir>/<channel_id>.json`` is an authorized-user file (client id, secret,
refresh token); the credentials are only handed to google-auth, never logged. google-auth
ignores a ``token_uri`` in that file on purpose (a file must not redirect a refresh token), so
a non-Google token endpoint comes from configuration (``token_uri``).

Crash safety: the resumable session URI is written to ``<state_dir>/<channel>/<video>.json``
the moment the server hands it out (before any byte is sent), the video id as soon as the
upload completes. The next attempt asks the session how much it has (``Content-Range: bytes
*/TOTAL``) and sends the rest only; if the session already completed, its answer is the video,
so a crash at any point never creates a second video. Retries follow Google's sample
(``upload_video.py``): 500/502/503/504 and dropped connections with randomized exponential
backoff; 429 (honouring Retry-After) and 403 rate limits too; a ``quotaExceeded`` defers.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload

from processors.providers.google import credentials as oauth
from processors.providers.publish import Published, VideoMetadata
from processors.providers.publish.youtube_quota import QuotaLedger, UploadDeferred
from processors.providers.publish.youtube_text import snippet_and_status
from ytempire.core.logging import get_logger
from ytempire.core.pricing import Usage
from ytempire.core.schedule import INSERT_UNITS, THUMBNAIL_UNITS, UPLOAD_QUOTA_UNITS
from ytempire.stage import PermanentError, TransientError

log = get_logger("ytempire.publish.youtube")

CHUNK_SIZE = 8 * 1024 * 1024  # a multiple of 256 KiB, as the protocol requires
RETRIABLE_STATUS_CODES = (500, 502, 503, 504)
RETRIABLE_EXCEPTIONS = (httplib2.HttpLib2Error, OSError, http.client.HTTPException,
                        TransportError)
RATE_LIMIT_REASONS = ("rateLimitExceeded", "userRateLimitExceeded")
QUOTA_REASONS = ("quotaExceeded", "dailyLimitExceeded")
GONE = (404, 410)  # a session that expired or was never completed: start a new one


@lru_cache(maxsize=4)
def discovery_document(root_url: str | None) -> str:
    """The bundled YouTube v3 discovery document, pointed at ``root_url`` when given."""
    doc = json.loads(get_static_doc("youtube", "v3"))
    if root_url:
        doc["rootUrl"] = root_url.rstrip("/") + "/"
    return json.dumps(doc)


@dataclass
class UploadState:
    """What survives a crash: the session to resume and, once known, the video id."""

    size: int
    session_uri: str | None = None
    video_id: str | None = None
    thumbnail_set: bool = False


class _SessionRecorder:
    """An httplib2-compatible wrapper that saves the session URI the moment it is issued."""

    def __init__(self, http: Any, on_session: Callable[[str], None]) -> None:
        self.http, self.on_session = http, on_session

    def request(self, uri: str, method: str = "GET", *args: Any, **kwargs: Any) -> Any:
        resp, content = self.http.request(uri, method, *args, **kwargs)
        if method == "POST" and resp.status == 200 and "location" in resp:
            self.on_session(resp["location"])
        return resp, content


class YouTubePublisher:
    platform = "youtube"
    provider = "youtube"
    model = "videos.insert"
    name = "youtube/data-api-v3"

    def __init__(self, credentials_dir: Path, state_dir: Path, quota: QuotaLedger,
                 api_base_url: str | None = None, token_uri: str | None = None,
                 chunk_size: int = CHUNK_SIZE,
                 max_retries: int = 10, backoff_s: float = 1.0, timeout_s: float = 120.0,
                 sleep: Callable[[float], None] = time.sleep,
                 credentials: Callable[[str], Credentials] | None = None) -> None:
        self.credentials = credentials
        """A channel's (refreshed) credentials from where the product keeps them
        (``processors.providers.google.connections``); None = the files only."""
        self.credentials_dir = Path(credentials_dir)
        self.state_dir = Path(state_dir)
        self.quota = quota
        self.api_base_url = api_base_url
        self.token_uri = token_uri
        self.chunk_size = chunk_size
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.sleep = sleep

    def has_channel(self, channel_id: str) -> bool:
        return self._credentials_file(channel_id).is_file()

    def upload(self, video: Path, thumbnail: Path, metadata: VideoMetadata) -> Published:
        state_path = self.state_dir / metadata.channel_id / f"{metadata.video_id}.json"
        state = self._load(state_path, video.stat().st_size)
        if state.video_id is None or not state.thumbnail_set:
            youtube, authed = self._client(metadata.channel_id)
            if state.video_id is None:
                self._upload_video(youtube, authed, video, metadata, state, state_path)
            if not state.thumbnail_set:
                self._set_thumbnail(youtube, thumbnail, state)
                state.thumbnail_set = True
                self._save(state_path, state)
        return Published(
            platform=self.platform, platform_video_id=str(state.video_id),
            url=f"https://www.youtube.com/watch?v={state.video_id}",
            location=f"youtube:{metadata.channel_id}",
            usage=[Usage("youtube", "videos.insert", "youtube_quota", INSERT_UNITS),
                   Usage("youtube", "thumbnails.set", "youtube_quota", THUMBNAIL_UNITS)])

    def _set_thumbnail(self, youtube: Any, thumbnail: Path, state: UploadState) -> None:
        """A refused thumbnail (say, a channel not verified for custom thumbnails) leaves the
        published video with YouTube's own frame: logged, not a failed publish."""
        try:
            self._with_retries(lambda: youtube.thumbnails().set(
                videoId=state.video_id,
                media_body=MediaFileUpload(str(thumbnail), mimetype=_image_type(thumbnail)),
            ).execute(), "thumbnails.set")
        except PermanentError as exc:
            log.error("youtube thumbnail refused; the video keeps its automatic one",
                      platform_video_id=state.video_id, error=str(exc))

    # --- the resumable upload -----------------------------------------------------------------

    def _upload_video(self, youtube: Any, authed: Any, video: Path, metadata: VideoMetadata,
                      state: UploadState, state_path: Path) -> None:
        progress = 0
        if state.session_uri is not None:
            answer = self._with_retries(lambda: self._query(authed, state), "upload status")
            if isinstance(answer, dict):
                self._finished(state, state_path, answer)
                return
            progress = answer
        if state.session_uri is None:
            self.quota.reserve(UPLOAD_QUOTA_UNITS, f"the upload of {metadata.video_id}")
        media = MediaFileUpload(str(video), mimetype="video/mp4", resumable=True,
                                chunksize=self.chunk_size)
        request = youtube.videos().insert(part="snippet,status", notifySubscribers=True,
                                          body=snippet_and_status(metadata), media_body=media)
        request.resumable_uri, request.resumable_progress = state.session_uri, progress

        def remember(uri: str) -> None:
            state.session_uri = uri
            self._save(state_path, state)

        recorder = _SessionRecorder(authed, remember)
        log.info("youtube upload", video_id=metadata.video_id, resume_from=progress,
                 size=state.size)
        response = None
        while response is None:
            _, response = self._with_retries(lambda: request.next_chunk(http=recorder),
                                             "videos.insert", reset_on=(request, state))
        self._finished(state, state_path, response)

    def _query(self, authed: Any, state: UploadState) -> int | dict[str, Any]:
        """Ask the session how many bytes it has: an offset, or the video if it is complete.
        A session that is gone is forgotten (nothing was created) and the upload starts over."""
        resp, content = authed.request(state.session_uri, "PUT", body=b"",
                                       headers={"Content-Range": f"bytes */{state.size}",
                                                "Content-Length": "0"})
        if resp.status in (200, 201):
            return json.loads(content)  # type: ignore[no-any-return]
        if resp.status == 308:
            have = resp.get("range")
            return int(have.rsplit("-", 1)[1]) + 1 if have else 0
        if resp.status in GONE:
            log.warning("youtube upload session expired; starting a new one")
            state.session_uri = None
            return 0
        raise HttpError(resp, content, uri=state.session_uri)

    def _finished(self, state: UploadState, state_path: Path, video: dict[str, Any]) -> None:
        state.video_id = video["id"]
        self._save(state_path, state)
        log.info("youtube video uploaded", platform_video_id=state.video_id)

    # --- retries -----------------------------------------------------------------------------

    def _with_retries(self, call: Callable[[], Any], what: str,
                      reset_on: tuple[Any, UploadState] | None = None) -> Any:
        """Google's documented loop: retry 5xx, dropped connections and rate limits with
        randomized exponential backoff; quota exhaustion defers; other errors are permanent."""
        for attempt in range(self.max_retries + 1):
            try:
                return call()
            except HttpError as exc:
                status, reason = exc.resp.status, _reason(exc)
                if status == 403 and reason in QUOTA_REASONS:
                    reset = self.quota.exhaust()
                    raise UploadDeferred(f"YouTube refused {what}: daily quota exceeded; "
                                         f"deferred until {reset.isoformat()}", reset) from exc
                if reset_on is not None and status in GONE:
                    request, state = reset_on
                    state.session_uri = request.resumable_uri = None
                    request.resumable_progress = 0
                    error: Exception = exc
                elif status in RETRIABLE_STATUS_CODES or status == 429 or (
                        status == 403 and reason in RATE_LIMIT_REASONS):
                    error = exc
                else:
                    raise PermanentError(f"YouTube {what} failed with HTTP {status} "
                                         f"({reason}): {_message(exc)}") from exc
            except RefreshError as exc:
                raise PermanentError(
                    "the channel's YouTube authorization was refused by the token endpoint "
                    f"({type(exc).__name__}); re-authorize the channel") from exc
            except RETRIABLE_EXCEPTIONS as exc:
                error = exc
            if attempt == self.max_retries:
                raise TransientError(f"YouTube {what} still failing after {attempt + 1} tries "
                                     f"({_describe(error)}); the upload session is kept and "
                                     "the next attempt resumes it") from error
            delay = _retry_after(error) or self.backoff_s * random.random() * 2 ** attempt
            log.warning("youtube retry", call=what, error=_describe(error), attempt=attempt + 1,
                        delay_s=round(delay, 2))
            self.sleep(min(delay, 64.0))
        raise AssertionError("unreachable")

    # --- credentials, client, state -----------------------------------------------------------

    def _credentials_file(self, channel_id: str) -> Path:
        return self.credentials_dir / f"{channel_id}.json"

    def _client(self, channel_id: str) -> tuple[Any, Any]:
        credentials = self.credentials(channel_id) if self.credentials else \
            self._file_credentials(channel_id)
        transport = httplib2.Http(timeout=self.timeout_s)
        # 308 means "resume incomplete" here, not a redirect (as googleapiclient's build_http)
        transport.redirect_codes = transport.redirect_codes - {308}
        authed = google_auth_httplib2.AuthorizedHttp(credentials, http=transport)
        youtube = build_from_document(discovery_document(self.api_base_url), http=authed)
        return youtube, authed

    def _file_credentials(self, channel_id: str) -> Credentials:
        path = self._credentials_file(channel_id)
        try:
            credentials = oauth.from_file(path)
        except (OSError, ValueError) as exc:
            raise PermanentError(f"YouTube credentials for channel {channel_id} at {path} are "
                                 f"unreadable ({type(exc).__name__}); re-authorize the "
                                 "channel") from None
        if self.token_uri:
            credentials = oauth.with_token_uri(credentials, self.token_uri)
        return credentials

    def _load(self, path: Path, size: int) -> UploadState:
        try:
            state = UploadState(**json.loads(path.read_text()))
        except FileNotFoundError:
            return UploadState(size=size)
        if state.video_id is None and state.size != size:
            log.warning("video file changed since the upload started; starting a new upload")
            return UploadState(size=size)
        return state

    def _save(self, path: Path, state: UploadState) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(state.__dict__, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


def _reason(exc: HttpError) -> str:
    try:
        return str(json.loads(exc.content)["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


def _message(exc: HttpError) -> str:
    try:
        return str(json.loads(exc.content)["error"]["message"])[:300]
    except (ValueError, KeyError, TypeError):
        return bytes(exc.content[:300]).decode(errors="replace")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, HttpError):
        return f"HTTP {exc.resp.status} {_reason(exc)}".strip()
    return type(exc).__name__


def _retry_after(exc: BaseException) -> float | None:
    if isinstance(exc, HttpError) and exc.resp.get("retry-after", "").isdigit():
        return float(exc.resp["retry-after"])
    return None


def _image_type(path: Path) -> str:
    return "image/jpeg" if path.suffix.lower() in (".jpg", ".jpeg") else "image/png"
