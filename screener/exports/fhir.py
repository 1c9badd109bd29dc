"""FHIR R4 JSON: the form as a `Questionnaire`, generated from the question definitions, and each
submission as a `Bundle` of a `Patient`, its `QuestionnaireResponse` and one `Flag` per raised
flag.

Why `Flag` and not `RiskAssessment`: a flag here is "something a provider must look at before any
treatment", which is what FHIR's Flag is for (a prospective warning about a subject). A
RiskAssessment states a predicted outcome with a probability, which this pre-screen never makes.
Each Flag carries the rule id and severity as codings, the staff wording as text, and an
extension naming the questionnaire items (linkIds) whose answers raised it.

The resources use only elements that are the same in R4 (4.0.1) and R4B (4.3.0); tests validate
them with `fhir.resources.R4B`.
"""

from __future__ import annotations

import json
from typing import Any

from ..questionnaire import QUESTIONNAIRE, Answers, is_asked
from ..questionnaire.model import All_, Any_, Condition, Question, When
from ..rules import RULEBOOK_VERSION

BASE_URL = "https://github.com/ketamine-prescreener"
QUESTIONNAIRE_URL = f"{BASE_URL}/fhir/Questionnaire/ketamine-prescreen"
ANSWER_SYSTEM = f"{BASE_URL}/fhir/CodeSystem/answer"
RULE_SYSTEM = f"{BASE_URL}/fhir/CodeSystem/rule"
SEVERITY_SYSTEM = f"{BASE_URL}/fhir/CodeSystem/flag-severity"
REFERENCE_SYSTEM = f"{BASE_URL}/fhir/NamingSystem/submission-reference"
BECAUSE_EXTENSION = f"{BASE_URL}/fhir/StructureDefinition/flag-because"
ENABLE_WHEN_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression")
FORM_VERSION = "1"

ITEM_TYPES = {"bool": "boolean", "text": "string", "longtext": "text", "date": "date",
              "email": "string", "phone": "string", "int": "integer", "choice": "choice",
              "multi": "choice"}
OPERATORS = {"eq": "=", "ne": "!=", "ge": ">=", "gt": ">", "contains": "=", "in": "="}


def _coding(question: Question, value: Any) -> dict[str, Any]:
    return {"system": f"{ANSWER_SYSTEM}/{question.id}", "code": str(value),
            "display": question.option_label(str(value))}


def _answer_value(question: Question, value: Any) -> dict[str, Any]:
    if question.options:
        return {"valueCoding": _coding(question, value)}
    key = {"bool": "valueBoolean", "int": "valueInteger", "date": "valueDate"}.get(
        question.kind, "valueString")
    return {key: value}


def _when_answer(question: Question | None, value: Any) -> dict[str, Any]:
    if isinstance(value, bool) or question is None:
        return {"answerBoolean": bool(value)}
    if question.options:
        return {"answerCoding": _coding(question, value)}
    return {"answerInteger": value}


def _enable_when(condition: Condition, questions: dict[str, Question]) -> dict[str, Any]:
    """FHIR enableWhen for one test, or any/all of simple tests; an SDC FHIRPath expression
    for nested conditions, which enableWhen cannot express."""
    flat = [condition] if isinstance(condition, When) else list(condition.conditions)
    if all(isinstance(c, When) for c in flat):
        items = []
        for test in flat:
            question = questions.get(test.question)
            if test.op in ("true", "not_true"):
                items.append({"question": test.question,
                              "operator": "=" if test.op == "true" else "!=",
                              "answerBoolean": True})
                continue
            values = test.value if test.op == "in" else (test.value,)
            items += [{"question": test.question, "operator": OPERATORS[test.op],
                       **_when_answer(question, v)} for v in values]
        behaviour = "all" if isinstance(condition, All_) else "any"
        return {"enableWhen": items, **({"enableBehavior": behaviour} if len(items) > 1 else {})}
    return {"extension": [{"url": ENABLE_WHEN_EXPRESSION, "valueExpression": {
        "language": "text/fhirpath", "expression": _fhirpath(condition)}}]}


def _fhirpath(condition: Condition) -> str:
    if isinstance(condition, Any_ | All_):
        joiner = " or " if isinstance(condition, Any_) else " and "
        return "(" + joiner.join(_fhirpath(c) for c in condition.conditions) + ")"
    answer = f"%resource.repeat(item).where(linkId='{condition.question}').answer.value"
    if condition.op == "not_true":
        return f"({answer}.exists().not() or {answer} = false)"
    if condition.op == "true":
        return f"({answer} = true)"
    return f"({answer} {OPERATORS[condition.op]} {json.dumps(condition.value)})"


