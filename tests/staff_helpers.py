"""Helpers for the staff-area tests: accounts, logging in through the pages, a clock that
tests move, a SQL statement counter, and submissions made by the real patient flow or seeded.

Password hashing: the application's argon2id parameters (t=3, 64 MiB, p=4) cost about a second per
hash and a fifth of a second per check on the test machines, on purpose. Most tests log staff in to
check something else, so every test runs with CHEAP_HASHER in the application's place (conftest.py:
`cheap_password_hashing`); argon2id all the same, so passwords are still hashed, stored and checked
the way the application does it. The production parameters stay tested: the `production_hashing`
fixture puts the application's own hasher back for one test (test_staff_login.py: the stored hash
is above the ASVS floor, an old one is upgraded at log-in), and servers started with
server_harness.py are processes of their own with the application's hasher, their accounts hashed
with it too."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import event, func, select

from screener.extensions import db
from screener.models import OPEN_STATUSES, AuditEvent, Submission, User
from screener.staff import accounts, auth
from screener.staff.accounts import hash_password

from flow_helpers import csrf_token, walk

PASSWORD = "correct horse battery staple"
PRODUCTION_HASHER: PasswordHasher = accounts.hasher  # before any test replaces it
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_DUMMY_HASHES = {id(PRODUCTION_HASHER): accounts._DUMMY_HASH}


@contextmanager
def hashing_with(hasher: PasswordHasher) -> Iterator[None]:
    """The application hashes and checks passwords with `hasher` inside the block (the equal-time
    answer for an unknown email too)."""
    if id(hasher) not in _DUMMY_HASHES:
        _DUMMY_HASHES[id(hasher)] = hasher.hash("the password of nobody at all")
    saved = accounts.hasher, auth.hasher, accounts._DUMMY_HASH
    accounts.hasher = auth.hasher = hasher
    accounts._DUMMY_HASH = _DUMMY_HASHES[id(hasher)]
    try:
        yield
    finally:
        accounts.hasher, auth.hasher, accounts._DUMMY_HASH = saved

# argon2 is slow on purpose: each test password is hashed once per hasher
_HASHES: dict[tuple[int, str], str] = {}


class Clock:
    """The staff area's clock (app.config["STAFF_CLOCK"]); tests move it instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def install_clock(app: Flask) -> Clock:
    clock = Clock()
    app.config["STAFF_CLOCK"] = clock
    return clock


def make_user(app: Flask, email: str = "staff@clinic.example", role: str = "staff",
              password: str = PASSWORD, totp: bool = False, **fields: Any) -> dict[str, Any]:
    """An account made directly in the database (the CLI is tested on its own)."""
    key = (id(accounts.hasher), password)
    if key not in _HASHES:
        _HASHES[key] = hash_password(password)
    with app.app_context():
        fields.setdefault("active", True)
        user = User(email=email, role=role, password_hash=_HASHES[key],
                    session_version=1, totp_secret=pyotp.random_base32() if totp else None,
                    **fields)
        db.session.add(user)
        db.session.commit()
        return {"id": user.id, "email": email, "password": password, "role": role,
                "totp_secret": user.totp_secret}


def page_token(client, url: str = "/staff/login") -> str:
    return csrf_token(client.get(url).text)


def post_login(client, email: str, password: str, next_url: str = "", **environ: Any):
    token = page_token(client)
    return client.post("/staff/login", data={"csrf_token": token, "email": email,
                                              "password": password, "next": next_url},
                       environ_base=environ)


def post_code(client, code: str, url: str = "/staff/login/code"):
    return client.post(url, data={"csrf_token": page_token(client, url), "code": code})


def totp_code(secret: str, at: datetime, steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(at) + steps)


SECRET_ON_PAGE = re.compile(r'class="secret-key">([A-Z2-7]+)<')
RECOVERY_CODES_ON_PAGE = re.compile(r"<li><code>([0-9A-Z-]{19})</code></li>")


def enrol(client, account: dict[str, Any], moment: datetime) -> list[str]:
    """Set up two-step verification on the page a first log-in leads to; the account dict
    keeps the secret for later log-ins. Returns the recovery codes shown once."""
    page = client.get("/staff/login/two-step-setup")
    account["totp_secret"] = SECRET_ON_PAGE.search(page.text).group(1)
    response = post_code(client, next_code(account, moment), "/staff/login/two-step-setup")
    assert response.status_code == 200, response.text
    codes = RECOVERY_CODES_ON_PAGE.findall(response.text)
    assert len(codes) == 10, response.text
    return codes


def log_in(app: Flask, account: dict[str, Any], client=None, clock: Clock | None = None):
    """A client logged in through the login page and the code page (enrolling in two-step
    verification first if the account has not yet)."""
    client = client or app.test_client()
    clock = clock or app_clock(app)
    moment = clock.now if clock else datetime.now(UTC)
    response = post_login(client, account["email"], account["password"])
    assert response.status_code == 303, response.text
    if response.headers["Location"].endswith("/staff/login/two-step-setup"):
        enrol(client, account, moment)
    elif response.headers["Location"].endswith("/staff/login/code"):
        response = post_code(client, next_code(account, moment))
        assert response.status_code == 303, response.text
    return client


