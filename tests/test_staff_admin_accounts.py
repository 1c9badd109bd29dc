"""Staff accounts managed by admins in the browser (issue 21): add an account (its temporary
password shown once), change its role, disable and re-enable it, reset its password or its
second factor; the guard rails, two admins at once, and the audit log. Through HTTP, on SQLite
and PostgreSQL; one Chromium test looks at the pages at desktop and phone width."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import MetaData, Table, create_engine, select
from test_migrations import flask_db

from screener.extensions import db
from screener.models import AuditEvent, RecoveryCode, User
from screener.staff import accounts

from flow_helpers import csrf_token
from staff_helpers import (
    PASSWORD,
    SECRET_ON_PAGE,
    install_clock,
    log_in,
    make_user,
    page_token,
    post_login,
    row_count,
)

SEEN = re.compile(r'name="seen" value="([0-9a-f]+)"')
SHOWN_ONCE = re.compile(r'class="one-time-password"><code>([0-9A-Z-]+)</code>')
NEW_PASSWORD = "lantern orchard quietly humming"


@pytest.fixture
def clock(app):
    return install_clock(app)


@pytest.fixture
def admin(app, clock):
    """An admin (with two-step verification) and a client logged in as them."""
    account = make_user(app, "boss@clinic.example", role="admin", totp=True)
    return account, log_in(app, account)


def account_page(client, user_id: int) -> tuple[str, str]:
    """The account's page as an admin reads it: (CSRF token, the account state it shows)."""
    page = client.get(f"/staff/admin/users/{user_id}")
    assert page.status_code == 200, page.status_code
    match = SEEN.search(page.text)
    return csrf_token(page.text), match.group(1) if match else ""


def post_action(client, user_id: int, action: str, read: tuple[str, str] | None = None,
                **data: str):
    """Press one of the account page's buttons (on the page as read earlier, if given)."""
    token, seen = read or account_page(client, user_id)
    return client.post(f"/staff/admin/users/{user_id}/{action}",
                       data={"csrf_token": token, "seen": seen, **data})


def user(app, user_id: int) -> User:
    with app.app_context():
        found = db.session.get(User, user_id)
        db.session.expunge(found)
        return found


def audit_rows(app) -> list[tuple[str, int | None, str, str]]:
    with app.app_context():
        return [(r.action, r.user_id, r.detail, r.outcome) for r in db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.id))]


def shown_password(response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return SHOWN_ONCE.search(response.text).group(1)


def logged_out(client) -> bool:
    response = client.get("/staff/")
    return response.status_code == 302 and "/staff/login" in response.headers["Location"]


def create(client, email: str, role: str = "staff"):
    token = page_token(client, "/staff/admin/users/add")
    return client.post("/staff/admin/users/add",
                       data={"csrf_token": token, "email": email, "role": role})


def test_an_added_account_logs_in_with_the_password_shown_once_and_must_change_it(
        app, admin, clock, caplog):
    app.config["CLINIC_TIMEZONE"] = "America/Chicago"
    boss, client = admin
    caplog.set_level(logging.DEBUG)
    assert b"Add an account" in client.get("/staff/admin/users").data
    response = create(client, "  New.Nurse@Clinic.example ")
    password = shown_password(response)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}", password)
    assert "new.nurse@clinic.example" in response.text
    # Shown on this answer only: not in a header, the cookie, a flash message, a log, the audit.
    assert password not in str(response.headers)
    assert password not in client.get("/staff/admin/users").text
    assert all(password not in detail for _, _, detail, _ in audit_rows(app))
    assert password not in caplog.text
    with app.app_context():
        created = db.session.scalar(select(User).where(User.email == "new.nurse@clinic.example"))
        new_id = created.id
        assert created.role == "staff" and created.must_change_password and created.active
        assert created.totp_secret is None
    assert ("user_created", boss["id"], f"user {new_id} role staff", "ok") in audit_rows(app)
    # First log-in: the password shown, then two-step set-up (log_in enrols), then every page
    # leads to the password change until it is done.
    person = {"email": "new.nurse@clinic.example", "password": password}
    nurse = log_in(app, person)
    for url in ("/staff/", "/staff/dashboard", "/staff/account"):
        assert nurse.get(url).headers["Location"] == "/staff/account/password", url
    token = page_token(nurse, "/staff/account/password")
    changed = nurse.post("/staff/account/password", data={
        "csrf_token": token, "current_password": password, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})
    assert changed.status_code == 303
    assert nurse.get("/staff/").status_code == 200
    assert not user(app, new_id).must_change_password
    # The list shows the log-in in the clinic's time zone.
    expected = clock.now.astimezone(ZoneInfo("America/Chicago")).strftime("%Y-%m-%d %H:%M %Z")
    listing = client.get("/staff/admin/users").text
    assert expected in listing and ("CST" in expected or "CDT" in expected)


