"""OpenAI-made thumbnails: a generated background (``images.generate``, base64 PNG) under the
title, drawn the way the title card draws it. Chosen with ``thumbnail_provider=openai``.

The image is cached by prompt (``ResultCache`` + ``ArtifactStore``): a render retried after
a failure, or another video with the same title and topic, never pays for it twice, and
``render`` says so (no usage when the picture came from the cache).
"""

from __future__ import annotations

import base64
import binascii
import io
from pathlib import Path
from typing import Literal

from openai import Omit, OpenAI, omit
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from processors.providers import ProviderContractError
from processors.providers.openai_client import PROVIDER, openai_client, openai_errors
from processors.providers.thumbnail import HEIGHT, WIDTH
from processors.providers.visuals.drawing import BOLD, draw_lines, fit, line_height, outline_width
from ytempire.core.artifacts import ArtifactStore
from ytempire.core.cache import ResultCache
from ytempire.core.events import content_hash
from ytempire.core.pricing import Usage
from ytempire.core.settings import Settings
from ytempire.stage import TransientError

SIZES = {"dall-e-3": "1792x1024", "dall-e-2": "1024x1024"}  # else gpt-image-1's 1536x1024
PROMPT = ("A bold, high-contrast YouTube thumbnail background about {topic}, inspired by "
          "\"{title}\". Vivid colours, one clear subject, cinematic lighting, empty space in "
          "the middle for a headline. No text, no letters, no logos, no watermarks.")


class OpenAIThumbnail:
    provider = PROVIDER

    def __init__(self, client: OpenAI, model: str, store: ArtifactStore,
                 cache: ResultCache) -> None:
        self.client = client
        self.model = model
        self.store = store
        self.cache = cache

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIThumbnail:
        return cls(openai_client(settings), settings.image_model,
                   ArtifactStore(settings.artifacts_dir),
                   ResultCache(settings.data_dir / "cache", "openai-images"))

    def render(self, title: str, topic: str, seed: str, out: Path) -> list[Usage]:
        background, billed = self._background(PROMPT.format(topic=topic, title=title))
        image = ImageOps.fit(background, (WIDTH, HEIGHT), Image.Resampling.LANCZOS)
        shade = Image.new("RGBA", image.size, (0, 0, 0, 0))
        ImageDraw.Draw(shade).rectangle((0, HEIGHT * 0.25, WIDTH, HEIGHT * 0.8),
                                        fill=(0, 0, 0, 110))
        image = Image.alpha_composite(image.convert("RGBA"), shade).convert("RGB")
        draw = ImageDraw.Draw(image)
        face, lines = fit(title.upper(), BOLD, WIDTH * 0.88, 3, 120, 48)
        top = (HEIGHT - len(lines) * line_height(face)) / 2 + HEIGHT * 0.05
        draw_lines(draw, lines, face, WIDTH / 2, top, (255, 235, 59), outline_width(face))
        image.save(out, format="PNG")
        return billed

    def _background(self, prompt: str) -> tuple[Image.Image, list[Usage]]:
        """The generated picture for ``prompt`` and what it cost now: paid once, then read
        from the store for nothing."""
        key = content_hash("openai-image", self.model, SIZES.get(self.model, "1536x1024"),
                           prompt)
        artifact = self.cache.get(key)
        billed: list[Usage] = []
        if artifact is None or not self.store.path(artifact).is_file():
            # DALL-E answers with a URL unless asked; the gpt-image models only send base64
            dall_e = self.model.startswith("dall-e")
            b64: Literal["b64_json"] | Omit = "b64_json" if dall_e else omit
            with openai_errors(f"image generation ({self.model})"):
                response = self.client.images.generate(
                    model=self.model, prompt=prompt, n=1,
                    size=SIZES.get(self.model, "1536x1024"), response_format=b64)
            billed = [Usage(PROVIDER, self.model, "images", 1)]
            try:
                data = base64.b64decode((response.data or [])[0].b64_json or "", validate=True)
            except (binascii.Error, IndexError, TypeError) as exc:
                raise ProviderContractError(PROVIDER, "images.generate", "data[0].b64_json",
                                            f"no image: {exc!r}", billed) from exc
            try:
                with Image.open(io.BytesIO(data)) as image:
                    image.verify()
            except (UnidentifiedImageError, OSError, SyntaxError) as exc:
                raise ProviderContractError(PROVIDER, "images.generate", "data[0].b64_json",
                                            f"{len(data)} bytes that do not decode as an image",
                                            billed) from exc
            artifact = self.store.put_bytes(data, ".png", "image/png")
            self.cache.put(key, artifact)
        try:
            with Image.open(self.store.path(artifact)) as image:
                return image.convert("RGB"), billed
        except UnidentifiedImageError as exc:
            raise TransientError("image generation returned an unreadable image") from exc
