"""Approvals (outbox of video.approved), the scored event kept per video, an audit note, and
indexes for the video list's filters and sort orders (fast at 100,000 videos per owner).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    'ix_videos_owner_channel_created': ['owner_id', 'channel_id', 'created_at', 'id'],
    'ix_videos_owner_status_created': ['owner_id', 'status', 'created_at', 'id'],
    'ix_videos_owner_cost': ['owner_id', 'cost_usd', 'id'],
    'ix_videos_owner_updated': ['owner_id', 'updated_at', 'id'],
}


def upgrade() -> None:
    op.create_table('approvals',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('video_id', sa.String(length=36), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('publish_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('override', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('approved_by', sa.String(length=100), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ),
    sa.PrimaryKeyConstraint('event_id'),
    sa.UniqueConstraint('video_id', 'attempt', name='uq_approvals_attempt')
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index('ix_approvals_unsent', ['sent_at', 'requested_at'], unique=False)
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scored_event', sa.LargeBinary(), nullable=True))
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('note')
    with op.batch_alter_table('videos', schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_column('scored_event')
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index('ix_approvals_unsent')
    op.drop_table('approvals')
