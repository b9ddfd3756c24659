"""Pexels stock footage: videos first, photos second, matched to each part's keywords.

https://www.pexels.com/api/documentation/ — ``GET /videos/search`` and ``GET /v1/search`` with
the key in ``Authorization``; free, rate-limited (429 + Retry-After), attribution appreciated:
every asset keeps its author, page and the Pexels License. Search answers are cached by query
(``ResultCache``), downloads by link and stored content-addressed (``ArtifactStore``), so a
re-render or another video about the same thing downloads nothing twice. A file is used only
if it is at least the output frame size in the output's orientation; a part with nothing
suitable gets ``None`` and the assembler draws a generated still instead.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from processors.providers.visuals.footage import Credit, Need, Shot
from ytempire.core.artifacts import ArtifactStore
from ytempire.core.cache import ResultCache
from ytempire.core.events import content_hash
from ytempire.core.logging import get_logger
from ytempire.core.pricing import Usage
from ytempire.stage import TransientError

log = get_logger("ytempire.visuals.pexels")

LICENSE = "Pexels License"
LICENSE_URL = "https://www.pexels.com/license/"
PER_PAGE = 15
RETRY_STATUS = (429, 500, 502, 503, 504)
MAX_WAIT_S = 60.0  # a longer rate-limit wait is not worth holding a render for


class PexelsUnavailable(Exception):
    """The key was refused (401/403) or the rate limit will not reset soon: footage is off for
    the rest of this video, which gets generated visuals instead of waiting."""


class PexelsClient:
    """The two search endpoints and file downloads, with retries and caches."""

    def __init__(self, api_key: str, base_url: str, cache: ResultCache, store: ArtifactStore,
                 timeout_s: float = 60.0, max_retries: int = 2, backoff_s: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                 headers={"Authorization": api_key}, follow_redirects=True)
        self.files = httpx.Client(timeout=timeout_s, follow_redirects=True)  # CDN: no key
        self.cache = cache
        self.store = store
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.sleep = sleep
        self.requests: Counter[str] = Counter()

    def search(self, kind: str, query: str, orientation: str, size: str) -> list[dict[str, Any]]:
        """Videos (``kind="videos"``) or photos for ``query``; cached by the exact request."""
        path = "/videos/search" if kind == "videos" else "/v1/search"
        params = {"query": query, "orientation": orientation, "size": size,
                  "per_page": str(PER_PAGE), "page": "1"}
        key = content_hash("pexels", path, sorted(params.items()))
        cached = self.cache.get(key)
        if cached is not None:
            return list(cached["items"])
        response = self._get(path, params)
        self.requests[kind] += 1
        items = list(response.json().get(kind, []))
        self.cache.put(key, {"items": items})
        return items

    def download(self, link: str, suffix: str, media_type: str) -> Path:
        """The file behind ``link`` in the artifact store (fetched once per link)."""
        key = content_hash("pexels-file", link)
        artifact = self.cache.get(key)
        if artifact is not None and self.store.path(artifact).is_file():
            return self.store.path(artifact)
        with tempfile.NamedTemporaryFile(suffix=suffix, dir=self.store.root) as tmp:
            for attempt in range(self.max_retries + 1):
                try:
                    with self.files.stream("GET", link) as resp:
                        if resp.status_code in RETRY_STATUS and attempt < self.max_retries:
                            self._wait(resp, attempt)
                            continue
                        resp.raise_for_status()
                        tmp.seek(0)
                        tmp.truncate()
                        for chunk in resp.iter_bytes(1 << 20):
                            tmp.write(chunk)
                    break
                except httpx.TransportError as exc:
                    if attempt == self.max_retries:
                        raise TransientError(f"Pexels download failed: {exc!r}") from exc
                    self._wait(None, attempt)
                except httpx.HTTPStatusError as exc:
                    raise TransientError(f"Pexels download of {link} answered "
                                         f"{exc.response.status_code}") from exc
            tmp.flush()
            artifact = self.store.put_file(Path(tmp.name), media_type)
        self.cache.put(key, artifact)
        return self.store.path(artifact)

    def _get(self, path: str, params: dict[str, str]) -> httpx.Response:
        for attempt in range(self.max_retries + 1):
            try:
                response = self.http.get(path, params=params)
            except httpx.TransportError as exc:
                if attempt == self.max_retries:
                    raise TransientError(f"Pexels {path} unreachable: {exc!r}") from exc
                self._wait(None, attempt)
                continue
            if response.status_code in (401, 403):
                raise PexelsUnavailable(f"Pexels refused the API key (HTTP "
                                        f"{response.status_code}); check pexels_api_key")
            if response.status_code not in RETRY_STATUS:
                response.raise_for_status()
                return response
            if response.status_code == 429 and (
                    attempt == self.max_retries or _delay(response, 0) > MAX_WAIT_S):
                raise PexelsUnavailable(f"Pexels rate limit reached (retry in "
                                        f"{_delay(response, 0):.0f} s)")
            if attempt == self.max_retries:
                raise TransientError(f"Pexels {path} answered {response.status_code} after "
                                     f"{attempt + 1} tries")
            self._wait(response, attempt)
        raise AssertionError("unreachable")

    def _wait(self, response: httpx.Response | None, attempt: int) -> None:
        delay = _delay(response, self.backoff_s * 2 ** attempt)
        log.warning("pexels retry", status=response.status_code if response else None,
                    attempt=attempt + 1, delay_s=delay)
        self.sleep(min(delay, MAX_WAIT_S))


def _delay(response: httpx.Response | None, default: float) -> float:
    """Seconds the server asks us to wait: ``Retry-After``, else Pexels' own
    ``X-Ratelimit-Reset`` (epoch seconds), else ``default``."""
    if response is None:
        return default
    retry_after = response.headers.get("Retry-After", "")
    if retry_after.replace(".", "", 1).isdigit():
        return float(retry_after)
    reset = response.headers.get("X-Ratelimit-Reset", "")
    return max(0.0, float(reset) - time.time()) if reset.isdigit() else default


def best_video_file(video: dict[str, Any], width: int, height: int) -> dict[str, Any] | None:
    """The smallest MP4 rendition at least ``width`` x ``height`` (no upscaling)."""
    files = [f for f in video.get("video_files", [])
             if f.get("file_type") == "video/mp4" and (f.get("width") or 0) >= width
             and (f.get("height") or 0) >= height]
    return min(files, key=lambda f: f["width"] * f["height"], default=None)


class PexelsFootage:
    provider = "pexels"
    model = "videos"

    def __init__(self, client: PexelsClient) -> None:
        self.client = client

    def find(self, needs: list[Need], width: int, height: int
             ) -> tuple[list[list[Shot | None]], list[Usage]]:
        self.client.requests.clear()
        orientation = "landscape" if width >= height else "portrait"
        size = "medium" if max(width, height) <= 1920 else "large"
        used: set[tuple[str, int]] = set()
        found: list[list[Shot | None]] = []
        off = False
        for need in needs:
            if not off:
                try:
                    found.append(self._shots(need, width, height, orientation, size, used))
                    continue
                except PexelsUnavailable as exc:
                    log.error("stock footage off, using generated visuals", reason=str(exc))
                    off = True
            found.append([None] * len(need.seconds))
        usage = [Usage("pexels", kind, "requests", n)
                 for kind, n in sorted(self.client.requests.items()) if n]
        return found, usage

    def _shots(self, need: Need, width: int, height: int, orientation: str, size: str,
               used: set[tuple[str, int]]) -> list[Shot | None]:
        """Clips long enough first, then shorter ones (looped), then photos; assets already
        shown earlier in the video go last, so parts about the same thing still differ."""
        if not need.query.strip():
            return [None] * len(need.seconds)
        longest = max(need.seconds, default=0.0)
        videos = [(v, f) for v in self.client.search("videos", need.query, orientation, size)
                  if (f := best_video_file(v, width, height)) is not None]
        videos.sort(key=lambda vf: (vf[0].get("duration") or 0) < longest)  # stable: relevance
        picks: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = \
            [("video", v, f) for v, f in videos]
        if sum(("video", v["id"]) not in used for v, _ in videos) < len(need.seconds):
            picks += [("photo", p, None) for p in
                      self.client.search("photos", need.query, orientation, size)
                      if p.get("width", 0) >= width and p.get("height", 0) >= height]
        if not picks:
            return [None] * len(need.seconds)
        picks.sort(key=lambda pick: (pick[0], pick[1]["id"]) in used)
        used.update((kind, item["id"]) for kind, item, _ in picks[:len(need.seconds)])
        return [self._fetch(*picks[i % len(picks)]) for i in range(len(need.seconds))]

    def _fetch(self, kind: str, item: dict[str, Any], file: dict[str, Any] | None) -> Shot:
        if kind == "video":
            assert file is not None
            path = self.client.download(file["link"], ".mp4", "video/mp4")
            user = item.get("user") or {}
            author, author_url = user.get("name", ""), user.get("url", "")
        else:
            path = self.client.download(item["src"]["original"], ".jpg", "image/jpeg")
            author, author_url = item.get("photographer", ""), item.get("photographer_url", "")
        credit = Credit("Pexels", kind, str(item["id"]), item.get("url", ""), author, author_url,
                        LICENSE, LICENSE_URL)
        return Shot(path, kind, credit)
