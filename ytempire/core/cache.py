"""Side-effect cache keyed by input hash, so a redelivered event never repeats a paid call."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
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

    def once(
        self,
        key: str,
        event_id: str,
        compute: Callable[[], dict[str, Any]],
        valid: Callable[[dict[str, Any]], bool] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Run the side effect behind ``key`` the first time only; return ``(result, paid)``.

        ``paid`` is true for the event that ran it (and its redeliveries, which must re-emit
        identical costs) and false for any other event reusing the result. ``valid`` lets a
        stage reject a cached result whose artifacts are gone.
        """
        result = self.get(key)
        if result is None or (valid is not None and not valid(result)):
            result = {**compute(), "first_event_id": event_id}
            self.put(key, result)
        return result, result["first_event_id"] == event_id
