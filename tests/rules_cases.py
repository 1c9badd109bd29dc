"""Shared factories and spec readers for the rulebook tests.

Everything here is derived from the contract documents in shared/design (rules.md,
questionnaire.md), never from the implementation, so the tests built on it can fail.
"""

from __future__ import annotations

import copy
import importlib
import re
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest

DESIGN_DIR = Path(__file__).resolve().parents[2] / "shared" / "design"
RULES_MD = DESIGN_DIR / "rules.md"
PERSONAS_JSON = DESIGN_DIR / "personas.json"

AS_OF = date(2026, 1, 15)

SEVERITIES = ("urgent", "contraindication", "caution", "info")

SCORE_KEYS = frozenset(
    {
        "age",
        "phq9_total",
        "phq9_band",
        "phq2_total",
        "gad7_total",
        "gad7_band",
        "pcl5_total",
        "auditc_total",
        "auditc_positive",
        "possibly_adequate_trials",
        "bp_category",
        "bmi",
    }
)

CRISIS_RULES = frozenset(
    {
        "URG-SI-NOW",
        "URG-SI-INTENT-PLAN",
        "URG-SUICIDE-BEHAVIOR-3M",
        "URG-BP-SYMPTOMS",
        "URG-BP-CRISIS-RANGE",
    }
)

SUICIDE_FAMILY = frozenset(
    {
        "URG-SI-NOW",
        "URG-SI-INTENT-PLAN",
        "URG-SUICIDE-BEHAVIOR-3M",
        "CAU-SI-ACTIVE",
        "CAU-SI-PASSIVE",
        "CAU-SUICIDE-ATTEMPT-PAST",
        "CAU-PHQ9-ITEM9",
    }
)

# Question ids in questionnaire.md order (sections 1 to 14).
QUESTION_ORDER: tuple[str, ...] = (
    "consent_store",
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "preferred_contact",
    "sex_at_birth",
    "can_become_pregnant",
    "pregnant",
    "breastfeeding",
    "height_cm",
    "weight_kg",
    "reasons",
    "reasons_other",
    "treatment_interest",
    "has_clinician_diagnosis",
    "has_referral",
    *(f"phq9_{i}" for i in range(1, 10)),
    "phq9_difficulty",
    *(f"gad7_{i}" for i in range(1, 8)),
    *(f"pcl5_{i}" for i in range(1, 21)),
    "si_wish_dead_past_month",
    "si_thoughts_past_month",
    "si_method_past_month",
    "si_intent_past_month",
    "si_plan_past_month",
    "suicide_behavior_ever",
    "suicide_behavior_when",
    "si_now",
    "ad_trials",
    "augmentation_trials",
    "psychotherapy_ever",
    "ect_ever",
    "tms_ever",
    "ketamine_treatment_before",
    "ketamine_treatment_effect",
    "ketamine_allergy",
    "bp_unknown",
    "bp_systolic",
    "bp_diastolic",
    "bp_when",
    "bp_source",
    "bp_symptoms_now",
    "htn_dx",
    "htn_meds",
    "htn_controlled",
    "vascular",
    "cv_event_within_6_months",
    "chest_pain_unstable",
    "neuro",
    "eye",
    "liver",
    "kidney",
    "thyroid",
    "bladder",
    "sleep_apnea",
    "other_conditions",
    "psychotic_disorder_dx",
    "psychosis_now",
    "psychosis_past_episode",
    "bipolar_dx",
    "mania_past_3_months",
    "mood_stabilizer_now",
    "auditc_1",
    "auditc_2",
    "auditc_3",
    "last_use_ketamine_nonmedical",
    "last_use_pcp",
    "last_use_cocaine_or_meth",
    "last_use_nonprescribed_stimulants",
    "last_use_opioids_nonprescribed",
    "last_use_sedatives_nonprescribed",
    "last_use_cannabis",
    "last_use_hallucinogens",
    "substance_problem_self",
    "meds_now",
    "meds_text",
    "allergies_text",
    "ride_home",
    "no_driving_until_next_day",
    "can_stay_3_hours",
    "twice_weekly_possible",
    "insurance",
    "self_pay_ok",
    "anything_else",
)
QUESTION_INDEX = {qid: i for i, qid in enumerate(QUESTION_ORDER)}

