"""The API against a hostile tenant: no secret in a response, a log or the database in clear;
one signed inbound delivery makes one video however its header is spelled; caps hold at
submission; strangers are limited per address; /docs can be switched off."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from structlog.testing import capture_logs

from gateway import idempotency
from gateway.app import create_app
from gateway.caps import TierCap
from gateway.config import GatewaySettings
from gateway.identity import create_user
from gateway.models import IdempotencyRecord, InboundSource, Video
from gateway.signing import HEADER, sign
from tests.gateway.conftest import CHANNEL, Caller, stored_text
from ytempire.core.settings import Settings


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: nothing here depends on the backend (the channel race runs on both)."""
    return f"sqlite:///{tmp_path / 'gateway.db'}"


@pytest.fixture
def client(gateway_settings: Settings) -> Iterator[TestClient]:
    """No broker answers (port 9): accepted videos wait in the outbox."""
    dead = gateway_settings.model_copy(update={"kafka_bootstrap": "127.0.0.1:9"})
    with TestClient(create_app(dead, GatewaySettings(consume=False,
                                                     publish_timeout_s=0.2))) as test_client:
        yield test_client


def test_an_unreachable_clickhouse_answers_503_without_its_dsn(
        tmp_path: Path, make_user: Callable[..., Caller]) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    dsn = f"http://reader:Sup3rS3cret@127.0.0.1:{port}/analytics"
    settings = Settings(data_dir=tmp_path, clickhouse_dsn=dsn,
                        database_url=f"sqlite:///{tmp_path / 'g.db'}")
    with TestClient(create_app(settings, GatewaySettings(consume=False))) as other:
        with other.app.state.sessions() as db:  # type: ignore[attr-defined]
            user, issued = create_user(db, "eve")
        caller = Caller(user.id, issued.secret)
        with capture_logs() as logs:
            answers = [other.get(path, headers=caller.headers) for path in ("/v1/costs",
                                                                            "/v1/kpis")]
    for answer in answers:
        assert answer.status_code == 503
        assert "Sup3rS3cret" not in answer.text and str(port) not in answer.text
    logged = json.dumps(logs, default=str)
    assert "Sup3rS3cret" not in logged and str(port) in logged  # the operator's detail


