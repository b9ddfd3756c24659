"""The stage contract: a spec that contradicts itself or its class is refused before any event,
and the runner holds a stage to the outputs it declared."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ytempire.runtime.test_cancellations import Sent, _request, _run
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.runtime.worker import StageRunner
from ytempire.stage import ContractError, MemoryState, NothingCancelled, StageSpec, check


@pytest.mark.parametrize(("fields", "message"), [
    ({"inputs": ()}, "reads no topic"),
    ({"cancel": "sometimes"}, "cancel is one of before, in_stage, never, not 'sometimes'"),
    ({"tables": {"t": "random"}}, "table t is partitioned by one of input, key"),
    ({"concurrency": 0}, "at least 1"),
    ({"tables": {"t": "key"}, "concurrency": 2}, "exactly 1 for a stage with tables"),
])
def test_a_spec_that_contradicts_itself_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ContractError, match=message):
        StageSpec(**{"name": "s", "inputs": ("a",), "outputs": ("b",), **fields})


def test_a_spec_is_frozen_down_to_its_tables() -> None:
    spec = StageSpec(name="s", inputs=("a",), outputs=(), tables={"t": "key"})
    with pytest.raises(TypeError):
        spec.tables["u"] = "key"  # type: ignore[index]
    assert spec.input_topic == "a"


class Echo:
    """Emits its input back to ``topic``."""

    def __init__(self, spec: StageSpec, topic: str = "script.requested") -> None:
        self.spec, self.topic = spec, topic

    def handle(self, event: Event) -> list[Emit]:
        return [Emit(self.topic, event)]


def test_a_stage_that_declares_more_than_its_class_provides_is_refused() -> None:
    with pytest.raises(ContractError, match="declares tables but has no `state`"):
        check(Echo(StageSpec(name="s", inputs=("a",), outputs=(), tables={"t": "key"})))
    with pytest.raises(ContractError, match="no `cancellations` attribute"):
        check(Echo(StageSpec(name="s", inputs=("a",), outputs=(), cancel="in_stage")))
    stateful = Echo(StageSpec(name="s", inputs=("a",), outputs=(), tables={"t": "key"}))
    stateful.state = MemoryState(["t"])  # type: ignore[attr-defined]
    aware = Echo(StageSpec(name="s", inputs=("a",), outputs=(), cancel="in_stage"))
    aware.cancellations = NothingCancelled()  # type: ignore[attr-defined]
    assert check(stateful).tables == {"t": "key"} and check(aware).cancel == "in_stage"


def test_an_output_the_spec_does_not_declare_is_dead_lettered(settings: Settings) -> None:
    codec = Codec(SchemaRegistry.load(settings.schemas_dir))
    spec = StageSpec(name="echo", inputs=("script.requested",), outputs=("script.ready",),
                     cancel="never")
    sent = Sent()
    runner = StageRunner(Echo(spec), codec, sent, settings)  # type: ignore[arg-type]
    logs = _run(runner, codec, _request())
    assert [e.topic for e in sent.emits] == ["pipeline.failed", "pipeline.dlq"]
    assert sent.emits[1].value["error_type"] == "UndeclaredOutput"
    assert "emitted to script.requested; its spec declares script.ready" in \
        sent.emits[1].value["error_message"]
    assert "stage_crashed" in [line["event"] for line in logs]
