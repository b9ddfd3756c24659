"""Stages by name: the manifest's module imported, its ``build(settings)`` called, its spec
checked against the manifest (the app layer is the one that imports stage modules)."""

from __future__ import annotations

import importlib

from ytempire.core.manifest import PIPELINE, Manifest
from ytempire.core.settings import Settings
from ytempire.stage import ContractError, Stage, check


def build_stage(name: str, settings: Settings, manifest: Manifest = PIPELINE) -> Stage:
    """The stage ``name`` as its module builds it; ``UnknownStage`` for a name not listed."""
    entry = manifest[name]
    stage: Stage = importlib.import_module(entry.module).build(settings)
    spec = check(stage)
    declared = (spec.name, spec.inputs, spec.outputs)
    if declared != (entry.name, entry.inputs, entry.outputs):
        raise ContractError(
            f"{entry.module} declares stage {spec.name} reading {', '.join(spec.inputs)} and "
            f"writing {', '.join(spec.outputs)}; the manifest (ytempire.core.manifest) says "
            f"{entry.name} reading {', '.join(entry.inputs)} and writing "
            f"{', '.join(entry.outputs)}: make them agree")
    return stage
