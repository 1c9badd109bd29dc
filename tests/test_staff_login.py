"""Staff log-in, sessions and two-step verification (security.md A.2.2, A.2.4, A.2.12)."""

from __future__ import annotations

import re
import secrets
import types
from datetime import UTC, datetime, timedelta

import limits.storage.memory
import pytest
from sqlalchemy import select

import config
from screener import create_app
from screener.app import ConfigurationError
from screener.extensions import db
from screener.models import AuditEvent, RecoveryCode, User
from screener.staff import accounts, auth
from screener.startup import refuse_demo_accounts

from conftest import make_app
from flow_helpers import session_payload, start
from staff_helpers import (
    PASSWORD,
    RECOVERY_CODES_ON_PAGE,
    audit_actions,
    enrol,
    install_clock,
    log_in,
    make_user,
    next_code,
    page_token,
    post_code,
    post_login,
    sign_in,
    totp_code,
)


@pytest.fixture
def clock(app):
    return install_clock(app)


@pytest.fixture
def account(app):
    return make_user(app, totp=True)  # every account has two-step verification


def logged_in(client) -> bool:
    response = client.get("/staff/")
    return response.status_code == 200 and "Review queue" in response.text


def test_login_with_the_right_password_opens_the_queue(app, client, account):
    response = post_login(client, account["email"], PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/login/code"
    assert not logged_in(client)
    response = sign_in(app, app.test_client(), account)
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"
    assert audit_actions(app, user_id=account["id"]) == ["login"]


def test_email_is_matched_whatever_its_case(client, account):
    assert post_login(client, " Staff@Clinic.EXAMPLE ", PASSWORD).status_code == 303


def test_unknown_email_and_wrong_password_get_the_same_answer(app, account):
    def attempt(email: str) -> tuple[int, str]:
        client = app.test_client()
        response = post_login(client, email, "not the password at all")
        body = re.sub(r'value="[^"]*"', 'value=""', response.text)  # token and typed email
        return response.status_code, body

    wrong_password = attempt(account["email"])
    unknown = attempt("nobody@clinic.example")
    assert wrong_password == unknown
    assert "The email address or password is not right." in unknown[1]
    assert audit_actions(app, action="login_failed") == ["login_failed", "login_failed"]


@pytest.fixture
def password_checks(monkeypatch) -> list[int]:
    """A 1 for each password hash checked (the app's hasher, counted)."""
    calls: list[int] = []
    real = accounts.hasher

    class CountingHasher:
        def verify(self, *args):
            calls.append(1)
            return real.verify(*args)

        def check_needs_rehash(self, *args):
            return real.check_needs_rehash(*args)

        def hash(self, *args):  # making an account: not a check
            return real.hash(*args)

    monkeypatch.setattr(accounts, "hasher", CountingHasher())
    monkeypatch.setattr(auth, "hasher", CountingHasher())
    return calls


def test_an_unknown_email_costs_one_password_hash_like_a_known_one(app, account,
                                                                    password_checks):
    calls = password_checks
    post_login(app.test_client(), "nobody@clinic.example", "some password here")
    assert calls == [1]
    post_login(app.test_client(), account["email"], "some password here")
    assert calls == [1, 1]


def test_a_disabled_account_cannot_log_in_and_is_told_nothing_more(app, client):
    account = make_user(app, "gone@clinic.example", active=False)
    response = post_login(client, account["email"], PASSWORD)
    assert response.status_code == 200
    assert "The email address or password is not right." in response.text
    assert not logged_in(client)


def test_passwords_are_stored_as_argon2id_above_the_asvs_floor(app, production_hashing):
    account = make_user(app, "strong@clinic.example")
    with app.app_context():
        stored = db.session.get(User, account["id"]).password_hash
    match = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$.+", stored)
    assert match, stored
    memory, time_cost, lanes = map(int, match.groups())
    assert memory >= 19 * 1024 and time_cost >= 2 and lanes >= 1


def test_a_hash_with_old_parameters_is_upgraded_at_login(app, client, production_hashing):
    weak = accounts.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    account = make_user(app, "old@clinic.example")
    with app.app_context():
        db.session.get(User, account["id"]).password_hash = weak
        db.session.commit()
    assert post_login(client, account["email"], PASSWORD).status_code == 303
    with app.app_context():
        assert db.session.get(User, account["id"]).password_hash != weak
        assert not accounts.hasher.check_needs_rehash(db.session.get(User, account["id"])
                                                      .password_hash)


@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/staff/", "/\\evil.example", "javascript:alert(1)",
    "/help", "staff/", "/staff/\r\nX: y",
])
def test_after_login_only_staff_pages_are_a_destination(app, client, account, target):
    response = sign_in(app, client, account, next_url=target)
    assert response.headers["Location"] == "/staff/"


