"""Rate limits per user and tier, in-process and in a real Redis: the same tests on both."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import assume, given
from hypothesis import strategies as st

from gateway.app import create_app
from gateway.config import GatewaySettings
from gateway.identity import issue_key
from gateway.ratelimit import retry_in
from tests.gateway.conftest import Caller
from ytempire.core.settings import Settings

LIMITS = {"free": 5, "pro": 8}


@pytest.fixture
def gateway_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'gateway.db'}")


@pytest.fixture(params=["memory", "redis"])
def limits_config(request: pytest.FixtureRequest) -> GatewaySettings:
    redis_url = str(request.getfixturevalue("redis_server")) if request.param == "redis" else ""
    return GatewaySettings(consume=False, redis_url=redis_url, rate_limits=LIMITS,
                           rate_limit_window_s=2)


@pytest.fixture
def client(gateway_settings: Settings, limits_config: GatewaySettings) -> Iterator[TestClient]:
    with TestClient(create_app(gateway_settings, limits_config)) as test_client:
        yield test_client


def _spend(client: TestClient, caller: Caller, times: int) -> list:
    return [client.get("/v1/me", headers=caller.headers) for _ in range(times)]


def test_every_response_says_the_limit_and_what_is_left(client: TestClient,
                                                        alice: Caller) -> None:
    responses = _spend(client, alice, 5)
    assert [r.status_code for r in responses] == [200] * 5
    assert {r.headers["RateLimit-Limit"] for r in responses} == {"5"}
    assert [int(r.headers["RateLimit-Remaining"]) for r in responses] == [4, 3, 2, 1, 0]
    assert all(0 <= int(r.headers["RateLimit-Reset"]) <= 2 for r in responses)
    missing = client.get("/v1/videos/nope", headers=alice.headers)  # errors count and say so too
    assert missing.status_code == 429 and "Retry-After" in missing.headers


def test_over_the_limit_is_a_429_with_retry_after_then_allowed_again(client: TestClient,
                                                                     alice: Caller) -> None:
    _spend(client, alice, 5)
    refused = client.get("/v1/channels", headers=alice.headers)
    assert refused.status_code == 429
    assert "rate limit of 5 requests per 2s" in refused.json()["detail"]
    retry_after = int(refused.headers["Retry-After"])
    # sliding window: when all 5 fell in this window, room for one more comes 1/5 of a window
    # into the next one (the fading count must drop below 4): up to 2.4 s, rounded up
    assert 1 <= retry_after <= math.ceil(2 * (1 + 1 / 5))
    assert refused.headers["RateLimit-Remaining"] == "0"
    time.sleep(retry_after + 0.1)
    assert client.get("/v1/channels", headers=alice.headers).status_code == 200


def test_limits_follow_the_tier_and_all_keys_of_a_user_share_one(
        client: TestClient, make_user: Callable[..., Caller], alice: Caller) -> None:
    pro = make_user("carol", tier="pro")
    assert [r.status_code for r in _spend(client, pro, 9)] == [200] * 8 + [429]
    assert _spend(client, pro, 1)[0].headers["RateLimit-Limit"] == "8"
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        keys = [Caller(alice.user_id, issue_key(db, alice.user_id, f"k{i}").secret)
                for i in range(3)]
        db.commit()
    spread = [r.status_code for _ in range(2) for k in [alice, *keys] for r in _spend(client, k, 1)]
    assert spread == [200] * 5 + [429] * 3  # four keys, one quota of five
    assert _spend(client, make_user("dave"), 1)[0].status_code == 200  # other users unaffected


def test_a_batch_counts_one_request_per_video(client: TestClient, alice: Caller) -> None:
    batch = {"videos": [{"channel_id": "nope", "topic": f"t{i}"} for i in range(4)]}
    first = client.post("/v1/videos/batch", json=batch, headers=alice.headers)
    assert first.status_code == 404 and first.headers["RateLimit-Remaining"] == "1"
    refused = client.post("/v1/videos/batch", json=batch, headers=alice.headers)
    assert refused.status_code == 429


def test_unauthenticated_requests_carry_no_quota(client: TestClient) -> None:
    response = client.get("/v1/me")
    assert response.status_code == 401 and "RateLimit-Limit" not in response.headers
    assert "RateLimit-Limit" not in client.get("/health").headers


def test_a_redis_that_does_not_answer_falls_back_to_counting_in_the_process(
        gateway_settings: Settings, make_user: Callable[..., Caller], alice: Caller) -> None:
    down = GatewaySettings(consume=False, redis_url="redis://127.0.0.1:9/0", rate_limits=LIMITS)
    with TestClient(create_app(gateway_settings, down)) as other:
        responses = _spend(other, alice, 7)
    assert [r.status_code for r in responses] == [200] * 5 + [429] * 2
    assert responses[0].headers["RateLimit-Limit"] == "5"


@given(limit=st.integers(1, 50), into=st.floats(0, 59.99), previous=st.integers(0, 120),
       current=st.integers(0, 120))
def test_retry_after_is_when_the_sliding_window_admits_the_next_request(
        limit: int, into: float, previous: int, current: int) -> None:
    """The in-process window's Retry-After: waiting it is enough, and not much more than needed."""
    window = 60.0

    def admits(at: float) -> bool:  # ``at`` seconds after the start of the current window
        if at < window:
            weighted = previous * (window - at) / window + current
        else:
            weighted = current * (2 * window - at) / window if at < 2 * window else 0
        return weighted + 1 <= limit + 1e-9

    assume(not admits(into))
    wait = retry_in(limit, window, into, previous, current)
    assert admits(into + wait)
    assert wait < 0.05 or not admits(into + wait - 0.05)
