"""schemathesis against the OpenAPI document: no generated request gets a 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from ytempire.core.settings import Settings

_dir = Path(tempfile.mkdtemp(prefix="ytempire-fuzz-"))
# Port 9 answers nothing, so video POSTs take the 503 path quickly instead of publishing.
_app = create_app(Settings(data_dir=_dir, kafka_bootstrap="127.0.0.1:9"),
                  GatewaySettings(consume=False, publish_timeout_s=0.2,
                                  rate_limits={"free": 1_000_000}))
_client = TestClient(_app).__enter__()
with _app.state.sessions() as _db:
    _KEY = create_user(_db, "fuzz")[1].secret

schema = schemathesis.openapi.from_asgi("/openapi.json", _app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {_KEY}"}
    if case.path.endswith("/events"):
        case.query = {**(case.query or {}), "follow": "false"}
    response = case.call()
    assert response.status_code < 500 or response.status_code == 503, (
        case.method, case.path, response.status_code, response.text[:500])
