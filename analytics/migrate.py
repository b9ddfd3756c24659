"""Numbered SQL migrations (``analytics/migrations/NNNN_name.sql``), applied once each, in order.

Applied versions are recorded in ``schema_migrations`` (created by migration 0001) with the
file's checksum, so running again is a no-op and an edited, already-applied file is refused
rather than silently diverging. Statements in a file are separated by a ``;`` at the end of a
line; every statement is written to be safe to re-run (``IF NOT EXISTS``), because ClickHouse
has no transactional DDL and a crash can stop a file half-way.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from clickhouse_connect.driver.client import Client

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")


class MigrationError(RuntimeError):
    """The migrations directory or the recorded history is inconsistent; says how to fix it."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def statements(self) -> list[str]:
        parts = (part.strip() for part in STATEMENT_END.split(self.sql))
        return [part for part in parts if _has_code(part)]


def _has_code(part: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in part.splitlines())


def load(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every migration in ``directory``, by version; gaps and duplicates are errors."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path}: migration files are named NNNN_lower_snake.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text()))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"{directory}: expected migration {expected:04d}, found "
                f"{migration.version:04d}_{migration.name}; versions run 1, 2, 3...")
    return found


def applied(client: Client) -> dict[int, str]:
    """Version -> checksum of what has run; empty on a fresh database."""
    exists = client.command("EXISTS TABLE schema_migrations")
    if not int(exists):
        return {}
    rows = client.query("SELECT version, argMax(checksum, applied_at) FROM schema_migrations "
                        "GROUP BY version").result_rows
    return {int(version): str(checksum) for version, checksum in rows}


def migrate(client: Client, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply every pending migration in order; returns those applied (empty when up to date)."""
    migrations = load(directory)
    done = applied(client)
    for migration in migrations:
        recorded = done.get(migration.version)
        if recorded is not None and recorded != migration.checksum:
            raise MigrationError(
                f"migration {migration.version:04d}_{migration.name} changed after it was applied; "
                "restore it and add a new numbered migration for the change")
    if unknown := sorted(set(done) - {m.version for m in migrations}):
        raise MigrationError(f"the database has migrations {unknown} that {directory} lacks; "
                             "this code is older than the database")
    pending = [m for m in migrations if m.version not in done]
    for migration in pending:
        for statement in migration.statements:
            client.command(statement)
        client.insert("schema_migrations",
                      [[migration.version, migration.name, migration.checksum]],
                      column_names=["version", "name", "checksum"])
    return pending
