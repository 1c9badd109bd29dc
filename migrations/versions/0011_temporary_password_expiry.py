"""user_account: when the temporary password was issued, so that it stops working

A temporary password (given by an admin or `flask users`, to be changed at the first log-in)
stops working TEMPORARY_PASSWORD_HOURS after it was issued (issue 21). The time it was issued is
kept until the person chooses their own password. A temporary password handed out before this
revision has no known time: it counts as issued at the upgrade, so it works for
TEMPORARY_PASSWORD_HOURS more rather than stopping at once or never.

Revision ID: 0011_temporary_password_expiry
Revises: 0010_dashboard_counted
Create Date: 2026-12-05 02:30:00.000000

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_temporary_password_expiry'
down_revision = '0010_dashboard_counted'
branch_labels = None
depends_on = None

USER = sa.table('user_account', sa.column('must_change_password', sa.Boolean),
                sa.column('temporary_password_issued_at', sa.DateTime(timezone=True)))


def upgrade():
    op.add_column('user_account', sa.Column('temporary_password_issued_at',
                                            sa.DateTime(timezone=True), nullable=True))
    op.execute(USER.update().where(USER.c.must_change_password.is_(True))
               .values(temporary_password_issued_at=datetime.now(UTC)))


def downgrade():
    op.drop_column('user_account', 'temporary_password_issued_at')
