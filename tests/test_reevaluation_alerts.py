"""A re-evaluation that makes a case urgent alerts a person as a new urgent submission does
(docs/alerts.md): the alert and its outbox rows are saved with the new result, the worker sends
them, the escalation follows, the queue ranks the case urgent and not acknowledged until someone
acknowledges it, and the dashboard counts it. Once per case: a second re-evaluation, or a case
whose urgent alert went out already, makes no second alert; an acknowledgement stands."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from screener.alerts.models import Alert, AlertMessage
from screener.alerts.worker import run_once
from screener.extensions import db
from screener.models import AuditEvent, Submission

from flow_helpers import changed, csrf_token, personas
from staff_helpers import (
    Clock,
    audit_actions,
    install_clock,
    just_before,
    post_form,
    staff_client,
    submission,
    submit_answers,
)

pytestmark = pytest.mark.skipif(not personas(), reason="shared/design/personas.json not found")

CRISIS_READING = {"bp_systolic": 185, "bp_diastolic": 110, "bp_symptoms_now": ["none"]}


def suicide_answers() -> dict:
    return next(p["answers"] for p in personas() if "URG-SI-NOW" in p["expected_flags"])


@pytest.fixture
def clock(app) -> Clock:
    """The alerts' clock; the clinic always open, so an urgent alert escalates after 30 min."""
    moment = Clock(datetime.now(UTC))
    app.config.update(ALERT_CLOCK=moment, CLINIC_HOURS="24/7", ALERT_ESCALATE_AFTER_MINUTES=30,
                      ALERT_EMAILS="oncall@clinic.example", SMTP_URL="", ALERT_WEBHOOK_URL="")
    return moment


@pytest.fixture
def staff(app, clock):
    install_clock(app)
    return staff_client(app)


def stored_under_an_older_rulebook(app, reference: str, **answers) -> None:
    """Pretend the stored result came from an older rulebook that raised no flags, for the
    stored answers with `answers` changed (an older rulebook that did not flag a crisis-range
    blood pressure, say)."""
    with app.app_context():
        sub = db.session.scalar(select(Submission).where(Submission.reference == reference))
        db.session.execute(update(Submission).where(Submission.id == sub.id).values(
            answers={**sub.answers, **answers}, rulebook_version="2025.1", flags=[],
            flag_count=0, highest_severity=None, severity_rank=4, urgent=False, crisis=False,
            first_rule_id=None, queue_rank=5, version=Submission.version + 1))
        db.session.commit()


def re_evaluate(client, reference: str):
    """Open the re-evaluation and save the new result, as a person does."""
    page = client.get(f"/staff/submissions/{reference}/re-evaluate").text
    assert "Save the new result" in page, "nothing to save"
    return client.post(f"/staff/submissions/{reference}/re-evaluate", data={
        "csrf_token": csrf_token(page),
        "fingerprint": re.search(r'name="fingerprint" value="(\w+)"', page).group(1)})


def alerts_of(app, reference: str) -> list[tuple[Alert, list[AlertMessage]]]:
    with app.app_context():
        rows = [(alert, list(alert.messages)) for alert in db.session.scalars(
            select(Alert).where(Alert.reference == reference))]
        db.session.expunge_all()
        return rows


def work(app, now: datetime) -> str:
    """One pass of the alerts worker (`flask alerts work --once`); what it printed (without
    SMTP_URL the mail is printed)."""
    printed = io.StringIO()
    with app.app_context():
        run_once(app.config, now, printed)
    return printed.getvalue()


def acknowledge_button(queue_page: str, reference: str) -> bool:
    return f'action="/staff/submissions/{reference}/acknowledge"' in queue_page


def unacknowledged(board_page: str) -> str:
    return re.search(r"Not yet acknowledged: ([^.]+)\.", board_page).group(1)


# --- a case made urgent ------------------------------------------------------------------------

