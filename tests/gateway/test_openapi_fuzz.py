"""schemathesis against the OpenAPI document: no generated request gets a 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from ytempire.core.settings import Settings


def _gateway(data_dir: Path) -> FastAPI:
    # Port 9 answers nothing, so video POSTs take the 503 path quickly instead of publishing.
    return create_app(Settings(data_dir=data_dir, kafka_bootstrap="127.0.0.1:9"),
                      GatewaySettings(consume=False, publish_timeout_s=0.2,
                                      rate_limits={"free": 1_000_000}))


# The document of an app that is never started: collecting this module starts no producer.
schema = schemathesis.openapi.from_dict(_gateway(Path(tempfile.gettempdir())).openapi())


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> tuple[FastAPI, str]:
    """The app the cases call (schemathesis runs its lifespan around each test) and a key."""
    app = _gateway(tmp_path_factory.mktemp("fuzz"))
    with TestClient(app), app.state.sessions() as db:
        return app, create_user(db, "fuzz")[1].secret


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case, fuzzed: tuple[FastAPI, str]) -> None:
    app, key = fuzzed
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}"}
    if case.path.endswith("/events"):
        case.query = {**(case.query or {}), "follow": "false"}
    response = case.call(app=app)
    assert response.status_code < 500 or response.status_code == 503, (
        case.method, case.path, response.status_code, response.text[:500])
