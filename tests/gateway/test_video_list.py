"""The video list at volume: every sort order pages through all rows exactly once by cursor,
on SQLite and PostgreSQL, and on SQLite each is one index range scan (no sort, no full scan)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, text

from gateway import video_list
from gateway.identity import Principal
from gateway.models import Video
from tests.gateway.conftest import Caller

ROWS = 2_000
SORTS = ["-created_at", "created_at", "-cost", "cost", "-updated_at", "updated_at"]


def seed_videos(client: TestClient, owner_id: str, channel_id: str, rows: int,
                start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
    """``rows`` videos with repeating times and costs (ties must not lose or repeat rows);
    statuses cycle published, failed, processing, awaiting_publish."""
    statuses = ["published", "failed", "processing", "awaiting_publish"]
    values = [{
        "id": str(uuid.UUID(int=n + 1)), "owner_id": owner_id, "channel_id": channel_id,
        "idempotency_key": f"seed-{n}", "topic": f"Fact {n}", "spec": {},
        "status": statuses[n % 4], "current_stage": None, "stages_done": 5, "attempt": 1,
        "estimate_usd": Decimal("0.50"), "cost_usd": Decimal(n % 97) / 100,
        "artifacts": {}, "created_at": start + timedelta(seconds=n // 3),
        "request_sent_at": start,  # as if sent: the outbox leaves them alone
        "updated_at": start + timedelta(seconds=(n * 7) % 1000)} for n in range(rows)]
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        db.execute(insert(Video), values)
        db.commit()


@pytest.fixture
def seeded(client: TestClient, alice: Caller, channel: dict) -> dict:
    seed_videos(client, alice.user_id, channel["id"], ROWS)
    return channel


def test_every_sort_pages_through_each_video_once(client: TestClient, alice: Caller,
                                                  seeded: dict) -> None:
    for sort in SORTS:
        seen, cursor, pages = [], None, 0
        while True:
            page = client.get("/v1/videos", headers=alice.headers, params={
                "sort": sort, "limit": 200, **({"cursor": cursor} if cursor else {})}).json()
            seen += page["items"]
            pages += 1
            if (cursor := page["next_cursor"]) is None:
                break
        assert len({v["id"] for v in seen}) == len(seen) == ROWS and pages == ROWS // 200, sort
        key = {"created_at": "created_at", "cost": "cost_usd", "updated_at": "updated_at"}[
            sort.lstrip("-")]
        values = [(Decimal(v[key]) if key == "cost_usd" else v[key], v["id"]) for v in seen]
        assert values == sorted(values, reverse=sort.startswith("-")), sort


def test_filters_combine_and_total_counts_the_matches(client: TestClient, alice: Caller,
                                                      seeded: dict) -> None:
    page = client.get("/v1/videos", headers=alice.headers, params={
        "status": "failed", "channel_id": seeded["id"], "since": "2026-01-01T00:05:00Z",
        "until": "2026-01-01T00:10:00Z", "total": "true", "limit": 5}).json()
    # seconds 300..599 hold rows 900..1799; every 4th from 901 is failed
    assert page["total"] == 225 and len(page["items"]) == 5
    assert {v["status"] for v in page["items"]} == {"failed"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("params", [
    {"sort": "title"}, {"cursor": "garbage"}, {"since": "yesterday"},
    {"since": "2026-01-01T00:00:00"},  # no time zone: ambiguous
    {"limit": 0}, {"limit": 201}, {"cursor": "x" * 501},
])
def test_hostile_list_parameters_get_a_422(client: TestClient, alice: Caller,
                                           params: dict) -> None:
    assert client.get("/v1/videos", headers=alice.headers, params=params).status_code == 422


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_cursor_from_another_sort_is_refused(client: TestClient, alice: Caller,
                                               seeded: dict) -> None:
    cursor = client.get("/v1/videos", headers=alice.headers,
                        params={"sort": "cost", "limit": 2}).json()["next_cursor"]
    response = client.get("/v1/videos", headers=alice.headers,
                          params={"sort": "-created_at", "cursor": cursor})
    assert response.status_code == 422 and "sort=cost" in response.json()["detail"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_sort_reads_one_index_range_without_sorting(client: TestClient, alice: Caller,
                                                         seeded: dict) -> None:
    """Checked on SQLite; PostgreSQL's plans depend on its statistics (the benchmark times it)."""
    principal = Principal(alice.user_id, "", "free")
    with client.app.state.sessions() as db:  # type: ignore[attr-defined]
        for sort in SORTS:
            for filters in (video_list.Filters(),
                            video_list.Filters(channel_id=seeded["id"], status="failed")):
                _, cursor = video_list.page(db, principal, filters, sort=sort, limit=10)
                statement = video_list.query(principal, filters, sort, cursor)
                compiled = statement.compile(db.get_bind(),
                                             compile_kwargs={"literal_binds": True})
                plan = " | ".join(row[-1] for row in db.execute(
                    text(f"EXPLAIN QUERY PLAN {compiled}")))
                assert "USING INDEX ix_videos_owner" in plan, (sort, plan)
                if filters.status is None:
                    assert "TEMP B-TREE" not in plan, (sort, plan)
