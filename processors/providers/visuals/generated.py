"""Generated backgrounds: a seeded gradient with soft bokeh, the part's title and on-screen text.

Offline and free; the same slide always gives the same image (seeded from the slide's text).
"""

from __future__ import annotations

from pathlib import Path

from PIL import ImageDraw

from processors.providers.visuals import Slide
from processors.providers.visuals.drawing import (
    BOLD,
    REGULAR,
    background,
    draw_lines,
    fit,
    line_height,
    palette,
    panel,
    rng_for,
)


class GeneratedVisuals:
    provider = "generated"
    model = "background"

    def render(self, slide: Slide, width: int, height: int, safe: float, out: Path) -> Path:
        rng = rng_for(slide.seed)
        start, end, accent = palette(rng)
        image = background(width, height, rng, start, end, accent)
        text_width = width * safe * 0.9
        short_side = min(width, height)
        scale = 1.0 if width >= height else 1.3  # portrait text is read on a phone
        title_face, title = fit(
            slide.title,
            BOLD,
            text_width,
            3,
            int(short_side * 0.085 * scale),
            int(short_side * 0.04),
        )
        body_face, body = (
            fit(
                slide.text,
                REGULAR,
                text_width,
                3,
                int(short_side * 0.05 * scale),
                int(short_side * 0.03),
            )
            if slide.text
            else (title_face, [])
        )
        gap = line_height(body_face) // 2 if body else 0
        block = len(title) * line_height(title_face) + gap + len(body) * line_height(body_face)
        top = height * 0.42 - block / 2
        pad = short_side * 0.04
        widest = max(
            [title_face.getlength(x) for x in title]
            + [body_face.getlength(x) for x in body]
            + [1.0]
        )
        image = panel(
            image,
            (
                width / 2 - widest / 2 - pad,
                top - pad,
                width / 2 + widest / 2 + pad,
                top + block + pad * 0.6,
            ),
            radius=int(pad),
        )
        draw = ImageDraw.Draw(image)
        stroke = max(2, int(short_side * 0.004))
        y = draw_lines(draw, title, title_face, width / 2, top, (255, 255, 255), stroke)
        draw_lines(draw, body, body_face, width / 2, y + gap, accent, max(1, stroke // 2))
        image.save(out)
        return out
