"""Scheduler overhead: N channels x 3 slots a day, one simulated day of ticks.

Run: .venv/bin/python tests/benchmarks/bench_scheduler.py [--channels 1000] [--hours 24]
     [--tick-s 15]
Prints numbers; asserts nothing. The scheduler runs in-process over in-memory state (the worker
adds a Kafka round trip per tick, measured apart in the worker tests), its clock driven by
ticks every --tick-s simulated seconds. Channels get 3 slots a day at staggered minutes.
Reports CPU per planned slot and per requested video, CPU per tick (p50/p95/max), and the lag of
each request behind its planned time: how late the tick that sent it came (at most one tick
interval) plus the CPU the tick had spent before reaching that channel.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from processors.scheduler import TABLES, Scheduler
from ytempire.core.channels import ChannelSchedule, ChannelState, channel_event
from ytempire.core.records import ScheduleSlot
from ytempire.core.settings import Settings
from ytempire.stage import MemoryState

T0 = datetime(2026, 12, 7, tzinfo=UTC)


def run(channels: int, hours: float, tick_s: float) -> dict[str, Any]:
    settings = Settings(data_dir=Path(tempfile.mkdtemp()))
    scheduler = Scheduler(MemoryState(TABLES), settings)
    for n in range(channels):
        minute = n % 60
        scheduler.handle(channel_event(ChannelState(
            id=f"chan-{n}", owner_id=f"owner-{n // 5}", version=T0, name=f"c{n}",
            niche=f"niche {n % 50}", per_video_budget_usd=Decimal("3"),
            daily_budget_usd=Decimal("30"),
            schedule=ChannelSchedule(cron=f"{minute} 8,14,20 * * *"))).value)
    tick_cpu: list[float] = []
    lags: list[float] = []
    planned = requested = 0
    ticks = int(hours * 3600 / tick_s) + 1
    for i in range(ticks):
        now = T0 + timedelta(seconds=i * tick_s)
        start = time.process_time()
        emits = scheduler.tick(now)
        spent = time.process_time() - start
        tick_cpu.append(spent)
        for emit in emits:
            slot = emit.value
            if not isinstance(slot, ScheduleSlot):
                continue
            if slot.status == "planned":
                planned += 1
            elif slot.status == "requested":
                requested += 1
                late = (now - slot.request_at).total_seconds()
                lags.append(late + spent)  # an upper bound: the tick's whole CPU
    total = sum(tick_cpu)
    ordered = sorted(tick_cpu)
    return {
        "channels": channels, "simulated_hours": hours, "tick_s": tick_s, "ticks": ticks,
        "slots_planned": planned, "videos_requested": requested,
        "cpu_total_s": round(total, 3),
        "cpu_per_planned_slot_ms": round(1000 * total / max(planned, 1), 3),
        "cpu_per_requested_video_ms": round(1000 * total / max(requested, 1), 3),
        "tick_cpu_ms": {"p50": round(1000 * statistics.median(ordered), 3),
                        "p95": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 3),
                        "max": round(1000 * ordered[-1], 3)},
        "request_lag_s": {"p50": round(statistics.median(lags), 2) if lags else None,
                          "max": round(max(lags), 2) if lags else None},
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load "
                   f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--tick-s", type=float, default=15)
    args = parser.parse_args()
    print(json.dumps(run(args.channels, args.hours, args.tick_s), indent=2))


if __name__ == "__main__":
    main()
