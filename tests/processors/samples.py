"""Events and comparisons shared by the stage tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from tests.typed import at_time, typed
from ytempire.core.events import Emit, new_envelope, plain
from ytempire.core.records import Script, ScriptRequested

__all__ = ["at_time", "typed"]


def with_monthly_budget(request: Emit, budget: Decimal | None) -> Emit:
    """A ``script.requested`` emit whose spec carries the owner's monthly ``budget``."""
    value = request.value
    assert isinstance(value, ScriptRequested)
    spec = msgspec.structs.replace(value.spec, monthly_budget_usd=budget)
    return Emit(request.topic, msgspec.structs.replace(value, spec=spec))


def script_of(value: dict[str, Any]) -> Script:
    """The ``script`` of an event's Avro value, as the record stage helpers take."""
    return msgspec.convert(value["script"], Script)


def values(emits: list[Emit]) -> list[dict[str, Any]]:
    """The emitted records as their Avro values (for assertions written against the wire)."""
    return [plain(emit.value) for emit in emits]


def script_ready(video_id: str = "video-1", voice: str = "", hook: str | None = None
                 ) -> dict[str, Any]:
    """A short ScriptReady (about 10 s spoken): hook, two sections, call to action, as its Avro
    value (``typed("script.ready", ...)`` for the record)."""
    return {
        "envelope": plain(new_envelope(
            video_id=video_id, channel_id="channel-1", owner_id="owner-1", producer="scriptwriter"
        )),
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


def without_time(emits: list[Emit]) -> list[tuple[str, dict[str, Any]]]:
    """The emitted topics and values minus ``occurred_at``, the one field a redelivery changes."""
    found = []
    for emit in emits:
        value = plain(emit.value)
        value["envelope"].pop("occurred_at")
        found.append((emit.topic, value))
    return found
