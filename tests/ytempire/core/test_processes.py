"""A stage killed mid-render leaves no ffmpeg behind (the chaos tests kill stages with SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
from concurrent.futures import ThreadPoolExecutor
from ytempire.core.media import run_ffmpeg
# like the worker: the ffmpeg call runs in a long-lived executor thread
with ThreadPoolExecutor(1) as pool:
    # quiet, like a render: a chatty ffmpeg would die of SIGPIPE anyway once the stage is gone
    pool.submit(run_ffmpeg, ["-loglevel", "error", "-nostats", "-re", "-f", "lavfi",
                             "-i", "nullsrc=s=64x64", "-t", "600", "-f", "null", "-"]).result()
"""


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_ffmpeg_dies_with_the_stage_that_started_it() -> None:
    stage = subprocess.Popen([sys.executable, "-c", CHILD])
    try:
        deadline = time.monotonic() + 30
        while not (ffmpeg := children(stage.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ffmpeg, "the stage never started ffmpeg"
        assert all(alive(pid) for pid in ffmpeg)
        os.kill(stage.pid, signal.SIGKILL)
        stage.wait(10)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in ffmpeg) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in ffmpeg), "ffmpeg outlived its killed stage"
    finally:
        if stage.poll() is None:
            stage.kill()
