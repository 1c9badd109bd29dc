"""The patient flow: through HTTP (walk-through, skip logic, saving, submit, confirmation),
and which pages apply for given answers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from screener.extensions import db
from screener.models import Draft, Submission
from screener.patient.flow import (
    PAGE_BY_KEY,
)

from flow_helpers import (
    BASE,
    changed,
    csrf_token,
    form_fields,
    page_of,
    personas,
    post_page,
    session_payload,
    start,
    walk,
    with_substances_used,
)

PERSONAS = personas()



def submit(client):
    check = client.get("/check")
    assert check.status_code == 200
    return client.post("/submit", data={"csrf_token": csrf_token(check.text)})


def stored_submission(app) -> Submission:
    with app.app_context():
        return db.session.scalars(select(Submission).order_by(Submission.id.desc())).first()


def draft_answers(app) -> dict:
    with app.app_context():
        return db.session.scalars(select(Draft).order_by(Draft.created_at.desc())).first().answers


@pytest.mark.skipif(not PERSONAS, reason="shared/design/personas.json not found")
@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p["persona"])
def test_every_persona_walks_through_and_is_stored_exactly(app, client, persona):
    assert walk(client, persona["answers"]) == "/check"
    response = submit(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/confirmation"
    stored = stored_submission(app)
    # Exactly the persona's answers, plus the substances ticked on the first of the two
    # substance pages (the personas predate that question; the rules do not read it).
    assert stored.answers == with_substances_used(persona["answers"])
    assert {k: v for k, v in stored.answers.items() if k != "substances_used"} == (
        persona["answers"])
    assert sorted(f["rule_id"] for f in stored.flags) == sorted(persona["expected_flags"])
    assert stored.urgent == persona.get("expected_crisis", False)


def test_confirmation_shows_reference_next_steps_and_flags_in_patient_wording(app, client):
    walk(client, changed(ride_home="no"))
    submit(client)
    page = client.get("/confirmation")
    reference = stored_submission(app).reference
    assert reference in page.text
    assert "Things to talk about with a provider" in page.text
    assert "Treatment visits need a ride home" in page.text  # INF-LOGISTICS patient wording
    assert "INF-LOGISTICS" not in page.text  # rule ids and staff wording stay with staff
    main = page.text.split("<main", 1)[1].split("</main>")[0]
    assert not re.search(r"\b988\b", main)  # whole number: the reference may hold the digits


def test_confirmation_shows_crisis_resources_when_a_suicide_flag_fired(client):
    walk(client, changed(phq9_9=1, si_now="no"))
    submit(client)
    main = client.get("/confirmation").text.split("<main", 1)[1]
    assert "One of your answers was about thoughts of death" in main
    assert "988" in main


def test_print_view_of_own_answers(client):
    walk(client, BASE)
    submit(client)
    page = client.get("/confirmation/answers")
    assert page.status_code == 200
    assert ("Rivera" in page.text and "Sertraline" in page.text) or "sertraline" in page.text
    assert 'media="print"' in page.text


def test_printed_copy_carries_the_clinic_name_and_phone(app, client):
    """The header and footer are not printed (print.css), so the copy says it in the page."""
    walk(client, BASE)
    submit(client)
    main = client.get("/confirmation/answers").text.split("<main", 1)[1].split("</main>")[0]
    printed = main.split('class="printed-clinic"', 1)[1].split("</p>", 1)[0]
    assert app.config["CLINIC_NAME"] in printed and app.config["CLINIC_PHONE"] in printed
    css = client.get("/static/css/print.css").text
    assert "printed-clinic" not in css


def test_each_page_is_saved_before_the_redirect(app, client):
    url = start(client)
    response = post_page(client, url, form_fields(page_of(url), BASE))
    assert response.status_code == 303
    saved = draft_answers(app)
    assert saved["first_name"] == "Alex" and saved["date_of_birth"] == "1983-12-16"


def test_session_cookie_holds_an_opaque_draft_id_only(client):
    canary = "Zebulon-Canary"
    walk(client, changed(first_name=canary, anything_else=canary))
    payload = session_payload(client)
    assert set(payload) <= {"draft", "csrf_token", "_permanent", "lang", "renewed"}
    assert canary not in repr(payload)
    assert len(payload["draft"]) >= 32


def test_the_session_cookie_is_renewed_by_a_save_not_by_every_page_view(client):
    """Pages are not re-signed on every view (it cost a tenth of a page); a save extends the
    draft, so the cookie that finds it is renewed too, at most once a day."""
    url = walk(client, BASE, stop_at="reasons/1")
    assert "Set-Cookie" not in client.get(url).headers
    with client.session_transaction() as session:
        session["renewed"] = 0  # last renewed long ago
    saved = post_page(client, url, form_fields(page_of(url), BASE))
    assert saved.status_code == 303
    cookie = saved.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie
    assert session_payload(client)["renewed"] > 0
    following = saved.headers["Location"]
    again = post_page(client, following, form_fields(page_of(following), BASE))
    assert again.status_code == 303
    assert "Set-Cookie" not in again.headers  # renewed already today


def test_pages_must_be_filled_in_order(client):
    start(client)
    response = client.get("/q/safety/1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/q/about_you/1"


def test_step_without_a_draft_offers_resume_and_start(client):
    response = client.get("/q/about_you/1")
    assert response.status_code == 409
    assert "resume code" in response.text.lower()


def test_back_link_and_earlier_pages_show_saved_answers(client):
    url = walk(client, BASE, stop_at="reasons/1")
    page = client.get(url)
    assert 'href="/q/about_you/2"' in page.text  # Back
    earlier = client.get("/q/about_you/2")
    assert re.search(r'value="female"\s+checked', earlier.text)
    assert 'name="height_cm-feet" value="5"' in earlier.text  # 175 cm in feet and inches
    assert 'name="height_cm-inches" value="9"' in earlier.text


def test_progress_counts_only_pages_that_apply(client):
    url = walk(client, BASE, stop_at="reasons/1")
    without_ptsd = re.search(r"Step (\d+) of (\d+)", client.get(url).text).groups()
    walk(client, changed(reasons=["depression", "ptsd"]), stop_at="phq9/1")
    with_ptsd = re.search(r"Step (\d+) of (\d+)", client.get("/q/phq9/1").text).groups()
    assert int(with_ptsd[1]) == int(without_ptsd[1]) + 2  # the two PCL-5 pages


def test_extra_fields_are_ignored(app, client):
    url = start(client)
    fields = [*form_fields(page_of(url), BASE), ("status", "closed"), ("urgent", "1"),
              ("si_now", "yes"), ("rulebook_version", "x")]
    assert post_page(client, url, fields).status_code == 303
    saved = draft_answers(app)
    assert not {"status", "urgent", "si_now", "rulebook_version"} & set(saved)


def test_check_page_lists_answers_with_change_links_that_return(client):
    walk(client, BASE)
    page = client.get("/check")
    assert "Check your answers" in page.text
    assert 'href="/q/about_you/1?return=check&amp;answer=first_name#first_name"' in page.text
    response = post_page(client, "/q/about_you/1?return=check&answer=first_name",
                         form_fields(PAGE_BY_KEY["about_you/1"], changed(first_name="Sam")))
    assert response.headers["Location"] == "/check?open=about_you#answer-first_name"
    assert "Sam" in client.get("/check").text


def test_every_answer_on_the_check_page_has_its_own_change_link(client):
    walk(client, changed(substances_used=["cannabis"], last_use_cannabis="within_3_months"))
    page = client.get("/check").text
    rows = re.findall(r'<div class="answer-row" id="answer-(\w+)">(.*?)</div>', page, re.S)
    assert len(rows) > 80
    for question_id, row in rows:
        link = re.search(r'<a href="/q/(\w+)/(\d)\?return=check&amp;answer=(\w+)#([\w-]+)">'
                         r'Change<span class="visually-hidden"> ([^<]+)</span></a>', row)
        assert link, row
        assert link[3] == question_id and link[4].startswith(("q-", question_id))
        assert question_id in PAGE_BY_KEY[f"{link[1]}/{link[2]}"].question_ids
        target = client.get(f"/q/{link[1]}/{link[2]}?return=check&answer={question_id}").text
        assert f'id="{link[4]}"' in target, (question_id, link[4])  # the link's anchor exists
    # Sections are folded; only the one asked for comes back open.
    assert page.count('<details class="answer-section"') >= 12 and " open>" not in page
    opened = client.get("/check?open=heart").text
    assert re.findall(r'<details class="answer-section" id="section-(\w+)" open>', opened) == [
        "heart"]


def test_change_that_opens_new_pages_leads_through_them_before_check(client):
    walk(client, BASE)
    fields = form_fields(PAGE_BY_KEY["reasons/1"], changed(reasons=["ptsd", "depression"]))
    response = post_page(client, "/q/reasons/1?return=check", fields)
    assert response.headers["Location"] == "/q/pcl5/1?return=check"
    assert client.get("/check").headers["Location"] == "/q/pcl5/1"


def test_submit_is_idempotent(app, client):
    walk(client, BASE)
    check = client.get("/check")
    token = csrf_token(check.text)
    first = client.post("/submit", data={"csrf_token": token})
    second = client.post("/submit", data={"csrf_token": token})
    assert first.headers["Location"] == second.headers["Location"] == "/confirmation"
    with app.app_context():
        assert db.session.scalar(select(func.count(Submission.id))) == 1


def test_resubmitting_an_earlier_page_after_submit_changes_nothing(app, client):
    walk(client, BASE)
    page = client.get("/q/about_you/1")  # the back button
    submit(client)
    data = form_fields(PAGE_BY_KEY["about_you/1"], changed(first_name="Changed"))
    response = client.post("/q/about_you/1", data=dict([("csrf_token", csrf_token(page.text)),
                                                        *data]))
    assert response.status_code == 409
    assert "already sent" in response.text
    assert stored_submission(app).answers["first_name"] == "Alex"


def test_submit_with_a_missing_page_goes_back_to_it(app, client):
    walk(client, BASE, stop_at="safety/1")
    page = client.get("/q/safety/1")
    response = client.post("/submit", data={"csrf_token": csrf_token(page.text)})
    assert response.headers["Location"] == "/q/safety/1"
    with app.app_context():
        assert db.session.scalar(select(func.count(Submission.id))) == 0


def test_confirmation_belongs_to_its_own_browser(app, client):
    walk(client, BASE)
    submit(client)
    other = app.test_client()
    assert other.get("/confirmation").status_code == 404
    assert other.get("/confirmation/answers").status_code == 404
    assert "Rivera" not in other.get("/confirmation").text


def test_security_headers_and_no_store_on_answer_pages(client):
    walk(client, BASE)
    for url in ("/", "/q/about_you/1", "/check", "/help", "/resume"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" not in client.get("/static/css/site.css").headers.get("Cache-Control", "")


def test_pages_load_nothing_from_other_sites(client):
    walk(client, BASE)
    for url in ("/", "/q/about_you/1", "/q/safety/1", "/check", "/help"):
        html = client.get(url).text
        for attribute in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not re.match(r"(https?:)?//", attribute) or attribute.startswith("tel:"), (
                url, attribute)