def test_issued_api_keys_are_not_kept_anywhere_and_a_replay_does_not_return_them(
        client: TestClient, alice: Caller) -> None:
    headers = {**alice.headers, "Idempotency-Key": "issue-1"}
    first = client.post("/v1/keys", json={"name": "ci"}, headers=headers)
    key = first.json()["key"]
    assert first.status_code == 201 and key.startswith("yte_")
    assert key not in stored_text(client)
    client.delete(f"/v1/keys/{first.json()['id']}", headers=alice.headers)
    again = client.post("/v1/keys", json={"name": "ci"}, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["key"] == idempotency.REDACTED
    assert again.json()["id"] == first.json()["id"]


def test_signing_secrets_are_stored_sealed_and_opened_only_to_verify(
        client: TestClient, alice: Caller) -> None:
    source = client.post("/v1/inbound-sources", json={"name": "cal"},
                         headers={**alice.headers, "Idempotency-Key": "src-1"}).json()
    assert source["secret"].startswith("whsec_") and source["secret"] not in stored_text(client)
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        sealed = db.get(InboundSource, source["id"]).secret_sealed
    assert client.app.state.vault.open(sealed) == source["secret"]  # type: ignore[attr-defined]
    body = json.dumps(REQUEST).encode()
    received = client.post(f"/v1/inbound/{source['id']}", content=body,
                           headers={HEADER: sign(source["secret"], body)})
    assert received.status_code != 401, received.text  # verified with the secret shown once


def test_idempotency_records_expire(client: TestClient, alice: Caller) -> None:
    headers = {**alice.headers, "Idempotency-Key": "chan-1"}
    first = client.post("/v1/channels", json=CHANNEL, headers=headers)
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        db.execute(update(IdempotencyRecord).values(
            created_at=datetime.now(UTC) - idempotency.TTL - timedelta(seconds=1)))
        db.commit()
    second = client.post("/v1/channels", json=CHANNEL, headers=headers)
    assert second.status_code == 201 and second.json()["id"] != first.json()["id"]
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        db.execute(update(IdempotencyRecord).values(
            created_at=datetime.now(UTC) - idempotency.TTL - timedelta(seconds=1)))
        db.commit()
        assert idempotency.expire(db) == 1


REQUEST = {"type": "video.requested", "data": {"topic": "Why owls turn their heads"}}


def test_variants_of_one_signed_inbound_header_make_one_video(
        client: TestClient, alice: Caller, channel: dict) -> None:
    source = client.post("/v1/inbound-sources", headers=alice.headers,
                         json={"name": "cal", "channel_id": channel["id"]}).json()
    body = json.dumps(REQUEST).encode()  # no event id: deduplicated on what was signed
    ts = int(time.time())
    header = sign(source["secret"], body, ts)
    mac = header.split("v1=")[1]
    variants = [header, f"v1={mac},t={ts}", f"t={ts},v1={mac},v1={mac}",
                f"t={ts},v1={mac},v0=abc", f"t={ts}, v1={mac}", f"t=+{ts},v1={mac}",
                f"t=0{ts},v1={mac}", f"t={ts},v1={mac.upper()}", f"t={ts}.0,v1={mac}",
                f" t={ts},v1={mac}", f"t={ts},t={ts},v1={mac}", f"t={ts},v1={mac},",
                f"t={ts},v1={mac}\u00e9"]
    codes = [client.post(source["receive_url"], content=body,
                         headers={HEADER: v.encode("utf-8")}).status_code for v in variants]
    assert codes == [202, 202, 202] + [401] * 10
    assert len(client.get("/v1/videos", headers=alice.headers).json()["items"]) == 1


def test_a_batch_passing_the_tiers_cap_is_refused_whole_and_says_which(
        gateway_settings: Settings, make_user: Callable[..., Caller]) -> None:
    caps = {"free": TierCap(videos_per_day=3, max_target_duration_s=300)}
    dead = gateway_settings.model_copy(update={"kafka_bootstrap": "127.0.0.1:9"})
    with TestClient(create_app(dead, GatewaySettings(consume=False, publish_timeout_s=0.2,
                                                     tier_caps=caps))) as client:
        caller = make_user("frugal")
        channel = client.post("/v1/channels", json=CHANNEL, headers=caller.headers).json()
        item = {"channel_id": channel["id"], "topic": "Tides"}
        long = client.post("/v1/videos", headers=caller.headers,
                           json={**item, "target_duration_s": 1200})
        four = client.post("/v1/videos/batch", headers=caller.headers,
                           json={"videos": [item] * 4})
        three = client.post("/v1/videos/batch", headers=caller.headers,
                            json={"videos": [item] * 3})
        fourth = client.post("/v1/videos", headers=caller.headers, json=item)
        listed = client.get("/v1/videos", headers=caller.headers).json()["items"]
    assert long.status_code == 409 and "up to 300 s" in long.json()["detail"]
    assert four.status_code == 409 and "3 videos in 24 hours" in four.json()["detail"]
    assert three.status_code in (202, 503) and len(listed) == 3
    assert fourth.status_code == 409


def test_the_owners_monthly_budget_stops_submissions(client: TestClient, alice: Caller,
                                                     channel: dict) -> None:
    item = {"channel_id": channel["id"], "topic": "Tides"}
    client.post("/v1/videos", headers=alice.headers, json=item)  # stored, then 503 (no broker)
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        db.execute(update(Video).values(cost_usd=Decimal("2.00")))
        db.commit()
    assert client.patch("/v1/me", json={"monthly_budget_usd": "1.00"},
                        headers=alice.headers).status_code == 200
    over = client.post("/v1/videos", headers=alice.headers, json=item)
    assert over.status_code == 409 and "monthly budget $1.00" in over.json()["detail"]


def test_failed_authentication_is_limited_per_address(gateway_settings: Settings,
                                                      alice: Caller) -> None:
    config = GatewaySettings(consume=False, anonymous_limit=5, rate_limit_window_s=60)
    with TestClient(create_app(gateway_settings, config)) as client:
        codes = [client.get("/v1/me", headers={"Authorization": f"Bearer wrong{i}"}).status_code
                 for i in range(7)]
        after = client.get("/v1/me", headers=alice.headers)
    assert codes == [401] * 5 + [429] * 2
    assert after.status_code == 429 and "Retry-After" in after.headers  # the address is out


def test_docs_can_be_switched_off(gateway_settings: Settings) -> None:
    with TestClient(create_app(gateway_settings, GatewaySettings(consume=False,
                                                                 docs=False))) as client:
        for path in ("/openapi.json", "/docs", "/redoc"):
            answer = client.get(path)
            assert answer.status_code != 200 and "swagger" not in answer.text.lower()
            assert '"paths"' not in answer.text
        assert client.get("/health").status_code == 200
