"""Alembic revisions (a package so installs carry them; Alembic skips this file)."""
