"""The Alembic migrations build exactly the tables the models describe, on both backends, and
seal the signing secrets older versions kept in clear."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from gateway.db import make_engine
from gateway.migrate import alembic_config, upgrade
from gateway.models import Base
from ytempire.core.vault import Vault


def test_migrated_database_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # a second run is a no-op
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)
    engine.dispose()
    assert diff == []


def test_signing_secrets_stored_in_clear_are_sealed_by_the_migration(database_url: str) -> None:
    engine = make_engine(database_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0013")  # the last schema that kept signing secrets in clear
        conn.execute(text("INSERT INTO users (id, name, tier, is_admin, created_at) VALUES "
                          "('u1', 'old', 'free', false, CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO webhooks (id, owner_id, url, events, secret, previous_secret, "
            "created_at) VALUES ('w1', 'u1', 'https://example.com/h', '[\"*\"]', 'whsec_now', "
            "'whsec_before', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO inbound_sources (id, owner_id, name, secret, created_at) "
                          "VALUES ('s1', 'u1', 'cal', 'whsec_in', CURRENT_TIMESTAMP)"))
    vault = Vault([Vault.new_key()])
    upgrade(engine, vault)
    with engine.connect() as conn:
        hook = conn.execute(text("SELECT * FROM webhooks")).mappings().one()
        source = conn.execute(text("SELECT * FROM inbound_sources")).mappings().one()
    engine.dispose()
    assert "whsec_" not in str(dict(hook)) + str(dict(source))
    assert vault.open(hook["secret_sealed"]) == "whsec_now"
    assert vault.open(hook["previous_secret_sealed"]) == "whsec_before"
    assert vault.open(source["secret_sealed"]) == "whsec_in"
