"""Alerts on the wire (issue 20), against a real SMTP server on loopback (aiosmtpd, with
STARTTLS and a log-in) and a real HTTP receiver (http.server in a thread): one mail and one
webhook call per urgent submission, nothing about the person in any byte, retries while the
mail server is down, at most one duplicate (same id) after a worker is killed mid-send, two
workers sending each alert once, escalation once after the set time, acknowledgement stopping
it. The worker's clock is a parameter: no test sleeps to move time."""

from __future__ import annotations

import asyncio
import email
import json
import logging
import os
import re
import signal
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from screener.alerts.models import Alert, AlertMessage
from screener.alerts.outbox import queue_alerts
from screener.alerts.worker import run_once
from screener.extensions import db
from screener.models import Submission
from screener.questionnaire import QUESTIONS
from screener.rules import evaluate
from screener.submissions import build_submission

from flow_helpers import csrf_token, personas, walk
from server_harness import BIN, ROOT, Database, app_environment, free_port
from staff_helpers import Clock, log_in, make_user, post_form, submit_answers

pytestmark = pytest.mark.server
LOGIN, PASSWORD = "alerts", "mail-password-for-tests"
CANARY = "Zqcanary7731"


# --- the receivers -----------------------------------------------------------------------------

def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class Mailbox:
    """aiosmtpd handler: every accepted message's raw bytes. `hang_once` holds the first DATA
    without answering (a worker killed then never saw it accepted)."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.logins: list[bytes] = []
        self.hang_once = False
        self.hanging = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.hang_once:
            self.hang_once = False
            self.hanging.set()
            await asyncio.sleep(60)
            return "451 gave up"
        self.raw.append(envelope.original_content or envelope.content)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data == (LOGIN.encode(),
                                                                     PASSWORD.encode())
        if ok:
            self.logins.append(auth_data.login)
        return AuthResult(success=ok)

    def messages(self) -> list[email.message.Message]:
        return [email.message_from_bytes(raw) for raw in self.raw]


class MailServer:
    """aiosmtpd's Controller on 127.0.0.1 with STARTTLS required and AUTH only after it."""

    def __init__(self, folder: Path) -> None:
        self.cert, key = self_signed_certificate(folder)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(self.cert, key)
        self.port = free_port()
        self.box = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.box, hostname="127.0.0.1", port=self.port, tls_context=self.context,
            require_starttls=True, authenticator=self.box.authenticate, auth_require_tls=True)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://{LOGIN}:{PASSWORD}@127.0.0.1:{self.port}?cafile={quote(str(self.cert))}"


