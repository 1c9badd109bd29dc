"""FHIR R4 (4.0.1) JSON: the form as an SDC `Questionnaire` generated from the question
definitions, and each submission as a `Bundle`: the `Patient`, the `QuestionnaireResponse`,
`Observation`s an EHR can chart without reading the form, and one `Flag` per raised flag.

The Questionnaire
- linkIds are unique (FHIR que-2): a section group is `section-<id>`, a question its id, a
  section's "why we ask" text `<id>.why`, the AUDIT-C sub-group `auditc`, a treatment row's
  fields `ad_trials.<key>`.
- Rating items (PHQ-9, GAD-7, PCL-5, AUDIT-C) are `choice` items whose `answerOption` codings
  carry their score as the `ordinalValue` extension; answers are `valueCoding`.
- Skip logic is plain `enableWhen` wherever FHIR allows it: `=` / `!=` on codings and booleans,
  `>=` on integers, and "score above 0" as `=` on each scoring coding (codings have no order).
  A condition that nests "and" inside "or" (the blood-pressure crisis range) is an SDC
  `enableWhenExpression` whose FHIRPath always yields true or false (`exists()`, `not()`),
  with single-quoted strings. A section whose every question has the same condition (PCL-5)
  carries it on its group.

Codes (LOINC, system http://loinc.org), each checked against the source named:
- PHQ-9 panel 44249-1; items 44250-9, 44255-8, 44259-0, 44254-1, 44251-7, 44258-2, 44252-5,
  44253-3, 44260-8; difficulty item 69722-7 with answers LA6572-7 Not difficult at all,
  LA6573-5 Somewhat difficult, LA6575-0 Very difficult, LA6574-3 Extremely difficult:
  HL7 US Core `input/examples/Questionnaire-phq-9-example.json` (github.com/HL7/US-Core,
  commit 85bf4af6) and loinc.org/69729-2 (PHQ-SADS panel hierarchy, LOINC 2.77).
- PHQ-9 total 44261-6: cdn.loinc.org/44261-6 (member of panel 44249-1).
- "Not at all / Several days / More than half the days / Nearly every day" = LOINC answer list
  LL358-3: LA6568-5, LA6569-3, LA6570-1, LA6571-9 with ordinal 0..3: US Core
  Questionnaire-phq-9-example (as above); LL358-3 named in forum.loinc.org/t/1668.
- GAD-7 panel 69737-5: HL7 PCO IG Questionnaire-69737-5 (build.fhir.org/ig/HL7/pco-ig);
  items 69725-0, 68509-9, 69733-4, 69734-2, 69735-9, 69689-8, 69736-7 and total 70274-6:
  loinc.org/69729-2 (PHQ-SADS panel hierarchy). GAD-7 items use the same LL358-3 answers.
- AUDIT-C panel 72109-2 and total 75626-2: loinc.org/75626-2 ("Member of these Panels:
  72109-2"); item 1 68518-0 "How often do you have a drink containing alcohol?": cdn.loinc.org/
  72110-0 (AUDIT panel hierarchy); items 68519-8 and 68520-6 with answers LA15694-5 1 or 2,
  LA15695-2 3 or 4, LA18930-0 5 or 6, LA18931-8 7 to 9, LA18932-6 10 or more, and LA6270-8
  Never, LA18933-4 Less than monthly, LA18876-5 Monthly, LA18891-4 Weekly, LA18934-2 Daily or
  almost daily: US Core `input/examples/Questionnaire-AUDIT-C.json` (as above). Item 1's answer
  list (LL2179-1) was not found on a published LOINC page, so its answers use this project's
  code system (with the same ordinal values).
- Vital signs: blood-pressure panel 85354-9 with systolic 8480-6 and diastolic 8462-4 in
  mm[Hg], body height 8302-2 (cm), body weight 29463-7 (kg), BMI 39156-5 (kg/m2): US Core
  `input/examples/blood-pressure.json`, `height.json`, `weight.json`, `bmi.json` (as above)
  and the FHIR R4 value set observation-vitalsignresult (hl7.org/fhir, "The Blood pressure
  panel (85354-9) is used to group the component observations Systolic blood pressure
  (8480-6) and Diastolic blood pressure (8462-4)").
- Not LOINC: Observation category `survey` / `vital-signs` (terminology.hl7.org
  CodeSystem/observation-category), units from UCUM (http://unitsofmeasure.org).

Why `Flag` and not `RiskAssessment`: a flag here is "something a provider must look at before any
treatment", which is what FHIR's Flag is for (a prospective warning about a subject). A
RiskAssessment states a predicted outcome with a probability, which this pre-screen never makes.
Each Flag carries the rule id and severity as codings, the staff wording as text, and an
extension naming the questionnaire items (linkIds) whose answers raised it.

The tests validate every resource with fhir.resources' R4 (4.0.1) models and load the
Questionnaire and each QuestionnaireResponse into LHC-Forms in Chromium (docs/fhir.md).
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from ..questionnaire import QUESTIONNAIRE, Answers, is_asked
from ..questionnaire.model import All_, Any_, Condition, Question, Section, When
from ..rules import RULEBOOK_VERSION

BASE_URL = "https://github.com/ketamine-prescreener"
QUESTIONNAIRE_URL = f"{BASE_URL}/fhir/Questionnaire/ketamine-prescreen"
ANSWER_SYSTEM = f"{BASE_URL}/fhir/CodeSystem/answer"
RULE_SYSTEM = f"{BASE_URL}/fhir/CodeSystem/rule"
SEVERITY_SYSTEM = f"{BASE_URL}/fhir/CodeSystem/flag-severity"
REFERENCE_SYSTEM = f"{BASE_URL}/fhir/NamingSystem/submission-reference"
BECAUSE_EXTENSION = f"{BASE_URL}/fhir/StructureDefinition/flag-because"
SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition"
ENABLE_WHEN_EXPRESSION = f"{SDC}/sdc-questionnaire-enableWhenExpression"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FORM_VERSION = "2"

ITEM_TYPES = {"bool": "boolean", "text": "string", "longtext": "text", "date": "date",
              "email": "string", "phone": "string", "int": "integer", "choice": "choice",
              "multi": "choice"}

# --- LOINC ------------------------------------------------------------------------------------

FREQUENCY_ANSWERS = (("LA6568-5", "Not at all"), ("LA6569-3", "Several days"),
                     ("LA6570-1", "More than half the days"), ("LA6571-9", "Nearly every day"))
PANELS = {  # section id (or the AUDIT-C sub-group) -> LOINC panel
    "phq9": ("44249-1", "PHQ-9 quick depression assessment panel [Reported.PHQ]"),
    "gad7": ("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
    "auditc": ("72109-2", "Alcohol Use Disorder Identification Test - Consumption [AUDIT-C]"),
}
ITEM_CODES = {
    "phq9_1": "44250-9", "phq9_2": "44255-8", "phq9_3": "44259-0", "phq9_4": "44254-1",
    "phq9_5": "44251-7", "phq9_6": "44258-2", "phq9_7": "44252-5", "phq9_8": "44253-3",
    "phq9_9": "44260-8", "phq9_difficulty": "69722-7",
    "gad7_1": "69725-0", "gad7_2": "68509-9", "gad7_3": "69733-4", "gad7_4": "69734-2",
    "gad7_5": "69735-9", "gad7_6": "69689-8", "gad7_7": "69736-7",
    "auditc_1": "68518-0", "auditc_2": "68519-8", "auditc_3": "68520-6",
}
# Stored value -> LOINC answer (code, display). Items not listed use ANSWER_SYSTEM/<question>.
LOINC_ANSWERS: dict[str, dict[str, tuple[str, str]]] = {
    **{f"phq9_{i}": dict(zip("0123", FREQUENCY_ANSWERS, strict=True)) for i in range(1, 10)},
    **{f"gad7_{i}": dict(zip("0123", FREQUENCY_ANSWERS, strict=True)) for i in range(1, 8)},
    "phq9_difficulty": {
        "not_difficult": ("LA6572-7", "Not difficult at all"),
        "somewhat": ("LA6573-5", "Somewhat difficult"),
        "very": ("LA6575-0", "Very difficult"),
        "extremely": ("LA6574-3", "Extremely difficult"),
    },
    "auditc_2": dict(zip("01234", (
        ("LA15694-5", "1 or 2"), ("LA15695-2", "3 or 4"), ("LA18930-0", "5 or 6"),
        ("LA18931-8", "7 to 9"), ("LA18932-6", "10 or more")), strict=True)),
    "auditc_3": dict(zip("01234", (
        ("LA6270-8", "Never"), ("LA18933-4", "Less than monthly"), ("LA18876-5", "Monthly"),
        ("LA18891-4", "Weekly"), ("LA18934-2", "Daily or almost daily")), strict=True)),
}
AUDITC_GROUP = ("auditc_1", "auditc_2", "auditc_3")
SCORE_OBSERVATIONS = (  # score key, LOINC, display
    ("phq9_total", "44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
    ("gad7_total", "70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score "
                              "[Reported.PHQ]"),
    ("auditc_total", "75626-2", "Total score [AUDIT-C]"),
)
VITAL_PROFILE = "http://hl7.org/fhir/StructureDefinition"


def _is_scale(question: Question) -> bool:
    """A rating item: stored as the score, offered as numbered options."""
    return question.kind == "int" and bool(question.options)


def _coding(question: Question, value: Any) -> dict[str, Any]:
    loinc = LOINC_ANSWERS.get(question.id, {}).get(str(value))
    if loinc:
        return {"system": LOINC, "code": loinc[0], "display": loinc[1]}
    return {"system": f"{ANSWER_SYSTEM}/{question.id}", "code": str(value),
            "display": question.option_label(str(value))}


def _answer_option(question: Question, value: str) -> dict[str, Any]:
    option: dict[str, Any] = {"valueCoding": _coding(question, value)}
    if _is_scale(question):
        option["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": int(value)}]
    return option


def _answer_value(question: Question, value: Any) -> dict[str, Any]:
    if question.options:
        return {"valueCoding": _coding(question, value)}
    if question.kind == "bool":
        return {"valueBoolean": value}
    if question.kind == "int":
        return {"valueInteger": value}
    if question.kind == "date":
        return {"valueDate": value.isoformat() if isinstance(value, date) else str(value)}
    return {"valueString": value}


# --- skip logic -------------------------------------------------------------------------------

def _matching_values(question: Question, test: When) -> list[Any]:
    """The option values for which a test on a coded question holds (unanswered never does)."""
    def given(value: str) -> Any:
        if question.kind == "multi":
            return [value]
        return int(value) if _is_scale(question) else value

    return [o.value for o in question.options
            if test.holds(Answers({question.id: given(o.value)}))]


def _simple_enable_when(test: When, questions: dict[str, Question]) -> list[dict] | None:
    """FHIR enableWhen entries that hold when ANY of them holds, or None when the test cannot
    be written that way."""
    question = questions[test.question]
    if test.op in ("true", "not_true"):
        return [{"question": test.question, "operator": "=" if test.op == "true" else "!=",
                 "answerBoolean": True}]
    if question.options:
        if test.op == "ne":
            return [{"question": test.question, "operator": "!=",
                     "answerCoding": _coding(question, test.value)}]
        return [{"question": test.question, "operator": "=",
                 "answerCoding": _coding(question, value)}
                for value in _matching_values(question, test)]
    if question.kind == "int" and test.op in ("ge", "gt", "eq"):
        operator = {"ge": ">=", "gt": ">", "eq": "="}[test.op]
        return [{"question": test.question, "operator": operator,
                 "answerInteger": test.value}]
    return None


def _enable_when(condition: Condition, questions: dict[str, Question]) -> dict[str, Any]:
    """enableWhen (any/all of simple tests) where FHIR can say it; else an SDC expression."""
    if isinstance(condition, When):
        tests, behaviour = [condition], "any"
    elif all(isinstance(c, When) for c in condition.conditions):
        tests = list(condition.conditions)
        behaviour = "all" if isinstance(condition, All_) else "any"
    else:
        tests, behaviour = [], ""
    entries = [_simple_enable_when(t, questions) for t in tests]
    if tests and all(e is not None for e in entries) and (
            behaviour == "any" or all(len(e) == 1 for e in entries)):
        items = [item for e in entries for item in e]
        return {"enableWhen": items, **({"enableBehavior": behaviour} if len(items) > 1 else {})}
    return {"extension": [{"url": ENABLE_WHEN_EXPRESSION, "valueExpression": {
        "language": "text/fhirpath", "expression": fhirpath(condition, questions)}}]}


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def fhirpath(condition: Condition, questions: dict[str, Question]) -> str:
    """A FHIRPath expression on the QuestionnaireResponse that is true or false, never empty."""
    if isinstance(condition, Any_ | All_):
        joiner = " or " if isinstance(condition, Any_) else " and "
        return "(" + joiner.join(fhirpath(c, questions) for c in condition.conditions) + ")"
    question = questions[condition.question]
    answers = f"%resource.repeat(item).where(linkId={_literal(condition.question)}).answer.value"
    if condition.op in ("true", "not_true"):
        found = f"{answers}.where($this = true).exists()"
        return found if condition.op == "true" else f"{found}.not()"
    if question.options:
        wanted = (_matching_values(question, When(condition.question, "eq", condition.value))
                  if condition.op == "ne" else _matching_values(question, condition))
        codes = " or ".join(f"code = {_literal(_coding(question, v)['code'])}" for v in wanted)
        found = f"{answers}.where({codes or 'false'}).exists()"
        return f"{found}.not()" if condition.op == "ne" else found
    operator = {"eq": "=", "ne": "=", "ge": ">=", "gt": ">"}[condition.op]
    found = f"{answers}.where($this {operator} {_literal(condition.value)}).exists()"
    return f"{found}.not()" if condition.op == "ne" else found


# --- the Questionnaire ------------------------------------------------------------------------

def _question_item(question: Question, questions: dict[str, Question],
                   shared: Condition | None) -> dict[str, Any]:
    if question.kind == "trials":
        item: dict[str, Any] = {
            "linkId": question.id, "text": question.label, "type": "group", "repeats": True,
            "required": False,
            "item": [
                {"linkId": f"{question.id}.{spec.key}", "text": spec.label,
                 "type": "choice" if spec.options else "string",
                 **({"answerOption": [{"valueCoding": {
                     "system": f"{ANSWER_SYSTEM}/{question.id}.{spec.key}", "code": o.value,
                     "display": o.label}} for o in spec.options]} if spec.options else
                    {"maxLength": spec.maximum} if spec.maximum else {})}
                for spec in QUESTIONNAIRE.trial_fields
            ],
        }
    else:
        item = {"linkId": question.id, "text": question.label,
                "type": "choice" if _is_scale(question) else ITEM_TYPES[question.kind],
                "required": not question.optional}
        if question.id in ITEM_CODES:
            item["code"] = [{"system": LOINC, "code": ITEM_CODES[question.id]}]
        if question.kind == "multi":
            item["repeats"] = True
        if question.options:
            item["answerOption"] = [_answer_option(question, o.value) for o in question.options]
        if question.maximum and question.kind in ("text", "longtext", "email", "phone"):
            item["maxLength"] = question.maximum
        if question.kind == "int" and not question.options:
            item["extension"] = [
                {"url": url, "valueInteger": bound} for url, bound in (
                    (MIN_VALUE, question.minimum), (MAX_VALUE, question.maximum))
                if bound is not None]
    if question.asked_when is not None and question.asked_when != shared:
        extra = _enable_when(question.asked_when, questions)
        item["extension"] = [*item.get("extension", []), *extra.pop("extension", [])]
        if not item["extension"]:
            del item["extension"]
        item.update(extra)
    return item


def _shared_condition(section: Section) -> Condition | None:
    """The condition every question of a section has, if they all have the same one."""
    conditions = {q.asked_when for q in section.questions}
    return conditions.pop() if len(conditions) == 1 else None


def _panel(key: str) -> dict[str, Any]:
    code, display = PANELS[key]
    return {"code": [{"system": LOINC, "code": code, "display": display}]}


def _section_group(section: Section, questions: dict[str, Question]) -> dict[str, Any]:
    shared = _shared_condition(section)
    children: list[dict[str, Any]] = [
        {"linkId": f"{section.id}.why", "text": section.why, "type": "display"}]
    auditc: list[dict[str, Any]] = []
    for question in section.questions:
        item = _question_item(question, questions, shared)
        if question.id in AUDITC_GROUP:
            if not auditc:
                children.append({"linkId": "auditc", "text": "AUDIT-C", "type": "group",
                                 **_panel("auditc"), "item": auditc})
            auditc.append(item)
        else:
            children.append(item)
    group: dict[str, Any] = {"linkId": section_link_id(section), "text": section.title,
                             "type": "group", **(_panel(section.id) if section.id in PANELS
                                                 else {}), "item": children}
    if shared is not None:
        group.update(_enable_when(shared, questions))
    return group


def section_link_id(section: Section) -> str:
    return f"section-{section.id}"


def questionnaire_resource() -> dict[str, Any]:
    """The whole form as an SDC Questionnaire (one group per section)."""
    questions = {q.id: q for q in QUESTIONNAIRE.questions()}
    return {
        "resourceType": "Questionnaire",
        "id": "ketamine-prescreen",
        "meta": {"profile": [f"{SDC}/sdc-questionnaire"]},
        "url": QUESTIONNAIRE_URL,
        "version": FORM_VERSION,
        "name": "KetaminePrescreen",
        "title": "Ketamine and esketamine treatment pre-screen",
        "status": "active",
        "subjectType": ["Patient"],
        "description": "A pre-screen that prepares a conversation with a provider. "
                       "This is not a diagnosis.",
        "item": [_section_group(section, questions) for section in QUESTIONNAIRE.sections],
    }


# --- the QuestionnaireResponse ----------------------------------------------------------------

def _trial_rows(question: Question, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items = []
    for row in rows:
        fields = []
        for spec in QUESTIONNAIRE.trial_fields:
            value = row.get(spec.key)
            if value is None:
                continue
            answer = ({"valueCoding": {"system": f"{ANSWER_SYSTEM}/{question.id}.{spec.key}",
                                       "code": value, "display": dict(
                                           (o.value, o.label) for o in spec.options)[value]}}
                      if spec.options else {"valueString": value})
            fields.append({"linkId": f"{question.id}.{spec.key}", "text": spec.label,
                           "answer": [answer]})
        if fields:
            items.append({"linkId": question.id, "text": question.label, "item": fields})
    return items


def applicable_answers(answers: Any) -> dict[str, Any]:
    """The cleaned answers of the questions that are asked, deciding in question order: an answer
    left over from a question that no longer applies never enables a later one (FHIR treats a
    disabled item's answers as absent too)."""
    given = Answers(answers).values
    kept: dict[str, Any] = {}
    reader = _Reader(kept)
    for question in QUESTIONNAIRE.questions():
        if question.id in given and is_asked(question, reader):  # type: ignore[arg-type]
            kept[question.id] = given[question.id]
    return kept


class _Reader:
    __slots__ = ("get",)

    def __init__(self, values: dict[str, Any]) -> None:
        self.get = values.get


def _response_items(answers: dict[str, Any]) -> list[dict[str, Any]]:
    reader = Answers(applicable_answers(answers))
    groups = []
    for section in QUESTIONNAIRE.sections:
        items: list[dict[str, Any]] = []
        auditc: list[dict[str, Any]] = []
        for question in section.questions:
            value = reader.get(question.id)
            if value is None:
                continue
            if question.kind == "trials":
                items += _trial_rows(question, value)
                continue
            values = value if question.kind == "multi" else [value]
            item = {"linkId": question.id, "text": question.label,
                    "answer": [_answer_value(question, v) for v in values]}
            if question.id in AUDITC_GROUP:
                if not auditc:
                    items.append({"linkId": "auditc", "text": "AUDIT-C", "item": auditc})
                auditc.append(item)
            else:
                items.append(item)
        if items:
            groups.append({"linkId": section_link_id(section), "text": section.title,
                           "item": items})
    return groups


# --- Observations -----------------------------------------------------------------------------

def _quantity(value: float | int, unit: str, code: str | None = None) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code or unit}


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code, "display": display}]}]