def app_clock(app: Flask) -> Clock | None:
    clock = app.config["STAFF_CLOCK"]
    return clock if isinstance(clock, Clock) else None


def sign_in(app: Flask, client, account: dict[str, Any], next_url: str = ""):
    """The password step, then the code step of an enrolled account: the code step's answer."""
    response = post_login(client, account["email"], account["password"], next_url=next_url)
    assert response.status_code == 303, response.text
    assert response.headers["Location"] == "/staff/login/code"
    clock = app_clock(app)
    return post_code(client, next_code(account, clock.now if clock else datetime.now(UTC)))


def next_code(account: dict[str, Any], moment: datetime) -> str:
    """A code the server has not seen yet: each is accepted once, so a second log-in within the
    same 30 seconds takes the next step's code (accepted one step ahead)."""
    totp = pyotp.TOTP(account["totp_secret"])
    step = max(totp.timecode(moment), account.get("last_step", -1) + 1)
    assert step <= totp.timecode(moment) + 1, "three log-ins in 30 s: move the clock"
    account["last_step"] = step
    return totp.generate_otp(step)


def staff_client(app: Flask, role: str = "staff", email: str | None = None):
    """A new account of this role (with two-step verification, as every account has), logged
    in."""
    account = make_user(app, email or f"{role}@clinic.example", role=role, totp=True)
    return log_in(app, account)


def post_form(client, page_url: str, action_url: str, data: dict[str, Any]):
    """Send a form the way a browser would: token from the page it is on."""
    token = csrf_token(client.get(page_url).text)
    return client.post(action_url, data={"csrf_token": token, **data})


def seed(app: Flask, count: int, seed_value: int = 1) -> None:
    result = app.test_cli_runner().invoke(
        args=["demo", "seed", "--count", str(count), "--seed", str(seed_value)])
    assert result.exit_code == 0, result.output


def references(html: str) -> list[str]:
    """Submission references in queue order, as linked from a page."""
    return re.findall(r'href="/staff/submissions/([0-9A-Z]+)"', html)


def queue_order(app: Flask, view: str = "open", **where: Any) -> list[str]:
    """The expected queue order, computed in Python from every row: the open work (or every
    status with view="all"), unacknowledged urgent first, then by severity, then oldest."""
    with app.app_context():
        query = select(Submission.reference, Submission.queue_rank, Submission.created_at,
                       Submission.id, Submission.status).filter_by(**where)
        rows = db.session.execute(query).all()
    if view == "open" and "status" not in where:
        rows = [r for r in rows if r.status in OPEN_STATUSES]
    rows.sort(key=lambda r: (r.queue_rank, r.created_at.timestamp(), r.id))
    return [r.reference for r in rows]


def audit_actions(app: Flask, **where: Any) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEvent.action).filter_by(**where).order_by(AuditEvent.id)))


def row_count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def submission(app: Flask, reference: str) -> Submission:
    with app.app_context():
        found = db.session.scalar(select(Submission).where(Submission.reference == reference))
        db.session.expunge(found)
        return found


class Statement(str):
    """An SQL statement as sent, with its parameters."""

    parameters: Any = None


@contextmanager
def counting_statements(app: Flask) -> Iterator[list[Statement]]:
    """Every SQL statement sent to the database inside the block."""
    statements: list[Statement] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        recorded = Statement(statement)
        recorded.parameters = parameters
        statements.append(recorded)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def first_reference(client) -> str:
    return references(client.get("/staff/").text)[0]


def submit_answers(app: Flask, answers: dict[str, Any]) -> str:
    """A submission made by the real patient flow; returns its reference."""
    patient = app.test_client()
    assert walk(patient, answers) == "/check"
    check = patient.get("/check")
    sent = patient.post("/submit", data={"csrf_token": csrf_token(check.text)})
    assert sent.status_code == 303, sent.status_code
    match = re.search(r'class="reference">([0-9A-Z]+)<', patient.get("/confirmation").text)
    assert match, "no reference on the confirmation page"
    return match.group(1)


@contextmanager
def just_before(app, statement: str | tuple[str, ...], action,
                nth: int = 1) -> Iterator[list[str]]:
    """Call `action` on a thread of its own (another person's request), and wait for it, just
    before the application sends its `nth` SQL statement starting with `statement` (or one of
    several beginnings)."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def hook(conn, cursor, text, parameters, context, executemany):
        if threading.current_thread() is threading.main_thread() and \
                text.lstrip().upper().startswith(statement):
            seen.append(text)
            if len(seen) == nth:
                other = threading.Thread(target=action)
                other.start()
                other.join(timeout=30)

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hook)
