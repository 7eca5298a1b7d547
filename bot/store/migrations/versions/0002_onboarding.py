"""onboarding: journeys and house-rule acceptances

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:29:53.010237
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.store.types

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('onboarding',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('onboarding_journeys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('member', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('community', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('playbook', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('run', sa.Integer(), nullable=False),
    sa.Column('trigger', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('waiting', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('prompt_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('buddy', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('buddy_at', bot.store.types.UTCDateTime(), nullable=True),
    sa.Column('started_at', bot.store.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', bot.store.types.UTCDateTime(), nullable=False),
    sa.Column('waiting_since', bot.store.types.UTCDateTime(), nullable=True),
    sa.Column('completed_at', bot.store.types.UTCDateTime(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'member', 'community', 'playbook', name='uq_journey')
    )
    with op.batch_alter_table('onboarding_journeys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_journeys_buddy'), ['buddy'], unique=False)
        batch_op.create_index('ix_onboarding_journeys_community_status', ['community', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_onboarding_journeys_prompt_id'), ['prompt_id'], unique=False)

    op.create_table('onboarding_rule_acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('member', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('community', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('playbook', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('accepted_at', bot.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'member', 'community', 'playbook', 'version', name='uq_rules_acceptance')
    )
    with op.batch_alter_table('onboarding_rule_acceptances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_onboarding_rule_acceptances_community'), ['community'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('onboarding_rule_acceptances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_rule_acceptances_community'))

    op.drop_table('onboarding_rule_acceptances')
    with op.batch_alter_table('onboarding_journeys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_onboarding_journeys_prompt_id'))
        batch_op.drop_index('ix_onboarding_journeys_community_status')
        batch_op.drop_index(batch_op.f('ix_onboarding_journeys_buddy'))

    op.drop_table('onboarding_journeys')
