"""Each of the 56 rules of rules.md: one answer change that fires it, one nearby that does not.

Every case is the flag-free baseline (tests/rules_cases.py) plus the smallest realistic change.
The expected flag set is exact, worked out by hand from the rule table and the suppression list,
so a secondary flag that should (or should not) appear is caught too.
"""

from __future__ import annotations

from typing import Any

import pytest

from rules_cases import (
    DELETE,
    answers_with,
    behaviour,
    bp,
    dob_for_age,
    evaluate,
    female,
    flag,
    flag_ids,
    spec_rule_ids,
    spec_rule_ids_or_static,
    spec_severity,
    thoughts,
    trial,
)

NO_NOW = {"si_now": "no"}
YES_NOW = {"si_now": "yes"}
PREGNANCY_ASKED = {"sex_at_birth": "female", "can_become_pregnant": "yes", "breastfeeding": "no"}
NO_BP = {
    "bp_unknown": True,
    "bp_systolic": DELETE,
    "bp_diastolic": DELETE,
    "bp_when": DELETE,
    "bp_source": DELETE,
}


def case(rule: str, name: str, changes: dict[str, Any], *expected: str):
    return pytest.param(rule, changes, frozenset(expected), id=f"{rule}:{name}")


FIRES = [
    # --- urgent -----------------------------------------------------------------------------
    case("URG-SI-NOW", "item9-then-right-now", {"phq9_9": 1, **YES_NOW}, "URG-SI-NOW"),
    case(
        "URG-SI-NOW",
        "wish-dead-then-right-now",
        {"si_wish_dead_past_month": "yes", **YES_NOW},
        "URG-SI-NOW",
    ),
    case(
        "URG-SI-INTENT-PLAN",
        "intent",
        {**thoughts(intent="yes"), **NO_NOW},
        "URG-SI-INTENT-PLAN",
    ),
    case("URG-SI-INTENT-PLAN", "plan", {**thoughts(plan="yes"), **NO_NOW}, "URG-SI-INTENT-PLAN"),
    case(
        "URG-SUICIDE-BEHAVIOR-3M",
        "within-3-months",
        {**behaviour("within_3_months"), **NO_NOW},
        "URG-SUICIDE-BEHAVIOR-3M",
    ),
    case("URG-BP-SYMPTOMS", "185/110-chest-pain", bp(185, 110, ["chest_pain"]), "URG-BP-SYMPTOMS"),
    case(
        "URG-BP-SYMPTOMS",
        "150/125-confusion",
        bp(150, 125, ["confusion", "severe_headache"]),
        "URG-BP-SYMPTOMS",
    ),
    case("URG-BP-CRISIS-RANGE", "180/100-none", bp(180, 100, ["none"]), "URG-BP-CRISIS-RANGE"),
    case("URG-BP-CRISIS-RANGE", "170/120-none", bp(170, 120, ["none"]), "URG-BP-CRISIS-RANGE"),
    # --- contraindication -----------------------------------------------------------------------
    case("CI-ANEURYSM", "aneurysm", {"vascular": ["aneurysm_any"]}, "CI-ANEURYSM"),
    case("CI-AVM", "avm", {"vascular": ["avm"]}, "CI-AVM"),
    case("CI-ICH", "brain-bleed", {"vascular": ["brain_bleed"]}, "CI-ICH"),
    case("CI-KETAMINE-ALLERGY", "yes", {"ketamine_allergy": "yes"}, "CI-KETAMINE-ALLERGY"),
    case("CI-UNDER-18", "17-today", {"date_of_birth": "2008-01-16"}, "CI-UNDER-18"),
    case(
        "CI-PREGNANT",
        "pregnant-yes",
        {**PREGNANCY_ASKED, "pregnant": "yes"},
        "CI-PREGNANT",
    ),
    case("CI-BREASTFEEDING", "yes", female(breastfeeding="yes"), "CI-BREASTFEEDING"),
    case(
        "CI-PSYCHOTIC-DISORDER",
        "schizophrenia",
        {"psychotic_disorder_dx": "schizophrenia"},
        "CI-PSYCHOTIC-DISORDER",
    ),
    case(
        "CI-PSYCHOTIC-DISORDER",
        "schizoaffective",
        {"psychotic_disorder_dx": "schizoaffective"},
        "CI-PSYCHOTIC-DISORDER",
    ),
    case(
        "CI-PSYCHOTIC-DISORDER",
        "other",
        {"psychotic_disorder_dx": "other_psychotic"},
        "CI-PSYCHOTIC-DISORDER",
    ),
    case("CI-PSYCHOSIS-NOW", "yes", {"psychosis_now": "yes"}, "CI-PSYCHOSIS-NOW"),
    case("CI-MANIA-RECENT", "no-bipolar-dx", {"mania_past_3_months": "yes"}, "CI-MANIA-RECENT"),
    case(
        "CI-MANIA-RECENT",
        "bipolar-no-stabiliser",
        {"bipolar_dx": "yes", "mood_stabilizer_now": "no", "mania_past_3_months": "yes"},
        "CI-MANIA-RECENT",
    ),
    case(
        "CI-KETAMINE-PCP-RECENT",
        "ketamine-within-12-months",
        {"last_use_ketamine_nonmedical": "within_12_months"},
        "CI-KETAMINE-PCP-RECENT",
    ),
    case(
        "CI-KETAMINE-PCP-RECENT",
        "ketamine-within-30-days",
        {"last_use_ketamine_nonmedical": "within_30_days"},
        "CI-KETAMINE-PCP-RECENT",
    ),
    case(
        "CI-KETAMINE-PCP-RECENT",
        "pcp-within-3-months",
        {"last_use_pcp": "within_3_months"},
        "CI-KETAMINE-PCP-RECENT",
    ),
    case(
        "CI-STIMULANT-RECENT",
        "cocaine-within-3-months",
        {"last_use_cocaine_or_meth": "within_3_months"},
        "CI-STIMULANT-RECENT",
    ),
    case(
        "CI-STIMULANT-RECENT",
        "stimulants-within-30-days",
        {"last_use_nonprescribed_stimulants": "within_30_days"},
        "CI-STIMULANT-RECENT",
    ),
    case("CI-CV-RECENT", "event", {"cv_event_within_6_months": "yes"}, "CI-CV-RECENT"),
    case("CI-CV-RECENT", "unstable-chest-pain", {"chest_pain_unstable": "yes"}, "CI-CV-RECENT"),
    case("CI-RAISED-ICP", "icp", {"neuro": ["raised_icp_or_brain_tumor"]}, "CI-RAISED-ICP"),
    case(
        "CI-RAISED-ICP",
        "head-injury",
        {"neuro": ["head_injury_ongoing_symptoms"]},
        "CI-RAISED-ICP",
    ),
    case("CI-SEVERE-LIVER", "cirrhosis", {"liver": "cirrhosis_or_severe"}, "CI-SEVERE-LIVER"),
    # --- caution ------------------------------------------------------------------------------
    case("CAU-BP-STAGE2", "140/80", bp(140, 80), "CAU-BP-STAGE2"),
    case("CAU-BP-STAGE2", "130/90", bp(130, 90), "CAU-BP-STAGE2"),
    case("CAU-BP-STAGE2", "179/119", bp(179, 119), "CAU-BP-STAGE2"),
    case(
        "CAU-HTN-UNCONTROLLED",
        "no-meds",
        {"htn_dx": "yes", "htn_meds": "no", "htn_controlled": "yes"},
        "CAU-HTN-UNCONTROLLED",
    ),
    case(
        "CAU-HTN-UNCONTROLLED",
        "not-controlled",
        {"htn_dx": "yes", "htn_meds": "yes", "htn_controlled": "no"},
        "CAU-HTN-UNCONTROLLED",
    ),
    case(
        "CAU-HTN-UNCONTROLLED",
        "control-not-sure",
        {"htn_dx": "yes", "htn_meds": "yes", "htn_controlled": "not_sure"},
        "CAU-HTN-UNCONTROLLED",
    ),
    *(
        case("CAU-CV-HISTORY", value, {"vascular": [value]}, "CAU-CV-HISTORY")
        for value in (
            "stroke_tia",
            "heart_attack",
            "angina",
            "heart_failure",
            "arrhythmia",
            "valve_disease",
        )
    ),
    case(
        "CAU-HYPERTENSIVE-ENCEPH",
        "yes",
        {"vascular": ["hypertensive_encephalopathy"]},
        "CAU-HYPERTENSIVE-ENCEPH",
    ),
    case("CAU-SI-ACTIVE", "thoughts", {**thoughts(), **NO_NOW}, "CAU-SI-ACTIVE"),
    case("CAU-SI-ACTIVE", "method", {**thoughts(method="yes"), **NO_NOW}, "CAU-SI-ACTIVE"),
    case(
        "CAU-SI-PASSIVE",
        "wish-dead",
        {"si_wish_dead_past_month": "yes", **NO_NOW},
        "CAU-SI-PASSIVE",
    ),
    case("CAU-PHQ9-ITEM9", "item9=1", {"phq9_9": 1, **NO_NOW}, "CAU-PHQ9-ITEM9"),
    case("CAU-PHQ9-ITEM9", "item9=3", {"phq9_9": 3, **NO_NOW}, "CAU-PHQ9-ITEM9"),
    case(
        "CAU-SUICIDE-ATTEMPT-PAST",
        "over-3-months",
        {**behaviour("more_than_3_months_ago"), **NO_NOW},
        "CAU-SUICIDE-ATTEMPT-PAST",
    ),
    case("CAU-PSYCHOSIS-PAST", "yes", {"psychosis_past_episode": "yes"}, "CAU-PSYCHOSIS-PAST"),
    case(
        "CAU-BIPOLAR-NO-STABILIZER",
        "no-stabiliser",
        {"bipolar_dx": "yes", "mood_stabilizer_now": "no", "mania_past_3_months": "no"},
        "CAU-BIPOLAR-NO-STABILIZER",
    ),
    case(
        "CAU-KETAMINE-PCP-PAST",
        "ketamine",
        {"last_use_ketamine_nonmedical": "more_than_12_months"},
        "CAU-KETAMINE-PCP-PAST",
    ),
    case(
        "CAU-KETAMINE-PCP-PAST",
        "pcp",
        {"last_use_pcp": "more_than_12_months"},
        "CAU-KETAMINE-PCP-PAST",
    ),
    case(
        "CAU-SUBSTANCE-OTHER",
        "opioids-3m",
        {"last_use_opioids_nonprescribed": "within_3_months"},
        "CAU-SUBSTANCE-OTHER",
    ),
    case(
        "CAU-SUBSTANCE-OTHER",
        "sedatives-30d",
        {"last_use_sedatives_nonprescribed": "within_30_days"},
        "CAU-SUBSTANCE-OTHER",
    ),
    case(
        "CAU-SUBSTANCE-OTHER",
        "cannabis-3m",
        {"last_use_cannabis": "within_3_months"},
        "CAU-SUBSTANCE-OTHER",
    ),
    case(
        "CAU-SUBSTANCE-OTHER",
        "hallucinogens-30d",
        {"last_use_hallucinogens": "within_30_days"},
        "CAU-SUBSTANCE-OTHER",
    ),
    case(
        "CAU-SUBSTANCE-OTHER",
        "cocaine-3-to-12-months",
        {"last_use_cocaine_or_meth": "within_12_months"},
        "CAU-SUBSTANCE-OTHER",
    ),
    case(
        "CAU-SUBSTANCE-OTHER",
        "stimulants-3-to-12-months",
        {"last_use_nonprescribed_stimulants": "within_12_months"},
        "CAU-SUBSTANCE-OTHER",
    ),
    case(
        "CAU-SUBSTANCE-OTHER",
        "self-worry",
        {"substance_problem_self": "yes"},
        "CAU-SUBSTANCE-OTHER",
    ),
    case(
        "CAU-AUDITC-POSITIVE",
        "male-4",
        {"auditc_1": 2, "auditc_2": 1, "auditc_3": 1},
        "CAU-AUDITC-POSITIVE",
    ),
    case(
        "CAU-AUDITC-POSITIVE",
        "female-3",
        female(auditc_1=1, auditc_2=1, auditc_3=1),
        "CAU-AUDITC-POSITIVE",
    ),
    case("CAU-MAOI", "maoi", {"meds_now": ["maoi"]}, "CAU-MAOI"),
    case(
        "CAU-STIMULANT-RX",
        "prescribed",
        {"meds_now": ["prescribed_stimulant"]},
        "CAU-STIMULANT-RX",
    ),
    case("CAU-STIMULANT-RX", "modafinil", {"meds_now": ["modafinil"]}, "CAU-STIMULANT-RX"),
    case(
        "CAU-CNS-DEPRESSANTS",
        "benzo-daily",
        {"meds_now": ["benzodiazepine_daily"]},
        "CAU-CNS-DEPRESSANTS",
    ),
    case("CAU-CNS-DEPRESSANTS", "z-drug", {"meds_now": ["z_drug"]}, "CAU-CNS-DEPRESSANTS"),
    case("CAU-CNS-DEPRESSANTS", "opioid", {"meds_now": ["opioid"]}, "CAU-CNS-DEPRESSANTS"),
    case("CAU-AGE-65-PLUS", "65-today", {"date_of_birth": "1961-01-15"}, "CAU-AGE-65-PLUS"),
    case("CAU-AGE-65-PLUS", "80", {"date_of_birth": dob_for_age(80)}, "CAU-AGE-65-PLUS"),
    case(
        "CAU-PREGNANCY-UNKNOWN",
        "not-sure",
        {**PREGNANCY_ASKED, "pregnant": "not_sure"},
        "CAU-PREGNANCY-UNKNOWN",
    ),
    case(
        "CAU-KETAMINE-REACTION",
        "bad-reaction",
        {"ketamine_treatment_before": "iv", "ketamine_treatment_effect": "bad_reaction"},
        "CAU-KETAMINE-REACTION",
        "INF-PRIOR-KETAMINE",
    ),
    case(
        "CAU-KETAMINE-REACTION",
        "allergy-not-sure",
        {"ketamine_allergy": "not_sure"},
        "CAU-KETAMINE-REACTION",
    ),
    case("CAU-BLADDER", "ic", {"bladder": "interstitial_cystitis"}, "CAU-BLADDER"),
    case(
        "CAU-BLADDER",
        "painful-urination",
        {"bladder": "painful_or_frequent_urination"},
        "CAU-BLADDER",
    ),
    case(
        "CAU-GLAUCOMA-EYE",
        "glaucoma",
        {"eye": ["glaucoma_or_eye_pressure"]},
        "CAU-GLAUCOMA-EYE",
    ),
    case(
        "CAU-GLAUCOMA-EYE",
        "eye-surgery",
        {"eye": ["recent_eye_injury_or_surgery"]},
        "CAU-GLAUCOMA-EYE",
    ),
    case("CAU-SEIZURES", "seizures", {"neuro": ["seizures_past_12_months"]}, "CAU-SEIZURES"),
    case("CAU-HYPERTHYROID", "untreated", {"thyroid": "overactive_untreated"}, "CAU-HYPERTHYROID"),
    case(
        "CAU-SLEEP-APNEA-BMI",
        "untreated-apnoea",
        {"sleep_apnea": "yes_untreated"},
        "CAU-SLEEP-APNEA-BMI",
    ),
    # 112 / 1.79**2 = 34.955 -> 35.0 after rounding: the rule tests the rounded value
    case(
        "CAU-SLEEP-APNEA-BMI",
        "bmi-35.0",
        {"height_cm": 179, "weight_kg": 112},
        "CAU-SLEEP-APNEA-BMI",
    ),
    case("CAU-DEMENTIA", "memory", {"neuro": ["dementia_memory"]}, "CAU-DEMENTIA"),
    case("CAU-DIALYSIS", "dialysis", {"kidney": "dialysis"}, "CAU-DIALYSIS"),
    # --- info ---------------------------------------------------------------------------------
    case("INF-TRIALS-LT2", "one-trial", {"ad_trials": [trial()]}, "INF-TRIALS-LT2"),
    case("INF-TRIALS-LT2", "no-trials", {"ad_trials": []}, "INF-TRIALS-LT2"),
    case(
        "INF-TRIALS-LT2",
        "bipolar-depression-one-trial",
        {"reasons": ["bipolar_depression"], "ad_trials": [trial()]},
        "INF-TRIALS-LT2",
    ),
    case(
        "INF-OFF-LABEL-CONDITION",
        "anxiety",
        {"reasons": ["anxiety"]},
        "INF-OFF-LABEL-CONDITION",
    ),
    case(
        "INF-OFF-LABEL-CONDITION",
        "pain-and-ocd",
        {"reasons": ["chronic_pain", "ocd"]},
        "INF-OFF-LABEL-CONDITION",
    ),
    case(
        "INF-PREGNANCY-POSSIBLE",
        "could-become",
        {**PREGNANCY_ASKED, "pregnant": "no"},
        "INF-PREGNANCY-POSSIBLE",
    ),
    case(
        "INF-PREGNANCY-POSSIBLE",
        "not-sure-could",
        {**PREGNANCY_ASKED, "can_become_pregnant": "not_sure", "pregnant": "no"},
        "INF-PREGNANCY-POSSIBLE",
    ),
    case("INF-BP-UNKNOWN", "unknown", NO_BP, "INF-BP-UNKNOWN"),
    case("INF-MED-MODIFIERS", "lamotrigine", {"meds_now": ["lamotrigine"]}, "INF-MED-MODIFIERS"),
    case("INF-MED-MODIFIERS", "memantine", {"meds_now": ["memantine"]}, "INF-MED-MODIFIERS"),
    case("INF-LOGISTICS", "no-ride", {"ride_home": "no"}, "INF-LOGISTICS"),
    case("INF-LOGISTICS", "ride-not-sure", {"ride_home": "not_sure"}, "INF-LOGISTICS"),
    case("INF-LOGISTICS", "will-drive", {"no_driving_until_next_day": "no"}, "INF-LOGISTICS"),
    case("INF-LOGISTICS", "cannot-stay", {"can_stay_3_hours": "no"}, "INF-LOGISTICS"),
    case("INF-LOGISTICS", "stay-not-sure", {"can_stay_3_hours": "not_sure"}, "INF-LOGISTICS"),
    case("INF-LOGISTICS", "twice-weekly-no", {"twice_weekly_possible": "no"}, "INF-LOGISTICS"),
    case(
        "INF-LOGISTICS",
        "twice-weekly-not-sure",
        {"twice_weekly_possible": "not_sure"},
        "INF-LOGISTICS",
    ),
    case(
        "INF-NO-DIAGNOSIS-REFERRAL",
        "no-diagnosis",
        {"has_clinician_diagnosis": "no"},
        "INF-NO-DIAGNOSIS-REFERRAL",
    ),
    case(
        "INF-NO-DIAGNOSIS-REFERRAL",
        "diagnosis-not-sure",
        {"has_clinician_diagnosis": "not_sure"},
        "INF-NO-DIAGNOSIS-REFERRAL",
    ),
    case(
        "INF-NO-DIAGNOSIS-REFERRAL",
        "no-referral",
        {"has_referral": "no"},
        "INF-NO-DIAGNOSIS-REFERRAL",
    ),
    case(
        "INF-COST-COVERAGE",
        "iv-cannot-pay",
        {"treatment_interest": ["iv_ketamine"], "self_pay_ok": "no"},
        "INF-COST-COVERAGE",
    ),
    case(
        "INF-COST-COVERAGE",
        "im-not-sure",
        {"treatment_interest": ["im_ketamine"], "self_pay_ok": "not_sure"},
        "INF-COST-COVERAGE",
    ),
    case(
        "INF-COST-COVERAGE",
        "oral-and-esketamine",
        {"treatment_interest": ["esketamine", "oral_ketamine"], "self_pay_ok": "no"},
        "INF-COST-COVERAGE",
    ),
    case(
        "INF-PRIOR-KETAMINE",
        "iv-helped",
        {"ketamine_treatment_before": "iv", "ketamine_treatment_effect": "helped"},
        "INF-PRIOR-KETAMINE",
    ),
    case(
        "INF-PRIOR-KETAMINE",
        "esketamine-no-help",
        {"ketamine_treatment_before": "esketamine", "ketamine_treatment_effect": "no_help"},
        "INF-PRIOR-KETAMINE",
    ),
    case(
        "INF-PRIOR-KETAMINE",
        "other-not-sure",
        {"ketamine_treatment_before": "other", "ketamine_treatment_effect": "not_sure"},
        "INF-PRIOR-KETAMINE",
    ),
    case("INF-NEUROMODULATION", "ect", {"ect_ever": "yes"}, "INF-NEUROMODULATION"),
    case("INF-NEUROMODULATION", "tms", {"tms_ever": "yes"}, "INF-NEUROMODULATION"),
]


