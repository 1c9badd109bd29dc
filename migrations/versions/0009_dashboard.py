"""dashboard: each draft's device class and last page reached; the submission tally

The dashboard (issue 24) counts drafts by start day, language, device and the page reached
last, and submissions by severity, flag and reason (submission_tally), summed per day of the
clinic's time zone (dashboard_day, brought up to date at each look from dashboard_mark on).
Drafts made before this revision have no device or last page (counted as "not known"); stored
submissions are tallied the first time the dashboard is opened.

Revision ID: 0009_dashboard
Revises: 0008_intake
Create Date: 2026-12-04 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_dashboard'
down_revision = '0008_intake'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('draft', sa.Column('device', sa.String(length=8), nullable=True))
    op.add_column('draft', sa.Column('last_page', sa.String(length=40), nullable=True))
    op.create_index('ix_draft_dashboard', 'draft',
                    ['created_at', 'language', 'device', 'last_page', 'submission_id'],
                    unique=False)
    op.create_index('ix_draft_changed', 'draft', ['updated_at', 'created_at'], unique=False)
    op.create_table(
        'submission_tally',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('value', sa.String(length=40), nullable=False),
        sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('submission_id', 'kind', 'value'),
    )
    op.create_index('ix_submission_tally_submission_id', 'submission_tally', ['submission_id'],
                    unique=False)
    op.create_index('ix_submission_tally_urgent', 'submission_tally',
                    ['kind', 'value', 'created_at', 'submission_id'], unique=False)
    op.create_index('ix_submission_tally_counted', 'submission_tally',
                    ['counted_at', 'created_at'], unique=False)
    op.create_table(
        'dashboard_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('zone', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('device', sa.String(length=8), nullable=False),
        sa.Column('last_page', sa.String(length=40), nullable=False),
        sa.Column('sent', sa.Boolean(), nullable=False),
        sa.Column('value', sa.String(length=40), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('zone', 'kind', 'day', 'language', 'device', 'last_page', 'sent',
                            'value'),
    )
    op.create_table(
        'dashboard_mark',
        sa.Column('zone', sa.String(length=64), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('zone'),
    )


def downgrade():
    op.drop_table('dashboard_mark')
    op.drop_table('dashboard_day')
    op.drop_index('ix_submission_tally_counted', table_name='submission_tally')
    op.drop_index('ix_submission_tally_urgent', table_name='submission_tally')
    op.drop_index('ix_submission_tally_submission_id', table_name='submission_tally')
    op.drop_table('submission_tally')
    op.drop_index('ix_draft_changed', table_name='draft')
    op.drop_index('ix_draft_dashboard', table_name='draft')
    op.drop_column('draft', 'last_page')
    op.drop_column('draft', 'device')
