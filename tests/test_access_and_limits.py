"""Who can reach what, generated from the whole URL map, and brute force stopped by rate limits
in both limiter storages (security.md A.2.5 AC1-AC3, A.2.8 D9-D10, A.2.12 N1-N4, A.2.1 H6).

test_staff_access.py walks the staff routes for anonymous visitors and staff on admin routes;
here every route of the application (patient, staff, static and any added later, exports and
print views included) is requested by four other browsers while two people's answers are in
the database: an anonymous one, another patient in the middle of the questionnaire, another
patient who has sent theirs, and a staff member. None of them ever gets a server error, and
none but the staff member on staff pages ever sees the people's names, answers, resume codes or
references.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from screener import create_app
from screener.extensions import db, limiter
from screener.models import AuditEvent, Draft

from conftest import REDIS_URL, make_app, postgres_unavailable, redis_unavailable
from flow_helpers import BASE, changed, csrf_token, post_page, walk
from http_browser import Browser
from server_harness import (
    Database,
    add_staff_account,
    app_environment,
    gunicorn,
    migrate,
    postgres_database,
)
from staff_helpers import install_clock, make_user, page_token, post_login, staff_client

LIMITS_PASSWORD = "rate limited pass phrase 5"
pytestmark = pytest.mark.skipif(not BASE, reason="shared/design/personas.json not found")

SESSION_ENDERS = ("staff.logout", "patient.finish")  # in this order, after every other route
SENT_CANARY = "Zyxwq-Sent"  # a person who sent their answers
DRAFT_CANARY = "Zyxwq-Draft"  # a person half-way, with a resume code


def send_answers(client, answers: dict) -> str:
    """Walk, send, and return the reference on the confirmation page."""
    assert walk(client, answers) == "/check"
    token = csrf_token(client.get("/check").text)
    assert client.post("/submit", data={"csrf_token": token}).status_code == 303
    return re.search(r'class="reference">([0-9A-Z]+)<', client.get("/confirmation").text)[1]


def resume_code(client, answers: dict, key: str = "reasons/1") -> str:
    walk(client, answers, stop_at=key)
    page = post_page(client, f"/q/{key}", [], action="later")
    return re.search(r'class="resume-code"[^>]*>([A-Z0-9-]+)<', page.text)[1]


def example_urls(rule, reference: str) -> list[str]:
    """The rule's URL with ordinary arguments, plus huge numbers for its integer parts."""
    args = {"section_id": "about_you", "number": 1, "reference": reference, "user_id": 1,
            "filename": "css/site.css"}
    values = {name: args.get(name, "x") for name in rule.arguments}
    urls = [rule.build(values)[1]]
    numbers = re.findall(r"<int(?:\([^)]*\))?:(\w+)>", rule.rule)
    if numbers:
        path = rule.build(values)[1]
        for name in numbers:
            path = path.replace(f"/{values[name]}", f"/{2**63}", 1)
        urls.append(path)
    return urls


def test_no_other_browser_reaches_a_persons_answers_codes_or_references(app):
    install_clock(app)
    sender, waiting = app.test_client(), app.test_client()
    reference = send_answers(sender, changed(first_name=SENT_CANARY, last_name="Sentperson",
                                             email="zyxwq.sent@example.org"))
    code = resume_code(waiting, changed(first_name=DRAFT_CANARY, last_name="Draftperson"))
    secrets_of_others = [SENT_CANARY, DRAFT_CANARY, code, code.replace("-", ""), "Sentperson",
                         "Draftperson", "zyxwq.sent"]

    halfway, done = app.test_client(), app.test_client()
    walk(halfway, BASE, stop_at="phq9/1")
    send_answers(done, BASE)
    visitors = {"anonymous": app.test_client(), "patient half-way": halfway,
                "patient who sent theirs": done, "staff": staff_client(app)}
    tokens = {name: csrf_token(client.get("/resume").text) for name, client in visitors.items()}

    checked = 0
    # The routes that end a session last (staff log-out, the patient's "Finish and clear this
    # device"), so that each browser keeps its session and form token for the other routes.
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (
            SESSION_ENDERS.index(r.endpoint) if r.endpoint in SESSION_ENDERS else -1, r.rule)):
        for url in example_urls(rule, reference):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for name, client in visitors.items():
                    data = {"csrf_token": tokens[name], "resume_code": reference,
                            "consent_store": "no", "language": "en", "next": "/check",
                            "q": SENT_CANARY} if method == "POST" else None
                    response = client.open(url, method=method, data=data)
                    checked += 1
                    where = (name, method, url, response.status_code)
                    assert response.status_code < 500, where
                    text = response.get_data().decode("utf-8", "replace") + str(response.headers)
                    if name == "staff" and rule.endpoint.startswith("staff."):
                        continue  # staff may read submissions (not resume codes)
                    assert not [s for s in secrets_of_others if s.lower() in text.lower()], where
                    if rule.endpoint.startswith("staff.") and name != "staff" and (
                            rule.endpoint not in ("staff.login", "staff.login_code",
                                                  "staff.login_setup")):
                        assert response.status_code in (302, 404, 405), where
                        if response.status_code == 302:
                            assert response.headers["Location"].startswith("/staff/login")
    assert checked >= 4 * 30
    # A reference typed as a resume code opens nothing (D10), and a code is shown only once.
    stranger = app.test_client()
    token = csrf_token(stranger.get("/resume").text)
    assert stranger.post("/resume", data={"csrf_token": token, "resume_code": reference}
                         ).status_code == 404
    assert "resume-code" not in waiting.get("/continue", follow_redirects=True).text
    with app.app_context():
        stored = [d.resume_code_hash for d in db.session.scalars(select(Draft))]
    assert code not in str(stored) and code.replace("-", "") not in str(stored)


