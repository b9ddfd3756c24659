"""Applies the Alembic migrations in ``gateway/migrations`` at start-up (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from ytempire.core.vault import Vault

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str = "") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(engine: Engine, vault: Vault | None = None) -> None:
    """Bring the schema to head; a no-op when it is already there. ``vault`` seals the signing
    secrets of rows stored in clear before 0014 (default: ``Vault.for_signing_secrets`` of the
    settings)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        cfg.attributes["vault"] = vault
        command.upgrade(cfg, "head")
