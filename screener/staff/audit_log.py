"""The audit log page (admins only: it is under /staff/admin/, checked in `require_staff`).
Read-only: no route edits or deletes an audit row. Filters by person, action, reference and
days (clinic time zone); newest first, paged by id (keyset: page 500 costs what page 1 costs).
Reading the log is itself logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..models import AuditEvent, Submission, User
from . import audit, bp
from .queue import normalise_reference

PAGE_SIZE = 100
MAX_ID = 2**31 - 1


@dataclass(frozen=True, slots=True)
class AuditFilters:
    user_id: int | None = None
    action: str | None = None
    reference: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args: MultiDict) -> AuditFilters:
        """Unknown or malformed values switch the filter off, never an error."""
        action = args.get("action")
        reference = args.get("reference") or ""
        return cls(user_id=_number(args.get("user")),
                   action=action if action in audit.ACTIONS else None,
                   reference=normalise_reference(reference) if reference.strip() else None,
                   date_from=_day(args.get("from")), date_to=_day(args.get("to")))

    def as_args(self) -> dict[str, str]:
        values = {"user": self.user_id and str(self.user_id), "action": self.action,
                  "reference": self.reference,
                  "from": self.date_from and self.date_from.isoformat(),
                  "to": self.date_to and self.date_to.isoformat()}
        return {key: value for key, value in values.items() if value}

    def conditions(self, zone: ZoneInfo) -> list:
        found = []
        if self.user_id:
            found.append(AuditEvent.user_id == self.user_id)
        if self.action:
            found.append(AuditEvent.action == self.action)
        if self.reference:
            found.append(AuditEvent.reference == self.reference)
        if self.date_from:
            found.append(AuditEvent.at >= _start(self.date_from, zone))
        if self.date_to:
            found.append(AuditEvent.at < _start(self.date_to + timedelta(days=1), zone))
        return found


def _number(value: str | None) -> int | None:
    if not value or len(value) > 10 or not value.isascii() or not value.isdigit():  # "²"
        return None  # (and int() refuses strings of over 4,300 digits)
    return int(value) if 0 < int(value) <= MAX_ID else None


def _day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None
    return day if day and date(1900, 1, 1) <= day <= date(9998, 12, 31) else None


def _start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@bp.route("/admin/audit")
def audit_log():
    zone = ZoneInfo(current_app.config["CLINIC_TIMEZONE"])
    filters = AuditFilters.from_args(request.args)
    before = _number(request.args.get("before"))
    query = (select(AuditEvent.id, AuditEvent.at, AuditEvent.action, AuditEvent.reference,
                    AuditEvent.detail, AuditEvent.client_ip, AuditEvent.outcome,
                    User.email.label("user"), Submission.id.label("still_there"))
             .outerjoin(User, AuditEvent.user_id == User.id)
             .outerjoin(Submission, AuditEvent.submission_id == Submission.id)
             .where(*filters.conditions(zone))
             .order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1))
    if before:
        query = query.where(AuditEvent.id < before)
    rows = db.session.execute(query).all()
    older = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    users = db.session.execute(select(User.id, User.email).order_by(User.email)).all()
    page = render_template("staff/audit_log.html", rows=rows[:PAGE_SIZE], filters=filters,
                           users=users, actions=audit.ACTIONS, older=older, paged=bool(before))
    shown = ", ".join(f"{k}={v}" for k, v in filters.as_args().items()) or "no filters"
    audit.record("audit_view", current_user.id, detail=shown + ("; older page" if before else ""))
    db.session.commit()
    return page
