"""The stages by name, in pipeline order; each module's ``build(settings)`` picks its providers."""

from __future__ import annotations

import importlib
from typing import NamedTuple

from ytempire.core.settings import Settings
from ytempire.stage import Stage


class StageEntry(NamedTuple):
    module: str
    input_topic: str


STAGES: dict[str, StageEntry] = {
    "scriptwriter": StageEntry("processors.scriptwriter", "script.requested"),
    "narrator": StageEntry("processors.narrator", "script.ready"),
    "assembler": StageEntry("processors.assembler", "voice.ready"),
    "quality": StageEntry("processors.quality", "video.assembled"),
    "publisher": StageEntry("processors.publisher", "quality.scored"),
    "ledger": StageEntry("processors.ledger", "cost.incurred"),
    "scheduler": StageEntry("processors.scheduler", "scheduler.tick"),
}


class UnknownStage(LookupError):
    pass


def _entry(name: str) -> StageEntry:
    try:
        return STAGES[name]
    except KeyError:
        raise UnknownStage(f"unknown stage {name!r}; choose one of {', '.join(STAGES)}") from None


def input_topic(name: str) -> str:
    return _entry(name).input_topic


def build_stage(name: str, settings: Settings) -> Stage:
    module = importlib.import_module(_entry(name).module)
    return module.build(settings)  # type: ignore[no-any-return]
