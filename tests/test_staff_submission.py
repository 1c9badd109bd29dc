"""The submission page: what it shows, notes, status changes with conflicts, re-evaluation,
the rules page, the audit trail and the logs."""

from __future__ import annotations

import html
import logging
import re

import pytest
from sqlalchemy import select, update

from screener.extensions import db
from screener.models import AuditEvent, Note, Submission
from screener.questionnaire import QUESTIONS
from screener.questionnaire.display import display_value
from screener.rules import RULEBOOK_VERSION, RULES, RULES_BY_ID, SOURCES

from flow_helpers import changed, csrf_token, personas
from staff_helpers import (
    audit_actions,
    counting_statements,
    install_clock,
    log_in,
    make_user,
    post_form,
    row_count,
    staff_client,
    submission,
    submit_answers,
)

pytestmark = pytest.mark.skipif(not personas(), reason="shared/design/personas.json not found")


def persona(name: str) -> dict:
    return next(p["answers"] for p in personas() if p["persona"] == name)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def reference(app) -> str:
    return submit_answers(app, persona("P01"))


@pytest.fixture
def staff(app):
    install_clock(app)
    return staff_client(app)


def page_of(client, reference: str) -> str:
    response = client.get(f"/staff/submissions/{reference}")
    assert response.status_code == 200
    return response.text


# --- what the page shows ---------------------------------------------------------------------

def test_the_page_shows_contact_details_scores_with_bands_and_the_rulebook(app, staff,
                                                                           reference):
    page = text_of(page_of(staff, reference))
    answers = persona("P01")
    with app.test_request_context():
        born = display_value(QUESTIONS["date_of_birth"], answers["date_of_birth"])
    for value in ("Alex", "Rivera", "alex@example.org", "+1 555 010 0000", born):
        assert value in page
    assert f"Reference {reference}" in page
    assert "PHQ-9 18 (moderately severe)" in page
    assert "GAD-7 9 (mild)" in page
    assert "AUDIT-C 1 (negative screen)" in page
    assert "Possibly adequate antidepressant trials 2" in page
    assert "Blood pressure category Normal" in page
    assert f"Evaluated with rulebook {RULEBOOK_VERSION}." in page
    assert answers["preferred_contact"] == "email" and "How should the clinic contact you? Email" \
        in page


def test_every_flag_shows_staff_wording_reasons_and_linked_sources(app, staff):
    reference = submit_answers(app, persona("P13"))
    raw = page_of(staff, reference)
    page = text_of(raw)
    stored = submission(app, reference)
    assert stored.flags
    for flag in stored.flags:
        rule = RULES_BY_ID[flag["rule_id"]]
        assert flag["rule_id"] in page
        assert rule.staff_text in page
        for question_id in flag["because"]:
            assert f'<code>{question_id}</code>' in raw
        for key in rule.sources:
            source = SOURCES[key]
            assert source.title in page
            if source.url:
                assert f'href="{html.escape(source.url)}" rel="noopener noreferrer"' in raw
    liver = RULES_BY_ID["CI-SEVERE-LIVER"]
    assert liver.staff_text in page
    assert "Liver liver Cirrhosis or another serious liver problem" in page  # the reason


def test_every_question_is_listed_in_order_and_skipped_ones_say_why(staff, reference):
    raw = page_of(staff, reference)
    answers_part = raw[raw.index('id="answers-title"'):]
    positions = [answers_part.find(f"<code>{qid}</code>") for qid in QUESTIONS]
    assert -1 not in positions
    assert positions == sorted(positions)
    page = text_of(answers_part)
    assert ("Not asked: only when “What would you like help with?” includes "
            "“Trauma or PTSD”") in page  # the PCL-5 items
    assert ("Not asked: only when “I don't know a recent blood pressure reading” is not ticked "
            "and (“Top number (systolic)” is at least “180” or “Bottom number (diastolic)” is "
            "at least “120”)") in page
    assert "Feeling nervous, anxious, or on edge" in page  # an answered GAD-7 item


def test_unanswered_optional_questions_and_unticked_boxes_are_shown(app, staff):
    reference = submit_answers(app, changed(height_cm=None, weight_kg=None))
    page = text_of(page_of(staff, reference))
    assert "Height in centimetres height_cm Not answered" in page
    assert "I don't know a recent blood pressure reading bp_unknown No" in page


def test_an_unknown_reference_is_a_plain_404(staff, reference):
    response = staff.get("/staff/submissions/ZZZZ9999")
    assert response.status_code == 404
    assert "Rivera" not in response.text


def test_a_reference_can_be_typed_loosely(staff, reference):
    loose = f"{reference[:4].lower()}-{reference[4:]}"
    assert staff.get(f"/staff/submissions/{loose}").status_code == 200


def test_viewing_is_audited_without_any_answer(app, staff, reference):
    page_of(staff, reference)
    sub = submission(app, reference)
    with app.app_context():
        views = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "view", AuditEvent.submission_id == sub.id)).all()
        assert len(views) == 1
        assert views[0].user_id is not None and views[0].client_ip == "127.0.0.1"
        assert views[0].detail == ""


