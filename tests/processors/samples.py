"""Events and comparisons shared by the stage tests."""

from __future__ import annotations

import copy
from decimal import Decimal

from ytempire.core.events import Emit, Event, new_envelope


def script_ready(video_id: str = "video-1", voice: str = "", hook: str | None = None) -> Event:
    """A short ScriptReady (about 10 s spoken): hook, two sections, call to action."""
    return {
        "envelope": new_envelope(
            video_id=video_id, channel_id="channel-1", owner_id="owner-1", producer="scriptwriter"
        ),
        "spec": {
            "topic": "coffee",
            "format": "LANDSCAPE",
            "target_duration_s": 15,
            "language": "en",
            "style": "informative",
            "voice": voice,
            "quality_threshold": 70,
            "budget_usd": Decimal("3.000000"),
            "privacy": "private",
            "auto_publish": True,
        },
        "script": {
            "title": "Where coffee came from",
            "hook": hook if hook is not None else "Ever wondered where coffee came from?",
            "sections": [
                {
                    "heading": "Ethiopia",
                    "narration": "Legend says a goat herder found it in Ethiopia, in 850 AD.",
                    "on_screen_text": "A goat herder's discovery",
                    "keywords": ["goat", "ethiopia"],
                },
                {
                    "heading": "Yemen",
                    "narration": "Monks in Yemen brewed it to stay awake.",
                    "on_screen_text": "Brewed by monks",
                    "keywords": [],
                },
            ],
            "call_to_action": "Subscribe for more history in a cup.",
            "description": "Where coffee came from.",
            "tags": ["coffee"],
            "word_count": 31,
            "language": "en",
        },
        "writer": "offline/template-writer",
    }


def without_time(emits: list[Emit]) -> list[tuple[str, Event]]:
    """The emitted topics and values minus ``occurred_at``, the one field a redelivery changes."""
    values = []
    for emit in emits:
        value = copy.deepcopy(emit.value)
        value["envelope"].pop("occurred_at")
        values.append((emit.topic, value))
    return values