def test_after_login_the_page_asked_for_opens(app, client, account):
    first = client.get("/staff/rules")
    assert first.status_code == 302
    assert first.headers["Location"] == "/staff/login?next=/staff/rules"
    login_page = client.get(first.headers["Location"])
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text).group(1)
    assert 'name="next" value="/staff/rules"' in login_page.text
    response = client.post("/staff/login", data={"csrf_token": token, "email": account["email"],
                                                  "password": PASSWORD, "next": "/staff/rules"})
    assert response.headers["Location"] == "/staff/login/code"
    response = post_code(client, next_code(account, datetime.now(UTC)))
    assert response.headers["Location"] == "/staff/rules"


def test_login_starts_a_new_session_and_drops_what_was_there(app, client, account):
    start(client)  # a patient draft in this browser
    assert "draft" in session_payload(client)
    sign_in(app, client, account)
    payload = session_payload(client)
    assert "draft" not in payload
    assert set(payload) <= {"_user_id", "_fresh", "_id", "_permanent", "login_at", "seen",
                            "csrf_token"}
    assert payload["_user_id"] == f"{account['id']}:1"  # an id and a version, nothing else


def test_the_session_cookie_is_httponly_and_samesite_and_never_remembered(app, client,
                                                                         account):
    response = sign_in(app, client, account)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
    assert "Path=/" in session_cookie
    assert "Domain" not in session_cookie
    assert "Expires" not in session_cookie  # a browser-session cookie; the server times out
    assert not any(c.startswith("remember_token") for c in cookies)


def test_logout_is_a_post_and_ends_every_copy_of_the_cookie(app, client, account):
    sign_in(app, client, account)
    copied = client.get_cookie("session").value
    assert client.get("/staff/logout").status_code == 405
    response = client.post("/staff/logout", data={"csrf_token": page_token(client, "/staff/")})
    assert response.status_code == 200
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert "You have logged out" in response.text
    thief = app.test_client()
    thief.set_cookie("session", copied)
    replay = thief.get("/staff/")
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/staff/login")
    assert "logout" in audit_actions(app, user_id=account["id"])


def test_changing_the_password_ends_the_other_sessions(app, account):
    laptop = log_in(app, account)
    phone = log_in(app, account)
    new_password = "a brand new passphrase"
    response = laptop.post("/staff/account/password", data={
        "csrf_token": page_token(laptop, "/staff/account/password"),
        "current_password": PASSWORD, "new_password": new_password,
        "confirm_password": new_password})
    assert response.status_code == 303
    assert logged_in(laptop)
    assert not logged_in(phone)
    assert post_login(app.test_client(), account["email"], new_password).status_code == 303
    assert post_login(app.test_client(), account["email"], PASSWORD).status_code == 200
    assert "password_change" in audit_actions(app, user_id=account["id"])


@pytest.mark.parametrize(("new_password", "accepted"), [
    ("elevenchars", False),
    ("twelve chars", True),
    ("the quick brown fox jumps over the lazy dog near the riverbank 64", True),
    ("🦉 night owl 🦉 passphrase", True),
    ("a" * 300, False),
    ("Password123456!", False),
    ("ketamine-2026!!", False),
    ("aaaaaaaaaaaaaaa", False),
])
def test_the_password_policy_is_about_length_and_guessability(app, account, new_password,
                                                               accepted):
    client = log_in(app, account)
    response = client.post("/staff/account/password", data={
        "csrf_token": page_token(client, "/staff/account/password"),
        "current_password": PASSWORD, "new_password": new_password,
        "confirm_password": new_password})
    assert (response.status_code == 303) is accepted, response.text


def test_a_wrong_current_password_changes_nothing(app, account):
    client = log_in(app, account)
    response = client.post("/staff/account/password", data={
        "csrf_token": page_token(client, "/staff/account/password"),
        "current_password": "not it at all", "new_password": "a brand new passphrase",
        "confirm_password": "a brand new passphrase"})
    assert response.status_code == 200
    assert "Your current password is not right." in response.text
    assert post_login(app.test_client(), account["email"], PASSWORD).status_code == 303
    with app.app_context():  # audited (U10), without what was typed
        failure = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "password_change_failed")).one()
    assert failure.user_id == account["id"] and failure.outcome == "refused"
    assert "not it at all" not in failure.detail


