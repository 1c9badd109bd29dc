"""recovery_code: one-time codes that stand in for the authenticator app at log-in

Two factors for every staff account (issue 19, item 3): the TOTP columns of user_account exist
since 0002; this adds the recovery codes (SHA-256 of each, spent once).

Revision ID: 0006_staff_mfa
Revises: 0005_draft_version
Create Date: 2026-12-04 21:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import screener.models


# revision identifiers, used by Alembic.
revision = '0006_staff_mfa'
down_revision = '0005_draft_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', screener.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', screener.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'code_hash'),
    )
    op.create_index(op.f('ix_recovery_code_user_id'), 'recovery_code', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_recovery_code_user_id'), table_name='recovery_code')
    op.drop_table('recovery_code')