def _question_item(question: Question, questions: dict[str, Question]) -> dict[str, Any]:
    if question.kind == "trials":
        item: dict[str, Any] = {
            "linkId": question.id, "text": question.label, "type": "group", "repeats": True,
            "required": False,
            "item": [
                {"linkId": f"{question.id}.{spec.key}", "text": spec.label,
                 "type": "choice" if spec.options else "string",
                 **({"answerOption": [{"valueCoding": {
                     "system": f"{ANSWER_SYSTEM}/{question.id}.{spec.key}", "code": o.value,
                     "display": o.label}} for o in spec.options]} if spec.options else {})}
                for spec in QUESTIONNAIRE.trial_fields
            ],
        }
    else:
        item = {"linkId": question.id, "text": question.label,
                "type": ITEM_TYPES[question.kind], "required": not question.optional}
        if question.kind == "multi":
            item["repeats"] = True
        if question.options:
            item["answerOption"] = [{"valueCoding": _coding(question, o.value)}
                                    for o in question.options]
        if question.maximum and question.kind in ("text", "longtext", "email", "phone"):
            item["maxLength"] = question.maximum
    if question.asked_when is not None:
        item.update(_enable_when(question.asked_when, questions))
    return item


def questionnaire_resource() -> dict[str, Any]:
    """The whole form as a FHIR Questionnaire (one group per section)."""
    questions = {q.id: q for q in QUESTIONNAIRE.questions()}
    return {
        "resourceType": "Questionnaire",
        "id": "ketamine-prescreen",
        "url": QUESTIONNAIRE_URL,
        "version": FORM_VERSION,
        "name": "KetaminePrescreen",
        "title": "Ketamine and esketamine treatment pre-screen",
        "status": "active",
        "subjectType": ["Patient"],
        "description": "A pre-screen that prepares a conversation with a provider. "
                       "This is not a diagnosis.",
        "item": [
            {"linkId": section.id, "text": section.title, "type": "group",
             "item": [{"linkId": f"{section.id}.why", "text": section.why, "type": "display"},
                      *(_question_item(q, questions) for q in section.questions)]}
            for section in QUESTIONNAIRE.sections
        ],
    }


def _response_items(answers: dict[str, Any]) -> list[dict[str, Any]]:
    reader = Answers(answers)
    groups = []
    for section in QUESTIONNAIRE.sections:
        items = []
        for question in section.questions:
            value = answers.get(question.id)
            if value is None or not is_asked(question, reader):
                continue
            if question.kind == "trials":
                for row in value:
                    items.append({"linkId": question.id, "item": [
                        {"linkId": f"{question.id}.{k}", "answer": [{"valueCoding": {
                            "system": f"{ANSWER_SYSTEM}/{question.id}.{k}", "code": v}}
                            if k != "drug_other" else {"valueString": v}]}
                        for k, v in row.items()]})
                continue
            values = value if question.kind == "multi" else [value]
            items.append({"linkId": question.id, "text": question.label,
                          "answer": [_answer_value(question, v) for v in values]})
        if items:
            groups.append({"linkId": section.id, "text": section.title, "item": items})
    return groups


def submission_bundle(submission: Any) -> dict[str, Any]:
    """A collection Bundle: Patient, QuestionnaireResponse and one Flag per flag."""
    answers = submission.answers
    patient_ref = f"urn:uuid:{_uuid(submission.reference, 'patient')}"
    response_ref = f"urn:uuid:{_uuid(submission.reference, 'response')}"
    identifier = {"system": REFERENCE_SYSTEM, "value": submission.reference}
    patient = {
        "resourceType": "Patient",
        "identifier": [identifier],
        "name": [{"given": [answers.get("first_name", "")],
                  "family": answers.get("last_name", "")}],
        "telecom": [t for t in (
            {"system": "email", "value": answers.get("email")},
            {"system": "phone", "value": answers.get("phone")}) if t["value"]],
        **({"birthDate": answers["date_of_birth"]} if answers.get("date_of_birth") else {}),
    }
    response = {
        "resourceType": "QuestionnaireResponse",
        "identifier": identifier,
        "questionnaire": f"{QUESTIONNAIRE_URL}|{FORM_VERSION}",
        "status": "completed",
        "subject": {"reference": patient_ref},
        "authored": submission.created_at.isoformat(),
        "language": submission.language,
        "item": _response_items(answers),
    }
    flags = [{
        "fullUrl": f"urn:uuid:{_uuid(submission.reference, flag['rule_id'])}",
        "resource": {
            "resourceType": "Flag",
            "status": "active",
            "category": [{"coding": [{"system": SEVERITY_SYSTEM, "code": flag["severity"]}]}],
            "code": {"coding": [{"system": RULE_SYSTEM, "version": submission.rulebook_version,
                                 "code": flag["rule_id"]}],
                     "text": flag["staff_text"]},
            "subject": {"reference": patient_ref},
            "extension": [{"url": BECAUSE_EXTENSION, "valueString": qid}
                          for qid in flag["because"]],
        },
    } for flag in submission.flags]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "identifier": identifier,
        "timestamp": submission.created_at.isoformat(),
        "entry": [{"fullUrl": patient_ref, "resource": patient},
                  {"fullUrl": response_ref, "resource": response}, *flags],
    }


def _uuid(reference: str, part: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{BASE_URL}/{reference}/{part}"))


def to_json(resource: dict[str, Any]) -> bytes:
    return json.dumps(resource, ensure_ascii=False, indent=1).encode("utf-8")


__all__ = ["RULEBOOK_VERSION", "questionnaire_resource", "submission_bundle", "to_json"]
