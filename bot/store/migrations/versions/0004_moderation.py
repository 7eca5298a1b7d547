"""moderation: cases, reports, reminders, crisis mode

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22 06:50:12.039223
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.store.types

revision: str = '0004'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('moderation',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('moderation_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('rule_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('house_rule', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('excerpt', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('reporters', sa.Integer(), nullable=False),
    sa.Column('prompt_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', bot.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', bot.store.types.UTCDateTime(), nullable=False),
    sa.Column('resolved_by', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'channel', 'message_id', name='uq_moderation_case_message')
    )
    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_cases_community_status', ['community', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_cases_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_cases_prompt_id'), ['prompt_id'], unique=False)

    op.create_table('moderation_crisis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('on', sa.Boolean(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('since', bot.store.types.UTCDateTime(), nullable=True),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('community')
    )
    op.create_table('moderation_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('member', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('rule_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', bot.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('moderation_reminders', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_reminders_member', ['community', 'platform', 'member', 'at'], unique=False)

    op.create_table('moderation_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('reporter', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('at', bot.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'reporter', name='uq_moderation_report')
    )
    with op.batch_alter_table('moderation_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_reports_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('moderation_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_reports_case_id'))

    op.drop_table('moderation_reports')
    with op.batch_alter_table('moderation_reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_reminders_member')

    op.drop_table('moderation_reminders')
    op.drop_table('moderation_crisis')
    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_cases_prompt_id'))
        batch_op.drop_index(batch_op.f('ix_moderation_cases_created_at'))
        batch_op.drop_index('ix_moderation_cases_community_status')

    op.drop_table('moderation_cases')