SILENT = [
    # --- urgent -----------------------------------------------------------------------------
    case("URG-SI-NOW", "item9-not-now", {"phq9_9": 1, **NO_NOW}, "CAU-PHQ9-ITEM9"),
    case(
        "URG-SI-INTENT-PLAN",
        "thoughts-no-intent-no-plan",
        {**thoughts(method="yes"), **NO_NOW},
        "CAU-SI-ACTIVE",
    ),
    case(
        "URG-SUICIDE-BEHAVIOR-3M",
        "over-3-months",
        {**behaviour("more_than_3_months_ago"), **NO_NOW},
        "CAU-SUICIDE-ATTEMPT-PAST",
    ),
    case("URG-BP-SYMPTOMS", "crisis-no-symptoms", bp(185, 110, ["none"]), "URG-BP-CRISIS-RANGE"),
    case("URG-BP-SYMPTOMS", "179/119", bp(179, 119), "CAU-BP-STAGE2"),
    case("URG-BP-CRISIS-RANGE", "179/100", bp(179, 100), "CAU-BP-STAGE2"),
    case("URG-BP-CRISIS-RANGE", "170/119", bp(170, 119), "CAU-BP-STAGE2"),
    # --- contraindication -----------------------------------------------------------------------
    case("CI-ANEURYSM", "vascular-not-sure", {"vascular": ["not_sure"]}),
    case("CI-AVM", "vascular-none", {"vascular": ["none"]}),
    case("CI-ICH", "stroke-not-bleed", {"vascular": ["stroke_tia"]}, "CAU-CV-HISTORY"),
    case(
        "CI-KETAMINE-ALLERGY",
        "not-sure",
        {"ketamine_allergy": "not_sure"},
        "CAU-KETAMINE-REACTION",
    ),
    case("CI-KETAMINE-ALLERGY", "no", {"ketamine_allergy": "no"}),
    case("CI-UNDER-18", "18-today", {"date_of_birth": "2008-01-15"}),
    case(
        "CI-PREGNANT",
        "not-sure",
        {**PREGNANCY_ASKED, "pregnant": "not_sure"},
        "CAU-PREGNANCY-UNKNOWN",
    ),
    case("CI-PREGNANT", "no", {**PREGNANCY_ASKED, "pregnant": "no"}, "INF-PREGNANCY-POSSIBLE"),
    case("CI-BREASTFEEDING", "no", female(breastfeeding="no")),
    case("CI-PSYCHOTIC-DISORDER", "none", {"psychotic_disorder_dx": "none"}),
    case(
        "CI-PSYCHOTIC-DISORDER",
        "past-episode-only",
        {"psychosis_past_episode": "yes"},
        "CAU-PSYCHOSIS-PAST",
    ),
    case("CI-PSYCHOSIS-NOW", "no", {"psychosis_now": "no"}),
    case(
        "CI-MANIA-RECENT",
        "bipolar-no-recent-mania",
        {"bipolar_dx": "yes", "mood_stabilizer_now": "yes", "mania_past_3_months": "no"},
    ),
    case(
        "CI-KETAMINE-PCP-RECENT",
        "ketamine-over-12-months",
        {"last_use_ketamine_nonmedical": "more_than_12_months"},
        "CAU-KETAMINE-PCP-PAST",
    ),
    case(
        "CI-STIMULANT-RECENT",
        "cocaine-3-to-12-months",
        {"last_use_cocaine_or_meth": "within_12_months"},
        "CAU-SUBSTANCE-OTHER",
    ),
    case(
        "CI-STIMULANT-RECENT",
        "stimulants-over-12-months",
        {"last_use_nonprescribed_stimulants": "more_than_12_months"},
    ),
    case("CI-CV-RECENT", "old-heart-attack", {"vascular": ["heart_attack"]}, "CAU-CV-HISTORY"),
    case("CI-RAISED-ICP", "seizures", {"neuro": ["seizures_past_12_months"]}, "CAU-SEIZURES"),
    case("CI-SEVERE-LIVER", "mild", {"liver": "mild"}),
    case("CI-SEVERE-LIVER", "not-sure", {"liver": "not_sure"}),
    # --- caution ------------------------------------------------------------------------------
    case("CAU-BP-STAGE2", "139/89", bp(139, 89)),
    case(
        "CAU-HTN-UNCONTROLLED",
        "treated-controlled",
        {"htn_dx": "yes", "htn_meds": "yes", "htn_controlled": "yes"},
    ),
    case("CAU-HTN-UNCONTROLLED", "dx-not-sure", {"htn_dx": "not_sure"}),
    case("CAU-CV-HISTORY", "vascular-not-sure", {"vascular": ["not_sure"]}),
    case(
        "CAU-HYPERTENSIVE-ENCEPH",
        "stroke",
        {"vascular": ["stroke_tia"]},
        "CAU-CV-HISTORY",
    ),
    case(
        "CAU-SI-ACTIVE",
        "wish-dead-only",
        {"si_wish_dead_past_month": "yes", **NO_NOW},
        "CAU-SI-PASSIVE",
    ),
    case("CAU-SI-PASSIVE", "wish-dead-no", {"si_wish_dead_past_month": "no"}),
    case(
        "CAU-SI-PASSIVE",
        "wish-dead-and-thoughts",
        {"si_wish_dead_past_month": "yes", **thoughts(), **NO_NOW},
        "CAU-SI-ACTIVE",
    ),
    case("CAU-PHQ9-ITEM9", "item9=0", {"phq9_9": 0}),
    case(
        "CAU-PHQ9-ITEM9",
        "item9-with-wish-dead",
        {"phq9_9": 1, "si_wish_dead_past_month": "yes", **NO_NOW},
        "CAU-SI-PASSIVE",
    ),
    case(
        "CAU-SUICIDE-ATTEMPT-PAST",
        "within-3-months",
        {**behaviour("within_3_months"), **NO_NOW},
        "URG-SUICIDE-BEHAVIOR-3M",
    ),
    case("CAU-SUICIDE-ATTEMPT-PAST", "never", {"suicide_behavior_ever": "no"}),
    case("CAU-PSYCHOSIS-PAST", "no", {"psychosis_past_episode": "no"}),
    case(
        "CAU-BIPOLAR-NO-STABILIZER",
        "with-stabiliser",
        {"bipolar_dx": "yes", "mood_stabilizer_now": "yes", "mania_past_3_months": "no"},
    ),
    case("CAU-BIPOLAR-NO-STABILIZER", "bipolar-not-sure", {"bipolar_dx": "not_sure"}),
    case(
        "CAU-BIPOLAR-NO-STABILIZER",
        "recent-mania",
        {"bipolar_dx": "yes", "mood_stabilizer_now": "no", "mania_past_3_months": "yes"},
        "CI-MANIA-RECENT",
    ),
    case("CAU-KETAMINE-PCP-PAST", "never", {"last_use_pcp": "never"}),
    case(
        "CAU-KETAMINE-PCP-PAST",
        "within-12-months",
        {"last_use_pcp": "within_12_months"},
        "CI-KETAMINE-PCP-RECENT",
    ),
    case(
        "CAU-SUBSTANCE-OTHER",
        "cannabis-3-to-12-months",
        {"last_use_cannabis": "within_12_months"},
    ),
    case(
        "CAU-SUBSTANCE-OTHER",
        "opioids-over-12-months",
        {"last_use_opioids_nonprescribed": "more_than_12_months"},
    ),
    case(
        "CAU-SUBSTANCE-OTHER",
        "cocaine-over-12-months",
        {"last_use_cocaine_or_meth": "more_than_12_months"},
    ),
    case("CAU-AUDITC-POSITIVE", "male-3", {"auditc_1": 1, "auditc_2": 1, "auditc_3": 1}),
    case("CAU-AUDITC-POSITIVE", "female-2", female(auditc_1=1, auditc_2=1, auditc_3=0)),
    case("CAU-MAOI", "lithium", {"meds_now": ["lithium"]}),
    case("CAU-STIMULANT-RX", "antipsychotic", {"meds_now": ["antipsychotic"]}),
    case("CAU-CNS-DEPRESSANTS", "benzo-as-needed", {"meds_now": ["benzodiazepine_as_needed"]}),
    case("CAU-AGE-65-PLUS", "64-until-tomorrow", {"date_of_birth": "1961-01-16"}),
    case(
        "CAU-PREGNANCY-UNKNOWN",
        "not-pregnant",
        {**PREGNANCY_ASKED, "pregnant": "no"},
        "INF-PREGNANCY-POSSIBLE",
    ),
    case(
        "CAU-KETAMINE-REACTION",
        "no-help",
        {"ketamine_treatment_before": "iv", "ketamine_treatment_effect": "no_help"},
        "INF-PRIOR-KETAMINE",
    ),
    case("CAU-BLADDER", "none", {"bladder": "none"}),
    case("CAU-GLAUCOMA-EYE", "none", {"eye": ["none"]}),
    case("CAU-SEIZURES", "memory", {"neuro": ["dementia_memory"]}, "CAU-DEMENTIA"),
    case("CAU-HYPERTHYROID", "treated", {"thyroid": "overactive_treated"}),
    case("CAU-HYPERTHYROID", "underactive", {"thyroid": "underactive"}),
    case("CAU-SLEEP-APNEA-BMI", "treated-apnoea", {"sleep_apnea": "yes_treated"}),
    case("CAU-SLEEP-APNEA-BMI", "apnoea-not-sure", {"sleep_apnea": "not_sure"}),
    # 101 / 1.70**2 = 34.948 -> 34.9
    case("CAU-SLEEP-APNEA-BMI", "bmi-34.9", {"height_cm": 170, "weight_kg": 101}),
    case("CAU-DEMENTIA", "none", {"neuro": ["none"]}),
    case("CAU-DIALYSIS", "ckd", {"kidney": "ckd"}),
    # --- info ---------------------------------------------------------------------------------
    case("INF-TRIALS-LT2", "two-trials", {"ad_trials": [trial(), trial("bupropion")]}),
    case(
        "INF-TRIALS-LT2",
        "no-trials-not-depression",
        {"reasons": ["chronic_pain"], "ad_trials": []},
        "INF-OFF-LABEL-CONDITION",
    ),
    case(
        "INF-OFF-LABEL-CONDITION",
        "suicidal-thoughts-counts",
        {"reasons": ["suicidal_thoughts", "anxiety"]},
    ),
    case(
        "INF-OFF-LABEL-CONDITION",
        "depression-and-ptsd",
        {"reasons": ["depression", "ptsd"]},
    ),
    case("INF-PREGNANCY-POSSIBLE", "cannot-become-pregnant", female()),
    case("INF-BP-UNKNOWN", "known", {"bp_unknown": False}),
    case("INF-MED-MODIFIERS", "lithium", {"meds_now": ["lithium"]}),
    case("INF-LOGISTICS", "all-yes", {"ride_home": "yes", "can_stay_3_hours": "yes"}),
    case("INF-NO-DIAGNOSIS-REFERRAL", "yes-yes", {"has_clinician_diagnosis": "yes"}),
    case(
        "INF-COST-COVERAGE",
        "esketamine-only",
        {"treatment_interest": ["esketamine"], "self_pay_ok": "no"},
    ),
    case(
        "INF-COST-COVERAGE",
        "not-sure-interest",
        {"treatment_interest": ["not_sure"], "self_pay_ok": "no"},
    ),
    case(
        "INF-COST-COVERAGE",
        "iv-can-pay",
        {"treatment_interest": ["iv_ketamine"], "self_pay_ok": "yes"},
    ),
    case("INF-PRIOR-KETAMINE", "none", {"ketamine_treatment_before": "none"}),
    case("INF-NEUROMODULATION", "neither", {"ect_ever": "no", "tms_ever": "no"}),
]


