"""The kernel and the stages type-check under mypy --strict (pyproject's [tool.mypy]), so a
handler that builds an event with a missing or misspelled field fails here, not in a worker."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from ytempire.core.settings import PROJECT_ROOT

MISSPELLED = '''
from ytempire.core.events import Emit
from ytempire.core.records import Envelope, Script, UploadDone, VideoSpec, VoiceReady


def voice_ready(envelope: Envelope, spec: VideoSpec, script: Script) -> Emit:
    return Emit("voice.ready", VoiceReady(envelope=envelope, spec=spec, script=script,
                                          duraton_s=1.0))


def uploaded(envelope: Envelope) -> float:
    done: UploadDone = UploadDone(envelope=envelope)
    return done.quality_scor
'''


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)


def test_kernel_and_stages_are_strict_and_clean() -> None:
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["strict"] is True and set(config["files"]) == {"ytempire", "processors"}
    result = mypy()
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_misspelled_or_missing_field_is_a_type_error(tmp_path: Path) -> None:
    snippet = tmp_path / "handler.py"
    snippet.write_text(MISSPELLED)
    result = mypy("--strict", "--follow-imports=silent", str(snippet))
    assert result.returncode == 1
    assert 'Unexpected keyword argument "duraton_s" for "VoiceReady"' in result.stdout
    assert 'Missing named argument "platform" for "UploadDone"' in result.stdout
    assert '"UploadDone" has no attribute "quality_scor"' in result.stdout
