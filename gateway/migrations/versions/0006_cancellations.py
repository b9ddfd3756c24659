"""Cancellations: one row per cancelled attempt, the outbox of its video.cancelled event.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cancellations',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('video_id', sa.String(length=36), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('cancelled_by', sa.String(length=100), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ),
    sa.PrimaryKeyConstraint('event_id'),
    sa.UniqueConstraint('video_id', 'attempt', name='uq_cancellations_attempt')
    )
    with op.batch_alter_table('cancellations', schema=None) as batch_op:
        batch_op.create_index('ix_cancellations_unsent', ['sent_at', 'requested_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cancellations', schema=None) as batch_op:
        batch_op.drop_index('ix_cancellations_unsent')
    op.drop_table('cancellations')
