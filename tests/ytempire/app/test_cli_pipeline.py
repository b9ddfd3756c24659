"""The CLI offers the manifest's stages and nothing else."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ytempire.app.cli import app


@pytest.mark.parametrize("command", [["worker", "editor"],
                                     ["replay", "--topic", "script.ready", "--into", "editor",
                                      "--from-offset", "0"]])
def test_a_stage_the_manifest_does_not_list_is_refused_with_the_choices(
        command: list[str]) -> None:
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2
    assert "choose one of scriptwriter, narrator, assembler, quality, publisher, ledger" in \
        " ".join(result.output.replace("│", " ").split())
