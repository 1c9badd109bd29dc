"""Alerts through the pages (issue 20): the help page leads with what fits the answer, the big
crisis buttons, the urgent confirmation (the clinic has been alerted, its hours in its time zone,
the help first), in English and Spanish; the clinic's hours read from CLINIC_HOURS; the staff
acknowledgement button in the queue and the admin's outbox with a test alert."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from screener.alerts.hours import parse_hours
from screener.alerts.models import Alert, AlertMessage
from screener.alerts.pages import crisis_buttons, crisis_kinds
from screener.extensions import db
from screener.patient.flow import PAGE_BY_KEY

from flow_helpers import changed, csrf_token, form_fields, page_of, personas, post_page, walk
from staff_helpers import audit_actions, log_in, make_user, post_form, staff_client

BP_CRISIS = changed(bp_systolic=185, bp_diastolic=110, bp_symptoms_now=["none"])


def suicide_answers() -> dict:
    return next(p["answers"] for p in personas() if "URG-SI-NOW" in p["expected_flags"])


def main_text(html: str) -> str:
    main = html.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def in_spanish(client, path: str = "/") -> None:
    page = client.get(path)
    client.post("/language", data={"csrf_token": csrf_token(page.text), "language": "es",
                                   "next": path})


def send(client) -> None:
    client.post("/submit", data={"csrf_token": csrf_token(client.get("/check").text)})


# --- the clinic's hours ------------------------------------------------------------------------

def test_clinic_hours_are_read_in_the_clinic_time_zone():
    hours = parse_hours("Mo-Fr 09:00-17:00; Sa 10:00-13:00", "America/Chicago")
    assert [(first, last) for first, last, _ in hours.groups()] == [(0, 4), (5, 5)]
    friday_noon = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)  # 12:00 in Chicago
    assert hours.is_open(friday_noon)
    friday_evening = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # 17:30 in Chicago
    assert not hours.is_open(friday_evening)
    opens = hours.next_opening(friday_evening)
    assert (opens.weekday(), opens.hour, opens.tzinfo.key) == (5, 10, "America/Chicago")
    assert hours.next_opening(friday_noon) is None
    assert parse_hours("24/7", "UTC").is_open(friday_evening)


@pytest.mark.parametrize("text", ["Monday to Friday, 9 am to 5 pm", "", "Mo-Fr 17:00-09:00",
                                  "Mo-Xx 09:00-17:00", "Mo 9-5"])
def test_hours_that_are_not_machine_readable_give_none(text):
    assert parse_hours(text, "UTC") is None


def test_free_text_hours_are_still_shown_as_written(app, client):
    app.config["CLINIC_HOURS"] = "Monday to Friday, 9 am to 5 pm"
    assert "(Monday to Friday, 9 am to 5 pm)" in main_text(client.get("/help").text)


def test_the_help_page_words_machine_readable_hours_in_each_language(app, client):
    app.config.update(CLINIC_HOURS="Mo-Fr 09:00-17:00", CLINIC_TIMEZONE="America/Chicago")
    text = main_text(client.get("/help").text)
    assert "Monday to Friday, 9:00 AM to 5:00 PM (Central Time)" in text
    in_spanish(client, "/help")
    assert "de lunes a viernes, de 9:00 a 17:00 (hora central)" in main_text(
        client.get("/help").text)


# --- the help page -----------------------------------------------------------------------------

def test_crisis_kinds_put_the_latest_reason_first():
    assert crisis_kinds(["URG-SI-NOW", "URG-BP-CRISIS-RANGE"]) == ["blood_pressure", "suicide"]
    assert crisis_kinds(["URG-BP-SYMPTOMS"]) == ["blood_pressure"]
    assert crisis_kinds(["CAU-SI-PASSIVE"]) == []


def test_crisis_buttons_are_worded_from_their_links(app):
    with app.test_request_context():
        assert crisis_buttons({"href": "tel:988", "text_href": "sms:988"}) == [
            {"href": "tel:988", "label": "Call 988"}, {"href": "sms:988", "label": "Text 988"}]
        assert crisis_buttons({"href": "sms:741741?body=HOME"}) == [
            {"href": "sms:741741?body=HOME", "label": "Text HOME to 741741"}]


def test_a_blood_pressure_crisis_leads_with_what_to_do_about_the_reading(client):
    bp_page = next(key for key, ref in PAGE_BY_KEY.items()
                   if any(q.id == "bp_systolic" for q in ref.page.questions))
    url = walk(client, BP_CRISIS, stop_at=bp_page)
    sent = post_page(client, url, form_fields(page_of(url), BP_CRISIS))
    assert sent.headers["Location"] == "/help"  # the same address for every reason
    page = client.get("/help").text
    text = main_text(page)
    assert text.index("Your blood pressure reading is very high") < text.index("988")
    assert text.index("Call 911 now if you have chest pain") < text.index("Call 988")
    assert "measure your blood pressure again" in text
    assert "call the clinic or a doctor today" in text
    assert page.index('class="bp-box"') < page.index('class="crisis-box"')


def test_thoughts_of_suicide_lead_with_988_and_big_buttons(client):
    walk(client, suicide_answers())
    page = client.get("/help").text
    text = main_text(page)
    assert text.startswith("Help is available right now")
    assert text.index("Call 988") < text.index("Call 911")
    assert "bp-box" not in page and "Blood pressure emergencies" not in text
    buttons = re.findall(r'<a class="button crisis-button[^"]*" href="([^"]+)">([^<]+)</a>', page)
    assert ("tel:988", "Call 988") in buttons and ("sms:988", "Text 988") in buttons
    assert ("tel:911", "Call 911") in buttons
    assert any(href.startswith("sms:741741") for href, _ in buttons)


def test_the_text_line_button_fills_in_the_message(client):
    page = client.get("/help").text
    assert '<a class="button crisis-button" href="sms:741741?body=HOME">Text HOME to 741741</a>' \
        in page


def test_the_help_page_without_a_draft_leads_with_988(client):
    text = main_text(client.get("/help").text)
    assert text.startswith("Help is available right now")
    assert "Blood pressure emergencies" in text


# --- the confirmation --------------------------------------------------------------------------

def test_an_urgent_confirmation_says_the_clinic_was_alerted_and_when_it_is_open(app, client):
    app.config.update(CLINIC_HOURS="Mo-Fr 09:00-17:00", CLINIC_TIMEZONE="America/Chicago")
    walk(client, suicide_answers())
    send(client)
    text = main_text(client.get("/confirmation").text)
    assert text.startswith("The clinic has been alerted")
    assert "2 working days" not in text
    hours = text.index("The clinic is open Monday to Friday")
    assert "(Central Time)" in text
    assert hours < text.index("Call 988") < text.index("What happens next")
    assert ("It is open now" in text) != ("It is closed now and opens again" in text)
    with app.app_context():
        assert db.session.scalar(select(Alert)).kind == "urgent"


def test_a_blood_pressure_confirmation_leads_with_the_reading(app, client):
    walk(client, BP_CRISIS)
    send(client)
    page = client.get("/confirmation").text
    text = main_text(page)
    assert text.startswith("The clinic has been alerted")
    assert page.index('class="bp-box"') < page.index('class="crisis-box"')


def test_the_urgent_confirmation_in_spanish(app, client):
    app.config.update(CLINIC_HOURS="Mo-Fr 09:00-17:00", CLINIC_TIMEZONE="America/Chicago")
    in_spanish(client)
    walk(client, suicide_answers())
    send(client)
    text = main_text(client.get("/confirmation").text)
    assert text.startswith("Hemos avisado a la clínica")
    assert "La clínica abre de lunes a viernes, de 9:00 a 17:00 (hora central)." in text
    assert "Llamar al 988" in text and "Enviar un mensaje de texto al 988" in text


def test_a_calm_confirmation_is_unchanged(app, client):
    walk(client, changed(ride_home="no"))
    send(client)
    text = main_text(client.get("/confirmation").text)
    assert text.startswith("Your answers have been sent")
    assert "usually within 2 working days" in text and "alerted" not in text
    with app.app_context():
        assert db.session.scalar(select(Alert)) is None


def test_every_submission_is_alerted_when_the_clinic_asks(app, client):
    app.config["ALERT_EVERY_SUBMISSION"] = True
    walk(client, changed(ride_home="no"))
    send(client)
    with app.app_context():
        alert = db.session.scalar(select(Alert))
        assert alert.kind == "submission" and alert.escalate_at is None


# --- staff: the queue's button and the outbox --------------------------------------------------

def test_the_queue_acknowledges_an_urgent_submission_in_one_press(app):
    patient = app.test_client()
    walk(patient, suicide_answers())
    send(patient)
    staff = staff_client(app)
    queue = staff.get("/staff/").text
    form = re.search(r'action="/staff/submissions/(\w+)/acknowledge"', queue)
    assert form, "no acknowledge button in the queue"
    answer = post_form(staff, "/staff/", f"/staff/submissions/{form.group(1)}/acknowledge",
                       {"back": "queue"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/staff/"
    queue = staff.get("/staff/").text
    assert "/acknowledge" not in queue and "Acknowledged" in queue
    assert "alert_acknowledged" in audit_actions(app)
    with app.app_context():
        assert db.session.scalar(select(Alert.acknowledged_by)) is not None


def test_the_outbox_is_for_admins_and_shows_errors_never_bodies(app):
    app.config.update(SMTP_URL="smtp://127.0.0.1:9", ALERT_EMAILS="oncall@clinic.example")
    staff = staff_client(app)
    assert staff.get("/staff/admin/outbox").status_code == 403
    admin = log_in(app, make_user(app, "admin@clinic.example", role="admin", totp=True))
    answer = post_form(admin, "/staff/admin/outbox", "/staff/admin/outbox/test", {})
    assert answer.status_code == 303
    assert "alert_test" in audit_actions(app)
    with app.app_context():
        message = db.session.scalar(select(AlertMessage))
        message.last_error = "SMTPServerDisconnected: Connection unexpectedly closed"
        message.attempts = 3
        db.session.commit()
    page = admin.get("/staff/admin/outbox").text
    assert "Failing (1)" in page and "Connection unexpectedly closed" in page
    assert "This is a test alert" not in page  # the body is never shown


def test_without_smtp_url_the_worker_prints_the_alert(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["alerts", "test"]).exit_code == 0
    printed = runner.invoke(args=["alerts", "work", "--once"])
    assert printed.exit_code == 0
    assert "no SMTP_URL set: printed, not mailed" in printed.output
    assert "Subject: Test alert from the pre-screen" in printed.output
    with app.app_context():
        assert db.session.scalar(select(AlertMessage.status)) == "sent"
