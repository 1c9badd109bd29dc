"""Log in (password, then a TOTP code or a recovery code), log out, and the person's own account:
change password, recovery codes. There is no sign-up: an admin adds accounts
(/staff/admin/users/add, screener/staff/admin.py) or `flask users create` does."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import RateLimitItem, parse_many
from limits.strategies import FixedWindowRateLimiter, RateLimiter

from ..extensions import db, limiter
from . import audit, bp
from .accounts import (
    normalise_email,
    password_matches,
    password_problem,
    set_password,
    temporary_password_expired,
)
from .auth import (
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


address_limit = limiter.limit(_per_address, key_func=get_remote_address)


# --- guesses per account ---------------------------------------------------------------------
#
# STAFF_LOGIN_LIMIT_PER_ACCOUNT bounds the guesses at one account's password (log-in and the
# password change share one count) and, separately, at its codes. Each attempt is counted
# *before* its password or code is checked, by one atomic increment per limit in the limiter's
# storage (Redis INCR, or the in-memory counter under its lock): an attempt whose increment goes
# past a limit is refused unchecked, so parallel requests cannot make more checks than the limit
# (issue 19 #9; Flask-Limiter's deduct_when tests first and counts after the response).
# An attempt that succeeds gives its count back: only wrong guesses use the budget up.

log = logging.getLogger("screener")


@dataclass(frozen=True)
class Attempt:
    """The counters one attempt took (nothing when limits are off)."""

    identity: tuple[str, ...] = ()
    counted: tuple[RateLimitItem, ...] = ()

    def give_back(self) -> None:
        """The guess was right: it does not count against the account."""
        for item in self.counted:
            _count(item, self.identity, -1)


def _account(kind: str, account: str) -> tuple[str, ...]:
    """The counter's key: the account hashed, so no email address is in the limiter's store."""
    digest = hashlib.sha256(account.encode()).hexdigest()[:24]
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return (*([prefix] if prefix else []), "staff-account", kind, digest)


def count_attempt(kind: str, account: str) -> Attempt | None:
    """Count one guess at this account's password or code; None when a limit is reached (then
    the guess must be refused without checking it). Limits are checked shortest window first,
    and a refused attempt is not counted in the longer windows."""
    if not (limiter.enabled and current_app.config.get("RATELIMIT_ENABLED", True)):
        return Attempt()
    identity = _account(kind, account)
    counted = []
    for item in sorted(parse_many(current_app.config["STAFF_LOGIN_LIMIT_PER_ACCOUNT"])):
        if not _count(item, identity, 1):
            log.info("ratelimit %s exceeded for a staff account's %s", item, kind)
            return None
        counted.append(item)
    return Attempt(identity, tuple(counted))


def _count(item: RateLimitItem, identity: tuple[str, ...], amount: int) -> bool:
    """Add `amount` to the counter in one atomic step; True while it is within the limit. When
    the storage (Redis) does not answer, the limiter's in-memory fallback counts meanwhile, as
    for every other limit (it notices when Redis is back)."""
    try:
        return _add(limiter.limiter, item, identity, amount)
    except Exception:
        # Flask-Limiter's own switch to its in-memory fallback (and back, when Redis answers).
        if limiter._storage_dead or limiter._fallback_limiter is None:
            raise
        log.warning("Rate limit storage unreachable - falling back to in-memory storage")
        limiter._storage_dead = True
        return _add(limiter.limiter, item, identity, amount)


def _add(strategy: RateLimiter, item: RateLimitItem, identity: tuple[str, ...],
         amount: int) -> bool:
    if amount > 0:
        return strategy.hit(item, *identity, cost=amount)
    if isinstance(strategy, FixedWindowRateLimiter):  # the limiter's default strategy
        strategy.storage.incr(item.key_for(*identity), item.get_expiry(), amount=amount)
    return True


def _too_many(template: str = "staff/login.html", **context):
    message = gettext("Too many attempts. Wait a few minutes, then try again.")
    context.setdefault("form", LoginForm())
    return render_template(template, message=message, problem=message, **context), 429


@bp.errorhandler(429)
def too_many_attempts(error):
    return _too_many()


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
def _attempt_login(form: LoginForm):
    attempt = count_attempt("password", normalise_email(form.email.data))
    if attempt is None:
        return _too_many()
    user, accepted = authenticate(form.email.data, form.password.data)
    if not accepted:
        login_failed(user, "wrong password or disabled" if user else "unknown account")
        message = gettext("The email address or password is not right.")
        return render_template("staff/login.html", form=form, message=message)
    if temporary_password_expired(user):
        # Only the right password gets here, so this says no more about the account than a
        # log-in would; it stays a failed attempt (counted, audited). A re-hash is not kept.
        db.session.rollback()
        login_failed(user, "temporary password expired")
        message = gettext("This temporary password has expired. Ask an admin for a new one.")
        return render_template("staff/login.html", form=form, message=message)
    attempt.give_back()
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


def _check_code(user, form: CodeForm):
    """A code from the app, or one of the person's recovery codes (a lost phone)."""
    attempt = count_attempt("code", str(user.id))
    if attempt is None:
        return _too_many()
    code = form.code.data
    if not use_code(user, user.totp_secret, code) and not use_recovery_code(user, code):
        login_failed(user, "wrong code")
        message = gettext("That code is not right, or it was already used. Enter the code "
                          "your app shows now, or one of your recovery codes.")
        return render_template("staff/login_code.html", form=form, message=message)
    attempt.give_back()
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


def _confirm_setup(user, form: CodeForm):
    attempt = count_attempt("code", str(user.id))
    if attempt is None:
        return _too_many()
    if not confirm_enrolment(user, form.code.data):
        login_failed(user, "wrong code at two-step setup")
        return _setup_page(user, form, during_login=True, failed=True)
    attempt.give_back()
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
        user = current_user._get_current_object()
        # The current password is a guess at the account's password like a log-in (issue 19
        # #8): counted in the same per-account budget before it is checked, and audited.
        attempt = count_attempt("password", normalise_email(user.email))
        if attempt is None:
            return _too_many("staff/password.html", form=form)
        if not password_matches(user.password_hash, form.current_password.data):
            audit.record("password_change_failed", user.id, detail="wrong current password",
                         outcome="refused")
            db.session.commit()
            problem = gettext("Your current password is not right.")
        else:
            attempt.give_back()
            problem = _new_password_problem(form)
        if problem is None:
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
    """What is wrong with the new password (the current one was right)."""
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
        attempt = count_attempt("code", str(user.id))  # the log-in's budget for codes
        if attempt is None:
            return _too_many("staff/new_recovery_codes.html", form=form, failed=True)
        if use_code(user, user.totp_secret, form.code.data):
            attempt.give_back()
            codes = new_recovery_codes(user)
            db.session.commit()
            return _recovery_codes_page(codes, url_for("staff.account"))
        failed = True
    return render_template("staff/new_recovery_codes.html", form=form,
                           failed=failed or request.method == "POST")
