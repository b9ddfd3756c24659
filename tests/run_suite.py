"""`make test`: the suite as two pytest sessions side by side, then a check that they ran it all.

Tests that use the session's Kafka broker share one broker and its fixed topic names, so they
run one at a time (``--part broker``); every other test runs in a second session beside them
(``--part rest``). Serially the suite leaves one of the two cores idle most of the time. Each
session's output is printed live with its part's name in front of every line and kept in
``.data/test-results/<part>.log``; afterwards both must have split the same collected list
into complements and run every test they kept, or the run fails.

Usage: ``python -m tests.run_suite [pytest arguments, given to both sessions]``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

PARTS = ("broker", "rest")
RESULTS = Path(".data/test-results")


def _relay(part: str, stream: IO[str], log: IO[str]) -> None:
    """Copy a session's output line by line to the log file and, prefixed, to our stdout."""
    with log:
        for line in stream:
            log.write(line)
            sys.stdout.write(f"{part:>6} | {line}")
            sys.stdout.flush()


def _start(part: str, args: list[str]) -> tuple[subprocess.Popen[str], threading.Thread]:
    report = RESULTS / f"{part}.json"
    report.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", f"--part={part}", f"--part-report={report}",
               f"--junitxml={RESULTS / part}.xml", *args]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    log = (RESULTS / f"{part}.log").open("w")
    relay = threading.Thread(target=_relay, args=(part, proc.stdout, log), daemon=True)
    relay.start()
    return proc, relay


def check_split(reports: dict[str, dict]) -> list[str]:
    """What is wrong with how the parts split and ran the suite (nothing: an empty list)."""
    broker, rest = reports["broker"], reports["rest"]
    if broker["collected"] != rest["collected"]:
        return ["the two sessions collected different tests"]
    problems = [f"test {nodeid} selected by {'both parts' if a else 'neither part'}"
                for nodeid, a, b in zip(broker["collected"], broker["selected"], rest["selected"],
                                        strict=True) if a == b]
    for part, report in reports.items():
        if report["ran"] != sum(report["selected"]):
            problems.append(f"{part}: ran {report['ran']} of its {sum(report['selected'])} tests")
    return problems


def main(args: list[str]) -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    sessions = {part: _start(part, args) for part in PARTS}
    codes = {}
    for part, (proc, relay) in sessions.items():
        codes[part] = proc.wait()
        relay.join()
    missing = [part for part in PARTS if not (RESULTS / f"{part}.json").exists()]
    if missing:
        print(f"run_suite: no report from {', '.join(missing)} (exit codes {codes})")
        return max(codes.values()) or 1
    reports = {part: json.loads((RESULTS / f"{part}.json").read_text()) for part in PARTS}
    problems = check_split(reports)
    for problem in problems:
        print(f"run_suite: {problem}")
    ran = {part: reports[part]["ran"] for part in PARTS}
    # pytest exits 5 when a part had nothing to run (e.g. a -k that matches only one side).
    failed = {part: code for part, code in codes.items() if code not in (0, 5) or
              (code == 5 and sum(reports[part]["selected"]))}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"run_suite: {len(reports['broker']['collected'])} tests collected; ran "
          f"{ran['broker']} with the broker and {ran['rest']} beside them; exit codes {codes}; "
          f"{time.monotonic() - started:.0f} s wall, {usage.ru_utime + usage.ru_stime:.0f} s of "
          f"CPU in the sessions and the processes they waited for; logs in {RESULTS}/")
    if failed or problems:
        return next(iter(failed.values()), 1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
