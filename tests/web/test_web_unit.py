"""The web app's own tests (Vitest + Testing Library) run in `make test`, and its API types are
regenerated from the gateway's OpenAPI document to prove they are not stale."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.app import create_app
from ytempire.core.settings import Settings

WEB = Path(__file__).resolve().parents[2] / "web"


@pytest.fixture(scope="module")
def npm() -> str:
    path = shutil.which("npm")
    if path is None or not (WEB / "node_modules").is_dir():
        pytest.fail("web/node_modules is missing: run `make setup` (npm ci in web/)")
    return path


def test_component_and_hook_tests_pass(npm: str) -> None:
    done = subprocess.run([npm, "test", "--prefix", str(WEB), "--", "--reporter=dot"],
                          capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_generated_api_types_match_the_gateway(npm: str, tmp_path: Path) -> None:
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(create_app(Settings(data_dir=tmp_path)).openapi(), indent=1,
                                   sort_keys=True))
    out = tmp_path / "schema.d.ts"
    subprocess.run([str(WEB / "node_modules" / ".bin" / "openapi-typescript"), str(document),
                    "-o", str(out)], check=True, capture_output=True, timeout=120)
    committed = (WEB / "src" / "api" / "schema.d.ts").read_text()
    assert out.read_text() == committed, (
        "web/src/api/schema.d.ts is stale: run `make web-types` and commit the result")
