"""moderation: a link to the flagged message, for the queue

Revision ID: 0004a
Revises: 0004
Create Date: 2026-11-22 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004a'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('moderation_cases') as batch_op:
        batch_op.add_column(
            sa.Column(
                'permalink',
                sqlmodel.sql.sqltypes.AutoString(length=500),
                nullable=False,
                server_default='',
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('moderation_cases') as batch_op:
        batch_op.drop_column('permalink')
