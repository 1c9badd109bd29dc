"""The export routes (security.md A.2.11, AC5, D2, D5): CSV of the filtered queue and FHIR R4
downloads. POST with a CSRF token where a person's data leaves, role-checked, audited, never
cached, named after the reference (never a person)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from sqlalchemy import select

from screener.exports.table import COLUMNS, FORMULA_STARTS
from screener.extensions import db
from screener.models import AuditEvent, Submission
from screener.submissions import plain_text

from flow_helpers import changed, csrf_token, personas
from staff_helpers import (
    first_reference,
    install_clock,
    queue_order,
    seed,
    staff_client,
    submission,
    submit_answers,
)

PAYLOADS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(1)", "\t=1",
            "\r=1"]


@pytest.fixture
def seeded(app):
    install_clock(app)
    seed(app, 12)
    return app


def token_of(client, url: str = "/staff/") -> str:
    return csrf_token(client.get(url).text)


def export(client, **form):
    return client.post("/staff/export.csv", data={"csrf_token": token_of(client), **form})


def parsed(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def audit_rows(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return found


# --- CSV -------------------------------------------------------------------------------------

def test_the_csv_is_every_submission_in_queue_order_as_an_attachment(seeded):
    client = staff_client(seeded)
    zone = ZoneInfo(seeded.config["CLINIC_TIMEZONE"])
    before = datetime.now(zone).date().isoformat()
    response = export(client)
    after = datetime.now(zone).date().isoformat()
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    # The day the export was made on (the route reads the real clock; midnight may pass)
    assert response.headers["Content-Disposition"] in {
        f'attachment; filename="submissions-{day}.csv"' for day in (before, after)}
    assert response.headers["Cache-Control"] == "no-store"
    table = parsed(response)
    assert list(table[0]) == list(COLUMNS)
    assert [row["reference"] for row in table] == queue_order(seeded)
    with seeded.app_context():
        stored = {s.reference: s for s in db.session.scalars(select(Submission))}
    for row in table:
        sub = stored[row["reference"]]
        assert row["status"] == sub.status
        assert row["highest_severity"] == (sub.highest_severity or "")
        assert row["flag_ids"] == " ".join(f["rule_id"] for f in sub.flags)
        assert row["phq9_total"] == str(sub.scores.get("phq9_total") or "")


def test_the_csv_follows_the_queue_filters_and_search(seeded):
    client = staff_client(seeded)
    with seeded.app_context():
        status = db.session.scalars(select(Submission.status)).first()
        person = db.session.scalars(select(Submission)).first()
        name = f"{person.first_name} {person.last_name}"
        reference = person.reference
    only = parsed(export(client, status=status))
    assert [r["reference"] for r in only] == queue_order(seeded, status=status)
    found = parsed(export(client, q=name))
    assert reference in [r["reference"] for r in found]
    with seeded.app_context():  # any part of a name: every word is in each row found
        texts = {row.reference: row.search_text for row in db.session.execute(
            select(Submission.reference, Submission.search_text))}
    assert all(all(word in texts[r["reference"]] for word in plain_text(name).split())
               for r in found)
    assert parsed(export(client, status="no-such-status", severity="nonsense")) == parsed(
        export(client))  # unknown filter values are ignored, as on the queue page


def test_the_queue_page_offers_the_export_with_its_filters(seeded):
    client = staff_client(seeded)
    page = client.get("/staff/?status=new&severity=caution").text
    form = page.split('action="/staff/export.csv"')[1].split("</form>")[0]
    assert 'name="status" value="new"' in form and 'name="severity" value="caution"' in form
    assert 'name="csrf_token"' in form and 'method="post"' in page.split(
        'action="/staff/export.csv"')[0][-40:]


def test_the_csv_holds_no_names_and_no_cell_starts_a_formula(app):
    if not personas():
        pytest.skip("shared/design/personas.json not found")
    install_clock(app)
    for i, payload in enumerate(PAYLOADS):
        submit_answers(app, changed(
            first_name=payload.strip() or "x", last_name=f"Payload{i}", reasons=["other"],
            reasons_other=payload, anything_else=payload))
    text = export(staff_client(app)).get_data(as_text=True)
    assert "Payload" not in text and "HYPERLINK" not in text  # no names, no free text
    cells = [cell for row in csv.reader(io.StringIO(text[1:])) for cell in row]
    assert cells and not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert all(line.startswith('"') for line in text[1:].splitlines())  # every cell quoted


def test_the_export_is_audited_with_the_count_and_filters_but_not_the_search(seeded):
    client = staff_client(seeded)
    export(client, status="new", q="Rivera")
    [row] = audit_rows(seeded, "export_csv")
    matched = len(queue_order(seeded, status="new", last_name="Rivera"))
    assert row.detail == f"{matched} rows; status=new; with a search"
    assert row.user_id is not None and row.submission_id is None and row.outcome == "ok"
    assert "Rivera" not in row.detail


def test_the_export_needs_a_post_with_a_token(seeded):
    client = staff_client(seeded)
    assert client.get("/staff/export.csv").status_code == 405
    assert client.post("/staff/export.csv", data={"status": "new"}).status_code == 400
    assert audit_rows(seeded, "export_csv") == []


def test_admins_export_too_and_visitors_are_sent_to_the_login(seeded):
    assert export(staff_client(seeded, "admin")).status_code == 200
    visitor = seeded.test_client()
    response = visitor.post("/staff/export.csv", data={"csrf_token": token_of(visitor, "/")})
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


# --- FHIR ------------------------------------------------------------------------------------

def test_the_questionnaire_is_a_valid_fhir_download(app):
    install_clock(app)
    client = staff_client(app)
    response = client.get("/staff/fhir/Questionnaire")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="questionnaire-ketamine-prescreen.json"')
    assert response.headers["Cache-Control"] == "no-store"
    Questionnaire.model_validate(json.loads(response.data))
    visitor = app.test_client().get("/staff/fhir/Questionnaire")
    assert visitor.status_code == 302 and "/staff/login" in visitor.headers["Location"]


def fhir_of(client, reference: str):
    return client.post(f"/staff/submissions/{reference}/fhir",
                       data={"csrf_token": token_of(client, f"/staff/submissions/{reference}")})


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_a_submission_downloads_as_a_valid_bundle(seeded, role):
    client = staff_client(seeded, role)
    reference = first_reference(client)
    response = fhir_of(client, reference)
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="submission-{reference}.fhir.json"')
    assert response.headers["Cache-Control"] == "no-store"
    bundle = json.loads(response.data)
    Bundle.model_validate(bundle)
    assert bundle["identifier"]["value"] == reference
    sub = submission(seeded, reference)
    flags = [e["resource"]["code"]["coding"][0]["code"] for e in bundle["entry"]
             if e["resource"]["resourceType"] == "Flag"]
    assert flags == [f["rule_id"] for f in sub.flags]
    name = bundle["entry"][0]["resource"]["name"][0]["family"]
    assert name and name not in response.headers["Content-Disposition"]
    [row] = audit_rows(seeded, "export_fhir")
    assert (row.submission_id, row.reference) == (sub.id, reference)


def test_a_bundle_needs_a_post_with_a_token_and_an_existing_reference(seeded):
    client = staff_client(seeded)
    reference = first_reference(client)
    assert client.get(f"/staff/submissions/{reference}/fhir").status_code == 405
    assert client.post(f"/staff/submissions/{reference}/fhir").status_code == 400
    assert fhir_of(client, "ZZZZ9999").status_code == 404
    assert audit_rows(seeded, "export_fhir") == []
    visitor = seeded.test_client()
    response = visitor.post(f"/staff/submissions/{reference}/fhir",
                            data={"csrf_token": token_of(visitor, "/")})
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_a_hostile_name_round_trips_through_the_bundle(app):
    if not personas():
        pytest.skip("shared/design/personas.json not found")
    install_clock(app)
    canary = 'Ann "<script>alert(1)</script>" O\'Neil'
    reference = submit_answers(app, changed(last_name=canary))
    response = fhir_of(staff_client(app), reference)
    bundle = json.loads(response.data)
    assert bundle["entry"][0]["resource"]["name"][0]["family"] == canary  # json.dumps, escaped
