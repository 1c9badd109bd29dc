"""Audit events: who did what to which submission, when, from where. Never answer values,
names or flags: `detail` holds workflow facts only (status names, counts, versions)."""

from __future__ import annotations

from flask import has_request_context, request

from ..extensions import db
from ..models import AuditEvent

ACTIONS = (
    "login", "login_failed", "logout", "session_timeout", "password_change", "totp_enrolled",
    "view", "status_change", "status_conflict", "note", "re_evaluate", "re_evaluate_saved",
    "end_sessions", "user_created", "user_disabled",
)


def record(action: str, user_id: int | None = None, submission_id: int | None = None,
           detail: str = "", outcome: str = "ok") -> AuditEvent:
    """Add one audit row to the current transaction; the caller commits it with its change."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        action=action, user_id=user_id, submission_id=submission_id,
        detail=_one_line(detail)[:500], outcome=outcome,
        client_ip=(request.remote_addr or "") if has_request_context() else "cli",
    )
    db.session.add(event)
    return event


def _one_line(text: str) -> str:
    """No CR, LF or other control characters (log injection, ASVS 16.4.1)."""
    return "".join(c if c.isprintable() else " " for c in text)
