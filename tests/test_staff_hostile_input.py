"""Hostile input on every staff form and on the patient forms that are not questionnaire pages
(security.md A.2.6, A.2.7; issue 10): log-in, the two-step codes, the password change, notes,
status changes, search, queue filters and cursors, re-evaluation, submission references, the
admin's end-sessions, resume codes, consent and the language switch.

For every generated request: no server error, the security headers and no-store; whatever was
sent comes back escaped; a value a person can type into the page as it is rendered (an empty
field, a wrong code, a too-short password) is answered with a message on the page; a forged value
(an option the page does not offer, a field longer than its `maxlength`) may get the plain
400 page; nothing that fails validation is stored.

Volume: HOSTILE_EXAMPLES (default 2,500, as in test_patient_hostile_input.py, whose 2,500
examples send about 4,000 requests: pages that no longer apply answer the GET with a redirect)
sets the number of examples here too: about 6,100 requests on SQLite plus about 700 on
PostgreSQL (every form again), where NUL characters and numbers beyond 32 bits used to end in a
500. A whole run must send at least 10,000 hostile requests in all: the counts are added up
across the test processes and checked at the end of the run (tests/hostile_count.py). Argon2
hashing is cheap here as in every test (tests/staff_helpers.py): its cost is tested in
test_staff_login.py, and here it would only slow the input checks down.
"""

from __future__ import annotations

import base64
import copy
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import delete, func, select
from werkzeug.datastructures import MultiDict

from screener.extensions import db
from screener.models import STATUSES, Draft, Note, Submission, User
from screener.staff.accounts import password_matches, password_problem
from screener.staff.auth import matching_step

from conftest import make_app
from flow_helpers import changed, csrf_token, personas, post_page, walk
from hostile_count import EXAMPLES, SENT
from staff_helpers import Clock, log_in, make_user, post_login, submit_answers

