"""Audit events: who did what to which submission, when, from where. Never answer values,
names or flags: `detail` holds workflow facts only (status names, counts, versions, paper sizes).

Tamper evidence (security.md L2): every row stores the hash of the row before it (by id) and a
SHA-256 over its own fields and that hash, so editing or deleting a row breaks the chain at that
row; `flask audit verify` walks it. Rows are chained in id order, so writers take turns: on
PostgreSQL a transaction-scoped advisory lock is taken before the INSERT (ids are then handed out
in lock order); on SQLite the INSERT itself takes the database's single write lock. The INSERT
reads the hash of the row before it (so it must come after the lock: a statement sees what was
committed when it began) and hands it back; the row's own hash is filled in right after, in the
same transaction, so the caller still commits (or rolls back) the audit row together with its
change. No route edits or deletes audit rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from flask import has_request_context, request
from flask_sqlalchemy.session import Session
from sqlalchemy import event, func, select, text, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import AuditEvent, Submission, utcnow

ACTIONS = (
    "login", "login_failed", "logout", "session_timeout", "password_change",
    "password_change_failed", "totp_enrolled", "recovery_codes_created", "recovery_code_used",
    "view", "status_change", "status_conflict", "note", "re_evaluate", "re_evaluate_saved",
    "end_sessions", "user_created", "user_disabled",
    "user_enabled", "user_role_changed", "user_password_reset", "user_two_step_reset",
    "print", "print_stylesheet", "pdf", "export_csv", "export_fhir", "audit_view", "purge",
    "dashboard_view", "dashboard_csv",
    "owner_change", "contact_logged", "bulk_change",
    "alert_acknowledged", "alert_test",
)
# Actions about one submission, for the audit page's filter.
SUBMISSION_ACTIONS = ("view", "status_change", "status_conflict", "note", "re_evaluate",
                      "re_evaluate_saved", "print", "print_stylesheet", "pdf", "export_fhir",
                      "owner_change", "contact_logged",
                      "alert_acknowledged")
LOCK_KEY = 0x6175646974  # "audit": the PostgreSQL advisory lock that orders audit writers


def record(action: str, user_id: int | None = None, submission_id: int | None = None,
           detail: str = "", outcome: str = "ok", reference: str | None = None) -> AuditEvent:
    """Add one audit row to the current transaction; the caller commits it with its change."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if reference is None and submission_id is not None:
        found = db.session.get(Submission, submission_id)  # already loaded: no query
        reference = found.reference if found is not None else ""
    event = AuditEvent(
        at=utcnow(), action=action, user_id=user_id, submission_id=submission_id,
        reference=reference or "", detail=_one_line(detail)[:500], outcome=outcome,
        client_ip=(request.remote_addr or "") if has_request_context() else "cli",
    )
    db.session.add(event)
    return event


def _one_line(text: str) -> str:
    """No CR, LF or other control characters (log injection, ASVS 16.4.1)."""
    return "".join(c if c.isprintable() else " " for c in text)


# --- the hash chain --------------------------------------------------------------------------

def chain_hash(row: Any, previous_hash: str) -> str:
    """SHA-256 over the row's fields and the previous row's hash."""
    fields = [
        row.id, row.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), row.user_id,
        row.action, row.submission_id, row.reference or "", row.detail, row.client_ip,
        row.outcome, previous_hash,
    ]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


_TABLE = AuditEvent.__table__
_LAST_HASH = func.coalesce(select(_TABLE.c.row_hash).order_by(_TABLE.c.id.desc()).limit(1)
                           .scalar_subquery(), "")


def _new_events(session: Any) -> list[AuditEvent]:
    return [o for o in session.new if isinstance(o, AuditEvent)]


@event.listens_for(Session, "before_flush")
def _take_turn(session: Any, flush_context: Any, instances: Any) -> None:
    events = _new_events(session)
    if not events:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    for row in events:
        row.previous_hash = _LAST_HASH


@event.listens_for(Session, "after_flush")
def _link(session: Any, flush_context: Any) -> None:
    events = sorted(_new_events(session), key=lambda e: e.id)
    if not events:
        return
    connection = session.connection()
    # The first new row's INSERT read the hash of the row before it (and RETURNING gave it
    # back); the rows after it in this flush follow it with no row of another writer between.
    previous = events[0].previous_hash
    for row in events:
        digest = chain_hash(row, previous)
        connection.execute(update(_TABLE).where(_TABLE.c.id == row.id)
                           .values(previous_hash=previous, row_hash=digest))
        set_committed_value(row, "previous_hash", previous)
        set_committed_value(row, "row_hash", digest)
        previous = digest


@dataclass(frozen=True, slots=True)
class ChainReport:
    rows: int
    broken_at: int | None = None  # id of the first row whose link or hash does not match
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(batch: int = 2000) -> ChainReport:
    """Walk every audit row in id order; report the first broken link."""
    previous, count = "", 0
    for row in _rows_in_order(batch):
        count += 1
        if row.previous_hash != previous:
            return ChainReport(count, row.id, "does not point at the row before it "
                               "(a row was deleted, inserted or edited before it)")
        if chain_hash(row, previous) != row.row_hash:
            return ChainReport(count, row.id, "its fields do not match its hash (edited)")
        previous = row.row_hash
    return ChainReport(count)


def _rows_in_order(batch: int) -> Iterator[Any]:
    table = AuditEvent.__table__
    last = 0
    while True:
        rows = db.session.execute(select(table).where(table.c.id > last)
                                  .order_by(table.c.id).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].id