def test_a_re_evaluation_that_makes_a_case_urgent_alerts_escalates_and_can_be_acknowledged(
        app, clock, staff):
    reference = submit_answers(app, changed())
    stored_under_an_older_rulebook(app, reference, **CRISIS_READING)
    assert alerts_of(app, reference) == []
    assert unacknowledged(staff.get("/staff/dashboard").text) == "0"

    assert re_evaluate(staff, reference).status_code == 303
    saved = submission(app, reference)
    assert saved.urgent and saved.queue_rank == 0
    [(alert, messages)] = alerts_of(app, reference)
    assert (alert.kind, alert.submission_id) == ("urgent", saved.id)
    assert alert.created_at == clock.now  # counted from when the case became urgent
    assert alert.escalate_at == clock.now + timedelta(minutes=30)
    assert alert.acknowledged_at is None and alert.escalated_at is None
    assert [(m.channel, m.purpose, m.status) for m in messages] == [("email", "alert", "waiting")]
    with app.app_context():
        detail = db.session.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "re_evaluate_saved"))
    assert detail.endswith("; urgent alert queued")

    # The worker sends it, as it does a new urgent submission's.
    printed = work(app, clock.now)
    assert f"Subject: Urgent pre-screen {reference}: please acknowledge" in printed
    [(_, messages)] = alerts_of(app, reference)
    assert [m.status for m in messages] == ["sent"]
    # The queue puts it first with the Acknowledge button; the dashboard counts it.
    queue = staff.get("/staff/").text
    assert acknowledge_button(queue, reference)
    assert re.findall(r'href="/staff/submissions/(\w+)"', queue)[0] == reference
    assert unacknowledged(staff.get("/staff/dashboard").text) == "fewer than 5"
    page = staff.get(f"/staff/submissions/{reference}").text
    assert "Not acknowledged yet." in page and "alert queued" in page

    # Nobody acknowledged it in 30 minutes: the escalation list is told, once.
    clock.advance(minutes=31)
    printed = work(app, clock.now)
    assert f"Not yet acknowledged: urgent pre-screen {reference}" in printed
    assert "Not yet acknowledged" not in work(app, clock.now)

    # Acknowledging works: stored with the minutes since the alert, off the top of the queue.
    answer = post_form(staff, "/staff/", f"/staff/submissions/{reference}/acknowledge",
                       {"back": "queue"})
    assert answer.status_code == 303
    queue = staff.get("/staff/").text
    assert f"Acknowledged {reference}: the escalation is stopped." in queue
    assert not acknowledge_button(queue, reference)
    [(alert, _)] = alerts_of(app, reference)
    assert alert.acknowledged_at == clock.now and alert.response_seconds == 31 * 60
    assert submission(app, reference).queue_rank == 1
    assert "alert_acknowledged" in audit_actions(app)
    assert unacknowledged(staff.get("/staff/dashboard").text) == "0"


def test_the_alert_is_saved_with_the_new_result_or_neither_is(app, clock, staff, monkeypatch):
    reference = submit_answers(app, changed())
    stored_under_an_older_rulebook(app, reference, **CRISIS_READING)
    before = submission(app, reference)

    def broken(*args, **kwargs):
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr("screener.alerts.outbox._queue_messages", broken)
    assert re_evaluate(staff, reference).status_code == 500
    after = submission(app, reference)
    assert (after.urgent, after.rulebook_version, after.version) == (
        False, "2025.1", before.version)
    assert alerts_of(app, reference) == []
    assert "re_evaluate_saved" not in audit_actions(app)


# --- once per case -----------------------------------------------------------------------------

def test_a_second_re_evaluation_makes_no_second_alert(app, clock, staff):
    reference = submit_answers(app, changed())
    stored_under_an_older_rulebook(app, reference, **CRISIS_READING)
    assert re_evaluate(staff, reference).status_code == 303
    work(app, clock.now)
    clock.advance(minutes=5)
    stored_under_an_older_rulebook(app, reference)  # an older result again: something to save
    assert re_evaluate(staff, reference).status_code == 303
    [(alert, messages)] = alerts_of(app, reference)
    assert [(m.purpose, m.status) for m in messages] == [("alert", "sent")]
    assert alert.created_at == clock.now - timedelta(minutes=5)  # its clock did not restart
    assert work(app, clock.now) == ""
    assert acknowledge_button(staff.get("/staff/").text, reference)
    assert submission(app, reference).queue_rank == 0


