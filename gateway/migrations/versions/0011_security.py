"""Security: webhook secret rotation, channel slots (the five-channel limit in the database),
idempotency records by age (they expire).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_secret', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('previous_secret_until', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slot', sa.Integer(), nullable=True))
    # the first five active channels of each owner (by age) take slots 1-5; any beyond five,
    # made before the limit was the database's, stay active without a slot
    channels = sa.table('channels', sa.column('id', sa.String), sa.column('owner_id', sa.String),
                        sa.column('created_at', sa.DateTime), sa.column('deleted_at', sa.DateTime),
                        sa.column('slot', sa.Integer))
    bind = op.get_bind()
    rows = bind.execute(sa.select(channels.c.id, channels.c.owner_id)
                        .where(channels.c.deleted_at.is_(None))
                        .order_by(channels.c.owner_id, channels.c.created_at, channels.c.id))
    taken: dict[str, int] = {}
    for channel_id, owner_id in list(rows):
        taken[owner_id] = taken.get(owner_id, 0) + 1
        if taken[owner_id] <= 5:
            bind.execute(channels.update().where(channels.c.id == channel_id)
                         .values(slot=taken[owner_id]))
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_channels_owner_slot', ['owner_id', 'slot'])
        batch_op.create_check_constraint('ck_channels_slot', 'slot BETWEEN 1 AND 5')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index('ix_idempotency_created', ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_idempotency_created')
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_constraint('ck_channels_slot', type_='check')
        batch_op.drop_constraint('uq_channels_owner_slot', type_='unique')
        batch_op.drop_column('slot')
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.drop_column('previous_secret_until')
        batch_op.drop_column('previous_secret')
