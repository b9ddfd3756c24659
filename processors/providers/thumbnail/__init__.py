"""The ``Thumbnailer`` provider: the 1280x720 image YouTube shows before anyone clicks."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ytempire.core.pricing import Usage

WIDTH, HEIGHT = 1280, 720


class Thumbnailer(Protocol):
    """Draws a thumbnail PNG for a video. ``provider``/``model`` name it in cost events."""

    provider: str
    model: str

    def render(self, title: str, topic: str, seed: str, out: Path) -> list[Usage]:
        """Draw into ``out``; what this call was billed for (nothing for a picture it had
        already paid for, whichever video asked first)."""
        ...
