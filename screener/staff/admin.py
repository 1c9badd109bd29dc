"""Admin-only pages (under /staff/admin/, checked in `require_staff`): the staff accounts.

An admin adds an account (a temporary password is shown once, on the answer to the form only:
never in a URL, a log, the flash cookie or the audit log), changes its role, disables and
re-enables it, resets its password or its second factor, and ends its sessions. Every form
carries the account's state as the admin saw it (`account_state`): when the account changed
meanwhile, nothing is done and the admin sees its state now. An admin cannot demote, disable or
reset their own account here (their own password and codes are on "Your account"), and the last
active admin cannot be demoted or disabled. Every change is in the audit log, with the account's
id and never a password. `flask users` stays for the first admin and for scripts. A temporary
password works for TEMPORARY_PASSWORD_HOURS: its page says until when, and the list and the
account's page say when it expires or that it has (then the admin resets it).
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from ..extensions import db
from ..models import RecoveryCode, User
from . import audit, bp
from .accounts import (
    ROLES,
    AccountChanged,
    AccountError,
    DuplicateAccount,
    LastAdmin,
    account_state,
    change_role,
    create_user,
    disable_account,
    enable_account,
    end_sessions,
    random_password,
    reset_password,
    reset_second_factor,
    temporary_password_expired,
    temporary_password_expires_at,
)
from .forms import EmptyForm

USER_ID = "<int(max=2147483647):user_id>"
EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def role_label(role: str) -> str:
    return {"staff": gettext("Staff"), "admin": gettext("Admin")}.get(role, role)


def _stripped(text: str | None) -> str | None:
    return text.strip() if isinstance(text, str) else text


class NewAccountForm(FlaskForm):
    email = StringField(filters=[_stripped], validators=[
        DataRequired(lazy_gettext("Enter the person's work email address.")),
        Length(max=254, message=lazy_gettext("Use an email address of at most 254 characters.")),
        Regexp(EMAIL_SHAPE, message=lazy_gettext(
            "Enter an email address like name@clinic.example.")),
    ])
    role = RadioField(choices=list(ROLES), default="staff",
                      validators=[InputRequired(lazy_gettext("Choose staff or admin."))])


class RoleForm(FlaskForm):
    role = RadioField(choices=list(ROLES), validators=[InputRequired()])
    seen = HiddenField(validators=[DataRequired(), Length(max=64)])


class AccountActionForm(FlaskForm):
    """A button on an account's page: the CSRF token and the account's state as shown."""

    seen = HiddenField(validators=[DataRequired(), Length(max=64)])


# What each button does: (audit action, sentence for the conflict page).
ACTIONS = {
    "role": ("user_role_changed", lazy_gettext("Change the role")),
    "disable": ("user_disabled", lazy_gettext("Disable the account")),
    "enable": ("user_enabled", lazy_gettext("Re-enable the account")),
    "reset-password": ("user_password_reset", lazy_gettext("Reset the password")),
    "reset-two-step": ("user_two_step_reset", lazy_gettext("Reset two-step verification")),
}


@bp.app_context_processor
def _admin_labels() -> dict:
    return {"role_label": role_label,
            "temporary_password_expires_at": temporary_password_expires_at,
            "temporary_password_expired": temporary_password_expired}


def _shown_once(template: str, **context):
    """A page holding a temporary password: this answer only, never stored by the browser."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/users")
def users():
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("staff/users.html", accounts=accounts)


# Not ".../new": the test that no sign-up page exists looks for that (this is no sign-up: only
# an admin adds an account, under /staff/admin/).
@bp.route("/admin/users/add", methods=["GET", "POST"])
def new_user():
    form = NewAccountForm()
    if form.validate_on_submit():
        password = random_password()
        try:
            user = create_user(form.email.data, form.role.data, password, must_change=True)
        except DuplicateAccount:
            form.email.errors.append(gettext("There is already an account for this email "
                                             "address. Find it in the list of accounts."))
        except AccountError:  # what the form lets through, create_user accepts: a safety net
            form.email.errors.append(gettext("Enter an email address like name@clinic.example."))
        else:
            audit.record("user_created", current_user.id,
                         detail=f"user {user.id} role {user.role}")
            db.session.commit()
            return _shown_once("staff/user_password.html", account=user, password=password,
                               created=True)
    return render_template("staff/user_new.html", form=form)  # with messages, if any


