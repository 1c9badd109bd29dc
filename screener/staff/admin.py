"""Admin-only pages (under /staff/admin/, checked in `require_staff`): the staff accounts, and
ending a person's sessions (for a lost laptop). Accounts are created with `flask users`."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import User
from . import audit, bp
from .accounts import end_sessions
from .forms import EmptyForm


@bp.route("/admin/users")
def users():
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("staff/users.html", accounts=accounts, form=EmptyForm())


@bp.route("/admin/users/<int(max=2147483647):user_id>/end-sessions", methods=["POST"])
def end_user_sessions(user_id: int):
    if not EmptyForm().validate():
        abort(400)
    user = db.session.get(User, user_id) or abort(404)
    end_sessions(user)
    audit.record("end_sessions", current_user.id, detail=f"user {user.id}")
    db.session.commit()
    if user.id == current_user.id:
        return redirect(url_for("staff.login"), code=303)
    flash(gettext("All sessions of %(email)s have been ended.", email=user.email))
    return redirect(url_for("staff.users"), code=303)