# Share of EXAMPLES per form on SQLite; PostgreSQL runs a fixed small number of each.
SHARE = {
    "login": 0.46, "code": 0.12, "enrol": 0.06, "password": 0.1, "note": 0.2, "status": 0.2,
    "search": 0.36, "filters": 0.22, "reevaluate": 0.07, "reference": 0.06, "end_sessions": 0.04,
    "resume": 0.12, "consent": 0.1, "language": 0.12, "downloads": 0.025, "audit": 0.06,
}
POSTGRES_EXAMPLES = max(10, EXAMPLES // 60)
PASSWORD = "hostile input pass phrase 7"

pytestmark = pytest.mark.skipif(not personas(), reason="shared/design/personas.json not found")

SCRIPT, IMG = "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'
JS = "javascript:alert(1)"
NASTY = [
    SCRIPT, IMG, JS, "'; DROP TABLE submission; --", "\x00", "a\x00b", "\r\nSet-Cookie: a=b",
    "\u202e\u0301", "𝕏" * 30, "=HYPERLINK(\"http://x\")", "-1", "0", "1e9", "0x10", " 7 ", "",
    " ", "\t", "NaN", "None", "null", "[]", "{}", "%00", "%s%s%s", "{{7*7}}", "${7*7}",
    "../../etc/passwd", "9" * 40, "-" + "9" * 25, "ｙｅｓ", "e\u0301", "\ud7ff", "\ufeff",
    "admin@clinic.example", "staff@clinic.example\x00", "a" * 254 + "@x.example", "²", "٣",
]


def long_text(low: int, high: int) -> st.SearchStrategy[str]:
    """Long strings made cheaply: a short random piece repeated to a random length."""
    return st.tuples(st.text(min_size=1, max_size=6), st.integers(low, high)).map(
        lambda pair: (pair[0] * (pair[1] // len(pair[0]) + 1))[:pair[1]])


short = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                  st.integers(-10**30, 10**30).map(str))
# Long values (just under and over the limits) in one draw of four: parsing them is the cost.
text = st.one_of(short, short, short, st.one_of(long_text(190, 300), long_text(4990, 5010)))


def fields_for(name: str, good: st.SearchStrategy[str]) -> st.SearchStrategy[list]:
    """One form field as a hostile client sends it: good, junk, missing, empty or twice."""
    return st.one_of(
        good.map(lambda value: [(name, value)]),
        text.map(lambda value: [(name, value)]),
        st.just([]),
        st.just([(name, "")]),
        st.tuples(st.one_of(good, text), text).map(lambda pair: [(name, pair[0]),
                                                                 (name, pair[1])]),
    )


def form(*parts: st.SearchStrategy[list]) -> st.SearchStrategy[list]:
    extra = st.one_of(st.just([]), st.tuples(
        st.sampled_from(["role", "is_demo", "user_id", "version", "status", "urgent", "answers",
                         "session_version", "csrf_token", "next"]), text).map(lambda p: [p]))
    return st.tuples(*parts, extra).map(lambda lists: [pair for part in lists for pair in part])


def first(fields: list, name: str) -> str | None:
    return next((value for key, value in fields if key == name), None)


def cursor_token(rank: int, micros: int, row_id: int) -> str:
    raw = f"{rank}.{micros}.{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


cursors = st.one_of(
    text,
    st.builds(cursor_token, st.integers(-2, 6), st.integers(-10**20, 10**20),
              st.integers(-10**20, 10**20)),
    st.builds(cursor_token, st.integers(0, 4), st.integers(0, 2 * 10**15), st.integers(1, 50)),
)


# --- the application under attack ------------------------------------------------------------

@dataclass
class Target:
    database: str
    app: Any
    clock: Clock
    references: list[str]
    accounts: dict[str, dict[str, Any]]
    clients: dict[str, Any]
    tokens: dict[str, str] = field(default_factory=dict)
    resume_code: str = ""
    sent: int = 0

    def send(self, client_name: str, method: str, url: str, data: list | None = None,
             token: bool = True) -> Any:
        client = self.clients[client_name]
        if data is not None and token:
            data = [("csrf_token", self.tokens[client_name]), *data]
        response = client.open(url, method=method,
                               data=MultiDict(data) if data is not None else None)
        self.sent += 1
        SENT[f"staff and other forms, {self.database}"] += 1
        assert_safe(response)
        if response.status_code == 413:
            sent = int(response.request.headers.get("Content-Length") or 0)
            assert sent > self.app.config["MAX_CONTENT_LENGTH"], sent
            assert "413" in response.text  # the polite error page, in the person's language
        return response

    def refresh_token(self, client_name: str, url: str) -> None:
        page = self.clients[client_name].get(url)
        self.sent += 1
        SENT[f"staff and other forms, {self.database}"] += 1
        self.tokens[client_name] = csrf_token(page.text)

    def count(self, model: Any) -> int:
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    def user(self, name: str) -> User:
        with self.app.app_context():
            found = db.session.get(User, self.accounts[name]["id"])
            db.session.expunge(found)
            return found

    def submission(self, reference: str) -> Submission:
        with self.app.app_context():
            found = db.session.scalar(select(Submission).where(Submission.reference == reference))
            db.session.expunge(found)
            return found


def assert_safe(response) -> None:
    """What every response must be, whatever was sent."""
    assert response.status_code < 500, (response.status_code, response.request.path)
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    if response.mimetype in ("text/html", "text/css"):  # pages; downloads are checked apart
        body = response.get_data(as_text=True)
        assert SCRIPT not in body and '"><img src=x onerror' not in body
        assert not re.search(r'(href|src|action)="\s*javascript:', body, re.I)
        assert "Traceback" not in body and "</style" not in body.lower()
    location = headers.get("Location", "")
    if location:  # this site only (Werkzeug's own slash redirects name the host)
        parts = urlsplit(location)
        assert parts.netloc in ("", response.request.host) and parts.scheme in ("", "http"), (
            location)
        assert parts.netloc or (location.startswith("/") and not location.startswith("//")), (
            location)
        assert not any(c.isspace() or not c.isprintable() for c in location), location


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(request, tmp_path_factory) -> Iterator[Target]:
    for app in make_app(request.param, tmp_path_factory.mktemp("staff-hostile")):
        yield build_target(request.param, app)


def build_target(database: str, app) -> Target:
    clock = Clock()
    app.config["STAFF_CLOCK"] = clock
    base = personas()[0]["answers"]
    references = [
        submit_answers(app, changed(first_name=SCRIPT, last_name=IMG, anything_else=JS)),
        submit_answers(app, copy.deepcopy(base)),
    ]
    made = {
        "staff": make_user(app, "staff@clinic.example", password=PASSWORD),
        "password": make_user(app, "changer@clinic.example", password=PASSWORD),
        "code": make_user(app, "coder@clinic.example", password=PASSWORD, totp=True),
        # The demo account of `make run`: the one that may turn two-step verification on itself.
        "enrol": make_user(app, "enrol@clinic.example", password=PASSWORD, is_demo=True),
        "setup": make_user(app, "new-admin@clinic.example", role="admin", password=PASSWORD),
        "admin": make_user(app, "admin@clinic.example", role="admin", password=PASSWORD,
                           totp=True),
        "victim": make_user(app, "victim@clinic.example", password=PASSWORD),
    }
    clients = {name: log_in(app, made[name], clock=clock)
               for name in ("staff", "password", "enrol", "admin")}
    for name in ("code", "setup"):  # password accepted, a code still to come
        clients[name] = app.test_client()
        assert post_login(clients[name], made[name]["email"], PASSWORD).status_code == 303
    clients["anonymous"] = app.test_client()
    clients["patient"] = app.test_client()
    found = Target(database, app, clock, references, made, clients)
    pages = {"staff": "/staff/", "password": "/staff/account/password",
             "enrol": "/staff/account/two-step", "admin": "/staff/admin/users",
             "code": "/staff/login/code", "setup": "/staff/login/two-step-setup",
             "anonymous": "/staff/login", "patient": "/resume"}
    for name, url in pages.items():
        found.refresh_token(name, url)
    found.resume_code = resume_code(app)
    return found


def resume_code(app) -> str:
    person = app.test_client()
    walk(person, personas()[0]["answers"], stop_at="reasons/1")
    page = post_page(person, "/q/reasons/1", [], action="later")
    return re.search(r'class="resume-code"[^>]*>([A-Z0-9-]+)<', page.text).group(1)


def run(target: Target, name: str, strategy: st.SearchStrategy, check: Callable) -> None:
    """`check(target, example)` for the generated examples of one form."""
    examples = (max(5, int(EXAMPLES * SHARE[name])) if target.database == "sqlite"
                else POSTGRES_EXAMPLES)

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(example=strategy)
    def attack(example):
        check(target, example)

    attack()


def snapshot_of(target: Target, model: Any) -> list[tuple]:
    """Every row of a table except its login times (log-ins are expected), to compare."""
    with target.app.app_context():
        table = model.__table__
        columns = [c for c in table.columns if c.name != "last_login_at"]
        return sorted(tuple(row) for row in db.session.execute(select(*columns)))


def has_message(body: str) -> bool:
    return 'class="error-summary"' in body or 'class="error-message"' in body


# --- log-in and the second factor ------------------------------------------------------------

emails = st.sampled_from(["staff@clinic.example", "STAFF@clinic.example ", "nobody@clinic.example",
                          "coder@clinic.example"])
passwords = st.sampled_from([PASSWORD, PASSWORD + " ", "wrong password 123"])
nexts = st.sampled_from(["/staff/rules", "//evil.example", "https://evil.example/staff/",
                         "/\\evil.example", JS, "/staff/\r\nX: y", "/staff/\t/x", "/help"])
login_posts = form(fields_for("email", emails), fields_for("password", passwords),
                   fields_for("next", nexts))


def check_login(target: Target, fields: list) -> None:
    response = target.send("anonymous", "POST", "/staff/login", fields)
    if response.status_code == 413:
        return  # larger than MAX_CONTENT_LENGTH: refused before any view ran
    assert response.status_code in (200, 303)
    if response.status_code == 200:
        assert has_message(response.text)  # an empty field included
    else:  # let in, or on to the code page: only an account's email with its password
        email = (first(fields, "email") or "").replace("\x00", "").strip().lower()
        assert email in {account["email"] for account in target.accounts.values()}
        assert first(fields, "password") == PASSWORD
        assert response.headers["Location"].startswith("/staff/")
        # Signed in (or half-way, for an account with two-step verification): the next
        # example starts again from an anonymous client with a token of its own.
        target.clients["anonymous"] = target.app.test_client()
        target.refresh_token("anonymous", "/staff/login")


codes = st.one_of(text, st.integers(0, 999_999).map(lambda n: f"{n:06d}"),
                  st.integers(0, 10**12).map(str),
                  st.sampled_from(["123 456", " 000000 ", "١٢٣٤٥٦"]))


def check_code(target: Target, fields: list) -> None:
    before = target.user("code")
    response = target.send("code", "POST", "/staff/login/code", fields)
    if response.status_code == 413:
        return  # larger than MAX_CONTENT_LENGTH: refused before any view ran
    assert response.status_code in (200, 303)
    if response.status_code == 200:
        assert has_message(response.text)
    else:  # only a current code, once
        code = first(fields, "code") or ""
        assert matching_step(before.totp_secret, code, target.clock()) is not None
        client = target.clients["code"] = target.app.test_client()
        assert post_login(client, before.email, PASSWORD).status_code == 303
        target.refresh_token("code", "/staff/login/code")
    after = target.user("code")
    assert after.totp_secret == before.totp_secret
    assert (after.totp_last_step or 0) >= (before.totp_last_step or 0)


def check_setup(target: Target, fields: list) -> None:
    response = target.send("setup", "POST", "/staff/login/two-step-setup", fields)
    if response.status_code == 413:
        return  # larger than MAX_CONTENT_LENGTH: refused before any view ran
    check_enrolment(target, "setup", fields, response)
    if response.status_code == 303:  # a lucky code: start the set-up again
        target.clients["setup"] = target.app.test_client()
        assert post_login(target.clients["setup"], target.accounts["setup"]["email"],
                          PASSWORD).status_code == 303
        target.refresh_token("setup", "/staff/login/two-step-setup")


def check_enrol(target: Target, fields: list) -> None:
    response = target.send("enrol", "POST", "/staff/account/two-step", fields)
    if response.status_code == 413:
        return  # larger than MAX_CONTENT_LENGTH: refused before any view ran
    check_enrolment(target, "enrol", fields, response)


def check_enrolment(target: Target, name: str, fields: list, response) -> None:
    """Two-step set-up: a wrong or empty code is answered on the page and changes nothing."""
    assert response.status_code in (200, 303)
    with target.app.app_context():
        user = db.session.get(User, target.accounts[name]["id"])
        pending, enrolled = user.totp_pending_secret, user.totp_secret
        if response.status_code == 303:
            code = first(fields, "code") or ""
            assert enrolled and matching_step(enrolled, code, target.clock()) is not None
            user.totp_secret = user.totp_pending_secret = user.totp_last_step = None
            db.session.commit()
    if response.status_code == 200:
        assert has_message(response.text)
        assert enrolled is None and pending


def test_log_in_form(target):
    accounts_before = snapshot_of(target, User)
    run(target, "login", login_posts, check_login)
    assert snapshot_of(target, User) == accounts_before  # no account made or changed


def test_the_log_in_check_lets_each_account_in_and_starts_the_next_example_anonymous(target):
    """The generated examples can hold any account's email (the junk values include one) with
    its password: each is let in, or on to its code page, and the example after it still
    starts from an anonymous client with a valid token."""
    for email in ("admin@clinic.example", "staff@clinic.example", "coder@clinic.example"):
        check_login(target, [("email", email), ("password", PASSWORD), ("next", "")])
        check_login(target, [("email", email), ("password", "wrong password 123")])


def test_two_step_code_forms(target):
    code_posts = form(fields_for("code", codes))
    run(target, "code", code_posts, check_code)
    run(target, "enrol", code_posts, check_setup)
    run(target, "enrol", code_posts, check_enrol)


# --- the password change ---------------------------------------------------------------------

new_passwords = st.sampled_from(["short", "password password", "a perfectly fine passphrase",
                                 "another fine passphrase 9", "x" * 257, "ñandú cóndor águila",
                                 "changer changer changer", "🙂 emoji are welcome here 🙂"])


@st.composite
def password_posts(draw):
    current = draw(fields_for("current_password", st.just("@current")))
    new = draw(fields_for("new_password", new_passwords))
    confirm = (list(new) if draw(st.booleans()) else
               draw(fields_for("confirm_password", new_passwords)))
    confirm = [("confirm_password", value) for _, value in confirm]
    return current + new + confirm


def check_password(target: Target, fields: list) -> None:
    account = target.accounts["password"]
    fields = [(k, account["password"] if v == "@current" else v) for k, v in fields]
    response = target.send("password", "POST", "/staff/account/password", fields)
    if response.status_code == 413:
        return  # larger than MAX_CONTENT_LENGTH: refused before any view ran
    assert response.status_code in (200, 303)
    stored = target.user("password").password_hash
    if response.status_code == 200:
        assert has_message(response.text)
        assert password_matches(stored, account["password"])
        return
    new = first(fields, "new_password")
    assert new is not None
    new = new.replace("\x00", "")  # the app drops NUL from every form value (hardening.py)
    assert password_problem(new, account["email"], "") is None
    assert password_matches(stored, new)
    account["password"] = new
    assert target.clients["password"].get("/staff/account").status_code == 200  # still in


def test_password_change_form(target):
    run(target, "password", password_posts(), check_password)


# --- the submission page: notes, status, re-evaluation ---------------------------------------

note_bodies = st.one_of(text, st.sampled_from([SCRIPT, IMG, "Called back, no answer.",
                                               "  padded note  ", "x" * 5000, "x" * 5001]))


def check_note(target: Target, example: tuple) -> None:
    index, fields = example
    reference = target.references[index]
    url = f"/staff/submissions/{reference}/notes"
    notes = target.count(Note)
    response = target.send("staff", "POST", url, fields)
    if response.status_code == 413:
        return  # larger than MAX_CONTENT_LENGTH: refused before any view ran
    body = first(fields, "body")
    kept = (body or "").replace("\x00", "")
    if kept.strip() and len(kept) <= 5000:
        assert response.status_code == 303
        with target.app.app_context():
            stored = db.session.scalars(select(Note.body).order_by(Note.id.desc())).first()
        assert stored == kept.strip()
        if any(c in stored for c in "<>&\"'"):
            page = target.send("staff", "GET", f"/staff/submissions/{reference}")
            assert str(escape(stored)) in page.text
    else:
        assert response.status_code == 400 and has_message(response.text)
        assert target.count(Note) == notes
    if target.count(Note) > 25:  # keep the page small; notes are append-only in the app
        with target.app.app_context():
            db.session.execute(delete(Note))
            db.session.commit()


def test_note_form(target):
    run(target, "note", st.tuples(st.integers(0, 1), form(fields_for("body", note_bodies))),
        check_note)


@st.composite
def status_posts(draw):
    versions = st.one_of(st.sampled_from(["@version", "@stale", "0", "-1", "2147483648"]), text)
    statuses = st.one_of(st.sampled_from(STATUSES), text)
    return (draw(st.integers(0, 1)),
            draw(form(fields_for("status", statuses), fields_for("version", versions),
                      fields_for("seen_status", statuses))))


def check_status(target: Target, example: tuple) -> None:
    index, fields = example
    reference = target.references[index]
    before = target.submission(reference)
    swap = {"@version": str(before.version), "@stale": str(before.version - 1)}
    fields = [(k, swap.get(v, v)) for k, v in fields]
    response = target.send("staff", "POST", f"/staff/submissions/{reference}/status", fields)
    if response.status_code == 413:
        return  # larger than MAX_CONTENT_LENGTH: refused before any view ran
    after = target.submission(reference)
    assert after.status in STATUSES
    status, seen = first(fields, "status"), first(fields, "seen_status")
    version = as_int(first(fields, "version"))
    valid = status in STATUSES and seen in STATUSES and version is not None and version >= 1
    if not valid:
        assert response.status_code == 400
        assert (after.status, after.version) == (before.status, before.version)
    elif version == before.version:
        assert response.status_code == 303
        assert after.status == status
    else:
        assert response.status_code == 409 and "conflict" in response.text.lower()
        assert after.status == before.status


def as_int(value: str | None) -> int | None:
    """What WTForms' IntegerField makes of a value (int() as Python reads it)."""
    try:
        return int((value or "").replace("\x00", ""))
    except ValueError:
        return None


def test_status_form(target):
    run(target, "status", status_posts(), check_status)


def check_reevaluate(target: Target, example: tuple) -> None:
    index, fields = example
    reference = target.references[index]
    before = target.submission(reference)
    response = target.send("staff", "POST", f"/staff/submissions/{reference}/re-evaluate",
                           fields)
    if response.status_code == 413:
        return  # larger than MAX_CONTENT_LENGTH: refused before any view ran
    assert response.status_code == 200  # same rulebook: nothing to save, whatever was sent
    after = target.submission(reference)
    assert (after.flags, after.rulebook_version, after.version) == (
        before.flags, before.rulebook_version, before.version)


def test_re_evaluation_form(target):
    fingerprints = st.one_of(text, st.text("0123456789abcdef", min_size=32, max_size=32))
    run(target, "reevaluate", st.tuples(st.integers(0, 1),
                                        form(fields_for("fingerprint", fingerprints))),
        check_reevaluate)


# --- the queue: search, filters, cursors ------------------------------------------------------

search_terms = st.one_of(text, st.sampled_from(["Rivera", "alex rivera", "%", "_", "*", "' OR 1=1",
                                                "a@b", SCRIPT]))


def check_search(target: Target, fields: list) -> None:
    response = target.send("staff", "POST", "/staff/", fields)
    if response.status_code == 413:
        return  # larger than MAX_CONTENT_LENGTH: refused before any view ran
    assert response.status_code == 200
    term = (first(fields, "q") or "").replace("\x00", "")
    if term.strip() and len(term) <= 200:
        assert "match the search" in response.text or "matches the search" in response.text


def test_search_form(target):
    before = snapshot_of(target, Submission)
    run(target, "search", form(fields_for("q", search_terms), fields_for("after", cursors),
                               fields_for("before", cursors)), check_search)
    assert snapshot_of(target, Submission) == before  # searching changes nothing


filter_values = {
    "status": st.one_of(st.sampled_from(STATUSES), text),
    "severity": st.one_of(st.sampled_from(["urgent", "caution", "none", "info"]), text),
    "from": st.one_of(st.dates().map(str), text), "to": st.one_of(st.dates().map(str), text),
    "condition": st.one_of(st.sampled_from(["depression", "ptsd", "pain"]), text),
    "after": cursors, "before": cursors,
}


@st.composite
def filter_queries(draw):
    pairs = []
    for name, values in filter_values.items():
        for _ in range(draw(st.integers(0, 2))):
            pairs.append((name, draw(values)))
    return "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in pairs)


def check_filters(target: Target, query: str) -> None:
    response = target.send("staff", "GET", f"/staff/?{query}")
    assert response.status_code == 200
    for link in re.findall(r'href="(/staff/\?[^"]*)"', response.text):
        assert "&lt;" not in link and "<" not in link


def test_queue_filters_and_cursors(target):
    run(target, "filters", filter_queries(), check_filters)


references = st.one_of(text.filter(bool), st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZ-oOiIl ",
                                                   min_size=1, max_size=20))


def check_reference(target: Target, reference: str) -> None:
    for suffix in ("", "/re-evaluate"):
        response = target.send("staff", "GET",
                               f"/staff/submissions/{quote(reference, safe='')}{suffix}")
        assert response.status_code in (200, 301, 308, 404, 405)


def test_submission_references_in_urls(target):
    run(target, "reference", references, check_reference)


def check_end_sessions(target: Target, user_id: int) -> None:
    victim = target.accounts["victim"]["id"]
    ids = {account["id"] for account in target.accounts.values()}
    if user_id in ids:
        user_id = victim  # the other accounts are in use by this module's clients
    versions = target.user("victim").session_version
    response = target.send("admin", "POST", f"/staff/admin/users/{user_id}/end-sessions", [])
    assert response.status_code == (303 if user_id == victim else 404)
    grown = target.user("victim").session_version - versions
    assert grown == (1 if user_id == victim else 0)


def test_admin_end_sessions(target):
    run(target, "end_sessions", st.one_of(st.integers(0, 12), st.integers(2**31, 2**70)),
        check_end_sessions)


# --- downloads and the audit log ---------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_csv_export(target: Target, fields: list) -> None:
    response = target.send("staff", "POST", "/staff/export.csv", fields)
    if response.status_code == 413:
        return
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows and all(not cell.startswith(FORMULA_START) for row in rows for cell in row)
    assert len(rows) - 1 <= target.count(Submission)


def check_fhir(target: Target, example: tuple) -> None:
    index, fields = example
    response = target.send("staff", "POST",
                           f"/staff/submissions/{target.references[index]}/fhir", fields)
    if response.status_code == 413:
        return
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle = json.loads(response.get_data(as_text=True))
    assert bundle["resourceType"] == "Bundle"


def check_summary(target: Target, example: tuple) -> None:
    index, paper = example
    reference = target.references[index]
    for suffix in ("summary", "summary-page.css"):
        response = target.send("staff", "GET",
                               f"/staff/submissions/{reference}/{suffix}?paper={quote(paper)}")
        assert response.status_code == 200, suffix
        assert response.mimetype == ("text/html" if suffix == "summary" else "text/css")


def check_audit_log(target: Target, query: str) -> None:
    response = target.send("admin", "GET", f"/staff/admin/audit?{query}")
    assert response.status_code == 200


@st.composite
def audit_queries(draw):
    values = st.one_of(text, st.integers(-5, 2**40).map(str), long_text(4300, 4400).map(
        lambda s: "0" * len(s)), st.sampled_from(["login", "view", "note", "²", "٣", "1²", "-1"]))
    pairs = [(name, draw(values)) for name in ("user", "action", "reference", "from", "to",
                                               "before") if draw(st.booleans())]
    return "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in pairs)


def test_downloads_and_the_audit_log(target):
    """CSV (filters and search in the form), FHIR, the printed summary and its stylesheet with
    any paper, and the admin's audit log with any filter. The PDF is left to
    test_consult_summary.py: WeasyPrint takes a second a page."""
    export_fields = form(fields_for("q", search_terms),
                         fields_for("status", filter_values["status"]),
                         fields_for("severity", filter_values["severity"]),
                         fields_for("from", filter_values["from"]),
                         fields_for("to", filter_values["to"]),
                         fields_for("condition", filter_values["condition"]))
    run(target, "downloads", export_fields, check_csv_export)
    run(target, "downloads", st.tuples(st.integers(0, 1), form()), check_fhir)
    papers = st.one_of(text, st.sampled_from(["a4", "letter", "A4", "legal", "a4;}body{"]))
    run(target, "downloads", st.tuples(st.integers(0, 1), papers), check_summary)
    run(target, "audit", audit_queries(), check_audit_log)


# --- the patient's other forms: resume code, consent, language --------------------------------

def check_resume(target: Target, fields: list) -> None:
    fields = [(k, target.resume_code if v == "@code" else v) for k, v in fields]
    response = target.send("patient", "POST", "/resume", fields)
    if response.status_code == 413:
        return  # larger than MAX_CONTENT_LENGTH: refused before any view ran
    assert response.status_code in (303, 400, 404)  # 400: no code typed
    if response.status_code in (400, 404):
        assert has_message(response.text)
    else:
        target.clients["patient"] = target.app.test_client()  # a fresh browser again
        target.refresh_token("patient", "/resume")


def check_consent(target: Target, fields: list) -> None:
    drafts = target.count(Draft)
    response = target.send("patient", "POST", "/", fields)
    if response.status_code == 413:
        return  # larger than MAX_CONTENT_LENGTH: refused before any view ran
    value = first(fields, "consent_store")
    if value == "yes":
        assert response.status_code == 303
        assert target.count(Draft) == drafts + 1
        target.clients["patient"] = target.app.test_client()
        target.refresh_token("patient", "/resume")
        return
    assert response.status_code == 200
    if value == "no":  # an answer: the calm "you can talk to the clinic instead" page
        assert 'name="consent_store"' not in response.text and "has-error" not in response.text
    elif value in (None, ""):  # what the page's own radio buttons can send
        assert has_message(response.text)
    assert target.count(Draft) == drafts


def check_language(target: Target, fields: list) -> None:
    response = target.send("patient", "POST", "/language", fields)
    if response.status_code == 413:
        return  # larger than MAX_CONTENT_LENGTH: refused before any view ran
    assert response.status_code == 303  # assert_safe checked where it leads


def test_patient_resume_consent_and_language_forms(target):
    run(target, "resume", form(fields_for("resume_code", st.one_of(
        st.just("@code"), st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZ- ", max_size=40)))),
        check_resume)
    run(target, "consent", form(fields_for("consent_store", st.sampled_from(["yes", "no"]))),
        check_consent)
    run(target, "language", form(fields_for("language", st.sampled_from(["en", "es", "fr"])),
                                 fields_for("next", st.one_of(nexts, st.sampled_from([
                                     "/q/about_you/1", "/\t/evil.example", "/\n", "/ /x"])))),
        check_language)
