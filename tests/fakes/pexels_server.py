"""A local Pexels API: video search, photo search and the media files they link to.

Follows https://www.pexels.com/api/documentation/: ``GET /videos/search`` and ``GET /v1/search``
with ``query``, ``orientation`` (landscape | portrait | square), ``size`` (large = 4K,
medium = Full HD, small = HD minimum), ``per_page``, ``page``; the key in the
``Authorization`` header; responses shaped like the real ones (``videos[].video_files[]``,
``photos[].src``, user / photographer credits). Media are real small MP4s and JPEGs made once
with ffmpeg (``media_dir``). Faults and counters come from ``FakeService`` (``fail_next``,
``rate_limit_next`` with Retry-After, ``drop_next``; ``calls`` per endpoint).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from tests.fakes.service import FakeService, Handler, Reply
from ytempire.core.media import run_ffmpeg

MEDIA_VERSION = "1"
SIZES = {"large": (3840, 2160), "medium": (1920, 1080), "small": (1280, 720)}


@dataclass(frozen=True)
class Item:
    """One catalogue entry: a video or a photo, the words it is found by, its file."""

    kind: str  # video | photo
    item_id: int
    tags: tuple[str, ...]
    file: str
    width: int
    height: int
    duration: int = 0
    author: str = "Jane Doe"


CATALOGUE = (
    Item("video", 1001, ("goat", "ethiopia", "farm"), "goats.mp4", 1920, 1080, 2, "Abebe B."),
    Item("video", 1002, ("goat", "mountain"), "mountain.mp4", 1920, 1080, 2, "Lena K."),
    Item("video", 1003, ("goat",), "tiny-goat.mp4", 640, 360, 2, "Small Res"),
    Item("video", 1004, ("coffee", "cup"), "coffee-portrait.mp4", 1080, 1920, 2, "Pat P."),
    Item("video", 1005, ("coffee", "beans"), "beans.mp4", 1920, 1080, 2, "Sam S."),
    Item("photo", 2001, ("yemen", "monks"), "yemen.jpg", 2400, 1600, 0, "Omar Y."),
    Item("photo", 2002, ("coffee", "cup"), "cup-portrait.jpg", 1600, 2400, 0, "Ann A."),
)


def media_dir() -> Path:
    """The catalogue's files, generated once per machine with ffmpeg (a few seconds)."""
    folder = Path(tempfile.gettempdir()) / f"ytempire-fake-pexels-{MEDIA_VERSION}"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for n, item in enumerate(CATALOGUE):
        target = folder / item.file
        size = f"{item.width}x{item.height}"
        if item.kind == "video":
            run_ffmpeg(["-y", "-loglevel", "error", "-f", "lavfi", "-i",
                        f"testsrc2=size={size}:rate=25:duration={item.duration}",
                        "-vf", f"hue=h={n * 50}", "-c:v", "libx264", "-preset", "ultrafast",
                        "-pix_fmt", "yuv420p", "-an", str(target)])
        else:
            run_ffmpeg(["-y", "-loglevel", "error", "-f", "lavfi", "-i",
                        f"testsrc2=size={size}:rate=1:duration=1", "-vf", f"hue=h={n * 50}",
                        "-frames:v", "1", "-q:v", "4", str(target)])
    done.touch()
    return folder