def test_a_temporary_password_must_be_changed_before_anything_else(app):
    account = make_user(app, "new@clinic.example", must_change_password=True)
    client = log_in(app, account)
    for url in ("/staff/", "/staff/rules", "/staff/account"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == "/staff/account/password"
    new_password = "my own passphrase now"
    client.post("/staff/account/password", data={
        "csrf_token": page_token(client, "/staff/account/password"),
        "current_password": PASSWORD, "new_password": new_password,
        "confirm_password": new_password})
    assert logged_in(client)


# --- time ------------------------------------------------------------------------------------

def test_29_idle_minutes_keep_the_session_and_31_end_it(app, clock, account):
    client = log_in(app, account)
    clock.advance(minutes=29)
    assert logged_in(client)
    clock.advance(minutes=31)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")
    login_page = client.get(response.headers["Location"])
    assert "logged out after a period without activity" in login_page.text
    clock.advance(minutes=-31)  # going back in time does not bring the session back
    assert not logged_in(client)
    assert "session_timeout" in audit_actions(app, user_id=account["id"])


def test_the_idle_timer_is_renewed_to_the_half_minute_not_on_every_request(app, clock, account):
    """Signing the cookie again on every page cost a tenth of a queue page: the idle timer is
    renewed when 30 s have passed since it was last renewed."""
    client = log_in(app, account)
    client.get("/staff/")  # the first page also makes the session's form token
    clock.advance(seconds=10)
    assert "Set-Cookie" not in client.get("/staff/").headers
    clock.advance(seconds=25)
    assert "Set-Cookie" in client.get("/staff/").headers  # renewed: 35 s since the last time
    clock.advance(minutes=29, seconds=50)
    assert logged_in(client)  # idle 29 min 50 s from the renewal


def test_an_idle_session_ends_without_ending_the_other_devices(app, clock, account):
    desk = log_in(app, account)
    clock.advance(minutes=20)
    laptop = log_in(app, account)
    clock.advance(minutes=15)
    assert not logged_in(desk)  # 35 minutes idle
    assert logged_in(laptop)  # 15 minutes idle


def test_the_idle_limit_is_configurable(app, clock, account):
    app.config["STAFF_IDLE_MINUTES"] = 5
    client = log_in(app, account)
    clock.advance(minutes=6)
    assert not logged_in(client)


def test_a_session_ends_after_12_hours_even_when_in_use(app, clock, account):
    client = log_in(app, account)
    for _ in range(36):  # every 20 minutes for 12 hours
        clock.advance(minutes=20)
        assert logged_in(client)
    clock.advance(minutes=1)
    assert not logged_in(client)


# --- two-step verification -------------------------------------------------------------------

@pytest.mark.parametrize("role", ["staff", "admin"])
def test_every_account_without_a_second_factor_must_set_one_up_at_first_login(app, client,
                                                                              clock, role):
    person = make_user(app, f"{role}@clinic.example", role=role)
    response = post_login(client, person["email"], PASSWORD)
    assert response.headers["Location"] == "/staff/login/two-step-setup"
    assert client.get("/staff/").status_code == 302  # not logged in yet
    page = client.get("/staff/login/two-step-setup")
    secret = re.search(r'class="secret-key">([A-Z2-7]+)<', page.text).group(1)
    assert "otpauth://totp/" in page.text
    wrong = post_code(client, "000000", "/staff/login/two-step-setup")
    assert wrong.status_code == 200 and "That code is not right" in wrong.text
    response = post_code(client, totp_code(secret, clock.now), "/staff/login/two-step-setup")
    assert response.status_code == 200 and "Save your recovery codes" in response.text
    assert logged_in(client)
    with app.app_context():
        user = db.session.get(User, person["id"])
        assert user.totp_secret == secret and user.totp_pending_secret is None
    assert {"totp_enrolled", "recovery_codes_created"} <= set(
        audit_actions(app, user_id=person["id"]))


def test_the_setup_page_draws_its_qr_code_inline_with_no_outside_request(app, client):
    person = make_user(app)
    post_login(client, person["email"], PASSWORD)
    response = client.get("/staff/login/two-step-setup")
    qr = re.search(r'<div class="qr"><svg [^>]*class="qr-code".*?</svg></div>', response.text,
                   re.S)
    assert qr and "<title>QR code of the setup address</title>" in qr.group(0)
    assert "<path" in qr.group(0) and "<img" not in response.text
    assert not re.search(r'(src|href)="(https?:)?//', response.text)
    assert "img-src 'self'" in response.headers["Content-Security-Policy"]


def test_recovery_codes_are_shown_once_stored_hashed_and_each_works_once(app, clock):
    person = make_user(app)
    first = app.test_client()
    post_login(first, person["email"], PASSWORD)
    codes = enrol(first, person, clock.now)
    assert len(set(codes)) == 10
    with app.app_context():
        stored = db.session.scalars(select(RecoveryCode.code_hash).where(
            RecoveryCode.user_id == person["id"])).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert not any(code.replace("-", "") in repr(stored) for code in codes)
    assert codes[0] not in first.get("/staff/account").text  # shown once only
    clock.advance(minutes=1)
    laptop = app.test_client()
    post_login(laptop, person["email"], PASSWORD)
    assert post_code(laptop, codes[0].lower()).status_code == 303  # typed loosely
    assert logged_in(laptop)
    again = app.test_client()
    post_login(again, person["email"], PASSWORD)
    reused = post_code(again, codes[0])
    assert reused.status_code == 200 and not logged_in(again)
    assert audit_actions(app, user_id=person["id"]).count("recovery_code_used") == 1
    with app.app_context():
        detail = db.session.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "recovery_code_used"))
    assert detail == "9 recovery codes left"


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(app, clock, account):
    client = log_in(app, account)
    clock.advance(minutes=1)
    url = "/staff/account/recovery-codes"
    refused = client.post(url, data={"csrf_token": page_token(client, url), "code": "000000"})
    assert refused.status_code == 200 and "That code is not right" in refused.text
    response = client.post(url, data={"csrf_token": page_token(client, url),
                                      "code": totp_code(account["totp_secret"], clock.now)})
    codes = RECOVERY_CODES_ON_PAGE.findall(response.text)
    assert len(codes) == 10
    clock.advance(minutes=1)
    other = app.test_client()
    post_login(other, account["email"], PASSWORD)
    assert post_code(other, codes[3]).status_code == 303


