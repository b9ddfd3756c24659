"""Stages by name: each module builds the stage the manifest names, reading and writing the
topics the manifest and topics.yaml say."""

from __future__ import annotations

import pytest

from ytempire.app.stages import build_stage
from ytempire.core.manifest import PIPELINE, Manifest, StageEntry, UnknownStage
from ytempire.core.settings import Settings
from ytempire.core.topics import load
from ytempire.stage import ContractError


@pytest.mark.parametrize("name", PIPELINE.names)
def test_each_stage_module_builds_the_stage_its_manifest_entry_names(
    name: str, settings: Settings
) -> None:
    stage = build_stage(name, settings)
    assert stage.spec.name == name
    assert stage.spec.inputs == PIPELINE[name].inputs
    assert stage.spec.outputs == PIPELINE[name].outputs
    assert name in load(settings.topics_file)[stage.spec.input_topic].consumers
    assert type(stage).__name__.endswith("Stage"), "stage classes are named <Thing>Stage"


def test_unknown_stage_names_the_choices(settings: Settings) -> None:
    with pytest.raises(UnknownStage, match="scriptwriter, narrator"):
        build_stage("editor", settings)


def test_a_stage_whose_spec_disagrees_with_the_manifest_is_refused(settings: Settings) -> None:
    wrong = Manifest((StageEntry("narrator", "processors.narrator", ("script.ready",),
                                 ("voice.ready",)),))
    with pytest.raises(ContractError, match="the manifest .* says narrator reading script.ready "
                                            "and writing voice.ready: make them agree"):
        build_stage("narrator", settings, wrong)