def test_a_resume_code_loads_its_own_draft_only_and_only_in_the_browser_that_enters_it(app):
    alice, bob = app.test_client(), app.test_client()
    code = resume_code(alice, changed(first_name="Alice"))
    walk(bob, changed(first_name="Bobby"), stop_at="reasons/1")
    assert "Alice" not in bob.get("/q/about_you/1").text
    page = bob.get("/resume")
    entered = bob.post("/resume", data={"csrf_token": csrf_token(page.text),
                                        "resume_code": code})
    assert entered.status_code == 303
    assert 'value="Alice"' in bob.get("/q/about_you/1").text  # Bob's browser now holds it
    assert 'value="Alice"' in alice.get("/q/about_you/1").text  # and Alice keeps hers


# --- rate limits: in-memory and Redis storage --------------------------------------------------

@pytest.fixture(params=["memory", "redis"])
def limited_app(request, tmp_path, monkeypatch) -> Iterator:
    storage = "memory://"
    if request.param == "redis":
        problem = redis_unavailable()
        if problem:
            pytest.skip(problem)
        storage = REDIS_URL
    prefix = f"screener-test-{secrets.token_hex(6)}"
    monkeypatch.setattr(limiter, "_key_prefix", "")  # the limiter keeps the first app's prefix
    yield from make_app("sqlite", tmp_path, RATELIMIT_ENABLED=True,
                        RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=prefix,
                        RATELIMIT_RESUME="5 per minute",
                        STAFF_LOGIN_LIMIT_PER_ADDRESS="8 per minute",
                        STAFF_LOGIN_LIMIT_PER_ACCOUNT="4 per minute")
    if request.param == "redis":
        import redis

        connection = redis.Redis.from_url(REDIS_URL)
        keys = list(connection.scan_iter(f"*{prefix}*"))
        assert keys, "the limits were not counted in Redis"
        connection.delete(*keys)


def guess(app, code: str, address: str, **headers: str) -> int:
    client = app.test_client()
    page = client.get("/resume", environ_base={"REMOTE_ADDR": address})
    return client.post("/resume", data={"csrf_token": csrf_token(page.text),
                                        "resume_code": code},
                       environ_base={"REMOTE_ADDR": address}, headers=headers).status_code


def test_guessing_resume_codes_is_stopped(limited_app):
    code = resume_code(limited_app.test_client(), BASE)
    attacker = "10.9.8.7"
    tries = [guess(limited_app, secrets.token_hex(15).upper(), attacker) for _ in range(12)]
    assert tries == [404] * 5 + [429] * 7
    assert guess(limited_app, code, attacker) == 429  # even the right code, from there
    spoofed = guess(limited_app, "WRONG", attacker, **{"X-Forwarded-For": "10.1.1.1"})
    assert spoofed == 429  # no proxy is configured: X-Forwarded-For changes nothing
    assert guess(limited_app, code, "10.9.8.8") == 303  # the person, from their own address


