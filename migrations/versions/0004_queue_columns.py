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

# Each copy and its type; the numbers are read out of the JSON as integers, the rest as text.
COLUMNS = {
    'first_rule_id': sa.String(length=40), 'phq9_total': sa.Integer(),
    'phq9_band': sa.String(length=20), 'gad7_total': sa.Integer(),
    'gad7_band': sa.String(length=20), 'bp_category': sa.String(length=20),
}


def upgrade():
    for name, kind in COLUMNS.items():
        op.add_column('submission', sa.Column(name, kind, nullable=True))

    submission = sa.table('submission', sa.column('flags', sa.JSON), sa.column('scores', sa.JSON),
                          *(sa.column(name, kind) for name, kind in COLUMNS.items()))
    scores = {
        name: (submission.c.scores[name].as_integer() if isinstance(kind, sa.Integer)
               else submission.c.scores[name].as_string())
        for name, kind in COLUMNS.items() if name != 'first_rule_id'
    }
    op.get_bind().execute(sa.update(submission).values(
        first_rule_id=submission.c.flags[(0, 'rule_id')].as_string(), **scores))


def downgrade():
    for name in reversed(list(COLUMNS)):
        op.execute(f'ALTER TABLE submission DROP COLUMN {name}')