def _reading_period(when: str | None, received: datetime) -> dict[str, str] | None:
    """When the reported blood pressure was measured, as a Period before `received`."""
    days = {"past_month": (30, 0), "1_to_6_months": (183, 30), "over_6_months": (None, 183)}
    if when not in days:
        return None
    start, end = days[when]
    return {**({"start": (received - timedelta(days=start)).isoformat()} if start else {}),
            "end": (received - timedelta(days=end)).isoformat()}


def observations(submission: Any, patient_ref: str, response_ref: str) -> list[dict[str, Any]]:
    """Bundle entries: the scale totals (survey) and the reported vital signs."""
    reader = Answers(applicable_answers(submission.answers))
    scores = submission.scores or {}
    received = submission.created_at
    common = {"status": "final", "subject": {"reference": patient_ref},
              "derivedFrom": [{"reference": response_ref}]}
    made: list[tuple[str, dict[str, Any]]] = []

    def observation(part: str, code: str, display: str, category: tuple[str, str],
                    profile: str | None = None, **body: Any) -> None:
        made.append((part, {
            "resourceType": "Observation",
            **({"meta": {"profile": [f"{VITAL_PROFILE}/{profile}"]}} if profile else {}),
            "status": "final", "category": _category(*category),
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}],
                     "text": display},
            "subject": common["subject"],
            **({"effectiveDateTime": received.isoformat()} if "effectivePeriod" not in body
               else {}),
            "issued": received.isoformat(),
            "performer": [{"reference": patient_ref}],  # reported by the person themselves
            **body,
            "derivedFrom": body.get("derivedFrom", common["derivedFrom"]),
        }))

    for key, code, display in SCORE_OBSERVATIONS:
        if isinstance(scores.get(key), int):
            observation(key, code, display, ("survey", "Survey"),
                        valueQuantity=_quantity(scores[key], "{score}"))
    systolic, diastolic = reader.get("bp_systolic"), reader.get("bp_diastolic")
    if systolic is not None and diastolic is not None:
        period = _reading_period(reader.get("bp_when"), received)
        observation("bp", "85354-9", "Blood pressure panel with all children optional",
                    ("vital-signs", "Vital Signs"), "bp",
                    **({"effectivePeriod": period} if period else {}),
                    component=[
                        {"code": {"coding": [{"system": LOINC, "code": code,
                                              "display": display}], "text": display},
                         "valueQuantity": _quantity(value, "mmHg", "mm[Hg]")}
                        for code, display, value in (
                            ("8480-6", "Systolic blood pressure", systolic),
                            ("8462-4", "Diastolic blood pressure", diastolic))])
    height, weight = reader.get("height_cm"), reader.get("weight_kg")
    if height is not None:
        observation("height", "8302-2", "Body height", ("vital-signs", "Vital Signs"),
                    "bodyheight", valueQuantity=_quantity(height, "cm"))
    if weight is not None:
        observation("weight", "29463-7", "Body weight", ("vital-signs", "Vital Signs"),
                    "bodyweight", valueQuantity=_quantity(weight, "kg"))
    if isinstance(scores.get("bmi"), int | float) and height is not None and weight is not None:
        sources = [common["derivedFrom"][0], *(
            {"reference": _urn(submission.reference, part)} for part in ("height", "weight"))]
        observation("bmi", "39156-5", "Body mass index (BMI) [Ratio]",
                    ("vital-signs", "Vital Signs"), "bmi",
                    valueQuantity=_quantity(scores["bmi"], "kg/m2"), derivedFrom=sources)
    return [{"fullUrl": _urn(submission.reference, part), "resource": resource}
            for part, resource in made]


