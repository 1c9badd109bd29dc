"""draft: a version that every change and the send check

A page saved in one tab while another tab sent the questionnaire could be confirmed yet missing
from the submission; the send now stores its submission only for the draft version it scored.
Existing drafts start at version 1.

Revision ID: 0005_draft_version
Revises: 0004_queue_columns
Create Date: 2026-12-04 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_draft_version'
down_revision = '0004_queue_columns'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('draft', sa.Column('version', sa.Integer(), nullable=False,
                                     server_default='1'))


def downgrade():
    op.drop_column('draft', 'version')
