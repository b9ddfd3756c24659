"""Hostile values where the gateway parses numbers, dates, cursors and headers: every answer is
a 4xx (or a success), never a 500. Hypothesis generates them; one app serves every example."""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from gateway.signing import HEADER
from tests.gateway.conftest import CHANNEL
from ytempire.core.settings import Settings

_dir = Path(tempfile.mkdtemp(prefix="ytempire-hostile-"))
_app = create_app(Settings(data_dir=_dir, kafka_bootstrap="127.0.0.1:9"),
                  GatewaySettings(consume=False, publish_timeout_s=0.2,
                                  rate_limits={"free": 1_000_000}, anonymous_limit=1_000_000))
_client = TestClient(_app, raise_server_exceptions=False).__enter__()
with _app.state.sessions() as _db:
    _KEY = create_user(_db, "hostile")[1].secret
AUTH = {"Authorization": f"Bearer {_KEY}"}
_CHANNEL = _client.post("/v1/channels", json=CHANNEL, headers=AUTH).json()["id"]
_SOURCE = _client.post("/v1/inbound-sources", json={"name": "s"}, headers=AUTH).json()
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

NUMBERS = st.one_of(
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e-400", "-0", "0",
                     "9" * 400, "0." + "0" * 30 + "1", "1E+9999", "\"NaN\"", "\"1e400\"",
                     "\"Infinity\"", "\"-0\"", "\"\"", "null", "true", "[]", "{}"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**40), max_value=10**40).map(str))
DATES = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["2024-01-01", "99999-01-01T00:00:00Z", "0000-00-00", "2024-13-01T00:00Z",
                     "2024-01-01T00:00:00+25:00", "1e400", "now"]),
    st.text(max_size=40))


def _ok(response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500 or status == 503, (status, response.text[:300])  # type: ignore[attr-defined]


@FUZZ
@given(field=st.sampled_from(["per_video_budget_usd", "daily_budget_usd", "target_duration_s",
                              "quality_threshold"]), number=NUMBERS)
def test_hostile_numbers_in_a_channel_are_4xx(field: str, number: str) -> None:
    body = json.dumps({**CHANNEL, field: 0})
    body = body.replace(f'"{field}": 0', f'"{field}": {number}')
    _ok(_client.patch(f"/v1/channels/{_CHANNEL}", content=body,
                      headers={**AUTH, "Content-Type": "application/json"}))


@FUZZ
@given(number=NUMBERS)
def test_hostile_numbers_in_budgets_and_videos_are_4xx(number: str) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    _ok(_client.patch("/v1/me", content=f'{{"monthly_budget_usd": {number}}}', headers=headers))
    _ok(_client.post("/v1/videos", headers=headers, content=(
        f'{{"channel_id": "{_CHANNEL}", "topic": "x", "budget_usd": {number}, '
        f'"target_duration_s": {number}}}')))
    _ok(_client.get(f"/v1/videos?limit={number}", headers=AUTH))


@FUZZ
@given(date=DATES, where=st.sampled_from(["created_after", "created_before"]))
def test_hostile_dates_are_4xx(date: str, where: str) -> None:
    _ok(_client.get("/v1/videos", params={where: date}, headers=AUTH))
    _ok(_client.get("/v1/costs", params={"start": date, "end": date}, headers=AUTH))
    _ok(_client.post("/v1/videos", headers=AUTH,
                     json={"channel_id": _CHANNEL, "topic": "x", "publish_at": date}))


@FUZZ
@given(cursor=st.one_of(
    st.text(max_size=60),
    st.binary(max_size=60).map(lambda b: base64.urlsafe_b64encode(b).decode()),
    st.tuples(st.one_of(st.text(max_size=30), DATES, st.integers(), st.none()),
              st.one_of(st.text(max_size=10), st.integers(), st.none())).map(
        lambda t: base64.urlsafe_b64encode(json.dumps(list(t)).encode()).decode())))
def test_hostile_cursors_are_4xx(cursor: str) -> None:
    _ok(_client.get("/v1/videos", params={"cursor": cursor}, headers=AUTH))


HEADER_VALUES = st.binary(max_size=120).filter(lambda b: b"\r" not in b and b"\n" not in b)


@FUZZ
@given(value=HEADER_VALUES, prefix=st.sampled_from([b"", b"t=1700000000,v1=", b"Bearer "]))
def test_hostile_headers_are_4xx(value: bytes, prefix: bytes) -> None:
    body = b'{"type": "video.requested", "data": {"topic": "x"}}'
    _ok(_client.post(_SOURCE["receive_url"], content=body, headers={HEADER: prefix + value}))
    _ok(_client.get("/v1/me", headers={"Authorization": prefix + value}))
    _ok(_client.post("/v1/channels", json=CHANNEL,
                     headers={**AUTH, "Idempotency-Key": prefix + value}))
