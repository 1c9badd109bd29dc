"""Whole people, written for these tests (not the published personas).

Each person is a complete answer set; the expected flags are the full list in the order rules.md
prescribes (severity, then rulebook order) after family suppression, and the key scores are
worked out by hand. The reasoning for each is in its comment.
"""

from __future__ import annotations

from typing import Any

import pytest

from rules_cases import (
    DELETE,
    answers_with,
    assert_scores,
    behaviour,
    evaluate,
    flag_ids,
    thoughts,
    trial,
)


def phq9(*values: int) -> dict[str, int]:
    assert len(values) == 9
    return {f"phq9_{i}": v for i, v in enumerate(values, start=1)}


def gad7(*values: int) -> dict[str, int]:
    assert len(values) == 7
    return {f"gad7_{i}": v for i, v in enumerate(values, start=1)}


def pcl5(*values: int) -> dict[str, int]:
    assert len(values) == 20
    return {f"pcl5_{i}": v for i, v in enumerate(values, start=1)}


WOMAN_NOT_PREGNANT_CAPABLE = {
    "sex_at_birth": "female",
    "can_become_pregnant": "no",
    "breastfeeding": "no",
}

PEOPLE: list[tuple[str, dict[str, Any], tuple[str, ...], dict[str, Any], dict[str, Any]]] = [
    (
        # Pregnant 31-year-old: CI-PREGNANT (INF-PREGNANCY-POSSIBLE needs pregnant == no).
        # One 10-week trial counts, the 4-5 week one does not -> 1 -> INF-TRIALS-LT2.
        # IV interest and self-pay not sure -> INF-COST-COVERAGE. BMI 64/1.65^2 = 23.51 -> 23.5.
        "pregnant-31-wants-iv",
        {
            "first_name": "Maya",
            "date_of_birth": "1994-06-01",
            "sex_at_birth": "female",
            "can_become_pregnant": "yes",
            "pregnant": "yes",
            "breastfeeding": "no",
            "height_cm": 165,
            "weight_kg": 64,
            **phq9(2, 2, 1, 1, 2, 1, 1, 1, 0),
            **gad7(2, 2, 2, 1, 1, 1, 1),
            "ad_trials": [
                trial("sertraline", weeks="gt8", outcome="no_change"),
                trial("citalopram", weeks="4_5", outcome="no_change"),
            ],
            "treatment_interest": ["iv_ketamine"],
            "self_pay_ok": "not_sure",
        },
        ("CI-PREGNANT", "INF-TRIALS-LT2", "INF-COST-COVERAGE"),
        {
            "age": 31,
            "phq9_total": 11,
            "phq9_band": "moderate",
            "phq2_total": 4,
            "gad7_total": 10,
            "gad7_band": "moderate",
            "possibly_adequate_trials": 1,
            "bmi": 23.5,
        },
        {"crisis": False, "missing": ()},
    ),
    (
        # 71-year-old on phenelzine and daily clonazepam, treated hypertension "not sure if
        # controlled", clinic reading 142/84 (stage 2 by systolic), atrial fibrillation.
        # Treated sleep apnoea and BMI 29.0 do not fire. Three adequate trials.
        "older-man-on-an-maoi",
        {
            "date_of_birth": "1954-03-02",
            "height_cm": 178,
            "weight_kg": 92,
            "ad_trials": [
                trial("sertraline"),
                trial("venlafaxine", weeks="6_8", outcome="some_improvement"),
                trial("mirtazapine", adherence="mostly"),
            ],
            "augmentation_trials": ["lithium"],
            "meds_now": ["maoi", "benzodiazepine_daily"],
            "htn_dx": "yes",
            "htn_meds": "yes",
            "htn_controlled": "not_sure",
            "bp_systolic": 142,
            "bp_diastolic": 84,
            "bp_source": "clinic",
            "vascular": ["arrhythmia"],
            "sleep_apnea": "yes_treated",
        },
        (
            "CAU-BP-STAGE2",
            "CAU-HTN-UNCONTROLLED",
            "CAU-CV-HISTORY",
            "CAU-MAOI",
            "CAU-CNS-DEPRESSANTS",
            "CAU-AGE-65-PLUS",
        ),
        {"age": 71, "bp_category": "stage_2", "bmi": 29.0, "possibly_adequate_trials": 3},
        {"crisis": False, "missing": ()},
    ),
    (
        # Cocaine in the last 30 days -> CI-STIMULANT-RECENT; cannabis within 3 months is a
        # non-stimulant reason, so CAU-SUBSTANCE-OTHER is kept. AUDIT-C 3+2+1 = 6 (male >= 4).
        # Prescribed ADHD stimulant -> CAU-STIMULANT-RX. No ride home yet -> INF-LOGISTICS.
        "recent-cocaine-and-cannabis",
        {
            "date_of_birth": "1999-09-09",
            "last_use_cocaine_or_meth": "within_30_days",
            "last_use_cannabis": "within_3_months",
            "auditc_1": 3,
            "auditc_2": 2,
            "auditc_3": 1,
            "meds_now": ["prescribed_stimulant"],
            "ride_home": "not_sure",
        },
        (
            "CI-STIMULANT-RECENT",
            "CAU-SUBSTANCE-OTHER",
            "CAU-AUDITC-POSITIVE",
            "CAU-STIMULANT-RX",
            "INF-LOGISTICS",
        ),
        {"age": 26, "auditc_total": 6, "auditc_positive": True},
        {"crisis": False, "missing": ()},
    ),
    (
        # Home reading 182/104 without symptoms: URG-BP-CRISIS-RANGE (stage 2 suppressed).
        # Diagnosed hypertension, no medicine -> CAU-HTN-UNCONTROLLED is not suppressed.
        "crisis-range-bp-without-symptoms",
        {
            **WOMAN_NOT_PREGNANT_CAPABLE,
            "date_of_birth": "1976-04-30",
            "bp_systolic": 182,
            "bp_diastolic": 104,
            "bp_symptoms_now": ["none"],
            "htn_dx": "yes",
            "htn_meds": "no",
            "htn_controlled": "no",
        },
        ("URG-BP-CRISIS-RANGE", "CAU-HTN-UNCONTROLLED"),
        {"age": 49, "bp_category": "crisis_range"},
        {"crisis": True, "missing": ()},
    ),
    (
        # Wished to be dead, no active thoughts, not right now: CAU-SI-PASSIVE; item 9 = 2 is
        # then not flagged separately. No referral -> INF-NO-DIAGNOSIS-REFERRAL. PHQ-9 19.
        "passive-ideation-no-referral",
        {
            "date_of_birth": "1990-10-01",
            **phq9(3, 3, 2, 2, 2, 2, 2, 1, 2),
            "si_wish_dead_past_month": "yes",
            "si_now": "no",
            "has_referral": "no",
        },
        ("CAU-SI-PASSIVE", "INF-NO-DIAGNOSIS-REFERRAL"),
        {"age": 35, "phq9_total": 19, "phq9_band": "moderately_severe", "phq2_total": 6},
        {"crisis": False, "missing": ()},
    ),
    (
        # Thoughts with a method and a plan (no intent) -> URG-SI-INTENT-PLAN, which suppresses
        # CAU-SI-ACTIVE, CAU-SI-PASSIVE and item 9; the attempt years ago stays as its own fact.
        "plan-and-an-old-attempt",
        {
            **WOMAN_NOT_PREGNANT_CAPABLE,
            "date_of_birth": "1980-07-07",
            "reasons": ["depression", "suicidal_thoughts"],
            **phq9(3, 3, 3, 2, 2, 3, 2, 2, 2),
            "si_wish_dead_past_month": "yes",
            **thoughts(method="yes", intent="no", plan="yes"),
            **behaviour("more_than_3_months_ago"),
            "si_now": "no",
        },
        ("URG-SI-INTENT-PLAN", "CAU-SUICIDE-ATTEMPT-PAST"),
        {"age": 45, "phq9_total": 22, "phq9_band": "severe"},
        {"crisis": True, "missing": ()},
    ),
    (
        # A draft: behaviour within 3 months, the "right now" question not yet answered.
        # URG-SUICIDE-BEHAVIOR-3M fires (item 9 suppressed) and si_now is listed as missing.
        "recent-attempt-right-now-unanswered",
        {
            "date_of_birth": "2003-05-05",
            **phq9(2, 2, 2, 2, 2, 2, 2, 2, 1),
            **behaviour("within_3_months"),
        },
        ("URG-SUICIDE-BEHAVIOR-3M",),
        {"age": 22, "phq9_total": 17},
        {"crisis": True, "missing": ("si_now",)},
    ),
    (
        # Never took an antidepressant (empty list = 0 trials, depression is a reason) and not
        # sure about a diagnosis.
        "no-antidepressant-trials",
        {
            "date_of_birth": "1992-11-11",
            "ad_trials": [],
            "treatment_interest": ["not_sure"],
            "has_clinician_diagnosis": "not_sure",
        },
        ("INF-TRIALS-LT2", "INF-NO-DIAGNOSIS-REFERRAL"),
        {"age": 33, "possibly_adequate_trials": 0},
        {"crisis": False, "missing": ()},
    ),
    (
        # No recent reading (so nothing BP-related is missing), controlled hypertension,
        # BMI 118/1.83^2 = 35.24 -> 35.2 >= 35 -> CAU-SLEEP-APNEA-BMI (apnoea itself not sure).
        "unknown-bp-and-high-bmi",
        {
            "date_of_birth": "1968-02-14",
            "height_cm": 183,
            "weight_kg": 118,
            "sleep_apnea": "not_sure",
            "bp_unknown": True,
            "bp_systolic": DELETE,
            "bp_diastolic": DELETE,
            "bp_when": DELETE,
            "bp_source": DELETE,
            "htn_dx": "yes",
            "htn_meds": "yes",
            "htn_controlled": "yes",
        },
        ("CAU-SLEEP-APNEA-BMI", "INF-BP-UNKNOWN"),
        {"age": 57, "bp_category": "unknown", "bmi": 35.2},
        {"crisis": False, "missing": ()},
    ),
    (
        # Bipolar depression, no mood stabiliser, no mania lately; a past psychotic episode;
        # one adequate trial; could become pregnant, is not.
        "bipolar-without-stabiliser",
        {
            "sex_at_birth": "female",
            "can_become_pregnant": "yes",
            "pregnant": "no",
            "breastfeeding": "no",
            "date_of_birth": "1986-12-31",
            "reasons": ["bipolar_depression"],
            "ad_trials": [
                trial("bupropion", weeks="gt8", outcome="better_then_returned"),
                trial("sertraline", weeks="4_5", outcome="no_change"),
            ],
            "bipolar_dx": "yes",
            "mood_stabilizer_now": "no",
            "mania_past_3_months": "no",
            "psychosis_past_episode": "yes",
        },
        (
            "CAU-PSYCHOSIS-PAST",
            "CAU-BIPOLAR-NO-STABILIZER",
            "INF-TRIALS-LT2",
            "INF-PREGNANCY-POSSIBLE",
        ),
        {"age": 39, "possibly_adequate_trials": 1},
        {"crisis": False, "missing": ()},
    ),
    (
        # PTSD only (off-label), PCL-5 total 49; no antidepressant trials but depression is not a
        # reason, so no INF-TRIALS-LT2; IV interest, cannot self-pay -> INF-COST-COVERAGE.
        "ptsd-only-veteran",
        {
            "date_of_birth": "1984-08-08",
            "reasons": ["ptsd"],
            **pcl5(3, 3, 2, 3, 2, 2, 3, 2, 3, 2, 2, 2, 3, 3, 2, 2, 3, 2, 2, 3),
            "ad_trials": [],
            "treatment_interest": ["iv_ketamine"],
            "self_pay_ok": "no",
            "insurance": "military_va",
        },
        ("INF-OFF-LABEL-CONDITION", "INF-COST-COVERAGE"),
        {"age": 41, "pcl5_total": 49, "possibly_adequate_trials": 0},
        {"crisis": False, "missing": ()},
    ),
    (
        # Alcohol: AUDIT-C 4+3+2 = 9, worried about own use -> CAU-SUBSTANCE-OTHER; zolpidem
        # -> CAU-CNS-DEPRESSANTS (as-needed benzodiazepine alone would not). Mild liver disease
        # is not a flag.
        "alcohol-and-sleeping-tablets",
        {
            **WOMAN_NOT_PREGNANT_CAPABLE,
            "date_of_birth": "1975-06-30",
            "auditc_1": 4,
            "auditc_2": 3,
            "auditc_3": 2,
            "substance_problem_self": "yes",
            "meds_now": ["benzodiazepine_as_needed", "z_drug"],
            "liver": "mild",
        },
        ("CAU-SUBSTANCE-OTHER", "CAU-AUDITC-POSITIVE", "CAU-CNS-DEPRESSANTS"),
        {"age": 50, "auditc_total": 9, "auditc_positive": True},
        {"crisis": False, "missing": ()},
    ),
    (
        # 16 years old, passive wish to be dead (item 9 = 1 suppressed), no referral.
        "sixteen-year-old",
        {
            "date_of_birth": "2009-08-20",
            "phq9_9": 1,
            "si_wish_dead_past_month": "yes",
            "si_now": "no",
            "has_referral": "no",
        },
        ("CI-UNDER-18", "CAU-SI-PASSIVE", "INF-NO-DIAGNOSIS-REFERRAL"),
        {"age": 16, "phq9_total": 19},
        {"crisis": False, "missing": ()},
    ),
    (
        # Earlier IV ketamine with a bad reaction and "not sure" about allergy (reaction, not
        # allergy); recreational ketamine years ago; interstitial cystitis; TMS in the past.
        "prior-ketamine-bad-reaction",
        {
            "date_of_birth": "1991-03-03",
            "ketamine_treatment_before": "iv",
            "ketamine_treatment_effect": "bad_reaction",
            "ketamine_allergy": "not_sure",
            "last_use_ketamine_nonmedical": "more_than_12_months",
            "bladder": "interstitial_cystitis",
            "tms_ever": "yes",
        },
        (
            "CAU-KETAMINE-PCP-PAST",
            "CAU-KETAMINE-REACTION",
            "CAU-BLADDER",
            "INF-PRIOR-KETAMINE",
            "INF-NEUROMODULATION",
        ),
        {"age": 34},
        {"crisis": False, "missing": ()},
    ),
    (
        # Old brain bleed and a TIA, seizures this year, glaucoma, untreated overactive thyroid.
        "brain-bleed-seizures-glaucoma",
        {
            **WOMAN_NOT_PREGNANT_CAPABLE,
            "date_of_birth": "1963-10-10",
            "vascular": ["brain_bleed", "stroke_tia"],
            "neuro": ["seizures_past_12_months"],
            "eye": ["glaucoma_or_eye_pressure"],
            "thyroid": "overactive_untreated",
        },
        (
            "CI-ICH",
            "CAU-CV-HISTORY",
            "CAU-GLAUCOMA-EYE",
            "CAU-SEIZURES",
            "CAU-HYPERTHYROID",
        ),
        {"age": 62},
        {"crisis": False, "missing": ()},
    ),
    (
        # Voices now (past-episode caution suppressed), mania in the last 3 months (so the
        # no-stabiliser caution does not apply), PCP 3-12 months ago, hallucinogens last month.
        "psychosis-mania-and-pcp",
        {
            "date_of_birth": "1998-02-02",
            "reasons": ["bipolar_depression"],
            "psychosis_now": "yes",
            "psychosis_past_episode": "yes",
            "bipolar_dx": "yes",
            "mood_stabilizer_now": "no",
            "mania_past_3_months": "yes",
            "last_use_pcp": "within_12_months",
            "last_use_hallucinogens": "within_30_days",
        },
        (
            "CI-PSYCHOSIS-NOW",
            "CI-MANIA-RECENT",
            "CI-KETAMINE-PCP-RECENT",
            "CAU-SUBSTANCE-OTHER",
        ),
        {"age": 27, "possibly_adequate_trials": 2},
        {"crisis": False, "missing": ()},
    ),
    (
        # 67, heart attack 2 months ago (CAU-CV-HISTORY suppressed despite valve disease),
        # dialysis, memory problems on memantine, cannot manage twice weekly.
        "recent-heart-attack-on-dialysis",
        {
            **WOMAN_NOT_PREGNANT_CAPABLE,
            "date_of_birth": "1958-05-20",
            "cv_event_within_6_months": "yes",
            "vascular": ["heart_attack", "valve_disease"],
            "kidney": "dialysis",
            "neuro": ["dementia_memory"],
            "meds_now": ["memantine"],
            "can_stay_3_hours": "not_sure",
            "twice_weekly_possible": "no",
        },
        (
            "CI-CV-RECENT",
            "CAU-AGE-65-PLUS",
            "CAU-DEMENTIA",
            "CAU-DIALYSIS",
            "INF-MED-MODIFIERS",
            "INF-LOGISTICS",
        ),
        {"age": 67},
        {"crisis": False, "missing": ()},
    ),
    (
        # Everything urgent at once: thoughts right now, intent, 210/125 with headache and
        # confusion. Suicide cautions and BP crisis-range/stage 2 are suppressed; ECT stays.
        "suicidal-now-with-bp-emergency",
        {
            "date_of_birth": "1970-03-03",
            **phq9(3, 3, 3, 3, 2, 3, 2, 2, 3),
            "si_wish_dead_past_month": "yes",
            **thoughts(method="yes", intent="yes", plan="no"),
            "si_now": "yes",
            "bp_systolic": 210,
            "bp_diastolic": 125,
            "bp_symptoms_now": ["severe_headache", "confusion"],
            "ect_ever": "yes",
        },
        ("URG-SI-NOW", "URG-SI-INTENT-PLAN", "URG-BP-SYMPTOMS", "INF-NEUROMODULATION"),
        {"age": 55, "phq9_total": 24, "phq9_band": "severe", "bp_category": "crisis_range"},
        {"crisis": True, "missing": ()},
    ),
]

PARAMS = [pytest.param(c, f, s, o, id=name) for name, c, f, s, o in PEOPLE]


@pytest.mark.parametrize(("changes", "expected_flags", "scores", "other"), PARAMS)
def test_person_flags_in_order(changes, expected_flags, scores, other):
    result = evaluate(answers_with(changes))
    assert flag_ids(result) == expected_flags


@pytest.mark.parametrize(("changes", "expected_flags", "scores", "other"), PARAMS)
def test_person_scores(changes, expected_flags, scores, other):
    assert_scores(evaluate(answers_with(changes)), scores)


@pytest.mark.parametrize(("changes", "expected_flags", "scores", "other"), PARAMS)
def test_person_crisis_and_missing_safety(changes, expected_flags, scores, other):
    result = evaluate(answers_with(changes))
    assert result.crisis is other["crisis"]
    assert result.urgent is expected_flags[0].startswith("URG-")
    assert tuple(result.missing_safety) == other["missing"]


def test_people_are_all_different():
    assert len(PEOPLE) >= 12
    assert len({name for name, *_ in PEOPLE}) == len(PEOPLE)
    assert len({tuple(flags) for _, _, flags, _, _ in PEOPLE}) == len(PEOPLE)