# Safety questions that can appear in result.missing_safety (rules.md "missing_safety").
SAFETY_QUESTIONS: tuple[str, ...] = (
    "can_become_pregnant",
    "pregnant",
    "breastfeeding",
    "si_wish_dead_past_month",
    "si_thoughts_past_month",
    "si_method_past_month",
    "si_intent_past_month",
    "si_plan_past_month",
    "suicide_behavior_ever",
    "suicide_behavior_when",
    "si_now",
    "bp_systolic",
    "bp_diastolic",
    "bp_symptoms_now",
)

# --- valid answer domains (questionnaire.md), used by the property tests -------------------

YN = ("yes", "no")
YNS = ("yes", "no", "not_sure")
LAST_USE = ("never", "more_than_12_months", "within_12_months", "within_3_months", "within_30_days")

CHOICES: dict[str, tuple[str, ...]] = {
    "consent_store": YN,
    "preferred_contact": ("email", "phone", "text"),
    "sex_at_birth": ("female", "male", "intersex", "prefer_not"),
    "can_become_pregnant": YNS,
    "pregnant": YNS,
    "breastfeeding": YN,
    "has_clinician_diagnosis": YNS,
    "has_referral": YN,
    "phq9_difficulty": ("not_difficult", "somewhat", "very", "extremely"),
    "si_wish_dead_past_month": YN,
    "si_thoughts_past_month": YN,
    "si_method_past_month": YN,
    "si_intent_past_month": YN,
    "si_plan_past_month": YN,
    "suicide_behavior_ever": YN,
    "suicide_behavior_when": ("within_3_months", "more_than_3_months_ago"),
    "si_now": YN,
    "psychotherapy_ever": YN,
    "ect_ever": YN,
    "tms_ever": YN,
    "ketamine_treatment_before": ("none", "iv", "esketamine", "other"),
    "ketamine_treatment_effect": ("helped", "no_help", "bad_reaction", "not_sure"),
    "ketamine_allergy": YNS,
    "bp_when": ("past_month", "1_to_6_months", "over_6_months"),
    "bp_source": ("home", "clinic", "pharmacy", "other"),
    "htn_dx": YNS,
    "htn_meds": YN,
    "htn_controlled": YNS,
    "cv_event_within_6_months": YN,
    "chest_pain_unstable": YN,
    "liver": ("none", "mild", "cirrhosis_or_severe", "not_sure"),
    "kidney": ("none", "ckd", "dialysis"),
    "thyroid": ("none", "overactive_untreated", "overactive_treated", "underactive"),
    "bladder": ("none", "interstitial_cystitis", "painful_or_frequent_urination"),
    "sleep_apnea": ("no", "yes_treated", "yes_untreated", "not_sure"),
    "psychotic_disorder_dx": ("none", "schizophrenia", "schizoaffective", "other_psychotic"),
    "psychosis_now": YN,
    "psychosis_past_episode": YN,
    "bipolar_dx": YNS,
    "mania_past_3_months": YN,
    "mood_stabilizer_now": YN,
    "last_use_ketamine_nonmedical": LAST_USE,
    "last_use_pcp": LAST_USE,
    "last_use_cocaine_or_meth": LAST_USE,
    "last_use_nonprescribed_stimulants": LAST_USE,
    "last_use_opioids_nonprescribed": LAST_USE,
    "last_use_sedatives_nonprescribed": LAST_USE,
    "last_use_cannabis": LAST_USE,
    "last_use_hallucinogens": LAST_USE,
    "substance_problem_self": YN,
    "ride_home": YNS,
    "no_driving_until_next_day": YN,
    "can_stay_3_hours": YNS,
    "twice_weekly_possible": YNS,
    "insurance": ("commercial", "medicare", "medicaid", "military_va", "none", "not_sure"),
    "self_pay_ok": YNS,
}

