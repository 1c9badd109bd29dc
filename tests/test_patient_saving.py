"""Nothing lost, a person in crisis sees help first: crisis interrupt, resume codes, expired
CSRF tokens and sessions, database hiccups, start-up configuration."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from screener import create_app
from screener.extensions import db
from screener.models import Draft, Submission, utcnow
from screener.patient.flow import PAGE_BY_KEY

from flow_helpers import BASE, changed, csrf_token, form_fields, post_page, start, walk

pytestmark = pytest.mark.skipif(not BASE, reason="shared/design/personas.json not found")



def send(client, key, answers, action="continue"):
    return post_page(client, f"/q/{key}", form_fields(PAGE_BY_KEY[key], answers), action)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- crisis interrupt --------------------------------------------------------------------------

def test_thoughts_right_now_lead_straight_to_the_help_page(app, client):
    answers = changed(si_thoughts_past_month="yes", si_method_past_month="no",
                      si_intent_past_month="no", si_plan_past_month="no", si_now="yes")
    walk(client, answers, stop_at="safety/2")
    response = send(client, "safety/2", answers)
    assert response.headers["Location"] == "/help"
    help_page = client.get("/help")
    assert "988" in help_page.text and "911" in help_page.text and "741741" in help_page.text
    assert 'href="/continue"' in help_page.text  # then the person may go on
    assert client.get("/continue").headers["Location"] == "/q/treatments/1"


def test_help_page_is_shown_once_per_new_crisis_answer(client):
    answers = changed(si_thoughts_past_month="yes", si_method_past_month="no",
                      si_intent_past_month="no", si_plan_past_month="no", si_now="yes")
    walk(client, answers, stop_at="safety/2")
    assert send(client, "safety/2", answers).headers["Location"] == "/help"
    assert send(client, "safety/2", answers).headers["Location"] == "/q/treatments/1"
    urgent_plan = dict(answers, si_plan_past_month="yes")
    assert send(client, "safety/2", urgent_plan).headers["Location"] == "/help"


def test_crisis_submission_is_marked_urgent(app, client):
    answers = changed(si_thoughts_past_month="yes", si_method_past_month="no",
                      si_intent_past_month="yes", si_plan_past_month="no", si_now="no")
    assert walk(client, answers) == "/check"
    check = client.get("/check")
    client.post("/submit", data={"csrf_token": csrf_token(check.text)})
    with app.app_context():
        submission = db.session.scalars(select(Submission)).one()
        assert submission.urgent and submission.crisis
        assert submission.highest_severity == "urgent"
        assert submission.severity_rank == 0


def test_blood_pressure_symptoms_lead_to_help_again(client):
    answers = changed(bp_systolic=190, bp_diastolic=100, bp_symptoms_now=["chest_pain"])
    walk(client, answers, stop_at="heart/1")
    assert send(client, "heart/1", answers).headers["Location"] == "/help"
    assert client.get("/continue").headers["Location"] == "/q/heart/2"
    assert send(client, "heart/2", answers).headers["Location"] == "/help"  # call 911 now


def test_help_page_is_on_every_page_and_neutral(client):
    walk(client, BASE, stop_at="phq9/1")
    for url in ("/", "/q/about_you/1", "/q/phq9/1", "/resume"):
        assert 'href="/help"' in client.get(url).text


# --- resume codes ------------------------------------------------------------------------------

def resume_code_for(client, key="reasons/1") -> str:
    walk(client, BASE, stop_at=key)
    response = send(client, key, BASE, action="later")
    assert response.status_code == 200
    match = re.search(r'class="resume-code"[^>]*>([A-Z0-9-]+)<', response.text)
    assert match, response.text
    return match.group(1)


def enter_code(client, code: str):
    page = client.get("/resume")
    return client.post("/resume", data={"csrf_token": csrf_token(page.text),
                                        "resume_code": code})


def test_resume_code_restores_every_saved_answer_on_another_device(app, client):
    code = resume_code_for(client)
    assert len(code.replace("-", "")) == 30  # 150 random bits
    with app.app_context():
        stored = db.session.scalars(select(Draft)).one().resume_code_hash
        assert code not in stored and len(stored) == 64  # only a hash is kept
    other_device = app.test_client()
    response = enter_code(other_device, code.lower().replace("-", " "))
    assert response.status_code == 303
    assert response.headers["Location"] == "/q/phq9/1"
    assert 'value="Rivera"' in other_device.get("/q/about_you/1").text
    assert walk_from(other_device, "/q/phq9/1") == "/check"


def walk_from(client, url: str) -> str:
    from flow_helpers import page_of

    while (ref := page_of(url)) is not None:
        response = post_page(client, url, form_fields(ref, BASE))
        assert response.status_code == 303
        url = response.headers["Location"]
    return url


def test_resume_code_never_loads_another_persons_draft(app):
    alice, bob = app.test_client(), app.test_client()
    code_a = resume_code_for(alice)
    walk(bob, changed(first_name="Bobby"), stop_at="reasons/1")
    send(bob, "reasons/1", changed(first_name="Bobby"), action="later")
    third = app.test_client()
    enter_code(third, code_a)
    page = third.get("/q/about_you/1").text
    assert 'value="Alex"' in page and "Bobby" not in page
    assert enter_code(app.test_client(), code_a[:-1] + ("A" if code_a[-1] != "A" else "B")
                      ).status_code == 404


def test_wrong_code_gets_a_plain_message(client):
    response = enter_code(client, "NOT-A-REAL-CODE")
    assert response.status_code == 404
    assert "We could not find saved answers for that code" in response.text


def test_codes_stop_working_when_sent_or_expired(app, client):
    code = resume_code_for(client)
    with app.app_context():
        draft = db.session.scalars(select(Draft)).one()
        draft.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert enter_code(app.test_client(), code).status_code == 404


def test_a_new_code_replaces_the_old_one(app, client):
    first = resume_code_for(client)
    second = send(client, "reasons/1", BASE, action="later").text
    assert first not in second
    assert enter_code(app.test_client(), first).status_code == 404


def test_resume_attempts_are_rate_limited(database, tmp_path):
    from conftest import make_app

    for application in make_app(database, tmp_path, RATELIMIT_ENABLED=True,
                                RATELIMIT_RESUME="3 per minute"):
        client = application.test_client()
        statuses = [enter_code(client, f"WRONG-{i}").status_code for i in range(5)]
        assert statuses == [404, 404, 404, 429, 429]


# --- expired tokens and sessions, database hiccups ---------------------------------------------

def test_expired_csrf_token_shows_the_page_again_with_the_typed_values(app, client, monkeypatch):
    url = start(client)
    page = client.get(url)
    fields = form_fields(PAGE_BY_KEY["about_you/1"], changed(first_name="Typed-Name"))
    later = time.time() + 2 * 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    response = client.post(url, data=dict([("csrf_token", csrf_token(page.text)), *fields]))
    assert response.status_code == 400
    assert 'value="Typed-Name"' in response.text
    assert "press the button again" in response.text
    assert csrf_token(response.text) != csrf_token(page.text)
    monkeypatch.undo()
    with app.app_context():
        assert "first_name" not in db.session.scalars(select(Draft)).one().answers


def test_expired_session_keeps_the_typed_values(app, client):
    url = start(client)
    page = client.get(url)
    client.delete_cookie("session")
    fields = form_fields(PAGE_BY_KEY["about_you/1"], changed(first_name="Typed-Name"))
    response = client.post(url, data=dict([("csrf_token", csrf_token(page.text)), *fields]))
    assert response.status_code == 400
    assert 'value="Typed-Name"' in response.text


def test_database_hiccup_keeps_the_typed_values(app, client, monkeypatch):
    url = start(client)
    page = client.get(url)

    def refuse():
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(db.session, "commit", refuse)
    fields = form_fields(PAGE_BY_KEY["about_you/1"], changed(first_name="Typed-Name"))
    response = client.post(url, data=dict([("csrf_token", csrf_token(page.text)), *fields]))
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert 'value="Typed-Name"' in response.text
    with app.app_context():
        assert "first_name" not in db.session.scalars(select(Draft)).one().answers


def test_post_without_csrf_token_changes_nothing(app, client):
    url = start(client)
    fields = form_fields(PAGE_BY_KEY["about_you/1"], BASE)
    assert client.post(url, data=dict(fields)).status_code == 400
    assert client.post("/submit").status_code == 400
    with app.app_context():
        assert "first_name" not in db.session.scalars(select(Draft)).one().answers
        assert count(app, Submission) == 0


def test_errors_never_show_a_traceback_or_answers(app, client, monkeypatch):
    walk(client, changed(first_name="Canary-Name"))

    def broken(*args, **kwargs):
        raise RuntimeError("Canary-Name boom")

    monkeypatch.setattr("screener.patient.drafts.evaluate", broken)
    check = client.get("/check")
    response = client.post("/submit", data={"csrf_token": csrf_token(check.text)})
    assert response.status_code == 500
    assert "Traceback" not in response.text and "Canary-Name" not in response.text
    assert count(app, Submission) == 0


# --- configuration -----------------------------------------------------------------------------

def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    from screener.app import ConfigurationError

    monkeypatch.setenv("SCREENER_CONFIG", "production")
    for key in (None, "short", "dev-" + "x" * 40):
        with pytest.raises(ConfigurationError):
            create_app({"SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_refuses_to_start_with_the_demo_account(monkeypatch, tmp_path):
    from screener.app import ConfigurationError
    from screener.staff.accounts import ensure_demo_account

    url = f"sqlite:///{tmp_path / 'prod.db'}"
    dev = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with dev.app_context():
        db.create_all()
        ensure_demo_account("a-demo-password")
    monkeypatch.setenv("SCREENER_CONFIG", "production")
    # The check runs once before serving (`flask check`, gunicorn's master), not in create_app.
    from screener.startup import refuse_demo_accounts

    with pytest.raises(ConfigurationError, match="demo"):
        refuse_demo_accounts(create_app({"SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": url}))


def test_migrations_create_the_same_schema_as_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import upgrade

    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}",
                              "TESTING": True})
    with application.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection),
                                           db.metadata)
    assert differences == []


def test_two_simultaneous_submits_make_one_submission(app, client):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    walk(client, BASE)
    token = csrf_token(client.get("/check").text)
    cookie = client.get_cookie("session").value
    barrier = threading.Barrier(2)

    def send_now(_):
        browser_tab = app.test_client()
        browser_tab.set_cookie("session", cookie)
        barrier.wait()
        return browser_tab.post("/submit", data={"csrf_token": token})

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(send_now, range(2)))
    assert [r.status_code for r in responses] == [303, 303]
    assert {r.headers["Location"] for r in responses} == {"/confirmation"}
    assert count(app, Submission) == 1


def test_save_for_later_works_on_a_half_filled_page(app, client):
    url = start(client)
    response = post_page(client, url, [("first_name", "Half")], action="later")
    assert response.status_code == 200
    assert re.search(r'class="resume-code"[^>]*>[A-Z0-9-]+<', response.text)
    with app.app_context():
        draft = db.session.scalars(select(Draft)).one()
        assert draft.answers["first_name"] == "Half"
        assert "about_you/1" not in draft.pages_done  # still to be finished
    other = app.test_client()
    code = re.search(r'class="resume-code"[^>]*>([A-Z0-9-]+)<', response.text).group(1)
    assert enter_code(other, code).headers["Location"] == "/q/about_you/1"
    assert 'value="Half"' in other.get("/q/about_you/1").text


def test_save_for_later_still_reports_wrong_values(client):
    url = start(client)
    response = post_page(client, url, [("email", "not-an-email")], action="later")
    assert "resume-code" not in response.text
    assert "Enter an email address in the correct format, like name@example.com" in response.text


def test_save_for_later_with_a_crisis_answer_shows_help_with_the_code(client):
    answers = changed(si_thoughts_past_month="yes", si_method_past_month="no",
                      si_intent_past_month="no", si_plan_past_month="no", si_now="yes")
    walk(client, answers, stop_at="safety/2")
    response = send(client, "safety/2", answers, action="later")
    main = response.text.split("<main", 1)[1]
    assert main.index("988") < main.index('class="resume-code"')


def test_a_code_asked_for_just_as_another_tab_sends_the_answers(app, client, monkeypatch):
    """The draft was read as unsent, then sent from another tab before the code was stored:
    the person is told the answers were sent (409), never a 500, and no code is kept."""
    from screener.patient import routes
    from screener.patient.drafts import load_draft

    assert walk(client, BASE) == "/check"
    page = client.get("/check")
    with app.app_context():
        draft_id = db.session.scalars(select(Draft.id)).one()
        unsent = load_draft(draft_id)  # what the slower request read
    assert client.post("/submit", data={"csrf_token": csrf_token(page.text)}).status_code == 303
    monkeypatch.setattr(routes, "load_draft", lambda *args, **kwargs: unsent)
    response = client.post("/save-for-later", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 409
    assert "already sent" in response.text
    with app.app_context():
        assert db.session.scalars(select(Draft.resume_code_hash)).one() is None
