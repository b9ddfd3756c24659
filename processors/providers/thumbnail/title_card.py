"""Title-card thumbnails: a seeded gradient, a bold outlined title and a topic ribbon. Offline."""

from __future__ import annotations

from pathlib import Path

from PIL import ImageDraw

from processors.providers.thumbnail import HEIGHT, WIDTH
from processors.providers.visuals.drawing import (
    BOLD,
    background,
    draw_lines,
    fit,
    font,
    line_height,
    outline_width,
    palette,
    rng_for,
)
from ytempire.core.pricing import Usage


class TitleCard:
    provider = "generated"
    model = "title-card"

    def render(self, title: str, topic: str, seed: str, out: Path) -> list[Usage]:
        rng = rng_for(seed)
        start, end, accent = palette(rng)
        image = background(WIDTH, HEIGHT, rng, start, end, accent, discs=6)
        draw = ImageDraw.Draw(image)
        face, lines = fit(title.upper(), BOLD, WIDTH * 0.88, 3, 120, 48)
        block = len(lines) * line_height(face)
        top = (HEIGHT - block) / 2 + HEIGHT * 0.05
        draw_lines(draw, lines, face, WIDTH / 2, top, (255, 235, 59), outline_width(face))
        if topic:
            ribbon = font(BOLD, 34)
            label = topic.upper()[:48]
            width = ribbon.getlength(label) + 48
            draw.rectangle((0, 36, width, 36 + 60), fill=accent)
            draw.text((24, 66), label, font=ribbon, fill=(0, 0, 0), anchor="lm")
        image.save(out, format="PNG")
        return [Usage(self.provider, self.model, "images", 1)]
