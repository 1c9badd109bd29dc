"""The FHIR export in a real SDC client: LHC-Forms (npm `lforms`, NLM's FHIR form renderer) in
Debian's Chromium, all files served from 127.0.0.1 (test-tools/: `make test-tools` runs npm ci).

- The Questionnaire loads with no console error and shows every item.
- Every enableWhen / enableWhenExpression decides as our skip logic (`is_asked`) does, for a table
  of cases; every FHIRPath condition yields true or false, never empty.
- Each published persona's QuestionnaireResponse, merged into the form, comes back from the form
  with every answer (counted, compared value for value).
One page for the module; each case re-renders the form in it.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_exports import stored

from screener.exports.fhir import (
    ENABLE_WHEN_EXPRESSION,
    applicable_answers,
    questionnaire_resource,
    section_link_id,
    submission_bundle,
)
from screener.questionnaire import QUESTIONNAIRE, QUESTIONS, Answers, is_asked

from flow_helpers import changed, personas

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "test-tools"
LFORMS = TOOLS / "node_modules" / "lforms" / "dist" / "lforms"


def response_of(answers: dict) -> dict[str, Any]:
    return submission_bundle(stored(answers))["entry"][1]["resource"]


def answer_list(items: list[dict]) -> list[tuple[str, str]]:
    """Every answer in a QuestionnaireResponse as (linkId, value as JSON), nested ones too."""
    found = []
    for item in items:
        for answer in item.get("answer", []):
            [(kind, value)] = [(k, v) for k, v in answer.items() if k.startswith("value")]
            if kind == "valueCoding":
                value = {"system": value.get("system"), "code": value.get("code")}
            found.append((item["linkId"], json.dumps({kind: value}, sort_keys=True)))
            found += answer_list(answer.get("item", []))
        found += answer_list(item.get("item", []))
    return found


# --- the cases for skip logic -----------------------------------------------------------------

ZERO_PHQ9 = {f"phq9_{i}": 0 for i in range(1, 10)}
# Every substance ticked in the first step, so that each "when did you last use it" is asked.
SUBSTANCES = [v for v in QUESTIONS["substances_used"].values if v != "none"]
EVERY_SUBSTANCE = {"substances_used": SUBSTANCES,
                   **{f"last_use_{v}": "more_than_12_months" for v in SUBSTANCES}}
SAFETY_NO = {"si_wish_dead_past_month": "no", "si_thoughts_past_month": "no",
             "suicide_behavior_ever": "no"}
CASES: dict[str, dict[str, Any]] = {name: applicable_answers(answers) for name, answers in {
    "female, could become pregnant": changed(),
    "male": changed(sex_at_birth="male", **ZERO_PHQ9),
    "intersex, could not become pregnant": changed(sex_at_birth="intersex",
                                                   can_become_pregnant="no", pregnant=None),
    "not sure about pregnancy, ketamine before, high blood pressure": changed(
        can_become_pregnant="not_sure", pregnant="no", ketamine_treatment_before="iv",
        ketamine_treatment_effect="helped", htn_dx="yes", htn_meds="yes",
        htn_controlled="yes"),
    "PTSD chosen": changed(reasons=["depression", "ptsd"]),
    "every substance used once": changed(**EVERY_SUBSTANCE),
    "'other' reason": changed(reasons=["other"], reasons_other="Long COVID fatigue"),
    "PHQ-9 item 9 above 0, other items 0": changed(**{**ZERO_PHQ9, "phq9_9": 2}, **SAFETY_NO),
    "PHQ-9 all 0, safety all no": changed(**ZERO_PHQ9, **SAFETY_NO),
    "thoughts and past behaviour": changed(si_thoughts_past_month="yes",
                                           suicide_behavior_ever="yes"),
    "AUDIT-C item 1 zero": changed(auditc_1=0, auditc_2=None, auditc_3=None),
    "blood pressure in the crisis range (systolic)": changed(bp_systolic=185, bp_diastolic=110),
    "blood pressure in the crisis range (diastolic)": changed(bp_systolic=150,
                                                              bp_diastolic=125),
    "blood pressure just below the crisis range": changed(bp_systolic=179, bp_diastolic=119),
    "blood pressure unknown": changed(bp_unknown=True, bp_systolic=None, bp_diastolic=None,
                                      bp_when=None, bp_source=None),
    "bipolar yes": changed(bipolar_dx="yes", mood_stabilizer_now="no"),
    "nothing answered": {},
}.items()}


def conditional_questions() -> list[str]:
    return [q.id for q in QUESTIONS.values() if q.asked_when is not None]


def test_the_cases_show_and_hide_every_conditional_question():
    """Without a browser: the table of cases exercises every condition both ways."""
    for qid in conditional_questions():
        outcomes = {is_asked(QUESTIONS[qid], Answers(case)) for case in CASES.values()}
        assert outcomes == {True, False}, qid


# --- the page ---------------------------------------------------------------------------------

class _Files(SimpleHTTPRequestHandler):
    """test-tools/lforms.html at /, harness.js, and LHC-Forms' built files under /lforms/."""

    def translate_path(self, path: str) -> str:
        path = urlsplit(path).path
        if path in ("/", "/index.html"):
            return str(TOOLS / "lforms.html")
        if path == "/harness.js":
            return str(TOOLS / "harness.js")
        if path.startswith("/lforms/") and ".." not in path:
            return str(LFORMS / path.removeprefix("/lforms/"))
        return str(TOOLS / "no-such-file")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def lforms_url() -> Iterator[str]:
    if not (LFORMS / "webcomponent" / "main.js").exists():
        pytest.skip("LHC-Forms is not installed: run `make test-tools` (npm ci in test-tools/)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, name="lforms-files", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture(scope="module")
def form_page(browser, lforms_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.problems = []  # console errors, page errors, requests to any other host
    page.on("console", lambda m: page.problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))

    def only_loopback(route):
        if route.request.url.startswith(lforms_url + "/") or route.request.url.startswith(
                "data:"):
            route.continue_()
        else:
            page.problems.append(f"request to another host: {route.request.url}")
            route.abort()

    context.route("**/*", only_loopback)
    page.goto(lforms_url + "/")
    page.wait_for_function("window.harness && harness.ready()")
    yield page
    context.close()


@pytest.fixture(scope="module")
def questionnaire() -> dict[str, Any]:
    return questionnaire_resource()


# --- the tests --------------------------------------------------------------------------------

@pytest.mark.browser
def test_the_questionnaire_loads_with_every_item_and_no_console_error(form_page, questionnaire):
    shown = form_page.evaluate("q => harness.show(q)", questionnaire)
    expected = set()

    def walk(items):
        for item in items:
            expected.add(item["linkId"])
            walk(item.get("item", []))

    walk(questionnaire["item"])
    assert set(shown) == expected
    assert form_page.problems == []


@pytest.mark.browser
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_lhc_forms_skip_logic_matches_ours(form_page, questionnaire, case):
    answers = CASES[case]
    response = response_of(answers)
    enabled = set(form_page.evaluate("([q, r]) => harness.enabled(q, r)",
                                     [questionnaire, response]))
    reader = Answers(answers)
    differ = {qid: is_asked(q, reader) for qid, q in QUESTIONS.items()
              if (qid in enabled) != is_asked(q, reader)}
    assert differ == {}, "asked by our rules (True) or not (False), the other way in LHC-Forms"
    for section in QUESTIONNAIRE.sections:
        asked = any(is_asked(q, reader) for q in section.questions)
        assert (section_link_id(section) in enabled) == asked, section.id
    assert form_page.problems == []


@pytest.mark.browser
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_every_fhirpath_condition_is_true_or_false(form_page, questionnaire, case):
    answers = CASES[case]
    response = response_of(answers)
    reader = Answers(answers)
    checked = 0

    def walk(items):
        nonlocal checked
        for item in items:
            for extension in item.get("extension", []):
                if extension["url"] == ENABLE_WHEN_EXPRESSION:
                    expression = extension["valueExpression"]["expression"]
                    value = form_page.evaluate("([r, e]) => harness.fhirpath(r, e)",
                                               [response, expression])
                    assert value == [is_asked(QUESTIONS[item["linkId"]], reader)], expression
                    checked += 1
            walk(item.get("item", []))

    walk(questionnaire["item"])
    assert checked >= 1


@pytest.mark.browser
@pytest.mark.skipif(not personas(), reason="shared/design/personas.json not found")
@pytest.mark.parametrize("persona", personas(), ids=lambda p: p["persona"])
def test_each_persona_response_merged_into_the_form_restores_every_answer(
        form_page, questionnaire, persona):
    response = response_of(persona["answers"])
    restored = form_page.evaluate("([q, r]) => harness.restore(q, r)", [questionnaire, response])
    sent, back = Counter(answer_list(response["item"])), Counter(answer_list(restored["item"]))
    assert sum(sent.values()) > 50
    assert (sent - back, back - sent) == (Counter(), Counter())
    assert sum(back.values()) == sum(sent.values())
    assert form_page.problems == []


@pytest.mark.browser
def test_a_response_with_the_pcl5_and_every_follow_up_restores_every_answer(
        form_page, questionnaire):
    answers = changed(
        reasons=["depression", "ptsd", "other"], reasons_other="Long COVID fatigue",
        **{f"pcl5_{i}": i % 5 for i in range(1, 21)}, si_thoughts_past_month="yes",
        si_method_past_month="no", si_intent_past_month="no", si_plan_past_month="no",
        si_now="no", suicide_behavior_ever="yes", suicide_behavior_when="more_than_3_months_ago",
        bp_systolic=185, bp_diastolic=110, bp_symptoms_now=["none"], bipolar_dx="yes",
        mood_stabilizer_now="yes", ketamine_treatment_before="esketamine",
        ketamine_treatment_effect="helped", htn_dx="yes", htn_meds="yes", htn_controlled="yes",
        anything_else='Quotes " and \' and <b>markup</b>', **EVERY_SUBSTANCE)
    response = response_of(answers)
    restored = form_page.evaluate("([q, r]) => harness.restore(q, r)", [questionnaire, response])
    sent, back = Counter(answer_list(response["item"])), Counter(answer_list(restored["item"]))
    assert sum(sent.values()) > 120
    assert (sent - back, back - sent) == (Counter(), Counter())
    assert form_page.problems == []