def test_adding_refuses_bad_input_with_a_message_next_to_the_field(app, admin):
    _, client = admin
    cases = {
        "": "s work email address.",
        "not-an-email": "Enter an email address like name@clinic.example.",
        "x" * 250 + "@clinic.example": "at most 254 characters",
        "BOSS@clinic.example": "There is already an account for this email address.",
    }
    for email, message in cases.items():
        response = create(client, email)
        assert response.status_code == 200, email  # the form again, with the message
        summary, _, form = response.text.partition('action="/staff/admin/users/add"')
        assert 'class="error-summary"' in summary and message in summary, email
        assert 'id="email-error"' in form and message in form, email
        assert 'aria-invalid="true"' in form
    for role in ("root", ""):
        response = create(client, "nurse@clinic.example", role=role)
        assert response.status_code == 200
        assert 'id="role-error"' in response.text and 'href="#role-staff"' in response.text
    without_token = client.post("/staff/admin/users/add",
                                data={"email": "nurse@clinic.example", "role": "staff"})
    assert without_token.status_code == 400
    assert row_count(app, User) == 1
    assert [a for a, *_ in audit_rows(app) if a.startswith("user_")] == []


def test_role_change_disable_and_re_enable(app, admin, clock):
    boss, client = admin
    nurse = make_user(app, "nurse@clinic.example", totp=True)
    nurse_client = log_in(app, nurse)
    assert post_action(client, nurse["id"], "role", role="admin").status_code == 303
    assert user(app, nurse["id"]).role == "admin"
    # A promotion takes effect at once, in the session the person already has.
    assert nurse_client.get("/staff/admin/users").status_code == 200
    assert post_action(client, nurse["id"], "role", role="staff").status_code == 303
    assert nurse_client.get("/staff/admin/users").status_code == 403
    same = post_action(client, nurse["id"], "role", role="staff")
    assert same.status_code == 303
    assert "already Staff; nothing changed" in client.get(same.headers["Location"]).text

    disabled = post_action(client, nurse["id"], "disable")
    assert disabled.status_code == 303
    assert "is disabled" in client.get(disabled.headers["Location"]).text
    assert not user(app, nurse["id"]).active
    assert logged_out(nurse_client)
    refused = post_login(app.test_client(), nurse["email"], PASSWORD)
    assert refused.status_code == 200 and "not right" in refused.text
    assert "Disabled" in client.get("/staff/admin/users").text

    assert post_action(client, nurse["id"], "enable").status_code == 303
    assert user(app, nurse["id"]).active
    assert logged_out(nurse_client)  # sessions from before the disabling stay ended
    clock.advance(seconds=31)
    assert log_in(app, nurse).get("/staff/").status_code == 200
    ours = [(a, u, d, o) for a, u, d, o in audit_rows(app) if a.startswith("user_")]
    target = nurse["id"]
    assert ours == [
        ("user_role_changed", boss["id"], f"user {target} role staff -> admin", "ok"),
        ("user_role_changed", boss["id"], f"user {target} role admin -> staff", "ok"),
        ("user_disabled", boss["id"], f"user {target}", "ok"),
        ("user_enabled", boss["id"], f"user {target}", "ok"),
    ]


