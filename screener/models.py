"""Database models (SQLAlchemy 2 typed mappings). Times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Date,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(db.TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


STATUSES = ("new", "in_review", "contacted", "consult_booked", "not_proceeding", "closed")
# The intake team's open work: the default view of the queue.
OPEN_STATUSES = ("new", "in_review", "contacted")
# Queue order: urgent (0) first, then by highest severity; 4 = no flags.
SEVERITY_RANK = {"urgent": 0, "contraindication": 1, "caution": 2, "info": 3, None: 4}
# The scores a queue row shows, each kept in a Submission column of its name.
QUEUE_SCORES = ("phq9_total", "phq9_band", "gad7_total", "gad7_band", "bp_category")


class Draft(db.Model):
    """A questionnaire in progress. Its id is the opaque value in the browser's session."""

    __tablename__ = "draft"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pages_done: Mapped[list[str]] = mapped_column(JSON, default=list)
    crisis_shown: Mapped[list[str]] = mapped_column(JSON, default=list)
    resume_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    # Moves on with every change: a change or a send applies only to the version it read.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # For the dashboard's counts (screener/staff/dashboard_data.py): "phone", "tablet" or
    # "desktop" from the User-Agent at the start (the word only), and the page reached last.
    device: Mapped[str | None] = mapped_column(String(8))
    last_page: Mapped[str | None] = mapped_column(String(40))

    submission: Mapped[Submission | None] = relationship(foreign_keys=[submission_id])


class Submission(db.Model):
    """A submitted questionnaire with the rules result that was stored with it."""

    __tablename__ = "submission"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    draft_id: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    rulebook_version: Mapped[str] = mapped_column(String(20))
    rule_settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    missing_safety: Mapped[list[str]] = mapped_column(JSON, default=list)
    highest_severity: Mapped[str | None] = mapped_column(String(20))
    severity_rank: Mapped[int] = mapped_column(Integer)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    # Copies of what a queue row shows of the result (the first flag's rule id and the key
    # scores): a queue page reads columns instead of taking 25 JSON documents apart, which was a
    # seventh of its time. `flags` and `scores` stay the record.
    first_rule_id: Mapped[str | None] = mapped_column(String(40))
    phq9_total: Mapped[int | None] = mapped_column(Integer)
    phq9_band: Mapped[str | None] = mapped_column(String(20))
    gad7_total: Mapped[int | None] = mapped_column(Integer)
    gad7_band: Mapped[str | None] = mapped_column(String(20))
    bp_category: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Copies of a few answers for the staff queue's search and filters.
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="", index=True)
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    conditions: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The intake team's work (issue 21). The queue's order: 0 = urgent and not yet acknowledged,
    # then severity_rank + 1 (screener/submissions.py sets it, acknowledging moves it to 1).
    queue_rank: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For search: reference, name and email in lower case without accents, and the phone's
    # digits (screener/submissions.py `search_text`).
    search_text: Mapped[str] = mapped_column(String(600), default="", server_default="")
    # For finding the same person's other pre-screens: the phone's digits, and the name with
    # the date of birth ("" when either is missing).
    phone_digits: Mapped[str] = mapped_column(String(20), default="", server_default="",
                                              index=True)
    person_key: Mapped[str] = mapped_column(String(240), default="", server_default="",
                                            index=True)

    notes: Mapped[list[Note]] = relationship(back_populates="submission",
                                             order_by="Note.created_at")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])

    __mapper_args__ = {"version_id_col": version}

    def acknowledged(self) -> None:
        """An urgent submission someone took on: below the unacknowledged ones."""
        self.queue_rank = self.severity_rank + 1


def queue_rank(severity_rank: int, urgent: bool) -> int:
    return 0 if urgent else severity_rank + 1


# The queue order is queue_rank ascending, then oldest first. Each view's index has the same
# column order, so that a keyset page is an index range scan on SQLite and PostgreSQL alike;
# the open work's views have partial indexes (the closed history is most of the table).
_OPEN = Submission.status.in_(OPEN_STATUSES)
Index("ix_submission_queue", Submission.queue_rank, Submission.created_at, Submission.id)
Index("ix_submission_status_queue", Submission.status, Submission.queue_rank,
      Submission.created_at, Submission.id)
Index("ix_submission_open_queue", Submission.queue_rank, Submission.created_at, Submission.id,
      sqlite_where=_OPEN, postgresql_where=_OPEN)
# The cases waiting for a first contact (the queue's overdue marks, counted by the dashboard).
_WAITING = Submission.status.in_(("new", "in_review")) & Submission.last_contact_at.is_(None)
Index("ix_submission_waiting", Submission.created_at, Submission.urgent,
      sqlite_where=_WAITING, postgresql_where=_WAITING)
Index("ix_submission_owner_queue", Submission.owner_id, Submission.queue_rank,
      Submission.created_at, Submission.id, sqlite_where=_OPEN, postgresql_where=_OPEN)
Index("ix_submission_follow_up", Submission.follow_up_on, sqlite_where=_OPEN,
      postgresql_where=_OPEN)
