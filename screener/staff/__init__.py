"""The staff side: login, the review queue, the submission page, notes, statuses, the rules page.

Access control lives in one place, `require_staff` below: every /staff route needs a logged-in
user with a current session, except the login steps; every /staff/admin/ route needs an admin.
Routes added later are covered without doing anything.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..extensions import login_manager
from ..models import utcnow
from .auth import session_expired, time_out

bp = Blueprint("staff", __name__, url_prefix="/staff")

PUBLIC_ENDPOINTS = frozenset({"staff.login", "staff.login_code", "staff.login_setup"})
BEFORE_PASSWORD_CHANGE = frozenset({"staff.change_password", "staff.logout"})
ADMIN_PREFIX = "/staff/admin/"
ROLES = frozenset({"staff", "admin"})

DEFAULTS: dict[str, Any] = {
    "STAFF_CLOCK": utcnow,  # tests replace it to move time
    "STAFF_IDLE_MINUTES": int(os.environ.get("STAFF_IDLE_MINUTES", "30")),
    "STAFF_SESSION_HOURS": int(os.environ.get("STAFF_SESSION_HOURS", "12")),
    # A temporary password (a new account, a reset) stops working this long after it was issued.
    "TEMPORARY_PASSWORD_HOURS": int(os.environ.get("TEMPORARY_PASSWORD_HOURS", "72")),
    "STAFF_LOGIN_LIMIT_PER_ADDRESS": os.environ.get("STAFF_LOGIN_LIMIT_PER_ADDRESS",
                                                    "10 per minute"),
    # Failed attempts only: at most 20 an hour, far below the 100 of ASVS 4 2.2.1.
    "STAFF_LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("STAFF_LOGIN_LIMIT_PER_ACCOUNT",
                                                    "5 per minute;20 per hour"),
    # 25 rows a page: a phone shows each row as a card, and the page is served about a quarter
    # faster than with 50 (docs/performance.md). A clinic may choose from 1 to 200.
    "STAFF_QUEUE_PAGE_SIZE": max(1, min(200, int(os.environ.get("STAFF_QUEUE_PAGE_SIZE", "25")))),
    # Counts above it show as "more than 1,000".
    "STAFF_QUEUE_COUNT_LIMIT": int(os.environ.get("STAFF_QUEUE_COUNT_LIMIT", "1000")),
    "CLINIC_TIMEZONE": os.environ.get("CLINIC_TIMEZONE", "UTC"),
    # Overdue marks in the queue, counted in the clinic's opening hours (CLINIC_HOURS).
    "URGENT_CONTACT_HOURS": float(os.environ.get("URGENT_CONTACT_HOURS", "4")),
    "CONTACT_TARGET_DAYS": int(os.environ.get("CONTACT_TARGET_DAYS", "2")),
}


@bp.before_request
def require_staff():
    """Deny by default: log-in, a current session, the right role."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return _to_login()
    if session_expired():
        time_out(current_user._get_current_object())
        flash(gettext("You were logged out after a period without activity. "
                      "Please log in again."))
        return _to_login()
    if current_user.role not in ROLES:
        abort(403)
    if current_user.must_change_password and request.endpoint not in BEFORE_PASSWORD_CHANGE:
        return redirect(url_for("staff.change_password"))
    if request.url_rule.rule.startswith(ADMIN_PREFIX) and current_user.role != "admin":
        abort(403)
    return None


def _to_login():
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("staff.login", next=target))


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    # Sessions are checked on the server (session version, idle and absolute limits);
    # Flask-Login's own "protection" would also write `_fresh` into patients' sessions.
    login_manager.session_protection = None
    app.register_blueprint(bp)


from . import admin, alerts, audit_log, dashboard, exports, login, routes  # noqa: E402, F401  (views attach to bp)