def test_reset_password_shows_a_new_one_once_and_ends_the_sessions(app, admin, clock):
    boss, client = admin
    nurse = make_user(app, "nurse@clinic.example", totp=True)
    nurse_client = log_in(app, nurse)
    read = account_page(client, nurse["id"])
    password = shown_password(post_action(client, nurse["id"], "reset-password", read))
    assert logged_out(nurse_client)
    # Reloading the page sends the same form again: no second password by accident.
    assert post_action(client, nurse["id"], "reset-password", read).status_code == 409
    assert post_login(app.test_client(), nurse["email"], PASSWORD).status_code == 200  # old
    # The new one logs in (two-step verification as before) and must be changed first.
    clock.advance(seconds=31)
    fresh = log_in(app, {**nurse, "password": password})
    assert fresh.get("/staff/").headers["Location"] == "/staff/account/password"
    assert ("user_password_reset", boss["id"], f"user {nurse['id']}", "ok") in audit_rows(app)
    assert all(password not in detail for _, _, detail, _ in audit_rows(app))
    with app.app_context():
        hash_after = db.session.get(User, nurse["id"]).password_hash
    assert accounts.password_matches(hash_after, password)


def test_reset_two_step_ends_sessions_and_the_next_log_in_sets_it_up_again(app, admin, clock):
    boss, client = admin
    nurse = make_user(app, "nurse@clinic.example")  # no second factor yet: log_in enrols
    nurse_client = log_in(app, nurse)
    assert row_count(app, RecoveryCode) == 10
    page = client.get(f"/staff/admin/users/{nurse['id']}").text
    assert "10 unused recovery codes stop working" in page
    other = make_user(app, "other@clinic.example", totp=True)  # enrolled, no codes left
    page = client.get(f"/staff/admin/users/{other['id']}").text
    assert "the 0 unused" not in page and "no recovery codes are left" in page
    response = post_action(client, nurse["id"], "reset-two-step")
    assert response.status_code == 303
    assert "set it up again at their next log-in" in client.get(response.headers["Location"]).text
    assert logged_out(nurse_client)
    found = user(app, nurse["id"])
    assert (found.totp_secret, found.totp_pending_secret, found.totp_last_step) == (None,) * 3
    assert row_count(app, RecoveryCode) == 0
    # The old app's code no longer lets anyone in: the next log-in goes to the set-up page.
    again = app.test_client()
    assert post_login(again, nurse["email"], PASSWORD).headers["Location"] == (
        "/staff/login/two-step-setup")
    assert again.get("/staff/login/code").headers["Location"] == "/staff/login"
    # A set-up started (its key shown) but not finished can be reset too: a new key next time.
    first_key = SECRET_ON_PAGE.search(again.get("/staff/login/two-step-setup").text).group(1)
    assert "started but not finished" in client.get(f"/staff/admin/users/{nurse['id']}").text
    assert post_action(client, nurse["id"], "reset-two-step").status_code == 303
    assert user(app, nurse["id"]).totp_pending_secret is None
    clock.advance(seconds=31)
    later = app.test_client()
    assert post_login(later, nurse["email"], PASSWORD).status_code == 303
    second_key = SECRET_ON_PAGE.search(later.get("/staff/login/two-step-setup").text).group(1)
    assert second_key != first_key
    assert ("user_two_step_reset", boss["id"], f"user {nurse['id']}", "ok") in audit_rows(app)


