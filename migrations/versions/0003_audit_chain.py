"""audit log: the submission reference on each row, indexes for the admin page, hash chain

Existing rows get their submission's reference and are chained (in id order), so that
`flask audit verify` checks them like new ones.

Revision ID: 0003_audit_chain
Revises: 0002_staff_area
Create Date: 2026-11-26 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import screener.models


# revision identifiers, used by Alembic.
revision = '0003_audit_chain'
down_revision = '0002_staff_area'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=16), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_audit_event_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_user_id'), ['user_id'], unique=False)

    audit = sa.table(
        'audit_event', sa.column('id', sa.Integer), sa.column('at', screener.models.UTCDateTime()),
        sa.column('user_id', sa.Integer), sa.column('action', sa.String),
        sa.column('submission_id', sa.Integer), sa.column('reference', sa.String),
        sa.column('detail', sa.String), sa.column('client_ip', sa.String),
        sa.column('outcome', sa.String), sa.column('previous_hash', sa.String),
        sa.column('row_hash', sa.String))
    submission = sa.table('submission', sa.column('id', sa.Integer),
                          sa.column('reference', sa.String))
    bind = op.get_bind()
    bind.execute(audit.update().where(audit.c.submission_id.is_not(None)).values(
        reference=sa.select(submission.c.reference)
        .where(submission.c.id == audit.c.submission_id).scalar_subquery()))
    bind.execute(audit.update().where(audit.c.reference.is_(None)).values(reference=''))

    from screener.staff.audit import chain_hash

    previous = ''
    for row in bind.execute(sa.select(audit).order_by(audit.c.id)).all():
        digest = chain_hash(row, previous)
        bind.execute(audit.update().where(audit.c.id == row.id)
                     .values(previous_hash=previous, row_hash=digest))
        previous = digest


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_reference'))
        batch_op.drop_column('reference')