MULTIS: dict[str, tuple[str, ...]] = {
    "reasons": (
        "depression",
        "bipolar_depression",
        "suicidal_thoughts",
        "anxiety",
        "ptsd",
        "ocd",
        "chronic_pain",
        "substance_use",
        "other",
    ),
    "treatment_interest": ("iv_ketamine", "esketamine", "im_ketamine", "oral_ketamine", "not_sure"),
    "augmentation_trials": (
        "aripiprazole",
        "brexpiprazole",
        "cariprazine",
        "quetiapine",
        "olanzapine_fluoxetine",
        "lithium",
        "liothyronine",
        "buspirone",
        "lamotrigine",
        "stimulant_or_modafinil",
        "other",
        "none",
    ),
    "bp_symptoms_now": (
        "chest_pain",
        "short_breath",
        "back_pain",
        "numbness_weakness",
        "vision_change",
        "trouble_speaking",
        "severe_headache",
        "confusion",
        "none",
    ),
    "vascular": (
        "aneurysm_any",
        "avm",
        "brain_bleed",
        "stroke_tia",
        "heart_attack",
        "angina",
        "heart_failure",
        "arrhythmia",
        "valve_disease",
        "hypertensive_encephalopathy",
        "none",
        "not_sure",
    ),
    "neuro": (
        "raised_icp_or_brain_tumor",
        "head_injury_ongoing_symptoms",
        "seizures_past_12_months",
        "dementia_memory",
        "none",
    ),
    "eye": ("glaucoma_or_eye_pressure", "recent_eye_injury_or_surgery", "none"),
    "meds_now": (
        "maoi",
        "benzodiazepine_daily",
        "benzodiazepine_as_needed",
        "z_drug",
        "opioid",
        "prescribed_stimulant",
        "modafinil",
        "lamotrigine",
        "memantine",
        "lithium",
        "antipsychotic",
        "none",
    ),
}

INT_RANGES: dict[str, tuple[int, int]] = {
    "height_cm": (100, 250),
    "weight_kg": (30, 350),
    "bp_systolic": (60, 300),
    "bp_diastolic": (30, 200),
    **{f"phq9_{i}": (0, 3) for i in range(1, 10)},
    **{f"gad7_{i}": (0, 3) for i in range(1, 8)},
    **{f"pcl5_{i}": (0, 4) for i in range(1, 21)},
    "auditc_1": (0, 4),
    "auditc_2": (0, 4),
    "auditc_3": (0, 4),
}

TEXTS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "reasons_other",
    "other_conditions",
    "meds_text",
    "allergies_text",
    "anything_else",
)

TRIAL_KEYS: dict[str, tuple[str, ...]] = {
    "weeks": ("lt4", "4_5", "6_8", "gt8"),
    "adherence": ("as_prescribed", "mostly", "often_missed"),
    "outcome": (
        "no_change",
        "some_improvement",
        "better_then_returned",
        "recovered",
        "stopped_side_effects",
    ),
    "current_episode": YNS,
}


# --- the implementation, imported lazily so spec-only tests run without it ----------------


def rules_api():
    """The module under test; imported on first use so a missing package fails the test."""
    return importlib.import_module("screener.rules")


def evaluate(answers: Mapping[str, Any], as_of: date = AS_OF, settings: Any = None):
    api = rules_api()
    if settings is None:
        return api.evaluate(answers, as_of=as_of)
    return api.evaluate(answers, as_of=as_of, settings=settings)


def flag_ids(result) -> tuple[str, ...]:
    return tuple(f.rule_id for f in result.flags)


def flag(result, rule_id: str):
    found = [f for f in result.flags if f.rule_id == rule_id]
    assert found, f"{rule_id} did not fire; flags: {flag_ids(result)}"
    assert len(found) == 1, f"{rule_id} appears {len(found)} times"
    return found[0]


# --- answer factories ---------------------------------------------------------------------

DELETE = object()  # marker: remove this key from the answers


def trial(
    drug: str = "sertraline",
    weeks: str = "gt8",
    adherence: str = "as_prescribed",
    outcome: str = "no_change",
    current_episode: str = "yes",
) -> dict[str, str]:
    """One ad_trials row; the defaults make a possibly adequate trial."""
    return {
        "drug": drug,
        "weeks": weeks,
        "adherence": adherence,
        "outcome": outcome,
        "current_episode": current_episode,
    }