def test_the_demo_account_of_make_run_may_log_in_with_a_password_alone(app, client):
    demo = make_user(app, "demo@clinic.example", is_demo=True)
    response = post_login(client, demo["email"], PASSWORD)
    assert response.headers["Location"] == "/staff/"


def test_with_a_second_factor_the_password_alone_does_not_log_in(app, client, clock):
    admin = make_user(app, "admin@clinic.example", role="admin", totp=True)
    response = post_login(client, admin["email"], PASSWORD)
    assert response.headers["Location"] == "/staff/login/code"
    assert not logged_in(client)
    assert post_code(client, totp_code(admin["totp_secret"], clock.now)).status_code == 303
    assert logged_in(client)


def test_a_code_works_once(app, clock):
    admin = make_user(app, "admin@clinic.example", role="admin", totp=True)
    code = totp_code(admin["totp_secret"], clock.now)
    first = app.test_client()
    post_login(first, admin["email"], PASSWORD)
    assert post_code(first, code).status_code == 303
    second = app.test_client()
    post_login(second, admin["email"], PASSWORD)
    replay = post_code(second, code)
    assert replay.status_code == 200
    assert "already used" in replay.text
    assert not logged_in(second)
    assert "login_failed" in audit_actions(app, user_id=admin["id"])


@pytest.mark.parametrize(("steps", "accepted"), [(-3, False), (-1, True), (0, True),
                                                 (1, True), (2, False)])
def test_codes_are_accepted_one_step_either_side(app, client, clock, steps, accepted):
    admin = make_user(app, "admin@clinic.example", role="admin", totp=True)
    post_login(client, admin["email"], PASSWORD)
    response = post_code(client, totp_code(admin["totp_secret"], clock.now, steps))
    assert (response.status_code == 303) is accepted


def test_the_code_step_expires_after_five_minutes(app, client, clock):
    admin = make_user(app, "admin@clinic.example", role="admin", totp=True)
    post_login(client, admin["email"], PASSWORD)
    clock.advance(minutes=6)
    assert client.get("/staff/login/code").headers["Location"] == "/staff/login"


