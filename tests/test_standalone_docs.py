"""The repository stands alone: no tracked file sends a reader to notes outside it."""

from __future__ import annotations

import subprocess

from ytempire.core.settings import PROJECT_ROOT

# Spelled in pieces so that this file does not match itself.
OUTSIDE = ["../" + "shared", "/work/" + "shared", "/work/" + "coord"]


def test_no_tracked_file_points_outside_the_repository() -> None:
    args = [arg for place in OUTSIDE for arg in ("-e", place)]
    found = subprocess.run(["git", "grep", "-n", "-F", *args], cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=60)
    assert found.returncode == 1, f"files point outside the repository:\n{found.stdout}"


def test_readme_links_the_architecture_document() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert "docs/architecture.md" in readme
    assert (PROJECT_ROOT / "docs" / "architecture.md").is_file()
