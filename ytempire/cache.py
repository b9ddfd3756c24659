"""Side-effect cache keyed by input hash, so a redelivered event never repeats a paid call."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


class ResultCache:
    """JSON documents under ``<data_dir>/cache/<namespace>/<key>.json``; writes are atomic."""

    def __init__(self, root: Path, namespace: str) -> None:
        self.dir = Path(root) / namespace
        self.dir.mkdir(parents=True, exist_ok=True)

    def get(self, key: str) -> Any | None:
        path = self.dir / f"{key}.json"
        if not path.exists():
            return None
        return json.loads(path.read_text())

    def put(self, key: str, value: Any) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(value, fh, default=str)
        os.replace(tmp, self.dir / f"{key}.json")