def test_a_case_that_had_its_urgent_alert_already_gets_no_second_one(app, clock, staff):
    reference = submit_answers(app, suicide_answers())
    [(first, _)] = alerts_of(app, reference)
    stored_under_an_older_rulebook(app, reference)
    assert re_evaluate(staff, reference).status_code == 303
    [(alert, messages)] = alerts_of(app, reference)
    assert (alert.id, alert.created_at, alert.escalate_at) == (
        first.id, first.created_at, first.escalate_at)
    assert [m.purpose for m in messages] == ["alert"]
    assert submission(app, reference).queue_rank == 0
    assert acknowledge_button(staff.get("/staff/").text, reference)
    with app.app_context():
        detail = db.session.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "re_evaluate_saved"))
    assert "alert" not in detail


def test_an_acknowledged_case_made_urgent_again_stays_acknowledged(app, clock, staff):
    """Decision (docs/alerts.md): the acknowledgement was someone taking this person's urgent
    answers on; the answers never change, so it stands: no second alert, no second button."""
    reference = submit_answers(app, suicide_answers())
    assert post_form(staff, "/staff/", f"/staff/submissions/{reference}/acknowledge",
                     {"back": "queue"}).status_code == 303
    [(first, _)] = alerts_of(app, reference)
    stored_under_an_older_rulebook(app, reference)  # e.g. a re-evaluation had lowered it
    assert re_evaluate(staff, reference).status_code == 303
    [(alert, messages)] = alerts_of(app, reference)
    assert (alert.id, alert.acknowledged_at, alert.response_seconds) == (
        first.id, first.acknowledged_at, first.response_seconds)
    assert [m.purpose for m in messages] == ["alert"]
    assert submission(app, reference).queue_rank == 1
    queue = staff.get("/staff/").text
    assert not acknowledge_button(queue, reference)
    page = staff.get(f"/staff/submissions/{reference}").text
    assert "Not acknowledged yet." not in page


def test_a_notice_of_every_submission_becomes_an_urgent_alert(app, clock, staff):
    """With ALERT_EVERY_SUBMISSION the case already had a plain notice (one alert row per
    submission): it becomes the urgent alert, sent again as urgent, escalating."""
    app.config["ALERT_EVERY_SUBMISSION"] = True
    reference = submit_answers(app, changed())
    clock.now = datetime.now(UTC)  # the notice is due from the arrival
    assert [a.kind for a, _ in alerts_of(app, reference)] == ["submission"]
    assert "Subject: New pre-screen" in work(app, clock.now)
    clock.advance(hours=2)
    stored_under_an_older_rulebook(app, reference, **CRISIS_READING)
    assert re_evaluate(staff, reference).status_code == 303
    [(alert, messages)] = alerts_of(app, reference)
    assert alert.kind == "urgent" and alert.created_at == clock.now
    assert alert.escalate_at == clock.now + timedelta(minutes=30)
    assert [(m.purpose, m.status) for m in messages] == [("alert", "sent"), ("alert", "waiting")]
    assert f"Subject: Urgent pre-screen {reference}: please acknowledge" in work(app, clock.now)
    assert acknowledge_button(staff.get("/staff/").text, reference)


def test_two_people_saving_the_same_re_evaluation_at_once_make_one_alert(app, clock, staff):
    reference = submit_answers(app, changed())
    stored_under_an_older_rulebook(app, reference, **CRISIS_READING)
    colleague = staff_client(app, email="colleague@clinic.example")
    page = staff.get(f"/staff/submissions/{reference}/re-evaluate").text
    with just_before(app, "UPDATE SUBMISSION", lambda: re_evaluate(colleague, reference)) as fired:
        answer = staff.post(f"/staff/submissions/{reference}/re-evaluate", data={
            "csrf_token": csrf_token(page),
            "fingerprint": re.search(r'name="fingerprint" value="(\w+)"', page).group(1)})
    assert fired
    assert answer.status_code == 200  # not saved twice, and not an error page
    assert "The result changed while you were looking at it" in answer.text
    [(alert, messages)] = alerts_of(app, reference)
    assert alert.kind == "urgent" and [m.purpose for m in messages] == ["alert"]
    assert audit_actions(app).count("re_evaluate_saved") == 1
    assert submission(app, reference).queue_rank == 0
