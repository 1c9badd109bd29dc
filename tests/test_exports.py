"""Exports from stored data: FHIR R4 resources (validated with fhir.resources) and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from pydantic import ValidationError

from screener.exports.fhir import (
    questionnaire_resource,
    section_link_id,
    submission_bundle,
    to_json,
)
from screener.exports.table import COLUMNS, csv_lines, safe_cell
from screener.questionnaire import QUESTIONNAIRE, QUESTIONS, Answers, is_asked
from screener.rules import evaluate

from flow_helpers import changed, personas


def stored(answers: dict, reference: str = "K7Q2M9XA") -> SimpleNamespace:
    result = evaluate(answers)
    return SimpleNamespace(
        reference=reference, answers=answers, created_at=datetime(2026, 1, 15, 10, tzinfo=UTC),
        language="en", flags=[f.as_dict() for f in result.flags], scores=result.scores,
        rulebook_version=result.rulebook_version, status="new", urgent=result.urgent,
        highest_severity=result.highest_severity, flag_count=len(result.flags),
        conditions=",".join(answers.get("reasons", [])))


def link_ids(items: list[dict]) -> set[str]:
    found = set()
    for item in items:
        found.add(item["linkId"])
        found |= link_ids(item.get("item", []))
    return found


def test_questionnaire_is_valid_fhir_and_has_every_question():
    resource = questionnaire_resource()
    Questionnaire.model_validate(resource)
    assert set(QUESTIONS) <= link_ids(resource["item"])


def test_questionnaire_carries_skip_logic_and_options():
    items = {i["linkId"]: i for i in json.loads(to_json(questionnaire_resource()))["item"]}
    about = {i["linkId"]: i for i in items["section-about_you"]["item"]}
    assert about["pregnant"]["enableWhen"] == [
        {"question": "can_become_pregnant", "operator": "=", "answerCoding": {
            "system": about["pregnant"]["answerOption"][0]["valueCoding"]["system"].replace(
                "pregnant", "can_become_pregnant"), "code": code,
            "display": {"yes": "Yes", "not_sure": "Not sure"}[code]}}
        for code in ("yes", "not_sure")]
    assert about["pregnant"]["enableBehavior"] == "any"
    assert [o["valueCoding"]["code"] for o in about["pregnant"]["answerOption"]] == [
        "yes", "no", "not_sure"]
    heart = {i["linkId"]: i for i in items["section-heart"]["item"]}
    assert "sdc-questionnaire-enableWhenExpression" in json.dumps(heart["bp_symptoms_now"])
    assert heart["vascular"]["repeats"] is True


@pytest.mark.skipif(not personas(), reason="shared/design/personas.json not found")
@pytest.mark.parametrize("persona", personas(), ids=lambda p: p["persona"])
def test_each_submission_is_a_valid_bundle_with_its_answers_and_flags(persona):
    submission = stored(persona["answers"])
    bundle = submission_bundle(submission)
    Bundle.model_validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    kinds = [r["resourceType"] for r in resources]
    observations = kinds.count("Observation")
    assert observations >= 4  # PHQ-9, GAD-7 and AUDIT-C totals and a vital sign at least
    assert kinds == ["Patient", "QuestionnaireResponse", *["Observation"] * observations,
                     *["Flag"] * len(submission.flags)]
    flag_codes = [r["code"]["coding"][0]["code"] for r in resources if r["resourceType"] == "Flag"]
    assert flag_codes == [f["rule_id"] for f in submission.flags]
    answered = link_ids(resources[1]["item"])
    questionnaire_ids = link_ids(questionnaire_resource()["item"])
    assert answered <= questionnaire_ids
    # Every answer to a question that is asked (a substance not ticked is stored as "never"
    # but not asked, so not sent); an empty antidepressant list has no items to send.
    reader = Answers(persona["answers"])
    given = {k for k, v in persona["answers"].items()
             if v != [] and k != "consent_store" and is_asked(QUESTIONS[k], reader)}
    assert given <= answered


def test_bundle_round_trips_text_with_quotes_and_markup():
    canary = 'Ann "<script>alert(1)</script>" O\'Neil'
    bundle = json.loads(to_json(submission_bundle(stored(changed(last_name=canary)))))
    assert bundle["entry"][0]["resource"]["name"][0]["family"] == canary


def test_validator_rejects_a_broken_flag():
    bundle = submission_bundle(stored(changed(kidney="dialysis")))
    flag = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Flag")
    del flag["subject"]
    with pytest.raises(ValidationError):
        Bundle.model_validate(bundle)


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(1)",
                                     "\t=1", "\r=1"])
def test_csv_cells_never_start_a_formula(payload):
    assert safe_cell(payload) == "'" + payload
    assert safe_cell("plain") == "plain"


def test_csv_has_a_bom_a_header_and_one_row_per_submission():
    rows = [stored(p["answers"], reference=f"REF{i}") for i, p in enumerate(personas())]
    text = "".join(csv_lines(rows))
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[0] == list(COLUMNS)
    assert len(parsed) == len(rows) + 1
    first = dict(zip(parsed[0], parsed[1], strict=True))
    assert first["flag_ids"] == " ".join(f["rule_id"] for f in rows[0].flags)
    assert first["phq9_total"] == str(rows[0].scores["phq9_total"])


def test_section_order_matches_the_definitions():
    groups = [g["linkId"] for g in questionnaire_resource()["item"]]
    assert groups == [section_link_id(s) for s in QUESTIONNAIRE.sections]
    assert groups == [f"section-{s.id}" for s in QUESTIONNAIRE.sections]
