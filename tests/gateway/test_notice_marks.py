"""The notification bell: an unread count, one notice or all marked read, owner-scoped."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from gateway import notices
from gateway.config import GatewaySettings
from tests.gateway.conftest import Caller


def give_notices(client: TestClient, owner: Caller, count: int) -> None:
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        for n in range(count):
            notices.notify(db, GatewaySettings(), owner.user_id, "stage.failing",
                           str(uuid.uuid4()), datetime.now(UTC), {"stage": "narrator", "n": n})
        db.commit()


def test_notices_are_counted_unread_until_marked(client: TestClient, alice: Caller,
                                                 bob: Caller) -> None:
    give_notices(client, alice, 3)
    give_notices(client, bob, 1)

    def unread(caller: Caller) -> int:
        return client.get("/v1/notifications/unread-count", headers=caller.headers).json()[
            "unread"]

    assert (unread(alice), unread(bob)) == (3, 1)
    newest = client.get("/v1/notifications", headers=alice.headers).json()[0]
    assert newest["read_at"] is None
    assert client.post(f"/v1/notifications/{newest['id']}/read",
                       headers=alice.headers).status_code == 204
    assert client.post(f"/v1/notifications/{newest['id']}/read",
                       headers=alice.headers).status_code == 204  # again: nothing changes
    assert unread(alice) == 2
    only_unread = client.get("/v1/notifications", params={"unread": "true"},
                             headers=alice.headers).json()
    assert newest["id"] not in {n["id"] for n in only_unread} and len(only_unread) == 2
    assert client.post(f"/v1/notifications/{newest['id']}/read",
                       headers=bob.headers).status_code == 404
    assert client.post("/v1/notifications/read-all", headers=alice.headers).json() == {
        "unread": 0}
    assert (unread(alice), unread(bob)) == (0, 1)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("notice_id", ["0", "-1", "abc", str(2**63), "1.5"])
def test_a_bad_notice_id_is_a_4xx(client: TestClient, alice: Caller, notice_id: str) -> None:
    response = client.post(f"/v1/notifications/{notice_id}/read", headers=alice.headers)
    assert response.status_code in (404, 422)
