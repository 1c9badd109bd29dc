"""The FHIR export against FHIR R4 itself: every resource validated with fhir.resources' R4
(4.0.1) models (fhir.resources 6.4 in test-tools/.venv-r4, see requirements-r4.txt), and the
rules the models do not check: unique linkIds (que-2), answer types that match item types,
enableWhen only where R4 permits it, the QuestionnaireResponse item for item, the Observations'
codes, units and links."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_exports import stored

from screener.exports.fhir import (
    ENABLE_WHEN_EXPRESSION,
    LOINC,
    ORDINAL_VALUE,
    questionnaire_resource,
    submission_bundle,
)
from screener.questionnaire import QUESTIONS

from flow_helpers import changed, personas

ROOT = Path(__file__).resolve().parent.parent
R4_PYTHON = ROOT / "test-tools" / ".venv-r4" / "bin" / "python"
VALIDATOR = ROOT / "test-tools" / "validate_r4.py"
ORDERED = {"integer", "decimal", "date", "dateTime", "time", "quantity"}  # may use > >= < <=
ANSWER_KEYS = {"boolean": "Boolean", "integer": "Integer", "decimal": "Decimal", "date": "Date",
               "string": "String", "text": "String", "choice": "Coding"}


def r4_errors(resources: list[dict[str, Any]]) -> list[str | None]:
    if not R4_PYTHON.exists():
        pytest.skip("the R4 models are not installed: run `make test-tools`")
    done = subprocess.run([str(R4_PYTHON), str(VALIDATOR)], input=json.dumps(resources),
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def items_of(items: list[dict], path: tuple[str, ...] = ()) -> dict[str, tuple[tuple, dict]]:
    """linkId -> (path of ancestor linkIds, item), for a Questionnaire's items."""
    found: dict[str, tuple[tuple, dict]] = {}
    for item in items:
        assert item["linkId"] not in found
        found[item["linkId"]] = (path, item)
        for key, value in items_of(item.get("item", []), (*path, item["linkId"])).items():
            assert key not in found, f"linkId {key} twice"
            found[key] = value
    return found


def bundles() -> list[dict[str, Any]]:
    made = []
    for i, persona in enumerate(personas()):
        submission = stored(persona["answers"], reference=f"REF{i:05d}")
        made += [submission_bundle(submission), submission_bundle(submission, transaction=True)]
    return made


# --- validation with the R4 models ------------------------------------------------------------

@pytest.mark.skipif(not personas(), reason="shared/design/personas.json not found")
def test_every_resource_is_valid_r4():
    resources = [questionnaire_resource()]
    for bundle in bundles():
        resources += [bundle, *(e["resource"] for e in bundle["entry"])]
    errors = r4_errors(resources)
    assert len(errors) == len(resources)
    assert [(r["resourceType"], e) for r, e in zip(resources, errors, strict=True) if e] == []
    kinds = {r["resourceType"] for r in resources}
    assert kinds == {"Questionnaire", "Bundle", "Patient", "QuestionnaireResponse",
                     "Observation", "Flag"}


def test_the_r4_models_do_reject_broken_resources():
    bundle = submission_bundle(stored(changed(bp_systolic=185)))
    observation = next(e["resource"] for e in bundle["entry"]
                       if e["resource"]["resourceType"] == "Observation")
    broken_observation = {**observation, "valueQuantity": {"value": "high"}}  # not a decimal
    del observation["code"]  # Observation.code is 1..1
    broken_questionnaire = {**questionnaire_resource(), "status": None}
    assert all(r4_errors([observation, broken_observation, broken_questionnaire]))


# --- the Questionnaire ------------------------------------------------------------------------

def test_link_ids_are_unique_and_every_question_has_its_item():
    found = items_of(questionnaire_resource()["item"])  # asserts uniqueness (que-2)
    assert set(QUESTIONS) <= set(found)


