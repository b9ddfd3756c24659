"""A stack's workers die with the process that started them: a SIGKILLed test run or `ytempire up`
leaves no orphan consuming from the broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from ytempire.core.settings import PROJECT_ROOT, Settings


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_worker_dies_when_the_process_that_started_it_is_killed(
        kafka_settings: Settings) -> None:
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from ytempire.app.stack import Stack
        from ytempire.core.settings import Settings
        stack = Stack(Settings(data_dir={str(kafka_settings.data_dir)!r},
                               kafka_bootstrap={kafka_settings.kafka_bootstrap!r}))
        print("worker", stack.start_worker("quality").process.pid, flush=True)
        time.sleep(600)
        """)], stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    try:
        assert parent.stdout is not None
        lines = iter(parent.stdout.readline, "")
        worker = int(next(line for line in lines if line.startswith("worker ")).split()[1])
        assert _alive(worker)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 30
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker), "the worker outlived the stack's process"
    finally:
        parent.kill()