class Webhook:
    """An HTTP receiver on loopback: each POST's headers and body. `delay_once` answers the
    first call only after that many seconds (a worker killed meanwhile)."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.delay_once = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                if receiver.delay_once:
                    delay, receiver.delay_once = receiver.delay_once, 0.0
                    time.sleep(delay)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.calls]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mail_server(tmp_path) -> Iterator[MailServer]:
    server = MailServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    receiver = Webhook()
    yield receiver
    receiver.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))


@pytest.fixture
def wired(app, mail_server, webhook, clock):
    """The app with alerts going to the two receivers; the clinic always open (escalation after
    ALERT_ESCALATE_AFTER_MINUTES only)."""
    app.config.update(SMTP_URL=mail_server.url, ALERT_EMAILS="oncall@clinic.example",
                      ESCALATION_EMAILS="lead@clinic.example", ALERT_WEBHOOK_URL=webhook.url,
                      ALERT_ESCALATE_AFTER_MINUTES=30, CLINIC_HOURS="24/7",
                      ALERT_CLOCK=clock, PUBLIC_URL="https://prescreen.clinic.example",
                      ALERT_SEND_TIMEOUT_SECONDS=5)
    return app


def arrive(app, clock: Clock, answers: dict) -> str:
    """A submission through the patient pages; the clock then reads the time it arrived."""
    reference = submit_answers(app, answers)
    clock.now = datetime.now(UTC)
    return reference


def work(app, now: datetime) -> int:
    with app.app_context():
        return run_once(app.config, now)


def suicide_answers() -> dict:
    return next(p["answers"] for p in personas() if "URG-SI-NOW" in p["expected_flags"])


def canary_answers() -> dict:
    """An urgent person whose every typed answer carries the canary."""
    answers = dict(suicide_answers())
    for question_id, question in QUESTIONS.items():
        if question.kind in ("text", "longtext") and question_id in answers:
            answers[question_id] = f"{CANARY} {question_id}"
    answers["email"] = f"{CANARY.lower()}@example.org"
    answers["phone"] = "+1 555 017 7731"
    return answers


def outbox_rows(app) -> list[AlertMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(AlertMessage).order_by(AlertMessage.id)))
        db.session.expunge_all()
        return rows


# --- one urgent submission ---------------------------------------------------------------------

def test_an_urgent_submission_makes_one_mail_and_one_webhook_call_within_seconds(
        wired, mail_server, webhook, clock):
    reference = arrive(wired, clock, suicide_answers())
    started = time.monotonic()
    assert work(wired, clock.now) == 2
    assert time.monotonic() - started < 5
    assert len(mail_server.box.raw) == 1 and len(webhook.calls) == 1
    assert mail_server.box.logins == [LOGIN.encode()]  # logged in, after STARTTLS
    mail = mail_server.box.messages()[0]
    assert mail["To"] == "oncall@clinic.example"
    assert reference in mail["Subject"]
    body = mail.get_payload(decode=True).decode()
    assert f"https://prescreen.clinic.example/staff/submissions/{reference}" in body
    call = webhook.bodies()[0]
    assert call["reference"] == reference and call["urgent"] is True
    assert call["url"] == f"https://prescreen.clinic.example/staff/submissions/{reference}"
    assert webhook.calls[0][0]["Idempotency-Key"] == call["id"]
    assert {row.status for row in outbox_rows(wired)} == {"sent"}
    assert work(wired, clock.now + timedelta(minutes=1)) == 0  # nothing sent twice
    assert len(mail_server.box.raw) == 1 and len(webhook.calls) == 1


def test_nothing_about_the_person_on_the_wire_in_the_outbox_or_its_log_lines(
        wired, mail_server, webhook, clock, caplog):
    answers = canary_answers()
    arrive(wired, clock, answers)
    caplog.set_level(logging.DEBUG)
    work(wired, clock.now)
    clock.advance(minutes=31)
    work(wired, clock.now)  # the escalation too
    with wired.app_context():
        stored = db.session.scalar(select(Submission))
        reference = stored.reference
        flag_ids = [flag["rule_id"] for flag in stored.flags]
        alerts = [vars(a) for a in db.session.scalars(select(Alert))]
        rows = [vars(m) for m in db.session.scalars(select(AlertMessage))]
    assert len(mail_server.box.raw) == 2 and len(webhook.calls) == 2
    wire = b"".join(mail_server.box.raw) + b"".join(
        json.dumps(headers).encode() + body for headers, body in webhook.calls)
    table = repr(alerts + rows).encode()
    logs = caplog.text.encode()
    never = {CANARY, CANARY.lower(), "5550177731", answers["last_name"], *flag_ids, "URG-",
             "suicid", "killing", "PHQ", "phq9", "blood pressure", "depress", "score",
             "flag", *answers.get("reasons", [])}
    # Numbers are looked for as whole numbers: a message id, a signature or a clock reading
    # may hold "988" among its digits by chance (CI once found it in a random hex id).
    numbers = ("988", "7731")
    for place, data in (("wire", wire), ("outbox table", table), ("log lines", logs)):
        # The reference is random letters and digits: "PHQ" may be among them by chance (about
        # 1 reference in 5,500), so it is taken out before the words are looked for.
        data = data.replace(reference.encode(), b"[reference]")
        found = [word for word in never if word.lower().encode() in data.lower()]
        found += [number for number in numbers
                  if re.search(rb"(?<![0-9A-Za-z])" + number.encode() + rb"(?![0-9A-Za-z])", data)]
        assert found == [], f"{found} in the {place}"
    assert b"alert message" in logs  # the worker did log its work


def test_the_alert_is_stored_in_the_same_transaction_as_the_submission(wired, monkeypatch):
    import screener.patient.drafts as drafts

    def broken(submission):
        queue_alerts(submission)
        raise RuntimeError("the alert could not be written")

    monkeypatch.setattr(drafts, "queue_alerts", broken)
    patient = wired.test_client()
    walk(patient, suicide_answers())
    sent = patient.post("/submit", data={"csrf_token": csrf_token(patient.get("/check").text)})
    assert sent.status_code == 500
    with wired.app_context():
        assert db.session.scalar(select(Submission)) is None  # neither is stored
        assert db.session.scalar(select(Alert)) is None
    monkeypatch.undo()
    submit_answers(wired, suicide_answers())
    with wired.app_context():
        alert = db.session.scalar(select(Alert))
        assert alert.submission_id == db.session.scalar(select(Submission.id))
        assert alert.kind == "urgent" and len(alert.messages) == 2


# --- failures, retries, duplicates -------------------------------------------------------------

def test_with_the_mail_server_down_for_a_minute_the_alert_arrives_after_it_returns(
        wired, mail_server, webhook, clock):
    mail_server.stop()
    reference = arrive(wired, clock, suicide_answers())
    start = clock.now
    for second in (0, 10, 30, 55):  # the worker tries while the server is down
        work(wired, start + timedelta(seconds=second))
    mail = next(row for row in outbox_rows(wired) if row.channel == "email")
    assert mail.status == "waiting" and mail.attempts >= 3
    assert "ConnectionRefusedError" in mail.last_error
    assert reference not in mail.last_error
    mail_server.start()  # back after a minute
    for second in range(60, 400, 10):
        work(wired, start + timedelta(seconds=second))
        if mail_server.box.raw:
            break
    assert second <= 120, "retries wait at most a minute or so after the server is back"
    assert len(mail_server.box.raw) == 1 and len(webhook.calls) == 1
    mail = next(row for row in outbox_rows(wired) if row.channel == "email")
    assert mail.status == "sent" and mail.message_id in mail_server.box.messages()[0][
        "Message-ID"]


def test_a_refused_webhook_is_retried_and_its_error_shown_never_the_body(
        wired, webhook, clock):
    webhook.status = 503
    arrive(wired, clock, suicide_answers())
    work(wired, clock.now)
    hook = next(row for row in outbox_rows(wired) if row.channel == "webhook")
    assert hook.status == "waiting" and hook.last_error == "HTTP 503 from the webhook"
    webhook.status = 200
    work(wired, clock.now + timedelta(seconds=15))
    hook = next(row for row in outbox_rows(wired) if row.channel == "webhook")
    assert hook.status == "sent" and hook.attempts == 2
    assert len({body["id"] for body in webhook.bodies()}) == 1  # the same id both times


def postgres_url_of(app) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get(
        "options")
    return f"{url}?options={quote(options)}" if options else url


def start_worker(app, logs: Path, **extra: str) -> subprocess.Popen:
    """`flask alerts work` as production runs it: its own process on the same database."""
    env = app_environment(Database(postgres_url_of(app)), **{
        key: str(app.config[key]) for key in (
            "SMTP_URL", "ALERT_EMAILS", "ESCALATION_EMAILS", "ALERT_WEBHOOK_URL",
            "PUBLIC_URL", "CLINIC_HOURS")}, ALERT_POLL_SECONDS="0.2", **extra)
    env.pop("TEST_DATABASE_URL", None)
    logs.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "alerts", "work"], cwd=ROOT,
                            env=env, stdout=logs.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=20)


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_worker_killed_mid_send_leaves_at_most_one_duplicate_with_the_same_id(
        wired, mail_server, webhook, clock, tmp_path):
    """The mail server holds the first DATA unanswered and the webhook answers its first call
    late; the worker is killed then. After a restart the mail arrives exactly once (the first
    was never accepted) and the webhook twice at most, both times with the same id."""
    mail_server.box.hang_once = True
    webhook.delay_once = 30
    reference = arrive(wired, clock, suicide_answers())
    claim = {"ALERT_CLAIM_SECONDS": "5", "ALERT_SEND_TIMEOUT_SECONDS": "2"}
    first = start_worker(wired, tmp_path / "worker.log", **claim)
    try:
        wait_for(lambda: mail_server.box.hanging.is_set() and webhook.calls)
    finally:
        stop(first, signal.SIGKILL)
    second = start_worker(wired, tmp_path / "worker.log", **claim)
    try:
        wait_for(lambda: {r.status for r in outbox_rows(wired)} == {"sent"}, seconds=40)
    finally:
        stop(second)
    assert len(mail_server.box.raw) == 1
    assert reference in mail_server.box.messages()[0]["Subject"]
    ids = [body["id"] for body in webhook.bodies()]
    assert len(ids) <= 2 and len(set(ids)) == 1
    assert {headers["Idempotency-Key"] for headers, _ in webhook.calls} == set(ids)


def urgent_submissions(app, count: int) -> None:
    """`count` urgent submissions stored the way the send stores them (with their alerts)."""
    answers = suicide_answers()
    result = evaluate(answers)
    with app.app_context():
        for number in range(count):
            draft = SimpleNamespace(id=f"draft-{number}", answers=answers, language="en")
            submission = build_submission(draft, result)
            db.session.add(submission)
            db.session.flush()
            queue_alerts(submission)
        db.session.commit()


def test_two_workers_send_each_alert_once(wired, mail_server, webhook, tmp_path):
    logs = [tmp_path / f"worker-{n}.log" for n in range(2)]
    workers = [start_worker(wired, log) for log in logs]
    try:
        # Both are at work before the alerts arrive, so they compete for each one (on a busy
        # machine one worker's start once took so long that the other had sent them all).
        wait_for(lambda: all(log.exists() and b"worker started" in log.read_bytes()
                             for log in logs), seconds=120)
        urgent_submissions(wired, 12)
        wait_for(lambda: {r.status for r in outbox_rows(wired)} == {"sent"}, seconds=60)
    finally:
        for worker in workers:
            stop(worker)
    mail_ids = [m["Message-ID"] for m in mail_server.box.messages()]
    hook_ids = [body["id"] for body in webhook.bodies()]
    assert len(mail_ids) == len(set(mail_ids)) == 12
    assert len(hook_ids) == len(set(hook_ids)) == 12
    rows = outbox_rows(wired)
    assert all(row.attempts == 1 for row in rows)


# --- escalation and acknowledgement -----------------------------------------------------------

def test_escalation_fires_once_after_the_set_minutes(wired, mail_server, webhook, clock):
    reference = arrive(wired, clock, suicide_answers())
    start = clock.now
    work(wired, start)
    work(wired, start + timedelta(minutes=29))
    assert len(mail_server.box.raw) == 1
    work(wired, start + timedelta(minutes=30, seconds=1))
    for minutes in (31, 45, 120):
        work(wired, start + timedelta(minutes=minutes))
    mails = mail_server.box.messages()
    assert len(mails) == 2 and len(webhook.calls) == 2
    assert mails[1]["To"] == "lead@clinic.example"
    assert "Not yet acknowledged" in mails[1]["Subject"] and reference in mails[1]["Subject"]
    assert webhook.bodies()[1]["event"] == "not_acknowledged"


def test_acknowledgement_stops_the_escalation_and_stores_the_time_to_it(
        wired, mail_server, clock):
    reference = arrive(wired, clock, suicide_answers())
    work(wired, clock.now)
    staff = log_in(wired, make_user(wired, "nurse@clinic.example", totp=True))
    clock.advance(minutes=12)
    page = f"/staff/submissions/{reference}"
    answer = post_form(staff, page, f"{page}/acknowledge", {})
    assert answer.status_code == 303
    for minutes in (31, 60):
        work(wired, clock.now + timedelta(minutes=minutes))
    assert len(mail_server.box.raw) == 1  # the first alert only: no escalation
    with wired.app_context():
        alert = db.session.scalar(select(Alert))
        assert alert.escalated_at is None
        assert 12 * 60 <= alert.response_seconds < 12 * 60 + 60
    text = staff.get(page).text
    assert "nurse@clinic.example" in text and "Acknowledged" in text


def test_an_urgent_submission_while_the_clinic_is_closed_goes_to_the_escalation_list_at_once(
        wired, mail_server):
    wired.config["CLINIC_HOURS"] = "Mo-Fr 09:00-17:00"
    wired.config["CLINIC_TIMEZONE"] = "America/Chicago"
    saturday_night = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # Saturday 21:00 in Chicago
    with wired.app_context():
        submission = build_submission(SimpleNamespace(
            id="closed", answers=suicide_answers(), language="en"), evaluate(suicide_answers()))
        submission.created_at = saturday_night
        db.session.add(submission)
        db.session.flush()
        alert = queue_alerts(submission)
        db.session.commit()
        assert alert.escalate_at == saturday_night
    work(wired, saturday_night + timedelta(seconds=5))
    recipients = sorted(m["To"] for m in mail_server.box.messages())
    assert recipients == ["lead@clinic.example", "oncall@clinic.example"]