def test_guessing_passwords_is_stopped_per_address_and_per_account(limited_app):
    account = make_user(limited_app, "target@clinic.example", password=LIMITS_PASSWORD)
    client = limited_app.test_client()
    here = {"REMOTE_ADDR": "10.7.7.7"}
    statuses = [post_login(client, f"guess{i}@clinic.example", "wrong password", **here
                           ).status_code for i in range(9)]
    assert statuses == [200] * 8 + [429]
    assert post_login(client, account["email"], LIMITS_PASSWORD, **here).status_code == 429
    for i in range(4):  # one account tried from four addresses
        assert post_login(limited_app.test_client(), account["email"], "wrong password",
                          REMOTE_ADDR=f"10.6.6.{i}").status_code == 200
    right = post_login(limited_app.test_client(), account["email"], LIMITS_PASSWORD,
                       REMOTE_ADDR="10.6.6.200")
    assert right.status_code == 429 and "Too many attempts" in right.text


def test_redis_limits_recover_after_their_window(tmp_path, monkeypatch):
    problem = redis_unavailable()
    if problem:
        pytest.skip(problem)
    prefix = f"screener-test-{secrets.token_hex(6)}"
    monkeypatch.setattr(limiter, "_key_prefix", "")
    for app in make_app("sqlite", tmp_path, RATELIMIT_ENABLED=True,
                        RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix,
                        RATELIMIT_RESUME="2 per 5 seconds"):
        # The window opens at the first guess: 5 s leave a busy machine room for three guesses
        # inside it (with 2 s a stall of 2 s let the third through), and the fourth waits until
        # the window has passed.
        statuses = [guess(app, "WRONG", "10.5.5.5")]
        window_over = time.monotonic() + 5.2
        statuses += [guess(app, "WRONG", "10.5.5.5") for _ in range(2)]
        assert statuses == [404, 404, 429]
        time.sleep(max(0.0, window_over - time.monotonic()))
        assert guess(app, "WRONG", "10.5.5.5") == 404


def test_a_redis_outage_falls_back_to_limits_in_memory_not_to_errors(tmp_path, monkeypatch):
    """Redis restarting must not stop people from starting, resuming or logging in."""
    monkeypatch.setattr(limiter, "_key_prefix", "")
    monkeypatch.setattr(limiter, "_storage_dead", False)
    for app in make_app("sqlite", tmp_path, RATELIMIT_ENABLED=True,
                        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",  # nothing listens there
                        RATELIMIT_RESUME="3 per minute"):
        assert [guess(app, "WRONG", "10.4.4.4") for _ in range(5)] == [404] * 3 + [429] * 2
        page = app.test_client().get("/")
        assert page.status_code == 200
    monkeypatch.setattr(limiter, "_storage_dead", False)


# --- per-account limits under parallel requests (issue 19 #9) ---------------------------------
#
# Each attempt is counted before its password or code is checked, with one atomic increment in
# the limiter's storage: of N attempts sent at the same moment, no more than the account limit
# get their password or code checked (before, the limit was tested first and counted after the
# check, so 16 parallel log-ins made 8 password checks against a limit of 5). The password and
# code checks are counted from the audit trail: each check that fails leaves one row.

PARALLEL_LIMIT = 5
PARALLEL_PASSWORD = "parallel guessed pass phrase 9"


def at_once(count: int, prepare, attempt) -> list:
    """`prepare(i)` in each of `count` threads, then every `attempt(prepared)` at one moment."""
    barrier = threading.Barrier(count)

    def run(i: int):
        prepared = prepare(i)
        barrier.wait(timeout=120)
        return attempt(prepared)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def wrong_code(secret: str) -> str:
    """A code that is not the account's for any step of the next and last minute and a half: a
    fixed "000000" is the right code about once in 330,000 tries (three steps are accepted)."""
    totp = pyotp.TOTP(secret)
    step = totp.timecode(datetime.now(UTC))
    near = {totp.generate_otp(step + offset) for offset in range(-3, 4)}
    return next(code for code in (f"{n:06d}" for n in range(8)) if code not in near)


def failed_checks(app, detail: str) -> int:
    with app.app_context():
        return len(db.session.scalars(select(AuditEvent.id).where(
            AuditEvent.action == "login_failed", AuditEvent.detail == detail)).all())


@pytest.fixture
def parallel_app(tmp_path, monkeypatch) -> Iterator:
    """In-process, memory storage, the real (slow) password hash: the window between counting
    and checking is as wide as in production."""
    monkeypatch.setattr(limiter, "_key_prefix", "")
    yield from make_app("sqlite", tmp_path, RATELIMIT_ENABLED=True,
                        RATELIMIT_STORAGE_URI="memory://",
                        RATELIMIT_KEY_PREFIX=f"screener-test-{secrets.token_hex(6)}",
                        STAFF_LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
                        STAFF_LOGIN_LIMIT_PER_ACCOUNT=f"{PARALLEL_LIMIT} per minute")


