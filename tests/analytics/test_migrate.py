"""Numbered migrations run once each, in order, and refuse a history that no longer matches."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client

from analytics.migrate import MIGRATIONS_DIR, MigrationError, load, migrate
from analytics.performance_rollup import refresh
from analytics.store import connect


def test_migrating_twice_applies_every_file_once(chdb_client: Client) -> None:
    # chdb_client is already migrated by the fixture: a second run finds nothing to do
    assert migrate(chdb_client) == []
    recorded = chdb_client.query(
        "SELECT version, name FROM schema_migrations FINAL ORDER BY version").result_rows
    assert recorded == [(m.version, m.name) for m in load()]
    tables = {r[0] for r in chdb_client.query("SHOW TABLES").result_rows}
    assert {"events", "cost_incurred", "stage_runs", "video_status", "video_summary",
            "cost_daily", "consumer_lag"} <= tables


def test_every_deduplicated_table_keeps_a_dedup_window(chdb_client: Client) -> None:
    engines = chdb_client.query(
        "SELECT name, engine, create_table_query FROM system.tables "
        "WHERE database = currentDatabase() AND engine LIKE '%MergeTree'").result_rows
    for name, engine, ddl in engines:
        if name in ("consumer_lag", "schema_migrations"):
            continue
        assert "non_replicated_deduplication_window" in ddl, f"{name} ({engine})"


def test_an_applied_migration_that_changed_is_refused(chdb_client: Client,
                                                      tmp_path: Path) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy)
    edited = sorted(copy.glob("0003_*.sql"))[0]
    edited.write_text(edited.read_text() + "\n-- a harmless-looking edit\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(chdb_client, copy)


def test_a_new_migration_is_applied_on_top(chdb_client: Client, tmp_path: Path) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy)
    version = len(load()) + 1
    (copy / f"{version:04d}_extra.sql").write_text(
        "-- an extra table; two statements\n"
        "CREATE TABLE IF NOT EXISTS extra (x UInt8) ENGINE = MergeTree ORDER BY x;\n"
        "INSERT INTO extra VALUES (1);\n")
    assert [m.version for m in migrate(chdb_client, copy)] == [version]
    assert chdb_client.query("SELECT sum(x) FROM extra").result_rows == [(1,)]
    assert migrate(chdb_client, copy) == []


def test_a_gap_in_the_numbering_is_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("SELECT 1;\n")
    (tmp_path / "0003_third.sql").write_text("SELECT 1;\n")
    with pytest.raises(MigrationError, match="expected migration 0002"):
        load(tmp_path)


def test_a_channel_marked_before_the_incremental_rollups_is_still_rolled_up(
        tmp_path: Path) -> None:
    """Migration 0016: a channel a crash left marked whole (0014's marks) becomes marks of
    every one of its days, which the next refresh takes."""
    before = tmp_path / "before"
    before.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) < 16:
            shutil.copy(path, before)
    client = connect(f"chdb://{tmp_path / 'clickhouse'}")
    try:
        migrate(client, before)
        client.command(
            "INSERT INTO video_metrics (event_id, video_id, channel_id, owner_id, source, day, "
            "observed_at, simulated, views) VALUES ('e1', 'v1', 'c1', 'o1', 'ANALYTICS', "
            "'2026-11-01', now64(3), 0, 7), ('e2', 'v1', 'c1', 'o1', 'ANALYTICS', '2026-11-02', "
            "now64(3), 0, 5)")  # the refresh that would follow never ran
        assert 16 in [m.version for m in migrate(client)]
        assert refresh(client) == 1
        assert client.query("SELECT video_id, views FROM performance_video FINAL").result_rows \
            == [("v1", [7, 5])]
        assert client.query("SELECT count() FROM performance_dirty").result_rows == [(0,)]
        assert refresh(client) == 0
    finally:
        client.close()
