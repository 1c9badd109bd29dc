"""submission: the queue row's first rule id and key scores as columns

A queue page read them out of the `flags` and `scores` JSON of every row it showed. Existing
rows are filled from their stored result, by the database (the same JSON paths the queue used).
Plain ALTER TABLE, never Alembic's batch mode: on SQLite that copies the table and loses the
descending and expression indexes (SQLite adds columns since ever and drops them since 3.35).

Revision ID: 0004_queue_columns
Revises: 0003_audit_chain
Create Date: 2026-12-03 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_queue_columns'
down_revision = '0003_audit_chain'
branch_labels = None
depends_on = None

NUMBERS = ('phq9_total', 'gad7_total')
WORDS = ('phq9_band', 'gad7_band', 'bp_category')
COLUMNS = ('first_rule_id', 'phq9_total', 'phq9_band', 'gad7_total', 'gad7_band', 'bp_category')


def upgrade():
    for name in COLUMNS:
        kind = (sa.Integer() if name in NUMBERS
                else sa.String(length=40) if name == 'first_rule_id' else sa.String(length=20))
        op.add_column('submission', sa.Column(name, kind, nullable=True))

    submission = sa.table(
        'submission', sa.column('flags', sa.JSON), sa.column('scores', sa.JSON),
        sa.column('first_rule_id', sa.String),
        *(sa.column(name, sa.Integer) for name in NUMBERS),
        *(sa.column(name, sa.String) for name in WORDS))
    op.get_bind().execute(sa.update(submission).values(
        first_rule_id=submission.c.flags[(0, 'rule_id')].as_string(),
        **{name: submission.c.scores[name].as_integer() for name in NUMBERS},
        **{name: submission.c.scores[name].as_string() for name in WORDS},
    ))


def downgrade():
    for name in reversed(COLUMNS):
        op.execute(f'ALTER TABLE submission DROP COLUMN {name}')
