"""YouTube's processing of a published video (issue #15): uploadStatus and processingStatus as
the metrics collector last read them (``upload.status``), and when.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('youtube_upload_status', sa.String(length=20),
                                      nullable=True))
        batch_op.add_column(sa.Column('youtube_processing_status', sa.String(length=20),
                                      nullable=True))
        batch_op.add_column(sa.Column('youtube_checked_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('videos', schema=None) as batch_op:
        for column in ('youtube_checked_at', 'youtube_processing_status',
                       'youtube_upload_status'):
            batch_op.drop_column(column)
