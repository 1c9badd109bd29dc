"""intake team (owners, contact log, follow-ups, search column)

submission: the queue's new order (queue_rank: unacknowledged urgent first, then by severity,
oldest first) with an index for each view, the owner, the next follow-up date, the last contact,
a normalised search column (a pg_trgm index on PostgreSQL) and the keys that find the same
person's other pre-screens; the contact log (contact_attempt). Stored rows are filled in.
Plain ALTER TABLE, never batch mode (see 0004).

Revision ID: 0008_intake
Revises: 0007_alerts
Create Date: 2026-12-04 21:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from screener.submissions import search_copies

# revision identifiers, used by Alembic.
revision = '0008_intake'
down_revision = '0007_alerts'
branch_labels = None
depends_on = None

OPEN = "status IN ('new', 'in_review', 'contacted')"
COPIES = ('search_text', 'phone_digits', 'person_key')


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    if postgresql:
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.add_column('submission', sa.Column('queue_rank', sa.Integer(), server_default='5',
                                          nullable=False))
    # The foreign key in the column's own clause: SQLite cannot add a constraint afterwards.
    op.execute('ALTER TABLE submission ADD COLUMN owner_id INTEGER REFERENCES user_account (id)')
    op.add_column('submission', sa.Column('follow_up_on', sa.Date(), nullable=True))
    op.add_column('submission', sa.Column('last_contact_at', sa.DateTime(timezone=True),
                                          nullable=True))
    op.add_column('submission', sa.Column('search_text', sa.String(length=600),
                                          server_default='', nullable=False))
    op.add_column('submission', sa.Column('phone_digits', sa.String(length=20),
                                          server_default='', nullable=False))
    op.add_column('submission', sa.Column('person_key', sa.String(length=240),
                                          server_default='', nullable=False))
    _fill(bind)

    op.drop_index('ix_submission_queue_order', table_name='submission')
    op.drop_index('ix_submission_status_order', table_name='submission')
    op.drop_index('ix_submission_last_name_lower', table_name='submission')
    op.drop_index('ix_submission_first_name_lower', table_name='submission')
    op.create_index('ix_submission_queue', 'submission', ['queue_rank', 'created_at', 'id'])
    op.create_index('ix_submission_status_queue', 'submission',
                    ['status', 'queue_rank', 'created_at', 'id'])
    where = {'sqlite_where': sa.text(OPEN), 'postgresql_where': sa.text(OPEN)}
    op.create_index('ix_submission_open_queue', 'submission',
                    ['queue_rank', 'created_at', 'id'], **where)
    op.create_index('ix_submission_owner_queue', 'submission',
                    ['owner_id', 'queue_rank', 'created_at', 'id'], **where)
    op.create_index('ix_submission_follow_up', 'submission', ['follow_up_on'], **where)
    op.create_index('ix_submission_search', 'submission', ['search_text'],
                    postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    op.create_index('ix_submission_phone_digits', 'submission', ['phone_digits'])
    op.create_index('ix_submission_person_key', 'submission', ['person_key'])

    op.create_table(
        'contact_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('follow_up_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_contact_attempt_submission_id', 'contact_attempt', ['submission_id'])


def _fill(bind):
    """The new columns of stored submissions, from their answers (in batches)."""
    submission = sa.table('submission', sa.column('id', sa.Integer),
                          sa.column('reference', sa.String), sa.column('answers', sa.JSON),
                          sa.column('severity_rank', sa.Integer),
                          sa.column('urgent', sa.Boolean), sa.column('queue_rank', sa.Integer),
                          *(sa.column(name, sa.String) for name in COPIES))
    alert = sa.table('alert', sa.column('submission_id', sa.Integer),
                     sa.column('acknowledged_at', sa.DateTime))
    acknowledged = sa.select(alert.c.submission_id).where(alert.c.acknowledged_at.is_not(None))
    bind.execute(sa.update(submission).values(queue_rank=sa.case(
        (sa.and_(submission.c.urgent, submission.c.id.not_in(acknowledged)), 0),
        else_=submission.c.severity_rank + 1)))
    last = 0
    while True:
        rows = bind.execute(sa.select(submission.c.id, submission.c.reference,
                                      submission.c.answers)
                            .where(submission.c.id > last).order_by(submission.c.id)
                            .limit(1000)).all()
        if not rows:
            break
        changes = [{'row_id': row.id, **{name: value for name, value in
                                          search_copies(row.reference, row.answers).items()
                                          if name in COPIES}} for row in rows]
        bind.execute(sa.update(submission).where(submission.c.id == sa.bindparam('row_id'))
                     .values({name: sa.bindparam(name) for name in COPIES}), changes)
        last = rows[-1].id


def downgrade():
    op.drop_index('ix_contact_attempt_submission_id', table_name='contact_attempt')
    op.drop_table('contact_attempt')
    for name in ('ix_submission_person_key', 'ix_submission_phone_digits', 'ix_submission_search',
                 'ix_submission_follow_up', 'ix_submission_owner_queue',
                 'ix_submission_open_queue', 'ix_submission_status_queue',
                 'ix_submission_queue'):
        op.drop_index(name, table_name='submission')
    op.create_index('ix_submission_queue_order', 'submission',
                    ['severity_rank', sa.literal_column('created_at DESC'),
                     sa.literal_column('id DESC')])
    op.create_index('ix_submission_status_order', 'submission',
                    ['status', 'severity_rank', sa.literal_column('created_at DESC'),
                     sa.literal_column('id DESC')])
    op.create_index('ix_submission_last_name_lower', 'submission', [sa.text('lower(last_name)')])
    op.create_index('ix_submission_first_name_lower', 'submission',
                    [sa.text('lower(first_name)')])
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('submission_owner_id_fkey', 'submission', type_='foreignkey')
    for name in ('person_key', 'phone_digits', 'search_text', 'last_contact_at', 'follow_up_on',
                 'owner_id', 'queue_rank'):
        op.execute(f'ALTER TABLE submission DROP COLUMN {name}')