def test_an_admin_cannot_demote_disable_or_reset_themself(app, admin):
    boss, client = admin
    page = client.get(f"/staff/admin/users/{boss['id']}").text
    assert "Your own account" in page and "You cannot change your own role." in page
    assert 'name="seen"' not in page
    token = csrf_token(page)
    with app.test_request_context():
        seen = accounts.account_state(db.session.get(User, boss["id"]))
    for action, data, message in [
        ("role", {"role": "staff"}, "You cannot change your own role."),
        ("disable", {}, "You cannot disable your own account."),
        ("reset-password", {}, "Change your own password on Your account."),
        ("reset-two-step", {}, "You cannot reset your own two-step verification here."),
    ]:
        # The page offers none of these; a form made up for them is refused all the same.
        response = post_action(client, boss["id"], action, (token, seen), **data)
        assert response.status_code == 409, action
        summary, _, rest = response.text.partition('<dl class="account-facts">')
        assert 'class="error-summary"' in summary and message in summary, action
        assert f'id="{action}-error"' in rest and message in rest, action
    found = user(app, boss["id"])
    assert (found.role, found.active, found.must_change_password) == ("admin", True, False)
    assert found.totp_secret == boss["totp_secret"]
    assert client.get("/staff/admin/users").status_code == 200  # still logged in
    refused = [(a, o) for a, _, d, o in audit_rows(app) if o == "refused"]
    assert refused == [("user_role_changed", "refused"), ("user_disabled", "refused"),
                       ("user_password_reset", "refused"), ("user_two_step_reset", "refused")]


def test_the_last_active_admin_stays_even_when_two_admins_demote_each_other(
        app, admin, clock, monkeypatch):
    """Admin A demotes B while B demotes A: whichever lands second is refused, so one admin
    stays. B's request has passed the admin check when A's change lands."""
    boss, _ = admin
    deputy = make_user(app, "deputy@clinic.example", role="admin", totp=True)
    deputy_client = log_in(app, deputy)
    read = account_page(deputy_client, boss["id"])
    lock = accounts._lock_admins

    def the_other_admin_acts_first():
        # Another request's change, on its own connection, committed.
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(User.__table__.update().where(User.__table__.c.id == deputy["id"])
                               .values(role="staff"))
        lock()

    monkeypatch.setattr(accounts, "_lock_admins", the_other_admin_acts_first)
    response = post_action(deputy_client, boss["id"], "role", read, role="staff")
    assert response.status_code == 409
    assert "boss@clinic.example is the only active admin" in response.text
    assert user(app, boss["id"]).role == "admin"

    # The deputy (an admin again) demotes the boss while the boss's password is being reset:
    # the change is made only if the account is still as read, checked in the UPDATE itself.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(User.__table__.update().where(User.__table__.c.id == deputy["id"])
                           .values(role="admin"))
    read = account_page(deputy_client, boss["id"])

    def a_reset_lands_first():
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(User.__table__.update().where(User.__table__.c.id == boss["id"])
                               .values(password_hash=accounts.hash_password("x" * 20),
                                       must_change_password=True))
        lock()

    monkeypatch.setattr(accounts, "_lock_admins", a_reset_lands_first)
    response = post_action(deputy_client, boss["id"], "role", read, role="staff")
    assert response.status_code == 409 and "changed meanwhile" in response.text
    assert user(app, boss["id"]).role == "admin"
    monkeypatch.setattr(accounts, "_lock_admins", lock)
    # The CLI keeps one too (the first admin's tool).
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(User.__table__.update().where(User.__table__.c.id == deputy["id"])
                           .values(role="staff"))
    result = app.test_cli_runner().invoke(args=["users", "disable", boss["email"]])
    assert result.exit_code != 0 and "only active admin" in result.output
    assert user(app, boss["id"]).active


