"""The stages by name, in pipeline order; each module's ``build(settings)`` picks its providers."""

from __future__ import annotations

import importlib

from processors.base import Stage
from ytempire.settings import Settings

STAGES: dict[str, str] = {
    "scriptwriter": "processors.scriptwriter",
    "narrator": "processors.narrator",
    "assembler": "processors.assembler",
    "quality": "processors.quality",
    "publisher": "processors.publisher",
}


class UnknownStage(LookupError):
    pass


def build_stage(name: str, settings: Settings) -> Stage:
    try:
        module = importlib.import_module(STAGES[name])
    except KeyError:
        raise UnknownStage(f"unknown stage {name!r}; choose one of {', '.join(STAGES)}") from None
    return module.build(settings)  # type: ignore[no-any-return]
