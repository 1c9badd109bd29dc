"""`flask users create|set-password|disable|list` and `flask demo seed`."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import select

from screener.alerts.models import Alert
from screener.extensions import db
from screener.models import AuditEvent, Draft, Submission, User
from screener.rules import evaluate
from screener.staff import seed as seed_module

from staff_helpers import (
    PASSWORD,
    audit_actions,
    install_clock,
    log_in,
    make_user,
    page_token,
    post_login,
    row_count,
    staff_client,
)


def cli(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def temporary_password(output: str) -> str:
    return re.search(r"Temporary password \([^)]*\): (\S+)", output).group(1)


def test_create_makes_an_account_with_a_temporary_password_to_change(app, client):
    result = cli(app, "users", "create", "Nurse@Clinic.example")
    assert result.exit_code == 0, result.output
    password = temporary_password(result.output)
    assert len(password) >= 16
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nurse@clinic.example"))
        assert user.role == "staff" and user.must_change_password and user.active
        assert password not in user.password_hash
    # The password works (then two-step set-up, as at every first log-in), and must be changed.
    log_in(app, {"email": "nurse@clinic.example", "password": password}, client)
    assert client.get("/staff/").headers["Location"] == "/staff/account/password"
    assert "user_created" in audit_actions(app)


def test_create_an_admin(app):
    result = cli(app, "users", "create", "boss@clinic.example", "--role", "admin")
    assert result.exit_code == 0
    assert "two-step verification" in result.output
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.email == "boss@clinic.example")) \
            == "admin"


@pytest.mark.parametrize("args", [
    ["users", "create", "dup@clinic.example"],
    ["users", "create", "not-an-email"],
    ["users", "create", "x@clinic.example", "--role", "root"],
])
def test_create_refuses_duplicates_bad_emails_and_roles(app, args):
    make_user(app, "dup@clinic.example")
    result = cli(app, *args)
    assert result.exit_code != 0
    assert row_count(app, User) == 1


def test_set_password_asks_twice_and_ends_the_sessions(app):
    account = make_user(app)
    session = log_in(app, account)
    new_password = "lighthouse keeper at dawn"
    result = cli(app, "users", "set-password", account["email"],
                 input=f"{new_password}\n{new_password}\n")
    assert result.exit_code == 0, result.output
    assert new_password not in result.output
    assert session.get("/staff/").status_code == 302
    assert post_login(app.test_client(), account["email"], new_password).status_code == 303
    assert post_login(app.test_client(), account["email"], PASSWORD).status_code == 200


def test_set_password_refuses_a_weak_password(app):
    account = make_user(app)
    result = cli(app, "users", "set-password", account["email"], input="short\nshort\n")
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert post_login(app.test_client(), account["email"], PASSWORD).status_code == 303


def test_set_password_random_must_be_changed(app):
    account = make_user(app)
    result = cli(app, "users", "set-password", account["email"], "--random")
    password = temporary_password(result.output)
    client = log_in(app, {**account, "password": password})
    assert client.get("/staff/rules").headers["Location"] == "/staff/account/password"
    with app.app_context():  # audited like a reset in the browser, without the password
        row = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "user_password_reset"))
        assert (row.user_id, row.detail, row.client_ip) == (None, f"user {account['id']}", "cli")
        assert password not in row.detail


def test_set_password_for_nobody_fails(app):
    assert cli(app, "users", "set-password", "nobody@clinic.example").exit_code != 0


def test_disable_stops_logins_and_ends_sessions(app):
    account = make_user(app)
    session = log_in(app, account)
    result = cli(app, "users", "disable", account["email"])
    assert result.exit_code == 0
    assert session.get("/staff/").status_code == 302
    assert post_login(app.test_client(), account["email"], PASSWORD).status_code == 200
    assert "user_disabled" in audit_actions(app)


def test_list_shows_every_account_without_secrets(app):
    make_user(app, "a@clinic.example", role="admin", totp=True)
    make_user(app, "b@clinic.example", active=False)
    result = cli(app, "users", "list")
    lines = result.output.splitlines()
    assert re.search(r"^a@clinic.example\s+admin\s+yes\s+on\s+never$", result.output, re.M)
    assert re.search(r"^b@clinic.example\s+staff\s+no\s+off\s+never$", result.output, re.M)
    assert len(lines) == 3
    assert "argon2" not in result.output


def test_an_admin_can_end_someone_elses_sessions(app):
    install_clock(app)
    account = make_user(app)
    session = log_in(app, account)
    admin = staff_client(app, "admin")
    users_page = admin.get("/staff/admin/users").text
    assert "staff@clinic.example" in users_page.replace("<wbr>", "")  # may wrap at '@' and '.'
    response = admin.post(f"/staff/admin/users/{account['id']}/end-sessions",
                          data={"csrf_token": page_token(admin, "/staff/admin/users")})
    assert response.status_code == 303
    assert session.get("/staff/").status_code == 302
    assert admin.get("/staff/").status_code == 200
    assert "end_sessions" in audit_actions(app)


# --- demo seed -------------------------------------------------------------------------------

def test_seed_adds_varied_submissions_scored_by_the_rulebook(app, monkeypatch):
    monkeypatch.setattr(seed_module, "POOL_SIZE", 40)  # later rows reuse profiles
    result = cli(app, "demo", "seed", "--count", "150", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "Added 150 fake submissions" in result.output
    with app.app_context():
        rows = db.session.scalars(select(Submission)).all()
        assert len(rows) == 150
        assert len({r.reference for r in rows}) == 150
        assert len({(r.first_name, r.last_name, r.email) for r in rows}) > 140
        assert len(Counter(r.highest_severity for r in rows)) >= 4
        assert len(Counter(r.status for r in rows)) >= 5
        assert len({r.created_at.date() for r in rows}) > 50
        for row in rows:
            result = evaluate(row.answers, as_of=row.created_at.date())
            assert [f.rule_id for f in result.flags] == [f["rule_id"] for f in row.flags]
            assert result.scores == row.scores, row.reference
            assert row.first_name == row.answers["first_name"]
            assert row.email == row.answers["email"]


def test_seed_with_the_same_seed_value_makes_the_same_people(app):
    cli(app, "demo", "seed", "--count", "5", "--seed", "9")
    with app.app_context():
        first = sorted(db.session.scalars(select(Submission.email)))
        db.session.query(Draft).delete()  # the seed's drafts and alerts point at them
        db.session.query(Alert).delete()
        db.session.query(Submission).delete()
        db.session.commit()
    cli(app, "demo", "seed", "--count", "5", "--seed", "9")
    with app.app_context():
        assert sorted(db.session.scalars(select(Submission.email))) == first


def test_seed_if_empty_adds_nothing_the_second_time(app):
    assert cli(app, "demo", "seed", "--count", "3", "--if-empty").exit_code == 0
    result = cli(app, "demo", "seed", "--count", "3", "--if-empty")
    assert "nothing added" in result.output
    assert row_count(app, Submission) == 3


def test_seeded_submissions_open_on_the_staff_pages(app):
    cli(app, "demo", "seed", "--count", "20")
    client = log_in(app, make_user(app))
    page = client.get("/staff/?view=all").text
    references = re.findall(r'href="/staff/submissions/([0-9A-Z]+)"', page)
    assert len(references) == 20
    for reference in references[:5]:
        assert client.get(f"/staff/submissions/{reference}").status_code == 200
