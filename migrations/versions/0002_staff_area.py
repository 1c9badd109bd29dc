"""staff area: queue and name-search indexes, TOTP replay guard, must-change-password

Revision ID: 0002_staff_area
Revises: acd86cec670c
Create Date: 2026-11-26 06:27:08.917690

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_staff_area'
down_revision = 'acd86cec670c'
branch_labels = None
depends_on = None


def upgrade():
    # The queue is ordered by severity_rank ascending, then newest first: indexes with the same
    # directions make every keyset page an index range scan.
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_queue')
        batch_op.drop_index('ix_submission_status_queue')
        batch_op.create_index('ix_submission_queue_order', ['severity_rank', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
        batch_op.create_index('ix_submission_status_order', ['status', 'severity_rank', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_submission_last_name_lower', 'submission', [sa.text('lower(last_name)')], unique=False)
    op.create_index('ix_submission_first_name_lower', 'submission', [sa.text('lower(first_name)')], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_pending_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_pending_secret')

    op.drop_index('ix_submission_first_name_lower', table_name='submission')
    op.drop_index('ix_submission_last_name_lower', table_name='submission')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_status_order')
        batch_op.drop_index('ix_submission_queue_order')
        batch_op.create_index('ix_submission_status_queue', ['status', 'severity_rank', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_submission_queue', ['severity_rank', 'created_at', 'id'], unique=False)