def test_the_page_costs_at_most_six_statements_with_notes(app, database, staff, reference):
    for i in range(5):
        post_form(staff, f"/staff/submissions/{reference}",
                  f"/staff/submissions/{reference}/notes", {"body": f"note {i}"})
    with counting_statements(app) as statements:
        page_of(staff, reference)
    # The user, the submission, its notes and status history (one UNION ALL), and the view's
    # audit row: its INSERT (which reads the previous row's hash) and its own hash; on
    # PostgreSQL also the advisory lock that puts audit writers in turn (six there, five on SQLite).
    lock = 1 if database == "postgresql" else 0
    assert len(statements) == 5 + lock, statements
    assert sum("UNION ALL" in statement for statement in statements) == 1


def test_the_answers_are_shown_escaped(app, staff):
    reference = submit_answers(app, changed(
        first_name='<script>alert(1)</script>', anything_else='"><img src=x onerror=alert(1)>'))
    raw = page_of(staff, reference)
    assert "<script>alert(1)</script>" not in raw
    assert "<img src=x" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


# --- notes -----------------------------------------------------------------------------------

def add_note(client, reference: str, body: str):
    return post_form(client, f"/staff/submissions/{reference}",
                     f"/staff/submissions/{reference}/notes", {"body": body})


def test_a_note_is_added_with_its_author_and_time(app, staff, reference):
    response = add_note(staff, reference, "Left a voicemail.\nWill try tomorrow.")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/staff/submissions/{reference}#notes"
    page = page_of(staff, reference)
    assert "Left a voicemail.\nWill try tomorrow." in page
    assert "staff@clinic.example ·" in page
    assert audit_actions(app, action="note") == ["note"]


def test_notes_are_kept_in_order_and_cannot_be_edited_or_deleted(app, staff, reference):
    other = log_in(app, make_user(app, "other@clinic.example"))
    add_note(staff, reference, "First.")
    add_note(other, reference, "Second.")
    page = page_of(staff, reference)
    assert page.index("First.") < page.index("Second.")
    note_rules = [r for r in app.url_map.iter_rules() if "notes" in r.rule]
    assert [r.rule for r in note_rules] == ["/staff/submissions/<reference>/notes"]
    assert note_rules[0].methods <= {"POST", "OPTIONS"}
    assert row_count(app, Note) == 2


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_an_empty_or_too_long_note_is_refused_and_kept_on_the_page(app, staff, reference, body):
    response = add_note(staff, reference, body)
    assert response.status_code == 400
    assert "Write the note (up to 5,000 characters)." in response.text
    if body.strip():
        assert body in response.text
    assert row_count(app, Note) == 0


# --- status ----------------------------------------------------------------------------------

def status_form(page: str) -> dict[str, str]:
    return {"csrf_token": csrf_token(page),
            "version": re.search(r'name="version" value="(\d+)"', page).group(1),
            "seen_status": re.search(r'name="seen_status" value="(\w+)"', page).group(1)}


def set_status(client, reference: str, status: str, form: dict[str, str] | None = None):
    form = form or status_form(page_of(client, reference))
    return client.post(f"/staff/submissions/{reference}/status", data={**form, "status": status})


def test_a_status_change_is_saved_and_audited(app, staff, reference):
    response = set_status(staff, reference, "contacted")
    assert response.status_code == 303
    sub = submission(app, reference)
    assert sub.status == "contacted" and sub.version == 2
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "status_change"))
        assert event.detail == "new -> contacted" and event.submission_id == sub.id
    assert "Status: Contacted" in page_of(staff, reference)


def test_two_staff_saving_at_once_get_a_conflict_page_not_a_lost_update(app, staff, reference):
    other = log_in(app, make_user(app, "other@clinic.example"))
    mine = status_form(page_of(staff, reference))
    theirs = status_form(page_of(other, reference))
    assert set_status(other, reference, "consult_booked", theirs).status_code == 303
    conflict = set_status(staff, reference, "contacted", mine)
    assert conflict.status_code == 409
    page = text_of(conflict.text)
    assert "Not saved: someone else changed this submission" in page
    assert "Status when you opened the page New" in page
    assert "Status saved since Consult booked (other@clinic.example" in page
    assert "Your choice Contacted" in page
    assert submission(app, reference).status == "consult_booked"
    assert "status_conflict" in audit_actions(app)
    # The conflict page offers to replace the saved value knowingly.
    replace = set_status(staff, reference, "contacted", status_form(conflict.text))
    assert replace.status_code == 303
    assert submission(app, reference).status == "contacted"


def test_a_stale_version_is_refused_even_for_the_same_person(app, staff, reference):
    old = status_form(page_of(staff, reference))
    set_status(staff, reference, "in_review")
    assert set_status(staff, reference, "closed", old).status_code == 409
    assert submission(app, reference).status == "in_review"