# Search: any part of the text. PostgreSQL finds it with trigrams (pg_trgm); SQLite reads this
# narrow index (search text and row id) instead of the wide rows.
Index("ix_submission_search", Submission.search_text, postgresql_using="gin",
      postgresql_ops={"search_text": "gin_trgm_ops"})
# The migration creates pg_trgm the ordinary way; `create_all` (the tests, each in a schema of
# its own) puts it in pg_catalog once, which every search path sees. Two first tests at once
# may race to create it: the loser finds it there.
event.listen(Submission.__table__, "before_create", DDL(
    "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA pg_catalog; "
    "EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL; END $$"
).execute_if(dialect="postgresql"))


class User(UserMixin, db.Model):
    """A staff account. The session stores `get_id()`, which includes `session_version`: bumping
    the version (log-out, password change, disable) ends every copy of the session cookie."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="staff")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64))  # until confirmed
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # a code is usable once
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # When an admin or `flask users` issued the temporary password (must_change_password): it
    # stops working TEMPORARY_PASSWORD_HOURS later. None once the person chose their own.
    temporary_password_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app at log-in (a lost phone). Only
    its SHA-256 is kept (the code is 80 random bits, shown once); `used_at` spends it."""

    __tablename__ = "recovery_code"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Note(db.Model):
    """A staff note on a submission: append-only."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="notes")
    author: Mapped[User] = relationship()


class AuditEvent(db.Model):
    """Who did what to which submission, when. Never holds answer values. Rows are chained:
    `row_hash` covers the row and the previous row's hash (screener/staff/audit.py). The
    submission's reference is copied, so that a row still names it after a retention purge."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    submission_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reference: Mapped[str] = mapped_column(String(16), default="", index=True)
    detail: Mapped[str] = mapped_column(String(500), default="")
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    # Set by the INSERT itself (screener/staff/audit.py), which hands it back: FetchedValue
    # asks for it in RETURNING instead of a later SELECT. It adds no DDL.
    previous_hash: Mapped[str] = mapped_column(String(64), default="",
                                               server_default=FetchedValue())
    row_hash: Mapped[str] = mapped_column(String(64), default="")


# --- the intake team (issue 21) ----------------------------------------------------------------

CONTACT_CHANNELS = ("phone", "text", "email", "letter")
CONTACT_OUTCOMES = ("reached", "left_message", "no_answer", "wrong_number", "do_not_contact")


class ContactAttempt(db.Model):
    """One attempt to reach the person: append-only (a correction is a new entry)."""

    __tablename__ = "contact_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date)

    user: Mapped[User] = relationship()


# --- the dashboard (issue 24) ----------------------------------------------------------------

# Drafts counted by start time, language, device, last page and sent (an index-only range scan
# when a day of the dashboard's summary is worked out again), and found by their last change.
Index("ix_draft_dashboard", Draft.created_at, Draft.language, Draft.device, Draft.last_page,
      Draft.submission_id)
Index("ix_draft_changed", Draft.updated_at, Draft.created_at)


class SubmissionTally(db.Model):
    """What the dashboard counts of a submission, one row each: its highest severity
    (kind "severity", also the mark that it was counted), each flag's rule id ("flag") and each
    reason for seeking help ("reason"). Written with the submission (an ORM event in
    screener/staff/dashboard_data.py, same transaction) and again when a re-evaluation changes
    it; `flask demo seed` tallies the rows it inserts in bulk, and migration 0010 those stored
    before. `counted_at` is when the row was written (for rows written in bulk: the
    submission's own time, their days being counted in the same step)."""

    __tablename__ = "submission_tally"
    __table_args__ = (UniqueConstraint("submission_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the submission's
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(40))
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_submission_tally_urgent", SubmissionTally.kind, SubmissionTally.value,
      SubmissionTally.created_at, SubmissionTally.submission_id)
Index("ix_submission_tally_counted", SubmissionTally.counted_at, SubmissionTally.created_at)


class DashboardDay(db.Model):
    """The dashboard's counts per day of the clinic's time zone: drafts (kind "draft") by
    language, device, last page reached and sent; submissions (kinds of SubmissionTally) by
    value. Days whose drafts or tally changed since the last look are worked out again from
    them (screener/staff/dashboard_data.py), so a view reads a few thousand rows for 90 days
    instead of every draft. Empty strings stand for "none" (a NULL would slip past UNIQUE)."""

    __tablename__ = "dashboard_day"
    __table_args__ = (UniqueConstraint("zone", "kind", "day", "language", "device", "last_page",
                                       "sent", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))
    day: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8), default="")
    device: Mapped[str] = mapped_column(String(8), default="")
    last_page: Mapped[str] = mapped_column(String(40), default="")
    sent: Mapped[bool] = mapped_column(Boolean, default=False)
    value: Mapped[str] = mapped_column(String(40), default="")
    count: Mapped[int] = mapped_column(Integer)


class DashboardMark(db.Model):
    """When the day counts of a time zone were last brought up to date."""

    __tablename__ = "dashboard_mark"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