def test_parallel_log_ins_check_no_more_passwords_than_the_account_limit_in_memory(
        parallel_app):
    account = make_user(parallel_app, "guessed@clinic.example", password=PARALLEL_PASSWORD)

    def prepare(i: int):
        client = parallel_app.test_client()
        return client, csrf_token(client.get("/staff/login").text), f"10.20.0.{i}"

    def attempt(prepared) -> int:
        client, token, address = prepared
        return client.post("/staff/login", data={
            "csrf_token": token, "email": account["email"], "password": "wrong password"},
            environ_base={"REMOTE_ADDR": address}).status_code

    statuses = at_once(16, prepare, attempt)
    checks = failed_checks(parallel_app, "wrong password or disabled")
    assert 1 <= checks <= PARALLEL_LIMIT, (checks, statuses)
    assert sorted(statuses) == [200] * checks + [429] * (16 - checks)


def test_parallel_codes_check_no_more_codes_than_the_account_limit_in_memory(parallel_app):
    account = make_user(parallel_app, "coded@clinic.example", password=PARALLEL_PASSWORD,
                        totp=True)
    waiting = []
    for _ in range(12):  # the password step, one after another (each succeeds)
        client = parallel_app.test_client()
        assert post_login(client, account["email"], PARALLEL_PASSWORD).status_code == 303
        waiting.append((client, page_token(client, "/staff/login/code")))

    code = wrong_code(account["totp_secret"])

    def attempt(prepared) -> int:
        client, token = prepared
        return client.post("/staff/login/code", data={"csrf_token": token,
                                                      "code": code}).status_code

    statuses = at_once(12, waiting.__getitem__, attempt)
    checks = failed_checks(parallel_app, "wrong code")
    assert 1 <= checks <= PARALLEL_LIMIT, (checks, statuses)
    assert sorted(statuses) == [200] * checks + [429] * (12 - checks)


@dataclass
class ServedWithRedis:
    url: str
    database: Database
    code_secret: str = ""  # coded@clinic.example's second factor

    def sql(self, statement: str, *params: Any) -> list[tuple]:
        import psycopg

        plain = self.database.url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as connection:
            cursor = connection.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def failed_checks(self, detail: str) -> int:
        return self.sql("SELECT count(*) FROM audit_event WHERE action = 'login_failed' "
                        "AND detail = %s", detail)[0][0]


@pytest.fixture(scope="module")
def served_with_redis(tmp_path_factory) -> Iterator[ServedWithRedis]:
    """gunicorn with the shipped configuration and 4 workers, PostgreSQL, limits counted in
    Redis (as a clinic runs it)."""
    problem = redis_unavailable() or postgres_unavailable()
    if problem:
        pytest.skip(problem)
    import redis

    folder = tmp_path_factory.mktemp("limits-redis")
    database = postgres_database()
    prefix = f"screener-test-{secrets.token_hex(6)}"
    env = app_environment(database, RATELIMIT_STORAGE_URI=REDIS_URL,
                          RATELIMIT_KEY_PREFIX=prefix,
                          STAFF_LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
                          STAFF_LOGIN_LIMIT_PER_ACCOUNT=f"{PARALLEL_LIMIT} per minute")
    keys: list = []
    try:
        migrate(env)
        add_staff_account(database.url, PARALLEL_PASSWORD, "guessed@clinic.example")
        add_staff_account(database.url, PARALLEL_PASSWORD, "coded@clinic.example")
        served = ServedWithRedis("", database, pyotp.random_base32())
        served.sql("UPDATE user_account SET totp_secret = %s WHERE email = %s",  # set up
                   served.code_secret, "coded@clinic.example")
        with gunicorn(env, folder / "logs", workers=4) as server:
            served.url = server.url
            yield served
    finally:
        database.drop()
        connection = redis.Redis.from_url(REDIS_URL)
        keys = list(connection.scan_iter(f"*{prefix}*"))
        if keys:
            connection.delete(*keys)
    assert keys, "the limits were not counted in Redis"


@pytest.mark.server
def test_parallel_log_ins_check_no_more_passwords_than_the_account_limit_in_redis(
        served_with_redis):
    def prepare(i: int):
        browser = Browser(served_with_redis.url)
        return browser, browser.get("/staff/login").token()

    def attempt(prepared) -> int:
        browser, token = prepared
        return browser.post("/staff/login", [
            ("csrf_token", token), ("email", "guessed@clinic.example"),
            ("password", "wrong password")], timeout=60).status

    statuses = at_once(16, prepare, attempt)
    checks = served_with_redis.failed_checks("wrong password or disabled")
    assert checks == PARALLEL_LIMIT, statuses  # one atomic INCR each: exactly the limit
    assert sorted(statuses) == [200] * checks + [429] * (16 - checks)


