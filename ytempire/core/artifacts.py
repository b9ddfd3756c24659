"""Content-addressed artifact store: large media lives here, events carry its URI and sha256."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

CHUNK = 1 << 20


class ArtifactStore:
    """Local directory store; ``file://`` URIs. Writing the same bytes twice stores them once."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def put_file(self, path: Path, media_type: str | None = None) -> dict[str, Any]:
        """Copy a file in under its sha256 and return the Artifact record."""
        path = Path(path)
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        sha = digest.hexdigest()
        target = self._path_for(sha, path.suffix)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent)
            os.close(fd)
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        return {
            "uri": target.resolve().as_uri(),
            "size_bytes": target.stat().st_size,
            "sha256": sha,
            "media_type": media_type
            or mimetypes.guess_type(path.name)[0]
            or "application/octet-stream",
        }

    def put_bytes(self, data: bytes, suffix: str, media_type: str | None = None) -> dict[str, Any]:
        with tempfile.NamedTemporaryFile(suffix=suffix, dir=self.root, delete=False) as fh:
            fh.write(data)
        try:
            return self.put_file(Path(fh.name), media_type)
        finally:
            os.unlink(fh.name)

    def path(self, artifact: dict[str, Any] | str) -> Path:
        """Local path of an artifact (record or URI)."""
        uri = artifact if isinstance(artifact, str) else artifact["uri"]
        parsed = urlparse(uri)
        if parsed.scheme != "file":
            raise ValueError(f"artifact URI {uri!r} is not in the local store (file://)")
        return Path(parsed.path)

    def read_bytes(self, artifact: dict[str, Any] | str) -> bytes:
        return self.path(artifact).read_bytes()

    def _path_for(self, sha: str, suffix: str) -> Path:
        return self.root / sha[:2] / f"{sha}{suffix}"