def test_the_demo_account_can_turn_on_two_step_verification(app, clock):
    demo = make_user(app, "demo@clinic.example", is_demo=True)
    client = log_in(app, demo)
    page = client.get("/staff/account/two-step")
    secret = re.search(r'class="secret-key">([A-Z2-7]+)<', page.text).group(1)
    response = client.post("/staff/account/two-step", data={
        "csrf_token": page_token(client, "/staff/account/two-step"),
        "code": totp_code(secret, clock.now)})
    assert response.status_code == 200
    assert len(RECOVERY_CODES_ON_PAGE.findall(response.text)) == 10
    assert logged_in(client)  # this session continues
    clock.advance(minutes=1)
    later = app.test_client()
    assert post_login(later, demo["email"], PASSWORD).headers["Location"] == \
        "/staff/login/code"
    assert post_code(later, totp_code(secret, clock.now)).status_code == 303


def test_the_session_and_pending_login_hold_no_secrets(app, client, clock):
    admin = make_user(app, "admin@clinic.example", role="admin")
    post_login(client, admin["email"], PASSWORD)
    client.get("/staff/login/two-step-setup")
    payload = repr(session_payload(client))
    with app.app_context():
        pending = db.session.get(User, admin["id"]).totp_pending_secret
    assert pending and pending not in payload
    assert PASSWORD not in payload and admin["email"] not in payload


# --- rate limits -----------------------------------------------------------------------------

@pytest.fixture
def limited_app(database, tmp_path):
    yield from make_app(database, tmp_path, RATELIMIT_ENABLED=True)


@pytest.fixture
def limiter_clock(monkeypatch):
    """Moves Flask-Limiter's in-memory storage through time."""
    offset = [0.0]
    real_time = limits.storage.memory.time.time
    monkeypatch.setattr(limits.storage.memory, "time",
                        types.SimpleNamespace(time=lambda: real_time() + offset[0]))
    return offset


def test_one_address_gets_ten_login_attempts_a_minute(limited_app, limiter_clock):
    client = limited_app.test_client()
    for i in range(10):
        assert post_login(client, f"person{i}@clinic.example", "wrong password").status_code \
            == 200
    blocked = post_login(client, "person11@clinic.example", "wrong password")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text
    elsewhere = limited_app.test_client()
    assert post_login(elsewhere, "x@clinic.example", "wrong password",
                      REMOTE_ADDR="10.0.0.9").status_code == 200
    limiter_clock[0] += 61
    assert post_login(client, "person12@clinic.example", "wrong password").status_code == 200


def test_failed_attempts_on_one_account_lock_it_briefly_from_any_address(limited_app,
                                                                        limiter_clock):
    account = make_user(limited_app)
    for i in range(5):
        response = post_login(limited_app.test_client(), account["email"], "wrong password",
                              REMOTE_ADDR=f"10.0.1.{i}")
        assert response.status_code == 200
    right_password = post_login(limited_app.test_client(), account["email"], PASSWORD,
                                REMOTE_ADDR="10.0.2.1")
    assert right_password.status_code == 429  # even the right password waits
    limiter_clock[0] += 61
    assert post_login(limited_app.test_client(), account["email"], PASSWORD,
                      REMOTE_ADDR="10.0.2.2").status_code == 303


def test_successful_logins_do_not_count_against_the_account(limited_app, limiter_clock):
    account = make_user(limited_app)
    for i in range(8):
        assert post_login(limited_app.test_client(), account["email"], PASSWORD,
                          REMOTE_ADDR=f"10.0.3.{i}").status_code == 303


def test_no_more_than_20_failures_an_hour_per_account(limited_app, limiter_clock):
    account = make_user(limited_app)
    failures = 0
    for minute in range(60):
        limiter_clock[0] += 60
        for i in range(6):
            response = post_login(limited_app.test_client(), account["email"], "wrong",
                                  REMOTE_ADDR=f"10.{minute}.0.{i}")
            failures += response.status_code == 200
    assert failures == 20


