"""YouTube connections: a channel's OAuth binding (sealed refresh token) or local-only choice.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('youtube_connections',
    sa.Column('channel_id', sa.String(length=36), nullable=False),
    sa.Column('local_only', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('youtube_channel_id', sa.String(length=64), nullable=True),
    sa.Column('youtube_channel_title', sa.String(length=200), nullable=False),
    sa.Column('scopes', sa.Text(), nullable=False),
    sa.Column('refresh_token_sealed', sa.Text(), nullable=True),
    sa.Column('state_hash', sa.String(length=64), nullable=True),
    sa.Column('verifier_sealed', sa.Text(), nullable=True),
    sa.Column('state_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('connected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], ),
    sa.PrimaryKeyConstraint('channel_id'),
    sa.UniqueConstraint('state_hash')
    )


def downgrade() -> None:
    op.drop_table('youtube_connections')
