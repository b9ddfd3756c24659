"""Topic backlog (issue #16): the owner's decisions on a channel's topics, and the latest
backlog the scheduler sent (backlog.updated).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'backlog_decisions',
        sa.Column('channel_id', sa.String(length=36), nullable=False),
        sa.Column('topic_id', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('decision', sa.String(length=10), nullable=False),
        sa.Column('by_hand', sa.Boolean(), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id']),
        sa.PrimaryKeyConstraint('channel_id', 'topic_id'),
    )
    op.create_table(
        'channel_backlogs',
        sa.Column('channel_id', sa.String(length=36), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.Column('topics', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id']),
        sa.PrimaryKeyConstraint('channel_id'),
    )


def downgrade() -> None:
    op.drop_table('channel_backlogs')
    op.drop_table('backlog_decisions')