def test_scales_are_choices_with_ordinal_values_and_loinc_where_it_exists():
    found = items_of(questionnaire_resource()["item"])
    for qid, question in QUESTIONS.items():
        if question.kind != "int" or not question.options:
            continue
        item = found[qid][1]
        assert item["type"] == "choice", qid
        ordinals = [e["valueDecimal"] for o in item["answerOption"] for e in o["extension"]
                    if e["url"] == ORDINAL_VALUE]
        assert ordinals == list(range(len(question.options))), qid
        if qid.startswith(("phq9_", "gad7_", "auditc_")):
            assert item["code"][0]["system"] == LOINC, qid
    phq9 = found["phq9_1"][1]["answerOption"]
    assert [o["valueCoding"]["code"] for o in phq9] == [
        "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    assert found["section-phq9"][1]["code"][0]["code"] == "44249-1"
    assert found["section-gad7"][1]["code"][0]["code"] == "69737-5"
    assert found["auditc"][1]["code"][0]["code"] == "72109-2"
    assert found["auditc"][0] == ("section-substances",)


def test_enable_when_is_what_r4_permits():
    found = items_of(questionnaire_resource()["item"])
    conditions = 0
    for _path, item in found.values():
        for when in item.get("enableWhen", []):
            conditions += 1
            source = found[when["question"]][1]
            assert source["type"] not in ("group", "display")
            [answer_key] = [k for k in when if k.startswith("answer")]
            assert answer_key == "answer" + ANSWER_KEYS[source["type"]], item["linkId"]
            if when["operator"] in (">", ">=", "<", "<="):
                assert source["type"] in ORDERED, item["linkId"]
            if answer_key == "answerCoding":
                codes = [o["valueCoding"] for o in source["answerOption"]]
                assert when["answerCoding"] in codes, item["linkId"]
        if len(item.get("enableWhen", [])) > 1:
            assert item["enableBehavior"] in ("any", "all")
        for extension in item.get("extension", []):
            if extension["url"] == ENABLE_WHEN_EXPRESSION:
                expression = extension["valueExpression"]["expression"]
                assert '"' not in expression  # FHIRPath strings are single-quoted
                assert expression.count("(") == expression.count(")")
                assert "enableWhen" not in item  # one or the other
                for linked in re.findall(r"linkId='([^']+)'", expression):
                    assert linked in found
    assert conditions > 40
    pcl5 = found["section-pcl5"][1]
    assert pcl5["enableWhen"][0]["question"] == "reasons"  # the group itself is conditional


# --- the QuestionnaireResponse and the Observations -------------------------------------------

def response_items_match(items: list[dict], questionnaire: dict[str, tuple[tuple, dict]],
                         path: tuple[str, ...] = ()) -> int:
    answers = 0
    for item in items:
        parents, defined = questionnaire[item["linkId"]]
        assert parents == path, item["linkId"]
        for answer in item.get("answer", []):
            [key] = [k for k in answer if k.startswith("value")]
            assert key == "value" + ANSWER_KEYS[defined["type"]], item["linkId"]
            if key == "valueCoding":
                assert answer[key] in [o["valueCoding"] for o in defined["answerOption"]]
            answers += 1
        if len(item.get("answer", [])) > 1:
            assert defined.get("repeats") is True, item["linkId"]
        answers += response_items_match(item.get("item", []), questionnaire,
                                        (*path, item["linkId"]))
    return answers


@pytest.mark.skipif(not personas(), reason="shared/design/personas.json not found")
@pytest.mark.parametrize("persona", personas(), ids=lambda p: p["persona"])
def test_each_response_matches_the_questionnaire_item_for_item(persona):
    questionnaire = items_of(questionnaire_resource()["item"])
    bundle = submission_bundle(stored(persona["answers"]))
    response = bundle["entry"][1]["resource"]
    assert response["questionnaire"].startswith(questionnaire_resource()["url"] + "|")
    assert response_items_match(response["item"], questionnaire) > 50


def observations_of(bundle: dict) -> dict[str, dict]:
    return {r["code"]["coding"][0]["code"]: r for r in (e["resource"] for e in bundle["entry"])
            if r["resourceType"] == "Observation"}


def test_observations_carry_scores_and_vital_signs_linked_to_the_response():
    answers = changed(bp_systolic=185, bp_diastolic=110, height_cm=180, weight_kg=81)
    submission = stored(answers)
    bundle = submission_bundle(submission)
    patient, response = (bundle["entry"][i]["fullUrl"] for i in (0, 1))
    found = observations_of(bundle)
    assert set(found) == {"44261-6", "70274-6", "75626-2", "85354-9", "8302-2", "29463-7",
                          "39156-5"}
    for code, observation in found.items():
        assert observation["subject"] == {"reference": patient}
        assert {"reference": response} in observation["derivedFrom"]
        category = observation["category"][0]["coding"][0]["code"]
        assert category == ("survey" if code in ("44261-6", "70274-6", "75626-2")
                            else "vital-signs")
    assert found["44261-6"]["valueQuantity"]["value"] == submission.scores["phq9_total"]
    assert found["70274-6"]["valueQuantity"]["value"] == submission.scores["gad7_total"]
    assert found["75626-2"]["valueQuantity"]["value"] == submission.scores["auditc_total"]
    components = {c["code"]["coding"][0]["code"]: c["valueQuantity"]
                  for c in found["85354-9"]["component"]}
    assert components == {
        "8480-6": {"value": 185, "unit": "mmHg", "system": "http://unitsofmeasure.org",
                   "code": "mm[Hg]"},
        "8462-4": {"value": 110, "unit": "mmHg", "system": "http://unitsofmeasure.org",
                   "code": "mm[Hg]"}}
    assert "valueQuantity" not in found["85354-9"]
    assert found["85354-9"]["effectivePeriod"]["end"].startswith("2026-01-15")  # past month
    assert found["8302-2"]["valueQuantity"]["code"] == "cm"
    assert found["29463-7"]["valueQuantity"]["code"] == "kg"
    assert found["39156-5"]["valueQuantity"] == {
        "value": 25.0, "unit": "kg/m2", "system": "http://unitsofmeasure.org", "code": "kg/m2"}


def test_no_reading_no_observation():
    found = observations_of(submission_bundle(stored(changed(
        bp_unknown=True, bp_systolic=None, bp_diastolic=None, bp_when=None, bp_source=None,
        height_cm=None, auditc_1=0, auditc_2=None, auditc_3=None))))
    assert "85354-9" not in found and "8302-2" not in found and "39156-5" not in found
    assert found["29463-7"]["valueQuantity"]["value"] == 75
    assert found["75626-2"]["valueQuantity"]["value"] == 0  # AUDIT-C item 1 "never"


def test_a_left_over_answer_to_a_question_not_asked_is_not_sent():
    bundle = submission_bundle(stored(changed(sex_at_birth="male")))
    sent = json.dumps(bundle["entry"][1]["resource"]["item"])
    assert '"linkId": "breastfeeding"' not in sent and '"linkId": "pregnant"' not in sent
    assert '"linkId": "sex_at_birth"' in sent


def test_the_transaction_variant_creates_each_resource_and_the_patient_once():
    bundle = submission_bundle(stored(changed()), transaction=True)
    assert bundle["type"] == "transaction"
    requests = [(e["resource"]["resourceType"], e["request"]) for e in bundle["entry"]]
    assert all(r["method"] == "POST" and r["url"] == kind for kind, r in requests)
    assert requests[0][1]["ifNoneExist"].endswith("|K7Q2M9XA")
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in bundle["entry"])
