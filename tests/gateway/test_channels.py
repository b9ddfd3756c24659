"""Channels: CRUD, five active at most, soft delete and restore, settings validated with 422s."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.gateway.conftest import CHANNEL, Caller


def test_channel_round_trips_every_setting(client: TestClient, alice: Caller,
                                           channel: dict) -> None:
    fetched = client.get(f"/v1/channels/{channel['id']}", headers=alice.headers).json()
    assert fetched == channel
    assert {k: fetched[k] for k in CHANNEL} == CHANNEL


def test_patch_changes_only_the_given_fields(client: TestClient, alice: Caller,
                                             channel: dict) -> None:
    response = client.patch(f"/v1/channels/{channel['id']}", headers=alice.headers,
                            json={"format": "9:16", "daily_budget_usd": "12.5"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["format"], body["daily_budget_usd"], body["niche"]) == ("9:16", "12.50",
                                                                         "space history")


def test_patch_is_validated_against_the_merged_settings(client: TestClient, alice: Caller,
                                                        channel: dict) -> None:
    response = client.patch(f"/v1/channels/{channel['id']}", headers=alice.headers,
                            json={"daily_budget_usd": "1.00"})
    assert response.status_code == 422
    assert "daily_budget_usd must be at least per_video_budget_usd" in response.text
    assert client.get(f"/v1/channels/{channel['id']}",
                      headers=alice.headers).json()["daily_budget_usd"] == "30.00"


@pytest.mark.parametrize(("field", "value", "says"), [
    ("format", "4:3", "'16:9' or '9:16'"),
    ("language", "English", "should match pattern"),
    ("target_duration_s", 5, "greater than or equal to 15"),
    ("quality_threshold", 101, "less than or equal to 100"),
    ("per_video_budget_usd", "-1", "greater than 0"),
    ("publish_schedule", "every monday", "5-field cron expression"),
    ("publish_schedule", "61 9 * * *", "5-field cron expression"),
    ("privacy", "secret", "'private', 'unlisted' or 'public'"),
    ("auto_publish", "maybe", "valid boolean"),
    ("niche", "   ", "other than whitespace"),
    ("colour", "red", "Extra inputs are not permitted"),
])
def test_invalid_settings_get_a_422_naming_the_field(client: TestClient, alice: Caller,
                                                     field: str, value: object,
                                                     says: str) -> None:
    response = client.post("/v1/channels", json={**CHANNEL, field: value}, headers=alice.headers)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert any(e["loc"][-1] == field and says in e["msg"] for e in errors), errors


def test_a_sixth_active_channel_is_refused_until_one_is_deleted(client: TestClient,
                                                                alice: Caller) -> None:
    ids = [client.post("/v1/channels", json={**CHANNEL, "name": f"c{i}"},
                       headers=alice.headers).json()["id"] for i in range(5)]
    sixth = client.post("/v1/channels", json=CHANNEL, headers=alice.headers)
    assert sixth.status_code == 409
    assert "at most 5 active channels" in sixth.json()["detail"]
    assert client.delete(f"/v1/channels/{ids[0]}", headers=alice.headers).status_code == 204
    assert client.post("/v1/channels", json=CHANNEL, headers=alice.headers).status_code == 201
    restore = client.post(f"/v1/channels/{ids[0]}/restore", headers=alice.headers)
    assert restore.status_code == 409


def test_soft_deleted_channel_is_hidden_kept_and_restorable(client: TestClient, alice: Caller,
                                                            channel: dict) -> None:
    url = f"/v1/channels/{channel['id']}"
    assert client.delete(url, headers=alice.headers).status_code == 204
    assert client.get("/v1/channels", headers=alice.headers).json() == []
    listed = client.get("/v1/channels?include_deleted=true", headers=alice.headers).json()
    assert [c["id"] for c in listed] == [channel["id"]] and listed[0]["deleted_at"]
    assert client.patch(url, json={"name": "x"}, headers=alice.headers).status_code == 409
    restored = client.post(f"{url}/restore", headers=alice.headers)
    assert restored.status_code == 200 and restored.json()["deleted_at"] is None
    assert [c["id"] for c in client.get("/v1/channels", headers=alice.headers).json()] == [
        channel["id"]]


def test_same_idempotency_key_creates_one_channel(client: TestClient, alice: Caller) -> None:
    headers = {**alice.headers, "Idempotency-Key": "create-deep-space"}
    first = client.post("/v1/channels", json=CHANNEL, headers=headers)
    again = client.post("/v1/channels", json=CHANNEL, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(client.get("/v1/channels", headers=alice.headers).json()) == 1


def test_idempotency_key_reused_for_another_request_is_a_422(client: TestClient,
                                                             alice: Caller) -> None:
    headers = {**alice.headers, "Idempotency-Key": "k1"}
    assert client.post("/v1/channels", json=CHANNEL, headers=headers).status_code == 201
    other = client.post("/v1/channels", json={**CHANNEL, "name": "Other"}, headers=headers)
    assert other.status_code == 422
    assert "already used for a different request" in other.json()["detail"]


def test_idempotency_keys_are_per_user(client: TestClient, alice: Caller, bob: Caller) -> None:
    for caller in (alice, bob):
        response = client.post("/v1/channels", json=CHANNEL,
                               headers={**caller.headers, "Idempotency-Key": "same"})
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
