"""Script writers: turn a video request into a structured Script record.

A writer is chosen by settings in ``processors.scriptwriter.build``; every implementation
(offline templates, OpenAI) answers the same ``write`` call and reports what it used
so the stage can price it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ytempire.core.pricing import Usage
from ytempire.core.script_brief import ScriptRequest


@dataclass(frozen=True)
class WrittenScript:
    """A writer's answer: the Script record (as ``ytempire.Script`` says), who wrote it, usage."""

    script: dict[str, Any]
    writer: str
    usage: list[Usage] = field(default_factory=list)


class ScriptWriter(Protocol):
    """Writes one script. Raises ``PermanentError`` for briefs it can never write (for example
    a language it does not know), ``TransientError`` when its service is briefly unavailable and
    ``ProviderContractError`` (a ``TransientError`` carrying the billed usage) for a paid answer
    it cannot use.
    ``name`` ("provider/model") keys the stage's result cache, so two writers never share one."""

    name: str

    def write(self, request: ScriptRequest) -> WrittenScript: ...


class PricedScriptWriter(ScriptWriter, Protocol):
    """A paid writer. ``quote`` is the usage a request is expected to take, counted before the
    call, so the stage can step down to a cheaper tier when the video's budget requires it."""

    def quote(self, request: ScriptRequest) -> list[Usage]: ...