def test_two_admins_at_once_nothing_is_silently_overwritten(app, admin, clock):
    _, client = admin
    deputy = make_user(app, "deputy@clinic.example", role="admin", totp=True)
    deputy_client = log_in(app, deputy)
    nurse = make_user(app, "nurse@clinic.example", totp=True)
    boss_read = account_page(client, nurse["id"])
    deputy_read = account_page(deputy_client, nurse["id"])
    # Both had the page open; the boss resets the password first, then the deputy's reset
    # (which would replace the password the boss is handing over) is not done.
    password = shown_password(post_action(client, nurse["id"], "reset-password", boss_read))
    late = post_action(deputy_client, nurse["id"], "reset-password", deputy_read)
    assert late.status_code == 409
    assert "Not done: the account changed meanwhile" in late.text
    assert "Temporary password, expires" in late.text  # the state now
    with app.app_context():
        assert accounts.password_matches(db.session.get(User, nurse["id"]).password_hash,
                                         password)
    # The conflict page offers the change again, against the state it shows.
    again = SEEN.search(late.text).group(1)
    redo = post_action(deputy_client, nurse["id"], "reset-password",
                       (csrf_token(late.text), again))
    assert shown_password(redo) != password
    # Role: the boss makes the nurse an admin; the deputy's "staff" from an older page waits.
    boss_read, deputy_read = account_page(client, nurse["id"]), account_page(
        deputy_client, nurse["id"])
    assert post_action(client, nurse["id"], "role", boss_read, role="admin").status_code == 303
    late = post_action(deputy_client, nurse["id"], "role", deputy_read, role="staff")
    assert late.status_code == 409 and "Make it Staff anyway" in late.text
    assert user(app, nurse["id"]).role == "admin"
    # Disabling with an out-of-date page: not done either, and says what the account is now.
    stale = account_page(deputy_client, nurse["id"])
    assert post_action(client, nurse["id"], "disable").status_code == 303
    late = post_action(deputy_client, nurse["id"], "disable", stale)
    assert late.status_code == 409 and "Disabled" in late.text
    assert "anyway" not in late.text and "already the case" in late.text
    conflicts = [a for a, _, _, o in audit_rows(app) if o == "conflict"]
    assert conflicts == ["user_password_reset", "user_role_changed", "user_disabled"]


def test_refusals_non_admin_csrf_unknown_account_and_bad_values(app, admin, clock):
    boss, client = admin
    staff = make_user(app, "nurse@clinic.example", totp=True)
    staff_client = log_in(app, staff)
    read = account_page(client, staff["id"])
    token = page_token(staff_client, "/staff/")
    for url in ("/staff/admin/users", "/staff/admin/users/add", f"/staff/admin/users/{boss['id']}"):
        assert staff_client.get(url).status_code == 403, url
    for action in ("role", "disable", "enable", "reset-password", "reset-two-step"):
        sent = staff_client.post(f"/staff/admin/users/{boss['id']}/{action}",
                                 data={"csrf_token": token, "seen": read[1], "role": "staff"})
        assert sent.status_code == 403, action
    assert staff_client.post("/staff/admin/users/add", data={
        "csrf_token": token, "email": "x@clinic.example", "role": "admin"}).status_code == 403
    # An admin's form without its token, or without the state it read: nothing done.
    for action in ("role", "disable", "reset-password", "reset-two-step"):
        no_token = client.post(f"/staff/admin/users/{staff['id']}/{action}",
                               data={"seen": read[1], "role": "admin"})
        assert no_token.status_code == 400, action
        no_state = client.post(f"/staff/admin/users/{staff['id']}/{action}",
                               data={"csrf_token": read[0], "role": "admin"})
        assert no_state.status_code == 303, action
        assert "Nothing was done" in client.get(no_state.headers["Location"]).text
    # A role that does not exist: the page again with the message next to the choice.
    bad = post_action(client, staff["id"], "role", read, role="root")
    assert bad.status_code == 400 and 'id="role-error"' in bad.text
    assert 'href="#account-role"' in bad.text
    for path in ("/staff/admin/users/999999", "/staff/admin/users/999999/disable",
                 "/staff/admin/users/abc", "/staff/admin/users/99999999999/role"):
        answer = client.post(path, data={"csrf_token": read[0], "seen": read[1]}) if (
            path.count("/") == 5) else client.get(path)
        assert answer.status_code == 404, path
    found = user(app, staff["id"])
    assert (found.role, found.active, found.totp_secret) == ("staff", True, staff["totp_secret"])
    assert [a for a, *_ in audit_rows(app) if a.startswith("user_")] == []