@pytest.mark.parametrize("status", ["deleted", "", "NEW"])
def test_an_unknown_status_is_refused(app, staff, reference, status):
    assert set_status(staff, reference, status).status_code == 400
    assert submission(app, reference).status == "new"


def test_all_six_statuses_can_be_set(app, staff, reference):
    for status in ("in_review", "contacted", "consult_booked", "not_proceeding", "closed",
                   "new"):
        assert set_status(staff, reference, status).status_code == 303
        assert submission(app, reference).status == status


# --- re-evaluation ---------------------------------------------------------------------------

def age_the_stored_result(app, reference: str) -> None:
    """Pretend the stored result came from an older rulebook that raised no flags."""
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.reference == reference).values(
            rulebook_version="2025.1", flags=[], flag_count=0, highest_severity=None,
            severity_rank=4, scores={**submission(app, reference).scores, "phq9_total": 3,
                                     "phq9_band": "minimal"}))
        db.session.commit()


def test_re_evaluating_an_unchanged_result_offers_nothing_to_save(app, staff, reference):
    page = staff.get(f"/staff/submissions/{reference}/re-evaluate").text
    assert "gives the same flags and scores. Nothing to save." in page
    assert "Save the new result" not in page
    assert audit_actions(app, action="re_evaluate") == ["re_evaluate"]


def test_re_evaluation_shows_the_difference_and_changes_nothing_until_confirmed(app, staff,
                                                                                 reference):
    age_the_stored_result(app, reference)
    before = submission(app, reference)
    page = staff.get(f"/staff/submissions/{reference}/re-evaluate").text
    words = text_of(page)
    assert "Stored result: rulebook 2025.1. Current rulebook: " + RULEBOOK_VERSION in words
    assert "New flags + Info INF-PREGNANCY-POSSIBLE" in words
    assert "PHQ-9 3 (minimal) 18 (moderately severe)" in words
    after_look = submission(app, reference)
    assert (after_look.flags, after_look.version) == (before.flags, before.version)

    confirm = staff.post(f"/staff/submissions/{reference}/re-evaluate", data={
        "csrf_token": csrf_token(page),
        "fingerprint": re.search(r'name="fingerprint" value="(\w+)"', page).group(1)})
    assert confirm.status_code == 303
    saved = submission(app, reference)
    assert [f["rule_id"] for f in saved.flags] == ["INF-PREGNANCY-POSSIBLE"]
    assert saved.rulebook_version == RULEBOOK_VERSION and saved.severity_rank == 3
    assert saved.scores["phq9_total"] == 18 and saved.answers == before.answers
    assert audit_actions(app, submission_id=saved.id)[-1] == "re_evaluate_saved"
    with app.app_context():
        detail = db.session.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "re_evaluate_saved"))
    assert detail == f"rulebook 2025.1 -> {RULEBOOK_VERSION}; flags 0 -> 1"


def test_a_confirmation_for_another_result_is_not_saved(app, staff, reference):
    age_the_stored_result(app, reference)
    page = staff.get(f"/staff/submissions/{reference}/re-evaluate").text
    response = staff.post(f"/staff/submissions/{reference}/re-evaluate", data={
        "csrf_token": csrf_token(page), "fingerprint": "0" * 32})
    assert response.status_code == 200
    assert "The result changed while you were looking at it" in response.text
    assert submission(app, reference).rulebook_version == "2025.1"


# --- the rules page --------------------------------------------------------------------------

def test_the_rules_page_lists_every_rule_with_wordings_sources_and_version(staff):
    raw = staff.get("/staff/rules").text
    page = text_of(raw)
    assert f"Version {RULEBOOK_VERSION}, {len(RULES)} rules" in page
    for rule in RULES:
        assert f'id="rule-{rule.id}"' in raw
        assert rule.staff_text in page
        assert " ".join(rule.patient_text.split()) in page
        assert rule.trigger in page
        for key in rule.sources:
            assert SOURCES[key].title in page and key in page
    for severity in ("Urgent", "Contraindication", "Caution", "Info"):
        assert f">{severity}</h2>" in raw


# --- logs ------------------------------------------------------------------------------------

def test_staff_work_leaves_no_health_information_in_the_logs(app, caplog):
    caplog.set_level(logging.DEBUG)
    canary = "Qz9Staffcanary"
    reference = submit_answers(app, changed(first_name=canary, last_name=canary,
                                            anything_else=canary))
    install_clock(app)
    client = staff_client(app)
    client.post("/staff/", data={"csrf_token": csrf_token(client.get("/staff/").text),
                                 "q": canary})
    page_of(client, reference)
    add_note(client, reference, f"{canary} note")
    set_status(client, reference, "contacted")
    client.get(f"/staff/submissions/{reference}/re-evaluate")
    client.get("/staff/submissions/NOPE1234")
    assert [r.getMessage() for r in caplog.records if canary.lower() in r.getMessage().lower()
            ] == []
    with app.app_context():
        details = db.session.scalars(select(AuditEvent.detail)).all()
    assert not [d for d in details if canary.lower() in d.lower()]
