"""Limits: request size, new-draft rate, draft expiry and purge, the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta

from babel.dates import format_date
from sqlalchemy import func, select

from screener.extensions import db
from screener.models import Draft, utcnow

from conftest import make_app
from flow_helpers import BASE, csrf_token, start, walk


def test_oversized_request_is_refused_politely(client):
    url = start(client)
    page = client.get(url)
    response = client.post(url, data={"csrf_token": csrf_token(page.text),
                                      "first_name": "x" * 70_000})
    assert response.status_code == 413
    assert "more than we can accept" in response.text


def test_new_drafts_are_rate_limited_per_address(database, tmp_path):
    for app in make_app(database, tmp_path, RATELIMIT_ENABLED=True,
                        RATELIMIT_NEW_DRAFT="2 per hour"):
        statuses = []
        for _ in range(3):
            client = app.test_client()
            page = client.get("/")
            statuses.append(client.post("/", data={"csrf_token": csrf_token(page.text),
                                                   "consent_store": "yes"}).status_code)
        assert statuses == [303, 303, 429]


def test_declining_consent_stores_nothing(app, client):
    page = client.get("/")
    response = client.post("/", data={"csrf_token": csrf_token(page.text),
                                      "consent_store": "no"})
    assert response.status_code == 200
    assert "We can only keep your answers if you agree" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Draft.id))) == 0


def test_expired_draft_is_not_loaded_and_is_purged(app, client):
    start(client)
    with app.app_context():
        draft = db.session.scalars(select(Draft)).one()
        draft.expires_at = utcnow() - timedelta(seconds=1)
        draft.updated_at = utcnow() - timedelta(days=15)
        db.session.commit()
    assert client.get("/q/about_you/1").status_code == 409
    result = app.test_cli_runner().invoke(args=["retention", "purge", "--older-than", "14"])
    assert "Deleted 1 expired unsent drafts" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Draft.id))) == 0


def test_flask_rules_commands(app, tmp_path):
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["rules", "list"])
    assert listing.exit_code == 0 and "CAU-DIALYSIS" in listing.output
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"kidney": "dialysis"}))
    result = runner.invoke(args=["rules", "evaluate", str(answers), "--as-of", "2026-01-15"])
    assert result.exit_code == 0 and "CAU-DIALYSIS" in result.output


def test_language_switch_is_remembered_for_the_draft(app, client):
    url = start(client)
    page = client.get(url)
    assert '<html lang="en">' in page.text
    response = client.post("/language", data={"csrf_token": csrf_token(page.text),
                                              "language": "es", "next": url})
    assert response.status_code == 303 and response.headers["Location"] == url
    assert '<html lang="es">' in client.get(url).text
    with app.app_context():
        assert db.session.scalars(select(Draft)).one().language == "es"


def test_language_switch_never_redirects_off_site(client):
    page = client.get("/")
    for target in ("//evil.example", "https://evil.example", "/\\evil.example", "javascript:x"):
        response = client.post("/language", data={"csrf_token": csrf_token(page.text),
                                                  "language": "es", "next": target})
        assert response.headers["Location"] == "/"


def test_browser_language_is_the_first_guess(client):
    page = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert '<html lang="es">' in page.text


def test_a_chosen_language_beats_the_browsers_and_staff_pages_stay_in_english(client):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in page.text
    client.post("/language", data={"csrf_token": csrf_token(page.text), "language": "es",
                                   "next": "/"})
    again = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="es">' in again.text
    staff = client.get("/staff/login", headers={"Accept-Language": "es"})
    assert '<html lang="en">' in staff.text


def test_a_browser_language_the_clinic_does_not_offer_gets_the_first_one(client):
    page = client.get("/", headers={"Accept-Language": "fr-FR,de;q=0.8"})
    assert '<html lang="en">' in page.text


def test_dates_are_written_in_the_language_of_the_page(client):
    """The page's language and the one Flask-Babel formats dates in are the same choice."""
    page = client.get("/")
    client.post("/language", data={"csrf_token": csrf_token(page.text), "language": "es",
                                   "next": "/"})
    assert walk(client, BASE).endswith("/check")
    check = client.get("/check")
    assert '<html lang="es">' in check.text
    day = date.fromisoformat(BASE["date_of_birth"])
    assert format_date(day, format="long", locale="es") in check.text
    assert format_date(day, format="long", locale="en") not in check.text


def test_saying_no_to_consent_is_an_answer_with_a_calm_page_not_an_error(app, client):
    page = client.get("/")
    response = client.post("/", data={"csrf_token": csrf_token(page.text),
                                      "consent_store": "no"})
    assert response.status_code == 200
    assert "error-summary" not in response.text and "error-message" not in response.text
    assert "<title>Error" not in response.text
    main = response.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "What happens without the form" in main
    assert app.config["CLINIC_NAME"] in main
    phone = app.config["CLINIC_PHONE"]
    assert phone in main and 'href="tel:' in main
    assert app.config["CLINIC_EMAIL"] in main
    assert 'href="/"' in main  # they may change their mind
