"""The ``Footage`` provider: stock clips and photos for a part of the video, with credits.

Footage is tried first for every shot; a shot it has nothing for is drawn by the ``Visuals``
provider (generated stills), which therefore stays the fallback. Every asset carries its
``Credit`` (author, page, licence) so the video can name its sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ytempire.core.pricing import Usage


@dataclass(frozen=True)
class Credit:
    """Who made a stock asset and under which licence; ``line()`` is the description entry."""

    provider: str
    kind: str  # video | photo
    asset_id: str
    url: str
    author: str
    author_url: str
    license: str
    license_url: str

    def line(self) -> str:
        return (f"{self.kind.capitalize()} by {self.author} on {self.provider} "
                f"({self.url}), {self.license}")


@dataclass(frozen=True)
class Shot:
    """A downloaded asset for one shot: a video clip (looped or trimmed to the shot by the
    renderer) or a photo (panned like a generated still)."""

    path: Path
    kind: str  # video | photo
    credit: Credit


@dataclass(frozen=True)
class Need:
    """What one part of the video wants: words to search by, its shots' lengths."""

    query: str
    seconds: tuple[float, ...]


class Footage(Protocol):
    """Finds stock assets for each part; ``None`` where nothing suitable exists.

    ``width`` x ``height`` is the output frame: assets smaller than that are not used.
    Returns one list per ``Need`` (one entry per shot) and the metered API usage.
    """

    provider: str
    model: str

    def find(self, needs: list[Need], width: int, height: int
             ) -> tuple[list[list[Shot | None]], list[Usage]]: ...
