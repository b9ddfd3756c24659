"""scriptwriter: ``script.requested`` -> ``script.ready`` (+ ``cost.incurred`` per usage).

Validates the request, asks the configured ``ScriptWriter`` for a script, holds every writer's
output to YouTube's limits (title, description, tags) and recounts the narrated words. Scripts
are cached by input hash: a redelivered request gets the identical ``script.ready`` and never
pays the writer twice; another request with the same brief reuses the script at no cost.
"""

from __future__ import annotations

from typing import Any

from processors.base import PermanentError
from processors.providers.script import (
    MAX_DURATION_S,
    MIN_DURATION_S,
    ScriptRequest,
    ScriptWriter,
)
from processors.providers.script.limits import count_words, fit_description, fit_tags, fit_title
from processors.providers.script.offline import OfflineScriptWriter
from ytempire.cache import ResultCache
from ytempire.events import (
    Emit,
    Event,
    content_hash,
    cost_events,
    derive_envelope,
    spent,
)
from ytempire.logging import get_logger
from ytempire.pricing import bill
from ytempire.settings import Settings

log = get_logger("ytempire.scriptwriter")

NAME = "scriptwriter"
OUTPUT_TOPIC = "script.ready"
VERSION = "2"  # bump when the same request should now get a different script (keys the cache)
MAX_TOPIC_CHARS = 200


def validate(request: ScriptRequest) -> ScriptRequest:
    """Refuse briefs no writer can ever satisfy, with a message that says what to change."""
    if not any(c.isalnum() for c in request.topic):
        raise PermanentError(f"topic {request.topic!r} has no words; give the video a subject")
    if len(request.topic) > MAX_TOPIC_CHARS:
        raise PermanentError(f"topic is {len(request.topic)} characters; keep it to "
                             f"{MAX_TOPIC_CHARS} (it is spoken and becomes the title)")
    if not MIN_DURATION_S <= request.target_duration_s <= MAX_DURATION_S:
        raise PermanentError(f"target_duration_s={request.target_duration_s} is outside "
                             f"{MIN_DURATION_S}..{MAX_DURATION_S} seconds")
    return request


def hold_to_limits(script: dict[str, Any]) -> dict[str, Any]:
    """The script with YouTube's metadata limits enforced and the narrated words recounted."""
    narrated = [script["hook"], *(s["narration"] for s in script["sections"]),
                script["call_to_action"]]
    return {
        **script,
        "title": fit_title(script["title"]),
        "description": fit_description(script["description"]),
        "tags": fit_tags(list(script["tags"])),
        "word_count": count_words(" ".join(narrated)),
    }


class ScriptWriterStage:
    """The scriptwriter stage around one ``ScriptWriter``."""

    name = NAME
    input_topic = "script.requested"

    def __init__(self, writer: ScriptWriter, cache: ResultCache) -> None:
        self.writer = writer
        self.cache = cache

    def handle(self, event: Event) -> list[Emit]:
        envelope, spec = event["envelope"], event["spec"]
        request = validate(ScriptRequest.from_spec(spec))
        key = content_hash(NAME, VERSION, self.writer.name, request)
        result, paid = self.cache.once(key, envelope["event_id"], lambda: self._write(request))
        ready = {
            "envelope": derive_envelope(envelope, NAME, OUTPUT_TOPIC,
                                        spent=spent(result, paid)),
            "spec": spec,
            "script": result["script"],
            "writer": result["writer"],
        }
        costs = cost_events(envelope, stage=NAME, billed=result, paid=paid, call_key=key)
        return [Emit(OUTPUT_TOPIC, ready), *costs]

    def _write(self, request: ScriptRequest) -> dict[str, Any]:
        written = self.writer.write(request)
        script = hold_to_limits(written.script)
        log.info("script written", writer=written.writer, words=script["word_count"],
                 target_words=request.target_words, sections=len(script["sections"]))
        return {
            "script": script,
            "writer": written.writer,
            **bill(written.usage),
        }


def build(settings: Settings) -> ScriptWriterStage:
    """The scriptwriter with the offline writer (the only one until a model provider is set)."""
    return ScriptWriterStage(writer=OfflineScriptWriter(),
                             cache=ResultCache(settings.data_dir / "cache", NAME))
