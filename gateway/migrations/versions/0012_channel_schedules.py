"""Channel schedules (issue #16): time zone, videos per slot, pause, topic mode; and the outbox
flag of the channel's channel.updated event.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule_timezone', sa.String(length=64),
                                      server_default='UTC', nullable=False))
        batch_op.add_column(sa.Column('videos_per_slot', sa.Integer(), server_default='1',
                                      nullable=False))
        batch_op.add_column(sa.Column('schedule_paused', sa.Boolean(),
                                      server_default='0', nullable=False))
        batch_op.add_column(sa.Column('topic_mode', sa.String(length=10), server_default='auto',
                                      nullable=False))
        # Every channel from before is sent once, so the scheduler learns it.
        batch_op.add_column(sa.Column('event_pending', sa.Boolean(), server_default='1',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('channels', schema=None) as batch_op:
        for column in ('event_pending', 'topic_mode', 'schedule_paused', 'videos_per_slot',
                       'schedule_timezone'):
            batch_op.drop_column(column)