# --- the Bundle -------------------------------------------------------------------------------

def submission_bundle(submission: Any, *, transaction: bool = False) -> dict[str, Any]:
    """A collection Bundle: Patient, QuestionnaireResponse, Observations, one Flag per flag.

    `transaction=True` gives the same entries as a transaction Bundle to POST to a FHIR
    server's base URL: each entry is created (the Patient only if none has the submission's
    identifier yet), and the server rewrites the urn:uuid references to the ids it assigns."""
    answers = submission.answers
    patient_ref = _urn(submission.reference, "patient")
    response_ref = _urn(submission.reference, "response")
    identifier = {"system": REFERENCE_SYSTEM, "value": submission.reference}
    patient = {
        "resourceType": "Patient",
        "identifier": [identifier],
        "name": [{"given": [answers.get("first_name", "")],
                  "family": answers.get("last_name", "")}],
        "telecom": [t for t in (
            {"system": "email", "value": answers.get("email")},
            {"system": "phone", "value": answers.get("phone")}) if t["value"]],
        **({"birthDate": born.isoformat()} if (born := Answers(answers).get("date_of_birth"))
           else {}),
    }
    response = {
        "resourceType": "QuestionnaireResponse",
        "meta": {"profile": [f"{SDC}/sdc-questionnaireresponse"]},
        "identifier": identifier,
        "questionnaire": f"{QUESTIONNAIRE_URL}|{FORM_VERSION}",
        "status": "completed",
        "subject": {"reference": patient_ref},
        "authored": submission.created_at.isoformat(),
        "author": {"reference": patient_ref},
        "language": submission.language,
        "item": _response_items(answers),
    }
    flags = [{
        "fullUrl": _urn(submission.reference, flag["rule_id"]),
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
    entries = [{"fullUrl": patient_ref, "resource": patient},
               {"fullUrl": response_ref, "resource": response},
               *observations(submission, patient_ref, response_ref), *flags]
    if transaction:
        for entry in entries:
            kind = entry["resource"]["resourceType"]
            entry["request"] = {"method": "POST", "url": kind, **(
                {"ifNoneExist": f"identifier={REFERENCE_SYSTEM}|{submission.reference}"}
                if kind == "Patient" else {})}
    return {
        "resourceType": "Bundle",
        "type": "transaction" if transaction else "collection",
        "identifier": identifier,
        "timestamp": submission.created_at.isoformat(),
        "entry": entries,
    }


def _urn(reference: str, part: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{BASE_URL}/{reference}/{part}')}"


def to_json(resource: dict[str, Any]) -> bytes:
    return json.dumps(resource, ensure_ascii=False, indent=1).encode("utf-8")


__all__ = ["RULEBOOK_VERSION", "applicable_answers", "fhirpath", "observations",
           "questionnaire_resource", "section_link_id", "submission_bundle", "to_json"]
