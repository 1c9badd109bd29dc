"""alert and alert_message: urgent-submission alerts and their outbox (issue 20)

Revision ID: 0007_alerts
Revises: 0006_staff_mfa
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import screener.models


# revision identifiers, used by Alembic.
revision = '0007_alerts'
down_revision = '0006_staff_mfa'
branch_labels = None
depends_on = None

UTC = screener.models.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        'alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=True),
        sa.Column('reference', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('escalate_at', UTC, nullable=True),
        sa.Column('escalated_at', UTC, nullable=True),
        sa.Column('acknowledged_at', UTC, nullable=True),
        sa.Column('acknowledged_by', sa.Integer(), nullable=True),
        sa.Column('response_seconds', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['acknowledged_by'], ['user_account.id']),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('submission_id'),
    )
    op.create_index('ix_alert_escalation_due', 'alert',
                    ['escalated_at', 'acknowledged_at', 'escalate_at'], unique=False)
    op.create_table(
        'alert_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('purpose', sa.String(length=12), nullable=False),
        sa.Column('message_id', sa.String(length=80), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', UTC, nullable=False),
        sa.Column('claimed_until', UTC, nullable=True),
        sa.Column('claim_token', sa.String(length=32), nullable=True),
        sa.Column('last_error', sa.String(length=300), nullable=True),
        sa.Column('last_attempt_at', UTC, nullable=True),
        sa.Column('created_at', UTC, nullable=False),
        sa.Column('sent_at', UTC, nullable=True),
        sa.ForeignKeyConstraint(['alert_id'], ['alert.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id'),
    )
    op.create_index(op.f('ix_alert_message_alert_id'), 'alert_message', ['alert_id'],
                    unique=False)
    op.create_index('ix_alert_message_due', 'alert_message', ['status', 'next_attempt_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_alert_message_due', table_name='alert_message')
    op.drop_index(op.f('ix_alert_message_alert_id'), table_name='alert_message')
    op.drop_table('alert_message')
    op.drop_index('ix_alert_escalation_due', table_name='alert')
    op.drop_table('alert')
