"""What the assembler needs around a ``Footage`` provider: search words per part, photos fitted
to the canvas, and the credits block appended to the video description."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from processors.providers.visuals import Slide
from processors.providers.visuals.footage import Credit, Need
from ytempire.core.records import Script, VideoSpec

FPS = 30
DESCRIPTION_MAX_BYTES = 5000  # YouTube's limit, also checked by the quality gate
MAX_QUERY_WORDS = 4


def part_queries(script: Script, spec: VideoSpec, parts: int) -> list[str]:
    """Search words per narrated part: a section's keywords (else its heading); the topic for
    the hook and the call to action. The channel's ``visual_style`` is added to every query."""
    sections = [" ".join(s.keywords)[:100] or s.heading for s in script.sections]
    topic = spec.topic
    queries = [topic, *sections, topic] if parts == len(sections) + 2 else sections
    style = spec.visual_style.strip()
    return [" ".join(f"{q} {style}".split()[:MAX_QUERY_WORDS + len(style.split())])
            for q in queries]


def footage_needs(script: Script, spec: VideoSpec, slides: list[Slide],
                  frames: list[int], shown: list[tuple[Slide, int]]) -> list[Need]:
    """One ``Need`` per part that is on screen, with the length of each of its shots, in the
    order of ``shown`` (a part's shots have its seed, or its seed plus a piece number)."""
    queries = part_queries(script, spec, len(slides))
    needs, at = [], 0
    for slide, count, query in zip(slides, frames, queries, strict=True):
        seconds = []
        while at < len(shown) and count > 0 and (
                shown[at][0].seed == slide.seed or shown[at][0].seed.startswith(
                    f"{slide.seed}\x1f")):
            seconds.append(shown[at][1] / FPS)
            at += 1
        if seconds:
            needs.append(Need(query, tuple(seconds)))
    if at != len(shown):
        raise ValueError(f"{len(shown) - at} shots belong to no part")
    return needs


def photo_still(photo: Path, width: int, height: int, out: Path) -> Path:
    """A stock photo scaled to cover ``width`` x ``height`` and centre-cropped, as a still the
    renderer pans over like a generated one."""
    with Image.open(photo) as image:
        fitted = ImageOps.fit(ImageOps.exif_transpose(image).convert("RGB"), (width, height),
                              Image.Resampling.LANCZOS)
    fitted.save(out)
    return out


def credit_lines(description: str, credits: list[dict[str, Any]]) -> str:
    """``description`` with a credits block for the stock assets used, as many lines as fit
    in YouTube's 5,000 bytes."""
    if not credits:
        return description
    licences = sorted({f"{c['license']} ({c['license_url']})" for c in credits})
    text = f"{description.rstrip()}\n\nStock footage: {', '.join(licences)}"
    for credit in credits:
        line = f"\n- {Credit(**credit).line()}".replace("<", "").replace(">", "")
        if len((text + line).encode()) > DESCRIPTION_MAX_BYTES:
            break
        text += line
    return text if len(text.encode()) <= DESCRIPTION_MAX_BYTES else description
