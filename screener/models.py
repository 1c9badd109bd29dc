"""Database models (SQLAlchemy 2 typed mappings). Times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
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

    notes: Mapped[list[Note]] = relationship(back_populates="submission",
                                             order_by="Note.created_at")

    __mapper_args__ = {"version_id_col": version}


# The queue order is severity_rank ascending, then newest first. The indexes have the same column
# directions, so that a keyset page is an index range scan on SQLite and PostgreSQL alike.
Index("ix_submission_queue_order", Submission.severity_rank, Submission.created_at.desc(),
      Submission.id.desc())
Index("ix_submission_status_order", Submission.status, Submission.severity_rank,
      Submission.created_at.desc(), Submission.id.desc())
# Staff search matches names whatever their case.
Index("ix_submission_last_name_lower", func.lower(Submission.last_name))
Index("ix_submission_first_name_lower", func.lower(Submission.first_name))


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
