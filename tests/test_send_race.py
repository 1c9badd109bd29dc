"""A page saved in one tab while another tab sends: a save that was confirmed (303) is in the
submission, or the save is refused with the "already sent" page. Real concurrent requests to a
gunicorn server, on SQLite and PostgreSQL (issue 19, item 2)."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from screener import create_app
from screener.extensions import db
from screener.models import Draft, Submission, utcnow
from screener.patient.flow import PAGE_BY_KEY, applicable_pages
from screener.questionnaire import Answers

from conftest import postgres_unavailable
from flow_helpers import BASE, changed, form_fields
from http_browser import Browser
from server_harness import app_environment, gunicorn, migrate, postgres_database, sqlite_database

pytestmark = [pytest.mark.server,
              pytest.mark.skipif(not BASE, reason="shared/design/personas.json not found")]

SECRET_KEY = "harness-" + "k" * 40
TRIES = 15
PAGE = PAGE_BY_KEY["about_you/1"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp(f"race-{request.param}")
    if request.param == "postgresql":
        problem = postgres_unavailable()
        if problem:
            pytest.skip(problem)
        database = postgres_database()
    else:
        database = sqlite_database(folder)
    env = app_environment(database, SECRET_KEY=SECRET_KEY)
    try:
        migrate(env)
        with gunicorn(env, folder / "logs", workers=3) as server:
            yield server.url, database.url
    finally:
        database.drop()


def finished_drafts(url: str, count: int) -> list[str]:
    """Drafts with every page answered and done, ready to send (made in the served database)."""
    answers = changed(first_name="Before")
    pages = [ref.key for ref in applicable_pages(Answers(answers))]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    ids = [secrets.token_urlsafe(32) for _ in range(count)]
    with app.app_context():
        now = utcnow()
        for draft_id in ids:
            db.session.add(Draft(id=draft_id, answers={"consent_store": "yes", **answers},
                                 pages_done=pages, crisis_shown=[], language="en",
                                 created_at=now, updated_at=now,
                                 expires_at=now + timedelta(days=1)))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids


def signed_session(draft_id: str) -> str:
    serializer = URLSafeTimedSerializer(
        SECRET_KEY, salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})
    return serializer.dumps({"draft": draft_id, "lang": "en", "_permanent": True})


def stored(url: str, draft_id: str) -> tuple[str, str | None]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        draft = db.session.get(Draft, draft_id)
        submission = db.session.get(Submission, draft.submission_id) if (
            draft.submission_id) else None
        result = (draft.answers["first_name"],
                  submission.answers["first_name"] if submission else None)
        db.session.remove()
        db.engine.dispose()
    return result


def test_a_page_saved_while_another_tab_sends_is_in_the_submission_or_refused(served):
    base_url, database_url = served
    path = f"/q/{PAGE.section.id}/{PAGE.number}"
    outcomes = []
    with ThreadPoolExecutor(2) as pool:
        for number, draft_id in enumerate(finished_drafts(database_url, TRIES)):
            saving, sending = Browser(base_url), Browser(base_url)
            saving.cookies["session"] = signed_session(draft_id)
            token = saving.get(path).token()
            sending.cookies = dict(saving.cookies)  # the same person, in a second tab
            name = f"After{number}"
            fields = [("csrf_token", token), ("action", "continue"),
                      *form_fields(PAGE, changed(first_name=name))]
            start = threading.Barrier(2)

            def at_once(browser, target, sent, start=start):
                start.wait(timeout=10)
                return browser.post(target, sent)

            save = pool.submit(at_once, saving, path, fields)
            send = pool.submit(at_once, sending, "/submit", [("csrf_token", token)])
            saved, sent = save.result(timeout=30), send.result(timeout=30)
            assert saved.status in (303, 409), saved.status
            assert sent.status == 303, sent.status
            in_draft, in_submission = stored(database_url, draft_id)
            outcomes.append((saved.status, in_submission == name))
            if saved.status == 303:  # confirmed: the send scored it, or has not happened
                assert in_draft == name
                assert in_submission in (name, None), (number, in_submission)
            else:  # refused: "already sent", and the submission holds what was sent
                assert "already" in saved.body.lower()
                assert in_submission == "Before"
    assert len(outcomes) == TRIES