class FakePexels(FakeService):
    """``with FakePexels(api_key="k") as pexels``: ``pexels.url`` replaces api.pexels.com.

    Endpoints for ``calls``/``fail_next``/``rate_limit_next``/``drop_next``: ``videos.search``,
    ``photos.search``, ``files``. ``queries`` keeps every search's parameters.
    """

    def __init__(self, api_key: str = "fake-pexels-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.media = media_dir()
        self.queries: list[dict[str, str]] = []
        self.route("GET", "/videos/search", "videos.search", self._search("video"))
        self.route("GET", "/v1/search", "photos.search", self._search("photo"))
        self.route("GET", "/files/(?P<name>[^/]+)", "files", self._file)

    def __enter__(self) -> FakePexels:
        super().__enter__()
        return self

    def error_body(self, status: int) -> dict[str, Any]:
        return {"error": "Rate limit exceeded" if status == 429 else f"fake {status}"}

    def catalogue(self, kind: str, params: dict[str, str]) -> list[Item]:
        words = {w.casefold() for w in params.get("query", "").split()}
        orientation = params.get("orientation", "")
        min_w, min_h = SIZES.get(params.get("size", ""), (0, 0))
        found = []
        for item in CATALOGUE:
            shape = "landscape" if item.width > item.height else \
                "portrait" if item.height > item.width else "square"
            if item.kind == kind and words & set(item.tags) \
                    and orientation in ("", shape) \
                    and max(item.width, item.height) >= max(min_w, min_h) \
                    and min(item.width, item.height) >= min(min_w, min_h):
                found.append(item)
        return found

    def _search(self, kind: str) -> Handler:
        def search(_: dict[str, Any], headers: dict[str, str]) -> Reply:
            if headers.get("authorization") != self.api_key:
                return Reply(401, {"error": "Unauthorized"})
            params = {k.removeprefix("query:"): unquote_plus(v) for k, v in headers.items()
                      if k.startswith("query:")}
            with self.lock:
                self.queries.append({"kind": kind, **params})
            items = self.catalogue(kind, params)
            per_page = int(params.get("per_page", 15))
            key = "videos" if kind == "video" else "photos"
            return Reply(200, {
                "page": int(params.get("page", 1)), "per_page": per_page,
                "total_results": len(items),
                key: [self._video(i) if kind == "video" else self._photo(i)
                      for i in items[:per_page]]},
                {"X-Ratelimit-Limit": "20000", "X-Ratelimit-Remaining": "19999"})
        return search

    def _file(self, body: dict[str, Any], _: dict[str, str]) -> Reply:
        path = self.media / body["name"]
        if not path.is_file() or body["name"].startswith("."):
            return Reply(404, {"error": "Not found"})
        kind = "video/mp4" if path.suffix == ".mp4" else "image/jpeg"
        return Reply(200, path.read_bytes(), content_type=kind)

    def _video(self, item: Item) -> dict[str, Any]:
        slug = item.file.rsplit(".", 1)[0]
        preview = {"id": item.item_id * 10 + 1, "quality": "sd", "file_type": "video/mp4",
                   "width": item.width // 4, "height": item.height // 4, "fps": 25.0,
                   "link": f"{self.url}/files/sd-{item.file}"}  # 404: never the right pick
        full = {**preview, "id": item.item_id * 10 + 2, "quality": "hd", "width": item.width,
                "height": item.height, "link": f"{self.url}/files/{item.file}"}
        return {"id": item.item_id, "width": item.width, "height": item.height,
                "duration": item.duration,
                "url": f"https://www.pexels.com/video/{slug}-{item.item_id}/",
                "image": f"{self.url}/files/none.jpg",
                "user": {"id": item.item_id + 7, "name": item.author,
                         "url": f"https://www.pexels.com/@{item.author.split()[0].lower()}"},
                "video_files": [preview, full], "video_pictures": []}

    def _photo(self, item: Item) -> dict[str, Any]:
        link = f"{self.url}/files/{item.file}"
        return {"id": item.item_id, "width": item.width, "height": item.height,
                "url": f"https://www.pexels.com/photo/{item.file.rsplit('.', 1)[0]}-"
                       f"{item.item_id}/",
                "photographer": item.author,
                "photographer_url": f"https://www.pexels.com/@{item.author.split()[0].lower()}",
                "photographer_id": item.item_id + 7, "avg_color": "#7E6A55",
                "src": {"original": link, "large2x": f"{self.url}/files/none.jpg",
                        "large": f"{self.url}/files/none.jpg"},
                "alt": " ".join(item.tags)}
