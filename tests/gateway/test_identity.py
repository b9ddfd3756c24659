"""API keys: shown once, stored hashed, revocable, last-used; the audit log is append-only."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from gateway.models import ApiKey, AuditEntry
from tests.gateway.conftest import Caller


def test_health_needs_no_key(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "projection": "disabled"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"},
                                     {"Authorization": "Basic dXNlcjpwYXNz"}])
def test_v1_refuses_missing_or_unknown_keys(client: TestClient, headers: dict) -> None:
    response = client.get("/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_key_is_stored_as_its_hash_with_a_visible_prefix(client: TestClient,
                                                         alice: Caller) -> None:
    with client.app.state.sessions() as db:
        key = db.scalar(select(ApiKey).where(ApiKey.user_id == alice.user_id))
    assert key.key_hash == hashlib.sha256(alice.key.encode()).hexdigest()
    assert alice.key.startswith(key.prefix + "_")
    listed = client.get("/v1/keys", headers=alice.headers).json()
    assert [k["prefix"] for k in listed] == [key.prefix]
    assert "key" not in listed[0] and alice.key not in str(listed)


def test_new_key_is_shown_once_and_works_until_revoked(client: TestClient, alice: Caller) -> None:
    issued = client.post("/v1/keys", json={"name": "ci"}, headers=alice.headers)
    assert issued.status_code == 201
    secret = issued.json()["key"]
    second = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1/me", headers=second).json()["name"] == "alice"
    assert client.get("/v1/keys", headers=alice.headers).json()[1]["last_used_at"] is not None
    revoked = client.delete(f"/v1/keys/{issued.json()['id']}", headers=alice.headers)
    assert revoked.status_code == 204
    assert client.get("/v1/me", headers=second).status_code == 401
    assert client.get("/v1/me", headers=alice.headers).status_code == 200


def test_another_users_key_cannot_be_revoked(client: TestClient, alice: Caller,
                                             bob: Caller) -> None:
    bob_key = client.get("/v1/keys", headers=bob.headers).json()[0]
    assert client.delete(f"/v1/keys/{bob_key['id']}", headers=alice.headers).status_code == 404
    assert client.get("/v1/me", headers=bob.headers).status_code == 200


def test_every_api_call_is_audited_and_the_log_refuses_changes(client: TestClient,
                                                               alice: Caller) -> None:
    client.get("/v1/me", headers=alice.headers)
    client.get("/v1/channels", headers={"Authorization": "Bearer wrong"})
    client.get("/health")
    client.app.state.audit.flush()
    with client.app.state.sessions() as db:
        rows = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(r.method, r.path, r.status, r.user_id) for r in rows] == [
            ("GET", "/v1/me", 200, alice.user_id), ("GET", "/v1/channels", 401, None)]
        for statement in ("UPDATE audit_log SET status = 200", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.execute(text(statement))
            db.rollback()


def test_monthly_budget_is_set_cleared_and_validated_on_me(client: TestClient, alice: Caller,
                                                           bob: Caller) -> None:
    assert client.get("/v1/me", headers=alice.headers).json()["monthly_budget_usd"] is None
    changed = client.patch("/v1/me", json={"monthly_budget_usd": "250.5"}, headers=alice.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["monthly_budget_usd"] == "250.50"
    assert client.get("/v1/me", headers=alice.headers).json()["monthly_budget_usd"] == "250.50"
    assert client.get("/v1/me", headers=bob.headers).json()["monthly_budget_usd"] is None
    assert client.patch("/v1/me", json={}, headers=alice.headers).json()[
        "monthly_budget_usd"] == "250.50"  # left out: kept
    for bad in ("-5", "0", "100000.01", "1e9", "12.0000001", "lots"):
        refused = client.patch("/v1/me", json={"monthly_budget_usd": bad}, headers=alice.headers)
        assert refused.status_code == 422, (bad, refused.text)
        assert "monthly_budget_usd" in refused.text
    assert client.patch("/v1/me", json={"name": "mallory"},
                        headers=alice.headers).status_code == 422  # not a setting
    cleared = client.patch("/v1/me", json={"monthly_budget_usd": None}, headers=alice.headers)
    assert cleared.status_code == 200 and cleared.json()["monthly_budget_usd"] is None
    assert client.get("/v1/me", headers=alice.headers).json()["name"] == "alice"
