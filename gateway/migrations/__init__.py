"""Alembic migrations of the gateway database (a package so installs carry them)."""