def test_audit_rows_of_account_changes_name_the_account_never_a_secret(app, admin, clock):
    _, client = admin
    password = shown_password(create(client, "temp@clinic.example", role="admin"))
    with app.app_context():
        made = db.session.scalar(select(User).where(User.email == "temp@clinic.example"))
    second = shown_password(post_action(client, made.id, "reset-password"))
    rows = [r for r in audit_rows(app) if r[0].startswith("user_")]
    assert [r[2] for r in rows] == [f"user {made.id} role admin", f"user {made.id}"]
    text = repr(audit_rows(app))
    for secret in (password, second, made.password_hash, "temp@clinic.example"):
        assert secret not in text
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


# --- temporary passwords expire ---------------------------------------------------------------

EXPIRED = "This temporary password has expired. Ask an admin for a new one."


def clinic_time(moment: datetime, zone: str = "America/Chicago") -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def choose_own_password(client, temporary: str):
    token = page_token(client, "/staff/account/password")
    return client.post("/staff/account/password", data={
        "csrf_token": token, "current_password": temporary, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})


def test_a_temporary_password_stops_working_72_hours_after_it_was_issued(app, admin, clock):
    app.config["CLINIC_TIMEZONE"] = "America/Chicago"
    boss, client = admin
    response = create(client, "new.nurse@clinic.example")
    password = shown_password(response)
    until = clinic_time(clock.now + timedelta(hours=72))
    assert f"It works until {until} (72 hours from now)" in response.text
    with app.app_context():
        made = db.session.scalar(select(User).where(User.email == "new.nurse@clinic.example"))
    assert f"Active, temporary password, expires {until}" in client.get("/staff/admin/users").text
    assert f"Temporary password, expires {until}" in client.get(
        f"/staff/admin/users/{made.id}").text
    # A minute before: the password still logs in (the next step is two-step set-up).
    clock.advance(hours=72, minutes=-1)
    assert post_login(app.test_client(), made.email, password).headers["Location"] == (
        "/staff/login/two-step-setup")
    # At 72 hours: refused, with a message only the right password gets.
    clock.advance(minutes=1)
    stranger = app.test_client()
    refused = post_login(stranger, made.email, password)
    assert refused.status_code == 200 and EXPIRED in refused.text
    assert 'class="error-summary"' in refused.text and password not in refused.text
    assert stranger.get("/staff/login/two-step-setup").headers["Location"] == "/staff/login"
    for email, guess in ((made.email, "not the password"), ("nobody@clinic.example", password)):
        other = post_login(app.test_client(), email, guess)
        assert other.status_code == 200 and EXPIRED not in other.text
        assert "The email address or password is not right." in other.text
    assert ("login_failed", made.id, "temporary password expired", "refused") in audit_rows(app)
    # The admin sees it has expired, and resets it: a new one, for 72 hours from now.
    client = log_in(app, boss)  # their session of three days ago has ended too
    listing = client.get("/staff/admin/users").text
    assert "Active, temporary password expired" in listing
    assert f"expires {until}" not in listing
    assert "Temporary password expired" in client.get(f"/staff/admin/users/{made.id}").text
    reset = post_action(client, made.id, "reset-password")
    second = shown_password(reset)
    assert f"It works until {clinic_time(clock.now + timedelta(hours=72))}" in reset.text
    assert post_login(app.test_client(), made.email, password).status_code == 200  # the old
    # At 71 hours it still logs in; the person's own password, chosen then, never expires.
    clock.advance(hours=71)
    nurse = log_in(app, {"email": made.email, "password": second})
    assert choose_own_password(nurse, second).status_code == 303
    assert user(app, made.id).temporary_password_issued_at is None
    client = log_in(app, boss)
    assert "Chosen by the person" in client.get(f"/staff/admin/users/{made.id}").text
    clock.advance(hours=100)
    assert post_login(app.test_client(), made.email, NEW_PASSWORD).headers["Location"] == (
        "/staff/login/code")