def baseline() -> dict[str, Any]:
    """A complete, flag-free answer set: persona P01 (42 years old at AS_OF) but male.

    Scores (worked out by hand): age 42, PHQ-9 18 (moderately_severe), PHQ-2 4, GAD-7 9 (mild),
    PCL-5 None (PTSD not a reason), AUDIT-C 1 (not positive), 2 possibly adequate trials,
    BP 118/76 normal, BMI 75 / 1.75**2 = 24.49 -> 24.5.
    """
    return {
        "consent_store": "yes",
        "first_name": "Alex",
        "last_name": "Rivera",
        "date_of_birth": "1983-12-16",
        "email": "alex@example.org",
        "phone": "+1 555 010 0000",
        "preferred_contact": "email",
        "sex_at_birth": "male",
        "height_cm": 175,
        "weight_kg": 75,
        "reasons": ["depression"],
        "treatment_interest": ["esketamine"],
        "has_clinician_diagnosis": "yes",
        "has_referral": "yes",
        "phq9_1": 2,
        "phq9_2": 2,
        "phq9_3": 2,
        "phq9_4": 2,
        "phq9_5": 2,
        "phq9_6": 2,
        "phq9_7": 3,
        "phq9_8": 3,
        "phq9_9": 0,
        "phq9_difficulty": "very",
        "gad7_1": 1,
        "gad7_2": 1,
        "gad7_3": 1,
        "gad7_4": 2,
        "gad7_5": 2,
        "gad7_6": 1,
        "gad7_7": 1,
        "si_wish_dead_past_month": "no",
        "si_thoughts_past_month": "no",
        "suicide_behavior_ever": "no",
        "ad_trials": [
            trial("sertraline", weeks="gt8", outcome="no_change"),
            trial("bupropion", weeks="6_8", outcome="some_improvement"),
        ],
        "augmentation_trials": ["none"],
        "psychotherapy_ever": "yes",
        "ect_ever": "no",
        "tms_ever": "no",
        "ketamine_treatment_before": "none",
        "ketamine_allergy": "no",
        "bp_unknown": False,
        "bp_systolic": 118,
        "bp_diastolic": 76,
        "bp_when": "past_month",
        "bp_source": "home",
        "htn_dx": "no",
        "vascular": ["none"],
        "cv_event_within_6_months": "no",
        "chest_pain_unstable": "no",
        "neuro": ["none"],
        "eye": ["none"],
        "liver": "none",
        "kidney": "none",
        "thyroid": "none",
        "bladder": "none",
        "sleep_apnea": "no",
        "psychotic_disorder_dx": "none",
        "psychosis_now": "no",
        "psychosis_past_episode": "no",
        "bipolar_dx": "no",
        "mania_past_3_months": "no",
        "auditc_1": 1,
        "auditc_2": 0,
        "auditc_3": 0,
        "last_use_ketamine_nonmedical": "never",
        "last_use_pcp": "never",
        "last_use_cocaine_or_meth": "never",
        "last_use_nonprescribed_stimulants": "never",
        "last_use_opioids_nonprescribed": "never",
        "last_use_sedatives_nonprescribed": "never",
        "last_use_cannabis": "never",
        "last_use_hallucinogens": "never",
        "substance_problem_self": "no",
        "meds_now": ["none"],
        "ride_home": "yes",
        "no_driving_until_next_day": "yes",
        "can_stay_3_hours": "yes",
        "twice_weekly_possible": "yes",
        "insurance": "commercial",
        "self_pay_ok": "yes",
    }


BASELINE_SCORES: dict[str, Any] = {
    "age": 42,
    "phq9_total": 18,
    "phq9_band": "moderately_severe",
    "phq2_total": 4,
    "gad7_total": 9,
    "gad7_band": "mild",
    "pcl5_total": None,
    "auditc_total": 1,
    "auditc_positive": False,
    "possibly_adequate_trials": 2,
    "bp_category": "normal",
    "bmi": 24.5,
}


