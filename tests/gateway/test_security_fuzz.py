"""Hostile values where the gateway parses numbers, dates, cursors and headers: every answer is
a 4xx (or a success), never a 500. Hypothesis generates them; one app serves every example."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import create_user
from gateway.signing import HEADER
from tests.gateway.conftest import CHANNEL
from ytempire.core.settings import Settings


@dataclass(frozen=True)
class Hostile:
    """The app every example is sent to, a user's auth header, a channel and an inbound source."""

    client: TestClient
    auth: dict[str, str]
    channel: str
    source: dict[str, Any]


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    """One app for the module, started here and stopped with it (its producer too)."""
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("hostile"),
                              kafka_bootstrap="127.0.0.1:9"),
                     GatewaySettings(consume=False, publish_timeout_s=0.2,
                                     rate_limits={"free": 1_000_000},
                                     anonymous_limit=1_000_000))
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.sessions() as db:
            auth = {"Authorization": f"Bearer {create_user(db, 'hostile')[1].secret}"}
        channel = client.post("/v1/channels", json=CHANNEL, headers=auth).json()["id"]
        source = client.post("/v1/inbound-sources", json={"name": "s"}, headers=auth).json()
        yield Hostile(client, auth, channel, source)


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
def test_hostile_numbers_in_a_channel_are_4xx(gw: Hostile, field: str, number: str) -> None:
    body = json.dumps({**CHANNEL, field: 0})
    body = body.replace(f'"{field}": 0', f'"{field}": {number}')
    _ok(gw.client.patch(f"/v1/channels/{gw.channel}", content=body,
                        headers={**gw.auth, "Content-Type": "application/json"}))


@FUZZ
@given(number=NUMBERS)
def test_hostile_numbers_in_budgets_and_videos_are_4xx(gw: Hostile, number: str) -> None:
    headers = {**gw.auth, "Content-Type": "application/json"}
    _ok(gw.client.patch("/v1/me", content=f'{{"monthly_budget_usd": {number}}}', headers=headers))
    _ok(gw.client.post("/v1/videos", headers=headers, content=(
        f'{{"channel_id": "{gw.channel}", "topic": "x", "budget_usd": {number}, '
        f'"target_duration_s": {number}}}')))
    _ok(gw.client.get(f"/v1/videos?limit={number}", headers=gw.auth))


@FUZZ
@given(date=DATES, where=st.sampled_from(["created_after", "created_before"]))
def test_hostile_dates_are_4xx(gw: Hostile, date: str, where: str) -> None:
    _ok(gw.client.get("/v1/videos", params={where: date}, headers=gw.auth))
    _ok(gw.client.get("/v1/costs", params={"start": date, "end": date}, headers=gw.auth))
    _ok(gw.client.post("/v1/videos", headers=gw.auth,
                       json={"channel_id": gw.channel, "topic": "x", "publish_at": date}))


@FUZZ
@given(cursor=st.one_of(
    st.text(max_size=60),
    st.binary(max_size=60).map(lambda b: base64.urlsafe_b64encode(b).decode()),
    st.tuples(st.one_of(st.text(max_size=30), DATES, st.integers(), st.none()),
              st.one_of(st.text(max_size=10), st.integers(), st.none())).map(
        lambda t: base64.urlsafe_b64encode(json.dumps(list(t)).encode()).decode())))
def test_hostile_cursors_are_4xx(gw: Hostile, cursor: str) -> None:
    _ok(gw.client.get("/v1/videos", params={"cursor": cursor}, headers=gw.auth))


HEADER_VALUES = st.binary(max_size=120).filter(lambda b: b"\r" not in b and b"\n" not in b)


@FUZZ
@given(value=HEADER_VALUES, prefix=st.sampled_from([b"", b"t=1700000000,v1=", b"Bearer "]))
def test_hostile_headers_are_4xx(gw: Hostile, value: bytes, prefix: bytes) -> None:
    body = b'{"type": "video.requested", "data": {"topic": "x"}}'
    _ok(gw.client.post(gw.source["receive_url"], content=body, headers={HEADER: prefix + value}))
    _ok(gw.client.get("/v1/me", headers={"Authorization": prefix + value}))
    _ok(gw.client.post("/v1/channels", json=CHANNEL,
                       headers={**gw.auth, "Idempotency-Key": prefix + value}))
