"""The pipeline manifest: every stage once, as data, and the facts derived from it.

The runner, replay, the progress tracker, the gateway's status projection, the CLI's progress
bar and the compose services all read this list; ``tests/ytempire/core/test_manifest.py`` ties
it to topics.yaml, docker-compose.yml and each stage's own ``StageSpec``. A stage is named here
by its module path (a string), so the kernel never imports a stage: the app layer
(``ytempire.app.stages``) imports the module and calls its ``build(settings)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


class UnknownStage(LookupError):
    """No stage of that name in the manifest; the message lists the choices."""


@dataclass(frozen=True)
class StageEntry:
    """One stage: its name, the module that builds it, the topics it reads and writes.

    ``step`` is its place in a video's progress (1, 2, ...): the step is done when the stage's
    first output (``done_topic``) carries the video on. A stage beside the line (the ledger)
    has none.
    """

    name: str
    module: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    step: int | None = None

    @property
    def done_topic(self) -> str:
        return self.outputs[0]


@dataclass(frozen=True)
class Manifest:
    """The stages of a pipeline; the steps follow each other topic by topic."""

    stages: tuple[StageEntry, ...]

    def __post_init__(self) -> None:
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"a stage is named twice in the manifest: {names}")
        steps = self.steps
        if [s.step for s in steps] != list(range(1, len(steps) + 1)):
            raise ValueError("the manifest's steps must be numbered 1, 2, ... without gaps")
        for before, after in zip(steps, steps[1:], strict=False):
            if after.inputs[0] != before.done_topic:
                raise ValueError(f"step {after.step} ({after.name}) reads {after.inputs[0]}, "
                                 f"not {before.done_topic} that step {before.step} writes")

    def __iter__(self) -> Iterator[StageEntry]:
        return iter(self.stages)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.stages]

    def __getitem__(self, name: str) -> StageEntry:
        for entry in self.stages:
            if entry.name == name:
                return entry
        raise UnknownStage(f"unknown stage {name!r}; choose one of {', '.join(self.names)}")

    @property
    def steps(self) -> list[StageEntry]:
        """The stages a video passes through, in order."""
        return sorted((s for s in self.stages if s.step is not None),
                      key=lambda s: s.step or 0)

    @property
    def progress_topics(self) -> list[str]:
        """The request topic, then each step's done topic: a video's way through the pipeline."""
        steps = self.steps
        return [steps[0].inputs[0], *(s.done_topic for s in steps)] if steps else []

    @property
    def stage_of_topic(self) -> dict[str, str]:
        """Each step's done topic -> the stage that wrote it, in step order."""
        return {s.done_topic: s.name for s in self.steps}

    @property
    def next_stage(self) -> dict[str, str | None]:
        """Each step's done topic -> the stage that takes the video on (None after the last)."""
        steps = self.steps
        return {s.done_topic: (steps[i + 1].name if i + 1 < len(steps) else None)
                for i, s in enumerate(steps)}


PIPELINE = Manifest((
    StageEntry("scriptwriter", "processors.scriptwriter", ("script.requested",),
               ("script.ready", "cost.incurred", "pipeline.failed"), step=1),
    StageEntry("narrator", "processors.narrator", ("script.ready",),
               ("voice.ready", "cost.incurred"), step=2),
    StageEntry("assembler", "processors.assembler", ("voice.ready",),
               ("video.assembled", "cost.incurred"), step=3),
    StageEntry("quality", "processors.quality", ("video.assembled",),
               ("quality.scored", "cost.incurred"), step=4),
    StageEntry("publisher", "processors.publisher", ("quality.scored", "video.approved"),
               ("upload.done", "cost.incurred"), step=5),
    StageEntry("ledger", "processors.ledger",
               ("cost.incurred", "script.requested", "channel.updated", "upload.done",
                "quality.scored", "pipeline.failed"), ("cost.alert",)),
    StageEntry("metrics-collector", "processors.metrics_collector",
               ("upload.done", "scheduler.tick", "metrics.requested"),
               ("video.metrics", "upload.status", "pipeline.failed")),
    StageEntry("scheduler", "processors.scheduler",
               ("scheduler.tick", "channel.updated", "cost.incurred", "upload.done",
                "topics.discovered"),
               ("script.requested", "schedule.slot", "backlog.updated")),
    StageEntry("trends", "processors.trends",
               ("scheduler.tick", "channel.updated", "script.requested"),
               ("topics.discovered", "cost.incurred")),
))
"""YTEmpire's pipeline. A new stage is one module under ``processors/`` and one entry here."""