def test_the_hours_a_temporary_password_works_are_configurable(app, admin, clock):
    app.config["TEMPORARY_PASSWORD_HOURS"] = 4
    _, client = admin
    response = create(client, "nurse@clinic.example")
    password = shown_password(response)
    assert f"It works until {clinic_time(clock.now + timedelta(hours=4), 'UTC')}" in (
        response.text)
    clock.advance(hours=4)
    assert EXPIRED in post_login(app.test_client(), "nurse@clinic.example", password).text


def test_flask_users_gives_temporary_passwords_the_same_expiry(app, clock):
    app.config["CLINIC_TIMEZONE"] = "America/Chicago"
    runner = app.test_cli_runner()
    made = runner.invoke(args=["users", "create", "nurse@clinic.example"])
    assert made.exit_code == 0, made.output
    first = re.search(r"Temporary password \([^)]*\): (\S+)", made.output).group(1)
    assert f"It works until {clinic_time(clock.now + timedelta(hours=72))}" in made.output
    clock.advance(hours=72)
    assert EXPIRED in post_login(app.test_client(), "nurse@clinic.example", first).text
    again = runner.invoke(args=["users", "set-password", "nurse@clinic.example", "--random"])
    assert again.exit_code == 0, again.output
    second = re.search(r"Temporary password \([^)]*\): (\S+)", again.output).group(1)
    assert f"It works until {clinic_time(clock.now + timedelta(hours=72))}" in again.output
    assert post_login(app.test_client(), "nurse@clinic.example", second).status_code == 303
    clock.advance(hours=72)
    assert EXPIRED in post_login(app.test_client(), "nurse@clinic.example", second).text
    # A password set with the prompt is the person's own: no expiry.
    chosen = runner.invoke(args=["users", "set-password", "nurse@clinic.example"],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert chosen.exit_code == 0, chosen.output
    with app.app_context():
        found = db.session.scalar(select(User).where(User.email == "nurse@clinic.example"))
        assert (found.must_change_password, found.temporary_password_issued_at) == (False, None)
    clock.advance(hours=1000)
    assert post_login(app.test_client(), "nurse@clinic.example", NEW_PASSWORD).status_code == 303


@pytest.mark.server
def test_the_migration_dates_the_temporary_passwords_of_a_database_with_accounts(
        served_database):
    """0011 on a database with accounts: a temporary password from before counts as issued at
    the upgrade (it works TEMPORARY_PASSWORD_HOURS more); a chosen one has none. Downgrading
    keeps the accounts."""
    def migrate(*args: str) -> None:
        done = flask_db(served_database, *args)
        assert done.returncode == 0, done.stderr

    migrate("upgrade", "0010_dashboard_counted")
    engine = create_engine(served_database.url)
    try:
        table = Table("user_account", MetaData(), autoload_with=engine)
        assert "temporary_password_issued_at" not in table.c
        common = {"role": "staff", "active": True, "session_version": 1, "is_demo": False,
                  "password_hash": "x", "created_at": datetime.now(UTC)}
        with engine.begin() as connection:
            connection.execute(table.insert(), [
                {**common, "email": "temporary@clinic.example", "must_change_password": True},
                {**common, "email": "own@clinic.example", "must_change_password": False}])
        before = datetime.now(UTC)
        migrate("upgrade")
        after = datetime.now(UTC)
        table = Table("user_account", MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            found = dict(connection.execute(select(
                table.c.email, table.c.temporary_password_issued_at)).all())
        issued = found["temporary@clinic.example"]
        issued = issued if issued.tzinfo else issued.replace(tzinfo=UTC)  # SQLite: no zone
        assert before - timedelta(seconds=1) <= issued <= after
        assert found["own@clinic.example"] is None
        migrate("downgrade", "0010_dashboard_counted")
        table = Table("user_account", MetaData(), autoload_with=engine)
        assert "temporary_password_issued_at" not in table.c
        with engine.connect() as connection:
            assert sorted(connection.execute(select(table.c.email)).scalars()) == [
                "own@clinic.example", "temporary@clinic.example"]
        migrate("upgrade")
    finally:
        engine.dispose()


# --- in Chromium ------------------------------------------------------------------------------

BROWSER_SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.mark.browser
def test_the_account_pages_in_chromium_at_desktop_and_phone_width(browser, tmp_path):
    """At desktop and phone width: the list, adding an account (a mistake first,
    then the password shown once), an account's page and the conflict page; nothing scrolls
    sideways and axe finds nothing serious. Screenshots in test-artifacts/screenshots."""
    from browser_support import (
        ARTIFACTS,
        new_context,
        no_sideways_scroll,
        serious_violations,
        serve,
        staff_log_in,
    )

    def check(page, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"staff-{name}.png"), full_page=True)
        assert no_sideways_scroll(page), name
        assert serious_violations(page) == [], name

    with serve(tmp_path) as server:
        boss = make_user(server.app, "boss@clinic.example", role="admin", totp=True)
        make_user(server.app, "a.very.long.name.for.the.night.nurse@northside-clinic.example",
                  totp=True, last_login_at=datetime(2026, 3, 1, 14, 5, tzinfo=UTC))
        make_user(server.app, "left@clinic.example", active=False)
        for added, (size, (width, height)) in enumerate(BROWSER_SIZES.items()):
            context = new_context(browser, server, width=width, height=height)
            page = context.new_page()
            staff_log_in(page, boss["email"], PASSWORD, boss["totp_secret"])
            page.goto("/staff/admin/users")
            assert page.locator("table.accounts tbody tr").count() == 3 + added
            check(page, f"accounts-{size}")
            page.click("text=Add an account")
            page.fill("#email", "not an email")
            page.click("form:has(#email) button[type=submit]")
            assert page.locator("#email-error").is_visible()
            check(page, f"account-new-error-{size}")
            page.fill("#email", f"nurse-{size}@clinic.example")
            page.check("#role-admin")
            page.click("form:has(#email) button[type=submit]")
            password = page.locator(".one-time-password code").inner_text()
            assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){3}", password)
            check(page, f"account-password-{size}")
            page.click("text=Done: back to the account")
            assert page.locator("h1").inner_text().startswith(f"nurse-{size}@clinic.example")
            check(page, f"account-{size}")
            with server.app.app_context():  # another admin changes the role meanwhile
                made = db.session.scalar(select(User).where(
                    User.email == f"nurse-{size}@clinic.example"))
                made.role = "staff"
                db.session.commit()
            page.check("#role-staff")
            page.click("text=Save the role")
            assert "changed meanwhile" in page.locator("h1").inner_text()
            check(page, f"account-conflict-{size}")
            assert context.request_log.foreign() == []
            context.close()
        # With JavaScript off (axe needs it, so no axe here): add an account, reset its password.
        # Another admin: a code is accepted once, one step ahead at most (two log-ins above).
        deputy = make_user(server.app, "deputy@clinic.example", role="admin", totp=True)
        context = new_context(browser, server, javascript=False)
        page = context.new_page()
        staff_log_in(page, deputy["email"], PASSWORD, deputy["totp_secret"])
        page.goto("/staff/admin/users/add")
        page.fill("#email", "no-script@clinic.example")
        page.click("form:has(#email) button[type=submit]")
        first = page.locator(".one-time-password code").inner_text()
        page.click("text=Done: back to the account")
        page.click("text=Reset the password")
        assert page.locator(".one-time-password code").inner_text() not in ("", first)
        context.close()