def test_wrong_codes_count_against_the_account(limited_app, limiter_clock):
    admin = make_user(limited_app, "admin@clinic.example", role="admin", totp=True)
    client = limited_app.test_client()
    post_login(client, admin["email"], PASSWORD)
    statuses = [post_code(client, "000000").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def change_password(client, current: str, new: str = "a brand new passphrase"):
    url = "/staff/account/password"
    return client.post(url, data={"csrf_token": page_token(client, url),
                                  "current_password": current, "new_password": new,
                                  "confirm_password": new})


def test_wrong_current_passwords_count_against_the_account_like_log_ins(limited_app,
                                                                        limiter_clock):
    """Issue 19 #8: a session left open is not a way to guess the account's password."""
    account = make_user(limited_app, totp=True)
    client = log_in(limited_app, account)
    for i in range(5):
        wrong = change_password(client, f"guess number {i}")
        assert wrong.status_code == 200 and "Your current password is not right." in wrong.text
    right = change_password(client, PASSWORD)
    assert right.status_code == 429 and "Too many attempts" in right.text  # not even checked
    assert logged_in(client)  # refused, not logged out
    failures = audit_actions(limited_app, user_id=account["id"],
                             action="password_change_failed")
    assert failures == ["password_change_failed"] * 5  # every wrong guess, none for the 429
    # One budget for guessing the account's password, on either page.
    assert post_login(limited_app.test_client(), account["email"], PASSWORD,
                      REMOTE_ADDR="10.0.4.1").status_code == 429
    limiter_clock[0] += 61
    assert change_password(client, PASSWORD).status_code == 303
    with limited_app.app_context():
        stored = db.session.get(User, account["id"]).password_hash
    assert accounts.password_matches(stored, "a brand new passphrase")


def test_wrong_log_in_passwords_count_against_the_password_change_too(limited_app,
                                                                     limiter_clock):
    account = make_user(limited_app, totp=True)
    client = log_in(limited_app, account)
    for i in range(5):
        assert post_login(limited_app.test_client(), account["email"], "wrong password",
                          REMOTE_ADDR=f"10.0.5.{i}").status_code == 200
    assert change_password(client, PASSWORD).status_code == 429


def test_an_expired_temporary_password_counts_as_a_failed_attempt(limited_app, limiter_clock):
    """Issue 21: refused like a wrong password (audited, counted), after the same one check."""
    account = make_user(limited_app, must_change_password=True,
                        temporary_password_issued_at=datetime.now(UTC) - timedelta(hours=73))
    for i in range(5):
        response = post_login(limited_app.test_client(), account["email"], PASSWORD,
                              REMOTE_ADDR=f"10.0.6.{i}")
        assert response.status_code == 200
        assert "This temporary password has expired. Ask an admin for a new one." in (
            response.text)
    assert post_login(limited_app.test_client(), account["email"], PASSWORD,
                      REMOTE_ADDR="10.0.6.9").status_code == 429
    assert audit_actions(limited_app, user_id=account["id"]) == ["login_failed"] * 5


def test_an_expired_temporary_password_costs_one_check_like_any_log_in(app, password_checks):
    account = make_user(app, must_change_password=True,
                        temporary_password_issued_at=datetime.now(UTC) - timedelta(hours=73))
    for email in (account["email"], "nobody@clinic.example"):
        post_login(app.test_client(), email, PASSWORD)
    assert password_checks == [1, 1]


# --- production ------------------------------------------------------------------------------

def production_config(app) -> dict:
    settings = {k: getattr(config.ProductionConfig, k) for k in dir(config.ProductionConfig)
                if k.isupper()}
    settings.update(SECRET_KEY=secrets.token_hex(32), DEBUG=False,
                    SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                    SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    return settings


def test_production_refuses_to_start_while_the_demo_account_exists(app):
    """The start-up check (`flask check`, gunicorn's master) refuses, and a production worker
    (which does not query the database at boot) answers 503 meanwhile."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "staff"]).exit_code == 0
    production = create_app(production_config(app))
    with pytest.raises(ConfigurationError, match="demo staff account"):
        refuse_demo_accounts(production)
    assert production.test_client().get("/help").status_code == 503
    result = runner.invoke(args=["users", "disable", accounts.DEMO_EMAIL])
    assert result.exit_code == 0, result.output
    started = create_app(production_config(app))
    refuse_demo_accounts(started)  # starts now
    assert started.test_client().get("/help").status_code == 200


def test_in_production_the_session_cookie_is_secure_and_host_only(app):
    make_user(app)
    production = create_app(production_config(app))
    client = production.test_client()
    site = "https://clinic.example"
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/staff/login", base_url=site).text).group(1)
    response = client.post("/staff/login", base_url=site, headers={"Referer": f"{site}/"},
                           data={"csrf_token": token, "email": "staff@clinic.example",
                                 "password": PASSWORD})
    assert response.status_code == 303
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("__Host-session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


def test_no_sign_up_page_exists(app):
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    assert not [rule for rule in rules if re.search(r"sign.?up|register|users/new", rule)]
