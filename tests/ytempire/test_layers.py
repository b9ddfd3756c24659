"""The layers (docs/architecture.md) hold: ``lint-imports`` keeps pyproject.toml's contract,
and the same contract fails the moment the kernel imports a layer above it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ytempire.core.settings import PROJECT_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("ytempire", "processors", "analytics", "gateway")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over the packages under ``root`` (its pyproject.toml's contracts)."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(root), "PATH": ""})


def test_the_layer_contract_is_kept() -> None:
    result = lint_imports(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packages and the contract, in a directory the tests may break."""
    root = tmp_path_factory.mktemp("layers")
    for package in PACKAGES:
        shutil.copytree(PROJECT_ROOT / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.sql", "*.json", "*.yaml"))
    shutil.copy(PROJECT_ROOT / "pyproject.toml", root)
    assert lint_imports(root).returncode == 0, "the copy breaks the contract already"
    return root


@pytest.mark.parametrize(("module", "line", "named"), [
    ("ytempire/core/cache.py", "import processors.scriptwriter",
     "ytempire.core.cache -> processors.scriptwriter"),
    ("ytempire/runtime/replay.py", "from analytics.sink import AnalyticsSink",
     "ytempire.runtime.replay -> analytics.sink"),
    ("processors/narrator.py", "import gateway.videos", "processors.narrator -> gateway.videos"),
])
def test_an_import_against_the_layers_breaks_the_contract(copy: Path, module: str, line: str,
                                                          named: str) -> None:
    target = copy / module
    clean = target.read_text()
    target.write_text(clean.replace("from __future__ import annotations\n",
                                    f"from __future__ import annotations\n{line}\n", 1))
    try:
        result = lint_imports(copy)
    finally:
        target.write_text(clean)
    assert result.returncode == 1 and "0 kept, 1 broken" in result.stdout
    assert named in result.stdout