def _account_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _account_page(user: User, status: int = 200, problem: str | None = None,
                  role_form: RoleForm | None = None, problem_at: str = ""):
    """The account's page; `problem` is shown at the top and next to the `problem_at` form."""
    if role_form is None:
        role_form = RoleForm(formdata=None, role=user.role)
    codes_left = db.session.scalar(
        select(func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
    return render_template("staff/user_detail.html", account=user, seen=account_state(user),
                           role_form=role_form, problem=problem, problem_at=problem_at,
                           codes_left=codes_left,
                           is_self=user.id == current_user.id), status


@bp.route(f"/admin/users/{USER_ID}")
def user_detail(user_id: int):
    return _account_page(_account_or_404(user_id))


def _refused(user: User, action: str, problem: str, reason: str,
             role_form: RoleForm | None = None):
    audit.record(ACTIONS[action][0], current_user.id, detail=f"user {user.id} refused: {reason}",
                 outcome="refused")
    db.session.commit()
    return _account_page(user, 409, problem, role_form, problem_at=action)


def _changed_meanwhile(user: User, action: str, wanted_role: str | None = None):
    """Nothing was done: the account changed after the admin's page was drawn."""
    audit.record(ACTIONS[action][0], current_user.id, detail=f"user {user.id} changed meanwhile",
                 outcome="conflict")
    db.session.commit()
    db.session.refresh(user)
    return render_template("staff/user_conflict.html", account=user, action=action,
                           action_label=ACTIONS[action][1], wanted_role=wanted_role,
                           seen=account_state(user)), 409


def _self_problem(action: str) -> str:
    return {
        "role": gettext("You cannot change your own role. Ask another admin."),
        "disable": gettext("You cannot disable your own account. Ask another admin."),
        "reset-password": gettext("Change your own password on Your account."),
        "reset-two-step": gettext("You cannot reset your own two-step verification here. Use a "
                                  "recovery code to log in, or ask another admin."),
    }[action]


def _last_admin_problem(user: User, action: str) -> str:
    if action == "role":
        return gettext("%(email)s is the only active admin, so the role cannot change. "
                       "Make another account an admin first.", email=user.email)
    return gettext("%(email)s is the only active admin, so the account cannot be disabled. "
                   "Make another account an admin first.", email=user.email)


@bp.route(f"/admin/users/{USER_ID}/role", methods=["POST"])
def change_user_role(user_id: int):
    user = _account_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        if form.seen.errors:
            return _incomplete(user)
        form.role.errors[:] = [gettext("Choose staff or admin.")]
        return _account_page(user, 400, gettext("Choose staff or admin."), form, "role")
    if user.id == current_user.id:
        return _refused(user, "role", _self_problem("role"), "own account", form)
    before, wanted = user.role, form.role.data
    try:
        change_role(user, form.seen.data, wanted)
    except LastAdmin:
        return _refused(user, "role", _last_admin_problem(user, "role"), "last active admin",
                        form)
    except AccountChanged:
        return _changed_meanwhile(user, "role", wanted)
    if before != wanted:
        audit.record("user_role_changed", current_user.id,
                     detail=f"user {user.id} role {before} -> {wanted}")
    db.session.commit()
    if before == wanted:
        flash(gettext("%(email)s is already %(role)s; nothing changed.", email=user.email,
                      role=role_label(wanted)))
    else:
        flash(gettext("%(email)s is now %(role)s.", email=user.email, role=role_label(wanted)))
    return redirect(url_for("staff.user_detail", user_id=user.id), code=303)


def _action_form() -> AccountActionForm | None:
    """The button's form, or None when it came without the account's state (the CSRF token
    is checked before any view, by CSRFProtect)."""
    form = AccountActionForm()
    return form if form.validate_on_submit() else None


def _incomplete(user: User):
    """A form without the state it was drawn with: nothing is done, the account is shown."""
    flash(gettext("Nothing was done: the form was incomplete. Check the account and try "
                  "again."))
    return redirect(url_for("staff.user_detail", user_id=user.id), code=303)


@bp.route(f"/admin/users/{USER_ID}/disable", methods=["POST"])
def disable_user_view(user_id: int):
    user = _account_or_404(user_id)
    form = _action_form()
    if form is None:
        return _incomplete(user)
    if user.id == current_user.id:
        return _refused(user, "disable", _self_problem("disable"), "own account")
    try:
        disable_account(user, form.seen.data)
    except LastAdmin:
        return _refused(user, "disable", _last_admin_problem(user, "disable"),
                        "last active admin")
    except AccountChanged:
        return _changed_meanwhile(user, "disable")
    audit.record("user_disabled", current_user.id, detail=f"user {user.id}")
    db.session.commit()
    flash(gettext("%(email)s is disabled: the account cannot log in and its sessions have "
                  "ended.", email=user.email))
    return redirect(url_for("staff.user_detail", user_id=user.id), code=303)


@bp.route(f"/admin/users/{USER_ID}/enable", methods=["POST"])
def enable_user_view(user_id: int):
    user = _account_or_404(user_id)
    form = _action_form()
    if form is None:
        return _incomplete(user)
    try:
        enable_account(user, form.seen.data)
    except AccountChanged:
        return _changed_meanwhile(user, "enable")
    audit.record("user_enabled", current_user.id, detail=f"user {user.id}")
    db.session.commit()
    flash(gettext("%(email)s can log in again.", email=user.email))
    return redirect(url_for("staff.user_detail", user_id=user.id), code=303)


@bp.route(f"/admin/users/{USER_ID}/reset-password", methods=["POST"])
def reset_user_password(user_id: int):
    user = _account_or_404(user_id)
    form = _action_form()
    if form is None:
        return _incomplete(user)
    if user.id == current_user.id:
        return _refused(user, "reset-password", _self_problem("reset-password"), "own account")
    try:
        password = reset_password(user, form.seen.data)
    except AccountChanged:
        return _changed_meanwhile(user, "reset-password")
    audit.record("user_password_reset", current_user.id, detail=f"user {user.id}")
    db.session.commit()
    return _shown_once("staff/user_password.html", account=user, password=password,
                       created=False)


@bp.route(f"/admin/users/{USER_ID}/reset-two-step", methods=["POST"])
def reset_user_two_step(user_id: int):
    user = _account_or_404(user_id)
    form = _action_form()
    if form is None:
        return _incomplete(user)
    if user.id == current_user.id:
        return _refused(user, "reset-two-step", _self_problem("reset-two-step"), "own account")
    try:
        reset_second_factor(user, form.seen.data)
    except AccountChanged:
        return _changed_meanwhile(user, "reset-two-step")
    audit.record("user_two_step_reset", current_user.id, detail=f"user {user.id}")
    db.session.commit()
    flash(gettext("Two-step verification of %(email)s is reset: their sessions have ended, and "
                  "they set it up again at their next log-in.", email=user.email))
    return redirect(url_for("staff.user_detail", user_id=user.id), code=303)


@bp.route(f"/admin/users/{USER_ID}/end-sessions", methods=["POST"])
def end_user_sessions(user_id: int):
    if not EmptyForm().validate():
        abort(400)
    user = _account_or_404(user_id)
    end_sessions(user)
    audit.record("end_sessions", current_user.id, detail=f"user {user.id}")
    db.session.commit()
    if user.id == current_user.id:
        return redirect(url_for("staff.login"), code=303)
    flash(gettext("All sessions of %(email)s have been ended.", email=user.email))
    return redirect(url_for("staff.user_detail", user_id=user.id), code=303)
