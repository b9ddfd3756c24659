"""The ``Visuals`` provider: one still image per narrated part, which the renderer moves over."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Slide:
    """What one part of the video shows: a title, a line of on-screen text, search keywords.

    ``seed`` makes generated images deterministic (the same script gives the same pictures).
    """

    title: str
    text: str
    seed: str
    keywords: tuple[str, ...] = field(default_factory=tuple)


class Visuals(Protocol):
    """Makes the still for a slide. ``provider``/``model`` name it in cost events.

    The image is ``width`` x ``height``; the renderer pans a smaller window over it, so
    anything that must stay readable belongs in the middle ``safe`` fraction of each side.
    """

    provider: str
    model: str

    def render(self, slide: Slide, width: int, height: int, safe: float, out: Path) -> Path: ...