@pytest.mark.server
def test_parallel_codes_check_no_more_codes_than_the_account_limit_in_redis(
        served_with_redis):
    waiting = []
    for _ in range(12):  # the password step, one after another (each succeeds)
        browser = Browser(served_with_redis.url)
        reply = browser.post("/staff/login", [
            ("csrf_token", browser.get("/staff/login").token()),
            ("email", "coded@clinic.example"), ("password", PARALLEL_PASSWORD)], timeout=60)
        assert (reply.status, reply.location) == (303, "/staff/login/code"), reply.body
        waiting.append((browser, browser.get("/staff/login/code").token()))

    code = wrong_code(served_with_redis.code_secret)

    def attempt(prepared) -> int:
        browser, token = prepared
        return browser.post("/staff/login/code", [("csrf_token", token), ("code", code)],
                            timeout=60).status

    statuses = at_once(12, waiting.__getitem__, attempt)
    checks = served_with_redis.failed_checks("wrong code")
    assert checks == PARALLEL_LIMIT, statuses
    assert sorted(statuses) == [200] * checks + [429] * (12 - checks)


# --- a reverse proxy in front (PROXY_HOPS) ----------------------------------------------------

def last_login_address(app) -> str:
    with app.app_context():
        return db.session.scalars(select(AuditEvent.client_ip).order_by(
            AuditEvent.id.desc())).first()


def test_forwarded_headers_are_ignored_unless_a_proxy_is_configured(tmp_path):
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"}
    for app in make_app("sqlite", tmp_path, HSTS=True):
        response = app.test_client().get("/help", headers=spoofed)
        assert "Strict-Transport-Security" not in response.headers
        client = app.test_client()
        token = csrf_token(client.get("/staff/login").text)
        client.post("/staff/login", data={"csrf_token": token, "email": "x@clinic.example",
                                          "password": "wrong password"},
                    headers=spoofed, environ_base={"REMOTE_ADDR": "10.0.0.1"})
        assert last_login_address(app) == "10.0.0.1"  # the audit trail is not fooled


def through(app, chain: str) -> int:
    """A wrong resume code sent through a proxy on 127.0.0.1 that forwards `chain`."""
    return guess(app, "WRONG", "127.0.0.1", **{"X-Forwarded-For": chain})


def test_behind_one_proxy_the_client_address_and_https_come_from_it(tmp_path, monkeypatch):
    monkeypatch.setattr(limiter, "_key_prefix", "")
    for app in make_app("sqlite", tmp_path, HSTS=True, PROXY_HOPS=1, RATELIMIT_ENABLED=True,
                        RATELIMIT_STORAGE_URI="memory://", RATELIMIT_RESUME="2 per minute"):
        secure = app.test_client().get("/help", headers={"X-Forwarded-Proto": "https"})
        assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        proxy = "127.0.0.1"
        assert [through(app, "10.3.3.3") for _ in range(3)] == [404, 404, 429]
        assert through(app, "10.3.3.4") == 404  # another person behind the same proxy
        # A client that adds its own X-Forwarded-For entry: the proxy appends the real one.
        assert through(app, "10.3.3.99, 10.3.3.3") == 429
        client = app.test_client()
        token = csrf_token(client.get("/staff/login").text)
        client.post("/staff/login", data={"csrf_token": token, "email": "x@clinic.example",
                                          "password": "wrong password"},
                    headers={"X-Forwarded-For": "1.2.3.4"}, environ_base={"REMOTE_ADDR": proxy})
        assert last_login_address(app) == "1.2.3.4"


def test_production_warns_when_rate_limits_are_counted_per_process(tmp_path, monkeypatch, caplog):
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    dev = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with dev.app_context():
        db.create_all()
    monkeypatch.setenv("SCREENER_CONFIG", "production")
    # Alembic's fileConfig (a migration test run earlier in-process) disables other loggers.
    monkeypatch.setattr(logging.getLogger("screener"), "disabled", False)
    caplog.set_level(logging.WARNING, logger="screener")
    create_app({"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": url,
                "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ENABLED": True})
    assert any("memory://" in r.getMessage() for r in caplog.records)
    caplog.clear()
    production = create_app({"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": url,
                             "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_ENABLED": False})
    assert not any("memory://" in r.getMessage() for r in caplog.records)
    with production.app_context():  # the start-up check leaves no connection for forks to share
        assert db.engine.pool.checkedin() == 0
