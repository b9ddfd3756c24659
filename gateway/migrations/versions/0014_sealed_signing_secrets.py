"""Webhook and inbound signing secrets sealed at rest (issue #18): the clear ``secret`` columns
become ``secret_sealed`` (and the webhook's ``previous_secret_sealed``), each existing row sealed
with the vault the gateway hands over (``gateway.migrate.upgrade``).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

from ytempire.core.vault import Vault

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = {"webhooks": (("secret", "secret_sealed"), ("previous_secret", "previous_secret_sealed")),
           "inbound_sources": (("secret", "secret_sealed"),)}


def _vault() -> Vault:
    vault = context.config.attributes.get("vault")
    if vault is None:
        from ytempire.core.settings import get_settings

        vault = Vault.for_signing_secrets(get_settings())
    return vault


def _convert(table_name: str, pairs: Sequence[tuple[str, str]], how: Callable[[str], str]
             ) -> None:
    """Each row's value of every (source, target) column pair: target = how(source)."""
    sources, targets = [s for s, _ in pairs], [t for _, t in pairs]
    table = sa.table(table_name, sa.column("id", sa.String),
                     *(sa.column(name, sa.Text) for name in sources + targets))
    bind = op.get_bind()
    rows = list(bind.execute(sa.select(table.c.id, *(table.c[name] for name in sources))))
    for row_id, *values in rows:
        bind.execute(table.update().where(table.c.id == row_id).values(**{
            target: None if value is None else how(value)
            for target, value in zip(targets, values, strict=True)}))


def upgrade() -> None:
    vault: list[Vault] = []

    def seal(secret: str) -> str:
        if not vault:  # only a database with rows needs the key
            vault.append(_vault())
        return vault[0].seal(secret)

    for table_name, pairs in COLUMNS.items():
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            for _, new in pairs:
                batch_op.add_column(sa.Column(new, sa.Text(), nullable=True))
        _convert(table_name, pairs, seal)
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.alter_column("secret_sealed", existing_type=sa.Text(), nullable=False)
            for old, _ in pairs:
                batch_op.drop_column(old)


def downgrade() -> None:
    for table_name, pairs in COLUMNS.items():
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            for old, _ in pairs:
                batch_op.add_column(sa.Column(old, sa.String(length=100), nullable=True))
        _convert(table_name, [(new, old) for old, new in pairs],
                 lambda sealed: _vault().open(sealed))
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.alter_column("secret", existing_type=sa.String(length=100), nullable=False)
            for _, new in pairs:
                batch_op.drop_column(new)
