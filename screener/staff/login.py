"""Log in (password, then a TOTP code or a recovery code), log out, and the person's own account:
change password, recovery codes. There is no sign-up: accounts come from
`flask users create`."""

from __future__ import annotations

import hashlib

from flask import (
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..extensions import db, limiter
from . import audit, bp
from .accounts import normalise_email, password_matches, password_problem, set_password
from .auth import (
    PENDING,
    authenticate,
    begin_second_factor,
    complete_login,
    confirm_enrolment,
    keep_logged_in,
    log_out,
    login_failed,
    needs_second_factor,
    new_recovery_codes,
    pending_next,
    pending_user,
    qr_svg,
    safe_next,
    start_enrolment,
    totp_uri,
    use_code,
    use_recovery_code,
)
from .forms import CodeForm, EmptyForm, LoginForm, PasswordChangeForm


def _per_address() -> str:
    return current_app.config["STAFF_LOGIN_LIMIT_PER_ADDRESS"]


def _per_account() -> str:
    return current_app.config["STAFF_LOGIN_LIMIT_PER_ACCOUNT"]


def _account_key() -> str:
    """The account being tried: the typed email (hashed, so it is not in the limiter's
    log line), or the account waiting for its code."""
    pending = session.get(PENDING)
    if request.endpoint != "staff.login" and isinstance(pending, dict):
        account = str(pending.get("id", "")).partition(":")[0]
    else:
        account = normalise_email(request.form.get("email", ""))
    return "staff-account:" + hashlib.sha256(account.encode()).hexdigest()[:24]


def _failed(response) -> bool:
    return bool(g.get("staff_login_failed"))


address_limit = limiter.limit(_per_address, key_func=get_remote_address)
account_limit = limiter.limit(_per_account, key_func=_account_key, deduct_when=_failed)


@bp.errorhandler(429)
def too_many_attempts(error):
    message = gettext("Too many attempts. Wait a few minutes, then try again.")
    return render_template("staff/login.html", form=LoginForm(), message=message), 429


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        return _attempt_login(form)
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    message = None
    if request.method == "POST":  # a field left empty (or longer than any account's)
        message = gettext("Enter your email address and password.")
    return render_template("staff/login.html", form=form, message=message)


@address_limit
@account_limit
def _attempt_login(form: LoginForm):
    user, accepted = authenticate(form.email.data, form.password.data)
    if not accepted:
        g.staff_login_failed = True
        login_failed(user, "wrong password or disabled" if user else "unknown account")
        message = gettext("The email address or password is not right.")
        return render_template("staff/login.html", form=form, message=message)
    target = safe_next(form.next.data) or url_for("staff.queue")
    if needs_second_factor(user):
        begin_second_factor(user, target)
        db.session.commit()  # a re-hashed password, if any
        step = "staff.login_code" if user.totp_secret else "staff.login_setup"
        return redirect(url_for(step), code=303)
    complete_login(user)
    return redirect(target, code=303)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    user = pending_user()
    if user is None or not user.totp_secret:
        return redirect(url_for("staff.login"))
    form = CodeForm()
    if form.validate_on_submit():
        return _check_code(user, form)
    message = gettext("Enter the 6-digit code your app shows now.") if (
        request.method == "POST") else None
    return render_template("staff/login_code.html", form=form, message=message)


@account_limit
def _check_code(user, form: CodeForm):
    """A code from the app, or one of the person's recovery codes (a lost phone)."""
    code = form.code.data
    if not use_code(user, user.totp_secret, code) and not use_recovery_code(user, code):
        g.staff_login_failed = True
        login_failed(user, "wrong code")
        message = gettext("That code is not right, or it was already used. Enter the code "
                          "your app shows now, or one of your recovery codes.")
        return render_template("staff/login_code.html", form=form, message=message)
    target = pending_next() or url_for("staff.queue")
    complete_login(user)
    return redirect(target, code=303)


@bp.route("/login/two-step-setup", methods=["GET", "POST"])
def login_setup():
    """Every account sets up two-step verification at its first log-in; it is not optional."""
    user = pending_user()
    if user is None or user.totp_secret:
        return redirect(url_for("staff.login"))
    form = CodeForm()
    if form.validate_on_submit():
        return _confirm_setup(user, form)
    return _setup_page(user, form, during_login=True, failed=request.method == "POST")


@account_limit
def _confirm_setup(user, form: CodeForm):
    if not confirm_enrolment(user, form.code.data):
        g.staff_login_failed = True
        login_failed(user, "wrong code at two-step setup")
        return _setup_page(user, form, during_login=True, failed=True)
    codes = new_recovery_codes(user)
    target = pending_next() or url_for("staff.queue")
    complete_login(user)
    return _recovery_codes_page(codes, target)


def _setup_page(user, form: CodeForm, during_login: bool, failed: bool = False):
    secret = start_enrolment(user)
    uri = totp_uri(secret, user.email, current_app.config["CLINIC_NAME"])
    return render_template(
        "staff/two_step_setup.html", form=form, during_login=during_login, failed=failed,
        secret=secret, uri=uri, qr_code=qr_svg(uri, gettext("QR code of the setup address")),
    )


def _recovery_codes_page(codes: list[str], next_url: str):
    """The new recovery codes, shown once: in this answer only (never in the cookie or a
    later page), and never cached."""
    return render_template("staff/recovery_codes.html", codes=codes, next_url=next_url)


@bp.route("/logout", methods=["POST"])
def logout():
    log_out(current_user._get_current_object())
    response = make_response(render_template("staff/logged_out.html"))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/account")
def account():
    return render_template("staff/account.html", form=EmptyForm())


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = PasswordChangeForm()
    problem = None
    if form.validate_on_submit():
        problem = _new_password_problem(form)
        if problem is None:
            user = current_user._get_current_object()
            set_password(user, form.new_password.data)  # ends every other session
            audit.record("password_change", user.id)
            db.session.commit()
            keep_logged_in(user)
            flash(gettext("Your password has been changed. Other sessions have been ended."))
            return redirect(url_for("staff.account"), code=303)
    elif request.method == "POST":
        problem = gettext("Fill in all three fields.")
    return render_template("staff/password.html", form=form, problem=problem)


def _new_password_problem(form: PasswordChangeForm) -> str | None:
    if not password_matches(current_user.password_hash, form.current_password.data):
        return gettext("Your current password is not right.")
    if form.new_password.data != form.confirm_password.data:
        return gettext("The two new passwords are not the same.")
    if form.new_password.data == form.current_password.data:
        return gettext("Choose a password different from the current one.")
    problem = password_problem(form.new_password.data, current_user.email,
                               current_app.config["CLINIC_NAME"])
    return gettext(problem) if problem else None


@bp.route("/account/two-step", methods=["GET", "POST"])
def two_step():
    """The demo account may turn on two-step verification (every other account has it)."""
    user = current_user._get_current_object()
    if user.totp_secret:
        return redirect(url_for("staff.account"))
    form = CodeForm()
    if form.validate_on_submit():
        if confirm_enrolment(user, form.code.data):
            codes = new_recovery_codes(user)
            db.session.commit()
            keep_logged_in(user)
            flash(gettext("Two-step verification is on. You will need a code at each login."))
            return _recovery_codes_page(codes, url_for("staff.account"))
        return _setup_page(user, form, during_login=False, failed=True)
    return _setup_page(user, form, during_login=False, failed=request.method == "POST")


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
def replace_recovery_codes():
    """New recovery codes in place of the old ones, for a person who used or lost them; a
    current code from the app is asked for, so a session left open cannot make them."""
    user = current_user._get_current_object()
    if not user.totp_secret:
        return redirect(url_for("staff.account"))
    form = CodeForm()
    failed = False
    if form.validate_on_submit():
        if use_code(user, user.totp_secret, form.code.data):
            codes = new_recovery_codes(user)
            db.session.commit()
            return _recovery_codes_page(codes, url_for("staff.account"))
        failed = True
    return render_template("staff/new_recovery_codes.html", form=form,
                           failed=failed or request.method == "POST")
