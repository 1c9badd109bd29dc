"""Data retention: delete what the clinic no longer keeps, never anything newer than asked.

- Unsent drafts that have expired (they can no longer be resumed) and were last saved more than
  DAYS days ago.
- Sent drafts last saved more than DAYS days ago: their submission keeps its own copy of the
  answers, so the draft is a second copy of health information with no further use.
- Only when asked (`--submissions`): submissions received more than DAYS days ago, with their
  notes (and any draft still pointing at them, first).

Audit rows are kept (they hold no answers; HIPAA asks for six years of them) and still name the
reference of a deleted submission. Everything happens in one transaction with its audit row, so
a purge that fails half-way deletes nothing; running it twice deletes nothing the second time.

The dashboard's day counts are brought up to date first (their own transaction), so the days of
what is deleted are counted while it is still there: the clinic's history of arrivals and
drop-offs outlives the drafts themselves (counts only, no person).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, delete, func, select

from .extensions import db
from .models import ContactAttempt, Draft, Note, Submission, utcnow
from .staff import audit
from .staff.dashboard_data import refresh_days


@dataclass(frozen=True, slots=True)
class Purged:
    cutoff: datetime
    expired_drafts: int
    sent_drafts: int
    submissions: int
    notes: int

    def describe(self) -> str:
        return (f"{self.expired_drafts} expired unsent drafts, {self.sent_drafts} sent drafts, "
                f"{self.submissions} submissions ({self.notes} notes)")


def purge(older_than_days: int, submissions: bool = False, dry_run: bool = False,
          now: datetime | None = None) -> Purged:
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    now = now or utcnow()
    cutoff = now - timedelta(days=older_than_days)
    expired = Draft.submission_id.is_(None) & (Draft.expires_at <= now) & (
        Draft.updated_at < cutoff)
    sent = Draft.submission_id.is_not(None) & (Draft.updated_at < cutoff)
    old_submissions = select(Submission.id).where(Submission.created_at < cutoff)
    if submissions:  # drafts pointing at a submission go first (foreign key)
        sent = sent | Draft.submission_id.in_(old_submissions)
    if dry_run:
        return Purged(
            cutoff, _count(select(func.count()).select_from(Draft).where(expired)),
            _count(select(func.count()).select_from(Draft).where(sent)),
            _count(select(func.count()).select_from(old_submissions.subquery()))
            if submissions else 0,
            _count(select(func.count()).select_from(Note)
                   .where(Note.submission_id.in_(old_submissions))) if submissions else 0)
    refresh_days(ZoneInfo(current_app.config["CLINIC_TIMEZONE"]))
    counts = [_deleted(delete(Draft).where(expired)), _deleted(delete(Draft).where(sent)), 0, 0]
    if submissions:
        counts[3] = _deleted(delete(Note).where(Note.submission_id.in_(old_submissions)))
        # The contact log goes with its submission (it names nobody once the case is gone).
        _deleted(delete(ContactAttempt).where(ContactAttempt.submission_id.in_(old_submissions)))
        counts[2] = _deleted(delete(Submission).where(Submission.created_at < cutoff))
    result = Purged(cutoff, *counts)
    audit.record("purge", detail=f"older than {older_than_days} days "
                 f"(before {cutoff:%Y-%m-%d %H:%M} UTC): {result.describe()}")
    db.session.commit()
    return result


def _deleted(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def _count(query: Select) -> int:
    return db.session.scalar(query) or 0
