"""Patient-facing rule texts never use the words rules.md forbids; the checker itself works."""

from __future__ import annotations

import pytest

from rules_cases import rules_api, spec_rule_ids_or_static
from wording import forbidden_phrases

SUICIDE_URGENT = ("URG-SI-NOW", "URG-SI-INTENT-PLAN", "URG-SUICIDE-BEHAVIOR-3M")
BP_URGENT = ("URG-BP-SYMPTOMS", "URG-BP-CRISIS-RANGE")


def _rule(rule_id: str):
    matches = [r for r in rules_api().RULES if r.id == rule_id]
    assert len(matches) == 1, f"RULES has {len(matches)} entries for {rule_id}"
    return matches[0]


@pytest.mark.parametrize("rule_id", spec_rule_ids_or_static())
def test_patient_text_uses_no_forbidden_words(rule_id: str):
    text = _rule(rule_id).patient_text
    assert isinstance(text, str) and text.strip(), f"{rule_id} has no patient text"
    assert forbidden_phrases(text) == [], f"{rule_id}: {text!r}"


@pytest.mark.parametrize("rule_id", spec_rule_ids_or_static())
def test_staff_text_and_sources_are_present(rule_id: str):
    rule = _rule(rule_id)
    assert isinstance(rule.staff_text, str) and rule.staff_text.strip()
    assert rule.patient_text != rule.staff_text
    assert isinstance(rule.sources, tuple) and rule.sources
    assert all(isinstance(s, str) and s.startswith("S-") for s in rule.sources)


@pytest.mark.parametrize("rule_id", SUICIDE_URGENT)
def test_urgent_suicide_texts_give_the_988_line(rule_id: str):
    assert "988" in _rule(rule_id).patient_text


@pytest.mark.parametrize("rule_id", BP_URGENT)
def test_urgent_bp_texts_say_when_to_call_911(rule_id: str):
    assert "911" in _rule(rule_id).patient_text


def test_every_patient_text_in_rules_is_clean():
    dirty = {
        r.id: forbidden_phrases(r.patient_text)
        for r in rules_api().RULES
        if forbidden_phrases(r.patient_text)
    }
    assert dirty == {}


# --- the checker itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("You are eligible for ketamine treatment.", "eligible"),
        ("you have depression", "you have"),
        ("You have moderate depression.", "you have"),
        ("You've got an anxiety disorder", "you have"),
        ("You may have bipolar disorder.", "you have"),
        ("Your ELIGIBILITY has been checked", "eligibility"),
        ("You are ineligible.", "ineligible"),
        ("You may qualify for esketamine", "qualify"),
        ("This person qualifies", "qualifies"),
        ("Your request was approved", "approved"),
        ("You are cleared for treatment", "cleared"),
        ("You are a good candidate", "candidate"),
        ("Ketamine is contraindicated for you", "contraindicat"),
        ("A contraindication was found", "contraindicat"),
        ("Your diagnosis is depression", "diagnosis"),
        ("We will diagnose you", "diagnose"),
        ("You were diagnosed with PTSD", "diagnose"),
        ("You are not suitable for this", "you are not suitable"),
        ("You're not suitable for this", "you are not suitable"),
        ("Your application was rejected", "rejected"),
        ("This is not a diagnosis. Your diagnosis: depression.", "diagnosis"),
        ("We think you have depression.", "you have"),
        ("Based on your answers you have PTSD", "you have"),
    ],
)
def test_checker_catches(text: str, expected: str):
    assert expected in forbidden_phrases(text)


@pytest.mark.parametrize(
    "text",
    [
        "This is not a diagnosis.",
        "this is not a diagnosis",
        "Do you have a diagnosis from a clinician?",
        "You told us about thoughts of suicide. A provider will talk with you.",
        "You have told us about depression and anxiety.",
        "If you have questions, call the clinic.",
        "Do you have a ride home after treatment?",
        "Has a clinician told you that you have high blood pressure?",
        "Do you have any of these heart conditions?",
        "If you have glaucoma, please tell us.",
        "Only a provider can decide what is right for you.",
        "Your answers add up to 14 on a depression questionnaire (PHQ-9).",
        "",
    ],
)
def test_checker_allows(text: str):
    assert forbidden_phrases(text) == []


def test_checker_reports_each_word_found():
    found = forbidden_phrases("You are eligible and approved; you have depression.")
    assert {"eligible", "approved", "you have"} <= set(found)
