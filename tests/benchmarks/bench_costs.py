"""What a video costs with every paid provider on, per tier and per call, and whether the cost
events add up to what the providers billed when things fail.

Run: .venv/bin/python -m tests.benchmarks.bench_costs [--videos 20] [--duration 60]
Prints numbers. The paid stages (scriptwriter, narrator, assembler) run through the real stage
runner (retries, dead letters, cancellations; no broker: what the runner sends is collected)
against the fakes (tests/fakes/), which bill like the providers: tokens from the prompt and the
answer, characters spoken, images generated.

1. Per tier, one video of --duration seconds: premium (gpt-4o script, ElevenLabs
   multilingual v2 voice, gpt-image-1 thumbnail) and economy (gpt-4o-mini, OpenAI tts-1, the
   local title card), the cost of each call.
2. Reconciliation over --videos videos with a rotation of failures: a chat answer lost to a
   500 (retried), a paid answer cut short twice (billed; asked again, then the economy model
   writes), a moderation answer one result short (asked again, then the blocklist), a voice
   call failing after a paid part and the video cancelled before the retry, a narrator whose
   outputs were lost to a kill (a fresh stage gets the redelivery), a moderation endpoint
   refusing the paid script (the video dead-lettered), and a thumbnail model whose pictures
   never decode (each billed; the video dead-lettered by the assembler). The sum of the cost
   events (one per event id, as the ledger and ClickHouse count them) must equal the fakes'
   billed usage priced by the table to $0.0001. The suite's smoke run
   (tests/processors/test_cost_reconciliation.py) does the cancel, kill and moderation cases
   without rendering.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from processors.assembler import build as build_assembler
from processors.narrator import build as build_narrator
from processors.scriptwriter import build as build_scriptwriter
from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.fakes.openai_server import FakeOpenAI
from ytempire.core.codec import Codec
from ytempire.core.events import Emit, Event, plain
from ytempire.core.pricing import current_table
from ytempire.core.requests import VideoRequest, request_event
from ytempire.core.schema_registry import SchemaRegistry
from ytempire.core.settings import Settings
from ytempire.runtime.worker import Incoming, StageRunner
from ytempire.stage import NothingCancelled, Stage

OPENAI_KEY, ELEVENLABS_KEY = "sk-bench", "xi-bench"
SPEECH = "text_to_speech.with_timestamps"
MODERATION = "omni-moderation-latest"
TOLERANCE = Decimal("0.0001")


class Sent:
    def __init__(self) -> None:
        self.emits: list[Emit] = []

    def send_all(self, emits: list[Emit], timeout: float = 30.0) -> None:
        self.emits.extend(emits)


class CancelAfter:
    """Cancellations that answer "cancelled" from the ``n``-th question on."""

    def __init__(self, n: int) -> None:
        self.n, self.asked = n, 0

    def is_cancelled(self, envelope: Event) -> bool:
        self.asked += 1
        return self.asked > self.n


def settings_for(tier: str, root: Path, openai: FakeOpenAI, elevenlabs: FakeElevenLabs,
                 ) -> Settings:
    common: dict[str, Any] = {"data_dir": root, "openai_api_key": OPENAI_KEY,
                              "openai_base_url": openai.url, "provider_max_retries": 0,
                              "stage_max_attempts": 3, "retry_base_seconds": 0.0}
    if tier == "premium":
        return Settings(**common, elevenlabs_api_key=ELEVENLABS_KEY,
                        elevenlabs_base_url=elevenlabs.url, thumbnail_provider="openai")
    return Settings(**common, script_model_premium="gpt-4o-mini", voice_provider="openai",
                    thumbnail_provider="title_card")


@dataclass
class Pipeline:
    """The paid stages, each behind its own runner; ``deliver`` is one Kafka delivery."""

    settings: Settings
    codec: Codec = field(init=False)
    stages: dict[str, Stage] = field(init=False)

    def __post_init__(self) -> None:
        self.codec = Codec(SchemaRegistry.load(self.settings.schemas_dir))
        self.stages = {"script.requested": build_scriptwriter(self.settings),
                       "script.ready": build_narrator(self.settings),
                       "voice.ready": build_assembler(self.settings)}

    def deliver(self, topic: str, event: Event, cancellations: Any = None,
                stage: Stage | None = None) -> list[Emit]:
        async def no_sleep(_: float) -> None:
            return None

        sent = Sent()
        runner = StageRunner(stage or self.stages[topic], self.codec, sent,  # type: ignore[arg-type]
                             self.settings, sleep=no_sleep,
                             cancellations=cancellations or NothingCancelled())
        record = Incoming(topic, 0, 0, event.envelope.video_id.encode(),
                          self.codec.encode(topic, event))
        asyncio.run(runner.process(record))
        return sent.emits

    def video(self, request: Emit, cancel_voice: bool = False, kill_voice: bool = False,
              render: bool = True) -> list[Emit]:
        """Every event the paid stages sent for one video, stage after stage."""
        out, topic, event = [], request.topic, request.value
        nexts = {"script.requested": "script.ready", "script.ready": "voice.ready",
                 **({"voice.ready": "video.assembled"} if render else {})}
        while topic in nexts:
            cancellations = CancelAfter(1) if cancel_voice and topic == "script.ready" else None
            if kill_voice and topic == "script.ready":
                self.stages[topic].handle(event)  # done, but the process died before sending
                self.stages[topic] = build_narrator(self.settings)  # the restarted worker
            sent = self.deliver(topic, event, cancellations)
            out += sent
            following = [e for e in sent if e.topic == nexts[topic]]
            if not following:
                break
            topic, event = nexts[topic], following[0].value
        return out


def billed_usd(openai: FakeOpenAI, elevenlabs: FakeElevenLabs) -> Decimal:
    """What the fakes billed, priced by the table."""
    table = current_table()
    total = Decimal(0)
    for use in openai.usage_of("chat.completions"):
        total += table.price("openai", use["model"], "tokens_in", use["prompt_tokens"])
        total += table.price("openai", use["model"], "tokens_out", use["completion_tokens"])
    for use in openai.usage_of("moderations"):
        total += table.price("openai", use["model"], "requests", 1)
    for use in openai.usage_of("audio.speech"):
        total += table.price("openai", use["model"], "characters", use["characters"])
    for use in openai.usage_of("images.generations"):
        total += table.price("openai", use["model"], "images", use["images"])
    for use in elevenlabs.usage:
        total += table.price("elevenlabs", use["model"], "characters", use["characters"])
    return total


def unique_costs(emits: list[Emit]) -> dict[str, Event]:
    """Cost events by id: what the ledger and ClickHouse count."""
    return {e.value.envelope.event_id: plain(e.value) for e in emits
            if e.topic == "cost.incurred"}


def per_tier(duration: int) -> dict[str, list[tuple[str, str, str, float, Decimal]]]:
    """One video per tier: (stage, provider/model, unit, quantity, usd) per paid call."""
    rows = {}
    for tier in ("premium", "economy"):
        with FakeOpenAI(api_key=OPENAI_KEY) as openai, \
                FakeElevenLabs(api_key=ELEVENLABS_KEY) as elevenlabs, \
                tempfile.TemporaryDirectory() as root:
            pipeline = Pipeline(settings_for(tier, Path(root), openai, elevenlabs))
            request = request_event(VideoRequest(topic="How glaciers carve valleys",
                                                 target_duration_s=duration))
            costs = unique_costs(pipeline.video(request)).values()
            merged: Counter[tuple[str, str, str]] = Counter()
            usd: dict[tuple[str, str, str], Decimal] = {}
            for c in costs:
                key = (c["stage"], f"{c['provider']}/{c['model']}", c["unit"])
                merged[key] += c["quantity"]
                usd[key] = usd.get(key, Decimal(0)) + c["usd"]
            rows[tier] = [(*key, merged[key], usd[key]) for key in merged]
            assert abs(sum(usd.values()) - billed_usd(openai, elevenlabs)) <= TOLERANCE
    return rows


@dataclass
class Reconciliation:
    videos: int
    events: int
    duplicates: int
    cost_usd: Decimal
    billed_usd: Decimal
    failures: Counter[str]
    sent: list[Emit]
    """Every ``cost.incurred`` sent, redelivered duplicates included, for the ledger and sinks."""


CASES = 8


def reconcile(videos: int, duration: int = 15, cases: tuple[int, ...] = tuple(range(CASES)),
              render: bool = True, owner_id: str = "local") -> Reconciliation:
    """``videos`` premium videos of ``owner_id``, video i with failure ``cases[i % len(cases)]``
    (0: none; 1-7 in the order of the module docstring)."""
    with FakeOpenAI(api_key=OPENAI_KEY) as openai, \
            FakeElevenLabs(api_key=ELEVENLABS_KEY) as elevenlabs, \
            tempfile.TemporaryDirectory() as root:
        pipeline = Pipeline(settings_for("premium", Path(root), openai, elevenlabs))
        sent: list[Emit] = []
        for index in range(videos):
            case = cases[index % len(cases)]
            if case == 1:
                openai.fail_next(1, status=500, endpoint="chat.completions")
            elif case == 2:
                openai.garble_next = 2
            elif case == 3:
                openai.broken.add("moderations.fewer_results")
            elif case == 4:
                elevenlabs.fail_next(1, status=500, endpoint=SPEECH, after=1)
            elif case == 6:
                openai.failing_models[MODERATION] = 400
            elif case == 7:
                openai.broken.add("images.undecodable")
            request = request_event(VideoRequest(topic=f"Glaciers and valleys, part {index}",
                                                 target_duration_s=duration, owner_id=owner_id))
            sent += pipeline.video(request, cancel_voice=case == 4, kill_voice=case == 5,
                                   render=render)
            openai.broken.clear()
            openai.failing_models.clear()
        costs = unique_costs(sent)
        all_costs = [e for e in sent if e.topic == "cost.incurred"]
        return Reconciliation(
            videos=videos, events=len(costs), duplicates=len(all_costs) - len(costs),
            cost_usd=sum((c["usd"] for c in costs.values()), Decimal(0)),
            billed_usd=billed_usd(openai, elevenlabs),
            failures=Counter(plain(e.value)["stage"] for e in sent if e.topic == "pipeline.failed"),
            sent=all_costs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=20)
    parser.add_argument("--duration", type=int, default=60)
    args = parser.parse_args()
    print(f"load {os.getloadavg()[0]:.2f}; price table {current_table().version}")
    for tier, rows in per_tier(args.duration).items():
        total = sum((r[4] for r in rows), Decimal(0))
        print(f"\n{tier}: one {args.duration} s video, ${total:.4f}")
        for stage, model, unit, quantity, usd in sorted(rows):
            print(f"  {stage:<13} {model:<36} {quantity:>9.0f} {unit:<14} ${usd:.6f}")
    result = reconcile(args.videos)
    print(f"\nreconciliation: {result.videos} videos, {result.events} cost events "
          f"({result.duplicates} redelivered duplicates), failures {dict(result.failures)}")
    print(f"  cost events ${result.cost_usd:.6f}, fakes billed ${result.billed_usd:.6f}, "
          f"difference ${abs(result.cost_usd - result.billed_usd):.6f}")


if __name__ == "__main__":
    main()
