"""``ytempire users create``: how an operator bootstraps access, admins included."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.config import GatewaySettings
from ytempire.app.cli import app
from ytempire.core.settings import Settings, get_settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("YTEMPIRE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_the_printed_keys_work_and_only_the_admin_may_operate(data_dir: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(app, ["users", "create", "ops", "--admin"])
    assert created.exit_code == 0, created.output
    admin_key = created.stdout.strip().splitlines()[-1]
    plain = runner.invoke(app, ["users", "create", "creator"])
    creator_key = plain.stdout.strip().splitlines()[-1]
    again = runner.invoke(app, ["users", "create", "creator"])
    assert again.exit_code == 1

    settings = Settings(data_dir=data_dir, kafka_bootstrap="127.0.0.1:1")
    with TestClient(create_app(settings, GatewaySettings(consume=False))) as client:
        def dlq(key: str) -> int:
            return client.get("/v1/admin/dlq", headers={"Authorization": f"Bearer {key}"},
                              params={"limit": 1}).status_code

        assert dlq(creator_key) == 403
        assert dlq(admin_key) == 503  # allowed through; the broker is unreachable here
        assert client.get("/v1/channels", headers={
            "Authorization": f"Bearer {creator_key}"}).status_code == 200
