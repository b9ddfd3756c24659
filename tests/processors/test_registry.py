"""The stage registry, the stages and topics.yaml name the same wiring."""

from __future__ import annotations

import pytest

from processors.registry import STAGES, UnknownStage, build_stage
from ytempire.core.settings import Settings
from ytempire.core.topics import load


@pytest.mark.parametrize("name", list(STAGES))
def test_registry_input_topic_is_the_stage_own_and_declared_in_topics_yaml(
    name: str, settings: Settings
) -> None:
    stage = build_stage(name, settings)
    assert stage.name == name
    assert stage.input_topic == STAGES[name].input_topic
    assert name in load(settings.topics_file)[stage.input_topic].consumers


def test_unknown_stage_names_the_choices(settings: Settings) -> None:
    with pytest.raises(UnknownStage, match="scriptwriter, narrator"):
        build_stage("editor", settings)
