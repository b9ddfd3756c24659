"""docs/architecture.md's worked example is real: its stage module, schema, topics.yaml entry,
manifest entry and compose service, taken from the page, make a stage that the wiring checks
accept and the real StageRunner runs."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from tests.ytempire.core.test_manifest import compose_workers, wiring_problems
from ytempire.app.stages import build_stage
from ytempire.core.codec import Codec
from ytempire.core.events import Emit
from ytempire.core.manifest import PIPELINE, Manifest, StageEntry
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import PROJECT_ROOT, Settings
from ytempire.core.topics import load
from ytempire.runtime.worker import Incoming, StageRunner
from ytempire.stage import NothingCancelled

DOC = PROJECT_ROOT / "docs" / "architecture.md"
BLOCK = re.compile(r"^```(\w+) (\S+)\n(.*?)^```$", re.M | re.S)


def blocks() -> dict[str, str]:
    """The page's code blocks that name the file they belong in (```python processors/x.py)."""
    return {path: body for _, path, body in BLOCK.findall(DOC.read_text())}


class Sent:
    """The runner's producer side: what it would have sent."""

    def __init__(self) -> None:
        self.emits: list[Emit] = []

    def send_all(self, emits: list[Emit], timeout: float = 30.0) -> None:
        self.emits.extend(emits)


@pytest.fixture
def grader() -> Iterator[ModuleType]:
    """The doc's module, importable as processors.grader for as long as the test runs."""
    source = blocks()["processors/grader.py"]
    spec = importlib.util.spec_from_loader("processors.grader", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, "docs/architecture.md: processors/grader.py", "exec"),  # noqa: S102
         module.__dict__)
    sys.modules["processors.grader"] = module
    yield module
    del sys.modules["processors.grader"]


@pytest.fixture
def wired(settings: Settings, tmp_path: Path) -> tuple[Settings, Manifest]:
    """Settings whose schemas and topics.yaml carry the doc's additions, and the manifest."""
    found = blocks()
    schemas = tmp_path / "schemas"
    shutil.copytree(settings.schemas_dir, schemas)
    (schemas / "script.graded.avsc").write_text(found["schemas/script.graded.avsc"])
    topics = yaml.safe_load(settings.topics_file.read_text())
    topics["topics"].update(yaml.safe_load(found["topics.yaml"]))
    topics["topics"]["script.ready"]["consumers"].append("grader")
    for written_by_its_runner in ("pipeline.failed", "pipeline.dlq"):
        topics["topics"][written_by_its_runner]["producers"].append("grader")
    topics_file = tmp_path / "topics.yaml"
    topics_file.write_text(yaml.safe_dump(topics, sort_keys=False))
    entry = eval(found["ytempire/core/manifest.py"], {"StageEntry": StageEntry})  # noqa: S307
    manifest = Manifest((*PIPELINE.stages, entry))
    return settings.model_copy(update={"schemas_dir": schemas, "topics_file": topics_file}), \
        manifest


def test_the_page_lists_the_manifest_as_it_is() -> None:
    rows = re.findall(r"^\| ([\w-]+) \| `([\w.]+)` \| (.+?) \| (.+?) \| ([\d-]) \|$",
                      DOC.read_text(), re.M)

    def topics(cell: str) -> tuple[str, ...]:
        return tuple(re.findall(r"`([\w.]+)`", cell))

    assert [(name, module, topics(reads), topics(writes), None if step == "-" else int(step))
            for name, module, reads, writes, step in rows] == [
        (s.name, s.module, s.inputs, s.outputs, s.step) for s in PIPELINE]


def test_the_example_is_wired_the_way_the_checks_demand(wired: tuple[Settings, Manifest]) -> None:
    settings, manifest = wired
    assert wiring_problems(manifest, load(settings.topics_file)) == []
    compose = (PROJECT_ROOT / "docker-compose.yml").read_text()
    services = compose.replace("\n  analytics-sink:\n",
                               "\n" + blocks()["docker-compose.yml"] + "\n  analytics-sink:\n", 1)
    assert compose_workers(services) == {name: ["worker", name] for name in manifest.names}


def test_the_example_stage_runs_through_the_real_runner(
        grader: ModuleType, wired: tuple[Settings, Manifest]) -> None:
    settings, manifest = wired
    stage = build_stage("grader", settings, manifest)
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    request = request_event(VideoRequest(topic="How tides work", target_duration_s=30))
    [ready] = [e for e in build_stage("scriptwriter", settings).handle(request.value)
               if e.topic == "script.ready"]
    empty = {**ready.value, "script": {**ready.value["script"], "sections": []}}
    sent = Sent()
    runner = StageRunner(stage, codec, sent, settings,  # type: ignore[arg-type]
                         cancellations=NothingCancelled())
    for offset, value in enumerate([ready.value, empty]):
        asyncio.run(runner.process(Incoming("script.ready", 0, offset, ready.key.encode(),
                                            codec.encode("script.ready", value))))
    graded, failed, dead = sent.emits
    assert graded.topic == "script.graded" and failed.topic == "pipeline.failed"
    assert dead.topic == "pipeline.dlq" and dead.value["error_type"] == "PermanentError"
    decoded = codec.decode("script.graded", codec.encode("script.graded", graded.value), 0, 0)
    narration = " ".join(s["narration"] for s in ready.value["script"]["sections"])
    assert decoded["words"] == len(narration.split()) > 0
    assert decoded["words_per_sentence"] == round(decoded["words"] / decoded["sentences"], 2)
    assert decoded["envelope"]["video_id"] == request.value["envelope"]["video_id"]
