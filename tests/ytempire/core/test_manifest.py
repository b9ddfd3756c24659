"""The pipeline manifest is the one list of stages: topics.yaml and docker-compose.yml agree
with it, and what the tracker, the projection and the progress bars count comes from it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from gateway import projection, videos
from ytempire.app import tracker
from ytempire.core.manifest import PIPELINE, Manifest, StageEntry
from ytempire.core.settings import PROJECT_ROOT, Settings
from ytempire.core.topics import TopicsFile, load
from ytempire.stage import RUNNER_OUTPUTS

# Who else reads or writes topics, beside the stages: the HTTP API, the CLI, the analytics sink,
# every stage process's view of video.cancelled (ytempire.runtime.cancellations) and the clock
# that ticks the scheduler.
NOT_STAGES = {"gateway", "cli", "analytics-sink", "cancellations", "scheduler-clock"}


def wiring_problems(manifest: Manifest, declared: TopicsFile) -> list[str]:
    """Where topics.yaml and the manifest disagree about who writes and reads what."""
    problems = []
    for topic in declared.names:
        spec = declared[topic]
        writers = {s.name for s in manifest if topic in (*s.outputs, *RUNNER_OUTPUTS)}
        readers = {s.name for s in manifest if topic in s.inputs}
        if set(spec.producers) - NOT_STAGES != writers:
            problems.append(f"{topic}: producers {sorted(spec.producers)}, stages {writers}")
        if set(spec.consumers) - NOT_STAGES != readers:
            problems.append(f"{topic}: consumers {sorted(spec.consumers)}, stages {readers}")
    for stage in manifest:
        if missing := (set(stage.inputs) | set(stage.outputs)) - set(declared.names):
            problems.append(f"{stage.name} uses undeclared topics {sorted(missing)}")
    return problems


def compose_workers(compose: str) -> dict[str, list[str]]:
    """The services of a docker-compose.yml text that run a stage worker, and their commands."""
    services: dict[str, Any] = yaml.safe_load(compose)["services"]
    return {name: s["command"] for name, s in services.items()
            if (s.get("command") or [None])[0] == "worker"}


def test_topics_yaml_names_every_stage_as_the_manifest_wires_it(settings: Settings) -> None:
    assert wiring_problems(PIPELINE, load(settings.topics_file)) == []


def test_a_stage_topics_yaml_does_not_name_is_a_wiring_problem(settings: Settings) -> None:
    extra = StageEntry("echo", "processors.echo", ("script.ready",), ("voice.ready",))
    problems = wiring_problems(Manifest((*PIPELINE.stages, extra)), load(settings.topics_file))
    # It reads script.ready, writes voice.ready, and its runner writes failures and dead letters.
    assert [p.split(":")[0] for p in problems] == ["script.ready", "voice.ready",
                                                   "pipeline.failed", "pipeline.dlq"]
    assert "consumers" in problems[0] and all("producers" in p for p in problems[1:])
    assert all("echo" in p for p in problems)


def test_compose_runs_one_service_per_manifest_stage() -> None:
    workers = compose_workers((PROJECT_ROOT / "docker-compose.yml").read_text())
    assert workers == {name: ["worker", name] for name in PIPELINE.names}


def test_progress_counts_the_manifest_steps() -> None:
    assert [s.name for s in PIPELINE.steps] == ["scriptwriter", "narrator", "assembler",
                                               "quality", "publisher"]
    assert tracker.PIPELINE == ["script.requested", "script.ready", "voice.ready",
                                "video.assembled", "quality.scored", "upload.done"]
    assert videos.STEPS == len(PIPELINE.steps) == 5
    assert projection.STAGE_NUMBER["upload.done"] == 5
    assert projection.NEXT_STAGE == {"script.ready": "narrator", "voice.ready": "assembler",
                                     "video.assembled": "quality",
                                     "quality.scored": "publisher", "upload.done": None}
    assert set(projection.STATUS_TOPICS) == {*tracker.PIPELINE[1:], "cost.incurred",
                                            "pipeline.failed", "upload.status"}


@pytest.mark.parametrize(("entries", "message"), [
    ((StageEntry("a", "m.a", ("x",), ("y",), step=1),
      StageEntry("a", "m.b", ("y",), ("z",))), "named twice"),
    ((StageEntry("a", "m.a", ("x",), ("y",), step=1),
      StageEntry("b", "m.b", ("y",), ("z",), step=3)), "without gaps"),
    ((StageEntry("a", "m.a", ("x",), ("y",), step=1),
      StageEntry("b", "m.b", ("w",), ("z",), step=2)), "step 2 \\(b\\) reads w, not y"),
])
def test_a_manifest_that_does_not_chain_is_refused(entries: tuple[StageEntry, ...],
                                                   message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Manifest(entries)