def _rule_of(param) -> str:
    return param.values[0]


def test_baseline_is_flag_free():
    result = evaluate(answers_with())
    assert flag_ids(result) == ()
    assert result.urgent is False
    assert result.crisis is False
    assert result.highest_severity is None
    assert tuple(result.missing_safety) == ()


@pytest.mark.parametrize(("rule", "changes", "expected"), FIRES)
def test_rule_fires(rule: str, changes: dict[str, Any], expected: frozenset[str]):
    result = evaluate(answers_with(changes))
    assert set(flag_ids(result)) == expected
    fired = flag(result, rule)
    assert fired.severity == spec_severity(rule)
    assert len(tuple(fired.because)) >= 1


@pytest.mark.parametrize(("rule", "changes", "expected"), SILENT)
def test_rule_stays_silent(rule: str, changes: dict[str, Any], expected: frozenset[str]):
    result = evaluate(answers_with(changes))
    assert rule not in flag_ids(result)
    assert set(flag_ids(result)) == expected


@pytest.mark.parametrize("rule", spec_rule_ids_or_static())
def test_every_rule_has_a_firing_and_a_silent_case(rule: str):
    assert rule in {_rule_of(p) for p in FIRES}, f"no firing case for {rule}"
    assert rule in {_rule_of(p) for p in SILENT}, f"no silent case for {rule}"


def test_case_tables_name_only_rulebook_rules():
    known = set(spec_rule_ids())
    named = {_rule_of(p) for p in FIRES + SILENT}
    named |= {i for p in FIRES + SILENT for i in p.values[2]}
    assert named <= known, sorted(named - known)
    assert len(known) == 56
