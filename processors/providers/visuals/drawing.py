"""Pillow helpers shared by the generated visuals and the title-card thumbnails.

Everything is seeded from text, so the same script always draws the same pictures. Soft parts
(gradient, bokeh) are drawn small and scaled up: a 2K frame costs tens of milliseconds.
"""

from __future__ import annotations

import colorsys
import hashlib
import math
import random
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
BOLD = "DejaVuSans-Bold.ttf"
REGULAR = "DejaVuSans.ttf"

RGB = tuple[int, int, int]


def rng_for(seed: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))


def palette(rng: random.Random) -> tuple[RGB, RGB, RGB]:
    """Two deep background colours of neighbouring hues and a light accent."""
    hue = rng.random()
    shift = rng.choice((-1, 1)) * rng.uniform(0.06, 0.16)

    def colour(h: float, s: float, v: float) -> RGB:
        r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
        return int(r * 255), int(g * 255), int(b * 255)

    return (
        colour(hue, rng.uniform(0.55, 0.8), rng.uniform(0.35, 0.5)),
        colour(hue + shift, rng.uniform(0.6, 0.9), rng.uniform(0.15, 0.3)),
        colour(hue + 0.5, rng.uniform(0.3, 0.6), 0.95),
    )


def background(
    width: int, height: int, rng: random.Random, start: RGB, end: RGB, accent: RGB, discs: int = 9
) -> Image.Image:
    """A linear gradient under soft translucent discs (bokeh).

    Both are soft, so they are drawn at quarter size, blurred, and scaled up once.
    """
    w, h = max(2, width // 4), max(2, height // 4)
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    proj = (xs / w - 0.5) * math.cos(angle) + (ys / h - 0.5) * math.sin(angle)
    t = ((proj - proj.min()) / max(float(np.ptp(proj)), 1e-6))[..., None]
    arr = np.asarray(start, np.float32) * (1 - t) + np.asarray(end, np.float32) * t
    small = Image.fromarray(arr.astype(np.uint8), "RGB").convert("RGBA")
    layer = Image.new("RGBA", small.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(discs):
        radius = rng.uniform(0.08, 0.32) * min(w, h)
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        alpha = int(rng.uniform(18, 60))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(*accent, alpha))
    small = Image.alpha_composite(small, layer.filter(ImageFilter.GaussianBlur(radius=3)))
    return small.convert("RGB").resize((width, height), Image.Resampling.BICUBIC)


@lru_cache(maxsize=64)
def font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = FONT_DIR / name
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def wrap(
    text: str, face: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: float
) -> list[str]:
    """Greedy word wrap by rendered width (a single over-long word keeps its own line)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and face.getlength(candidate) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def fit(
    text: str, name: str, max_width: float, max_lines: int, size: int, min_size: int
) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, list[str]]:
    """The largest size (from ``size`` down) at which ``text`` wraps into ``max_lines``."""
    while True:
        face = font(name, size)
        lines = wrap(text, face, max_width)
        fits = len(lines) <= max_lines and all(face.getlength(x) <= max_width for x in lines)
        if fits or size <= min_size:
            if len(lines) > max_lines:
                lines = lines[:max_lines]
                lines[-1] = lines[-1].rstrip(".,;:") + "…"
            return face, lines
        size = int(size * 0.9)


def line_height(face: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> int:
    left, top, right, bottom = face.getbbox("Ágjy")
    return int((bottom - top) * 1.25)


def outline_width(face: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> int:
    """A title's outline: a twelfth of its type size, at least 4 px (the bitmap fallback font
    has no size: its line height stands in)."""
    size = face.size if isinstance(face, ImageFont.FreeTypeFont) else line_height(face)
    return max(4, int(size) // 12)


def draw_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    face: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    centre_x: float,
    top: float,
    fill: RGB,
    stroke: int,
) -> float:
    """Centred lines with a dark outline; returns the y below the last line."""
    step = line_height(face)
    for i, line in enumerate(lines):
        draw.text(
            (centre_x, top + i * step),
            line,
            font=face,
            fill=fill,
            anchor="ma",
            stroke_width=stroke,
            stroke_fill=(0, 0, 0),
        )
    return top + len(lines) * step


def panel(
    image: Image.Image, box: tuple[float, float, float, float], radius: int, alpha: int = 110
) -> Image.Image:
    """A translucent dark rounded rectangle behind text, for contrast on any background."""
    left, top = max(0, int(box[0])), max(0, int(box[1]))
    right, bottom = min(image.width, int(box[2]) + 1), min(image.height, int(box[3]) + 1)
    region = image.crop((left, top, right, bottom)).convert("RGBA")
    layer = Image.new("RGBA", region.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rounded_rectangle(
        (box[0] - left, box[1] - top, box[2] - left, box[3] - top),
        radius=radius,
        fill=(0, 0, 0, alpha),
    )
    image = image.copy()
    image.paste(Image.alpha_composite(region, layer).convert("RGB"), (left, top))
    return image