def answers_with(changes: Mapping[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    """baseline() with changes applied; a value of DELETE removes the key."""
    answers = baseline()
    merged = {**(changes or {}), **kw}
    for key, value in merged.items():
        if value is DELETE:
            answers.pop(key, None)
        else:
            answers[key] = copy.deepcopy(value)
    return answers


# Changes that turn the male baseline into a woman who cannot become pregnant and is not
# breastfeeding (pregnant is then not asked, so it is not stored).
FEMALE_NOT_PREGNANT_CAPABLE = {
    "sex_at_birth": "female",
    "can_become_pregnant": "no",
    "breastfeeding": "no",
}


def female(**kw: Any) -> dict[str, Any]:
    return {**FEMALE_NOT_PREGNANT_CAPABLE, **kw}


def dob_for_age(years: int, as_of: date = AS_OF) -> str:
    """ISO date of birth making someone exactly `years` old on as_of (birthday today)."""
    return as_of.replace(year=as_of.year - years).isoformat()


def bp(systolic: Any, diastolic: Any, symptoms: Any = DELETE) -> dict[str, Any]:
    return {"bp_systolic": systolic, "bp_diastolic": diastolic, "bp_symptoms_now": symptoms}


def assert_bmi(actual: Any, expected: float | None) -> None:
    if expected is None:
        assert actual is None
        return
    assert actual is not None, "bmi is None"
    assert abs(float(actual) - expected) < 1e-9, f"bmi {actual!r} != {expected}"


def assert_scores(result, expected: Mapping[str, Any]) -> None:
    """Each expected score equals the result's; booleans and None must be exactly that."""
    for key, value in expected.items():
        actual = result.scores[key]
        message = f"scores[{key!r}] = {actual!r}, expected {value!r}"
        if key == "bmi":
            assert_bmi(actual, value)
        elif value is None or isinstance(value, bool):
            assert actual is value, message
        elif isinstance(value, int):
            assert actual == value and not isinstance(actual, bool), message
        else:
            assert actual == value, message


# --- reading the contract -----------------------------------------------------------------


def require_design_file(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"contract file not found: {path} (tests expect shared/design next to main/)")
    return path


@cache
def _spec_table() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    rows = []
    for line in RULES_MD.read_text(encoding="utf-8").splitlines():
        if not re.match(r"^\| (URG|CI|CAU|INF)-", line):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rule_id, severity, sources = cells[0], cells[2], cells[5]
        rows.append((rule_id, severity, tuple(s.strip() for s in sources.split(","))))
    return tuple(rows)


def spec_rules() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(id, severity, sources) for each rule of rules.md's table, in rulebook order."""
    require_design_file(RULES_MD)
    return _spec_table()


def spec_rule_ids() -> tuple[str, ...]:
    return tuple(r[0] for r in spec_rules())


def spec_severity(rule_id: str) -> str:
    return {r[0]: r[1] for r in spec_rules()}[rule_id]


def spec_order(ids: Iterable[str]) -> tuple[str, ...]:
    """Order flag ids as rules.md says flags are ordered: severity, then rulebook order."""
    table = spec_rules()
    position = {r[0]: i for i, r in enumerate(table)}
    severity = {r[0]: SEVERITIES.index(r[1]) for r in table}
    return tuple(sorted(ids, key=lambda i: (severity[i], position[i])))


def spec_rule_ids_or_static() -> tuple[str, ...]:
    """Rule ids for parametrisation at collection time (empty when rules.md is absent)."""
    if RULES_MD.is_file():
        return tuple(r[0] for r in _spec_table())
    return ()


def thoughts(method: str = "no", intent: str = "no", plan: str = "no") -> dict[str, str]:
    """C-SSRS Q2 yes with its three follow-ups (asked only after Q2 yes)."""
    return {
        "si_thoughts_past_month": "yes",
        "si_method_past_month": method,
        "si_intent_past_month": intent,
        "si_plan_past_month": plan,
    }


def behaviour(when: str) -> dict[str, str]:
    return {"suicide_behavior_ever": "yes", "suicide_behavior_when": when}
