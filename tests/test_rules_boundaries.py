"""Boundaries and conventions of rules.md ("Evaluation conventions") and clinical.md section 9
("Extra boundary checks"), plus every suppression pair of the complete suppression list.

Expected values are worked out by hand from the contract; the comment on each group says which
line of rules.md / questionnaire.md it rests on.
"""

from __future__ import annotations

from datetime import date
from types import MappingProxyType
from typing import Any

import pytest

from rules_cases import (
    AS_OF,
    BASELINE_SCORES,
    DELETE,
    SCORE_KEYS,
    answers_with,
    assert_bmi,
    assert_scores,
    behaviour,
    bp,
    evaluate,
    female,
    flag,
    flag_ids,
    rules_api,
    thoughts,
    trial,
)

NO_NOW = {"si_now": "no"}
YES_NOW = {"si_now": "yes"}


def ids(result) -> set[str]:
    return set(flag_ids(result))


def missing(result) -> tuple[str, ...]:
    return tuple(result.missing_safety)


def because(result, rule_id: str) -> tuple[str, ...]:
    return tuple(flag(result, rule_id).because)


# --- the baseline itself -------------------------------------------------------------------


def test_baseline_scores_have_exactly_the_contract_keys():
    result = evaluate(answers_with())
    assert set(result.scores) == SCORE_KEYS


def test_baseline_scores_worked_out_by_hand():
    result = evaluate(answers_with())
    assert_scores(result, BASELINE_SCORES)


def test_unknown_keys_are_ignored():
    result = evaluate(answers_with({"favourite_colour": "blue", "si_now_typo": "yes", "": 3}))
    assert flag_ids(result) == ()
    assert_scores(result, BASELINE_SCORES)


def test_any_mapping_is_accepted():
    result = evaluate(MappingProxyType(answers_with(phq9_9=1, si_now="no")))
    assert flag_ids(result) == ("CAU-PHQ9-ITEM9",)


def test_empty_answers_give_no_flags_and_all_scores_none():
    result = evaluate({})
    assert flag_ids(result) == ()
    assert set(result.scores) == SCORE_KEYS
    assert all(value is None for value in result.scores.values()), result.scores
    assert result.urgent is False
    assert result.crisis is False
    assert result.highest_severity is None


def test_evaluate_does_not_change_the_answers():
    answers = answers_with(**bp(185, 110, ["none"]), ad_trials=[trial(), trial("x", weeks="lt4")])
    snapshot = answers_with(**bp(185, 110, ["none"]), ad_trials=[trial(), trial("x", weeks="lt4")])
    evaluate(answers)
    assert answers == snapshot


# --- age (rules.md: whole years by calendar; 29 February turns older on 1 March) -------------


@pytest.mark.parametrize(
    ("dob", "as_of", "age", "expected"),
    [
        pytest.param("1961-01-15", AS_OF, 65, {"CAU-AGE-65-PLUS"}, id="65-today"),
        pytest.param("1961-01-16", AS_OF, 64, set(), id="64-until-tomorrow"),
        pytest.param("2008-01-15", AS_OF, 18, set(), id="18-today"),
        pytest.param("2008-01-16", AS_OF, 17, {"CI-UNDER-18"}, id="17-until-tomorrow"),
        pytest.param("2008-02-29", date(2026, 2, 28), 17, {"CI-UNDER-18"}, id="leapling-28-feb"),
        pytest.param("2008-02-29", date(2026, 3, 1), 18, set(), id="leapling-1-mar"),
        pytest.param("2008-02-29", date(2028, 2, 29), 20, set(), id="leapling-leap-year"),
        pytest.param("2008-02-29", date(2028, 2, 28), 19, set(), id="leapling-day-before"),
        pytest.param("1960-02-29", date(2025, 2, 28), 64, set(), id="leapling-64"),
        pytest.param("1960-02-29", date(2025, 3, 1), 65, {"CAU-AGE-65-PLUS"}, id="leapling-65"),
        pytest.param("1900-01-01", AS_OF, 126, {"CAU-AGE-65-PLUS"}, id="born-1900"),
        pytest.param("2026-01-15", AS_OF, 0, {"CI-UNDER-18"}, id="born-today"),
    ],
)
def test_age(dob: str, as_of: date, age: int, expected: set[str]):
    result = evaluate(answers_with(date_of_birth=dob), as_of=as_of)
    assert_scores(result, {"age": age})
    assert ids(result) == expected


@pytest.mark.parametrize(
    "dob",
    [
        pytest.param("2026-01-16", id="after-as-of"),
        pytest.param("1899-12-31", id="before-1900"),
        pytest.param("not-a-date", id="garbage"),
        pytest.param(19831216, id="an-int"),
        pytest.param(None, id="none"),
        pytest.param(DELETE, id="absent"),
    ],
)
def test_unusable_date_of_birth_gives_no_age_and_no_age_rules(dob: Any):
    result = evaluate(answers_with(date_of_birth=dob))
    assert result.scores["age"] is None
    assert ids(result) == set()


def test_as_of_defaults_to_today():
    today = date.today()
    try:
        born = today.replace(year=today.year - 70)
    except ValueError:  # today is 29 February
        born = date(today.year - 70, 2, 28)
    result = rules_api().evaluate(answers_with(date_of_birth=born.isoformat()))
    assert result.scores["age"] == 70
    assert "CAU-AGE-65-PLUS" in flag_ids(result)


# --- blood pressure (rules.md bp_category bands; CAU-BP-STAGE2 / URG rules) -----------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "symptoms", "category", "expected"),
    [
        pytest.param(119, 79, DELETE, "normal", set(), id="119/79"),
        pytest.param(120, 79, DELETE, "elevated", set(), id="120/79"),
        pytest.param(129, 79, DELETE, "elevated", set(), id="129/79"),
        pytest.param(130, 79, DELETE, "stage_1", set(), id="130/79"),
        pytest.param(119, 80, DELETE, "stage_1", set(), id="119/80"),
        pytest.param(139, 89, DELETE, "stage_1", set(), id="139/89"),
        pytest.param(125, 85, DELETE, "stage_1", set(), id="higher-wins-125/85"),
        pytest.param(135, 70, DELETE, "stage_1", set(), id="higher-wins-135/70"),
        pytest.param(140, 89, DELETE, "stage_2", {"CAU-BP-STAGE2"}, id="140/89"),
        pytest.param(139, 90, DELETE, "stage_2", {"CAU-BP-STAGE2"}, id="139/90"),
        pytest.param(140, 90, DELETE, "stage_2", {"CAU-BP-STAGE2"}, id="140/90"),
        pytest.param(118, 95, DELETE, "stage_2", {"CAU-BP-STAGE2"}, id="higher-wins-118/95"),
        pytest.param(179, 119, DELETE, "stage_2", {"CAU-BP-STAGE2"}, id="179/119"),
        pytest.param(179, 121, ["none"], "crisis_range", {"URG-BP-CRISIS-RANGE"}, id="179/121"),
        pytest.param(180, 119, ["none"], "crisis_range", {"URG-BP-CRISIS-RANGE"}, id="180/119"),
        pytest.param(180, 120, ["none"], "crisis_range", {"URG-BP-CRISIS-RANGE"}, id="180/120"),
        pytest.param(185, 70, ["none"], "crisis_range", {"URG-BP-CRISIS-RANGE"}, id="185/70"),
        # "diastolic below systolic" is a form check, not a reason to ignore a value
        pytest.param(110, 125, ["none"], "crisis_range", {"URG-BP-CRISIS-RANGE"}, id="110/125"),
        pytest.param(60, 30, DELETE, "normal", set(), id="range-floor-60/30"),
        pytest.param(300, 200, ["none"], "crisis_range", {"URG-BP-CRISIS-RANGE"}, id="range-top"),
        pytest.param(190, 125, ["back_pain"], "crisis_range", {"URG-BP-SYMPTOMS"}, id="sympt"),
    ],
)
def test_bp_category_and_flags(
    systolic: int, diastolic: int, symptoms: Any, category: str, expected: set[str]
):
    result = evaluate(answers_with(bp(systolic, diastolic, symptoms)))
    assert result.scores["bp_category"] == category
    assert ids(result) == expected
    assert result.crisis is bool(expected & {"URG-BP-CRISIS-RANGE", "URG-BP-SYMPTOMS"})
    assert missing(result) == ()


def test_stage2_at_140_90_is_stage2_not_crisis():
    result = evaluate(answers_with(bp(140, 90)))
    assert result.urgent is False
    assert result.crisis is False
    assert result.highest_severity == "caution"


@pytest.mark.parametrize(
    ("changes", "expected", "crisis", "missing_ids"),
    [
        pytest.param(
            bp(190, DELETE, ["none"]),
            {"URG-BP-CRISIS-RANGE"},
            True,
            ("bp_diastolic",),
            id="systolic-only-crisis",
        ),
        pytest.param(
            bp(DELETE, 125, ["chest_pain"]),
            {"URG-BP-SYMPTOMS"},
            True,
            ("bp_systolic",),
            id="diastolic-only-symptoms",
        ),
        pytest.param(
            bp(None, 122, ["none"]),
            {"URG-BP-CRISIS-RANGE"},
            True,
            ("bp_systolic",),
            id="systolic-none-diastolic-crisis",
        ),
        pytest.param(
            bp(150, DELETE), {"CAU-BP-STAGE2"}, False, ("bp_diastolic",), id="systolic-only-stage2"
        ),
        pytest.param(
            bp(DELETE, 95), {"CAU-BP-STAGE2"}, False, ("bp_systolic",), id="diastolic-only-stage2"
        ),
        pytest.param(
            bp(DELETE, DELETE), set(), False, ("bp_systolic", "bp_diastolic"), id="both-missing"
        ),
    ],
)
def test_one_bp_value_missing_still_fires(
    changes: dict[str, Any], expected: set[str], crisis: bool, missing_ids: tuple[str, ...]
):
    result = evaluate(answers_with(changes))
    assert ids(result) == expected
    assert result.crisis is crisis
    assert result.scores["bp_category"] is None  # the category needs both numbers
    assert missing(result) == missing_ids


@pytest.mark.parametrize(
    "symptoms",
    [
        pytest.param(DELETE, id="absent"),
        pytest.param(None, id="none-value"),
        pytest.param("chest_pain", id="string-not-list"),
    ],
)
def test_crisis_range_with_symptoms_unanswered_fires_crisis_and_lists_symptoms(symptoms: Any):
    result = evaluate(answers_with(bp(185, 110, symptoms)))
    assert ids(result) == {"URG-BP-CRISIS-RANGE"}
    assert result.crisis is True
    assert missing(result) == ("bp_symptoms_now",)


def test_bp_unknown_ignores_stale_readings():
    result = evaluate(
        answers_with(bp_unknown=True, bp_systolic=200, bp_diastolic=130, bp_symptoms_now=["none"])
    )
    assert ids(result) == {"INF-BP-UNKNOWN"}
    assert result.scores["bp_category"] == "unknown"
    assert result.crisis is False
    assert missing(result) == ()


def test_bp_unknown_without_readings_lists_nothing_missing():
    result = evaluate(
        answers_with(
            bp_unknown=True,
            bp_systolic=DELETE,
            bp_diastolic=DELETE,
            bp_when=DELETE,
            bp_source=DELETE,
        )
    )
    assert ids(result) == {"INF-BP-UNKNOWN"}
    assert result.scores["bp_category"] == "unknown"
    assert missing(result) == ()


def test_readings_count_when_bp_unknown_is_unanswered():
    # rules.md: "bp_unknown true means the readings are ignored. Otherwise each ... is read"
    result = evaluate(answers_with(bp_unknown=DELETE, **bp(150, 95)))
    assert ids(result) == {"CAU-BP-STAGE2"}
    assert result.scores["bp_category"] == "stage_2"


@pytest.mark.parametrize(
    ("systolic", "diastolic", "missing_ids"),
    [
        pytest.param(301, 76, ("bp_systolic",), id="systolic-301"),
        pytest.param(59, 76, ("bp_systolic",), id="systolic-59"),
        pytest.param(118, 29, ("bp_diastolic",), id="diastolic-29"),
        pytest.param(118, 201, ("bp_diastolic",), id="diastolic-201"),
        pytest.param(True, 76, ("bp_systolic",), id="bool-systolic"),
        pytest.param(140.5, 76, ("bp_systolic",), id="fraction-systolic"),
        pytest.param("abc", 76, ("bp_systolic",), id="text-systolic"),
    ],
)
def test_out_of_range_bp_is_unanswered(systolic: Any, diastolic: Any, missing_ids: tuple):
    result = evaluate(answers_with(bp(systolic, diastolic)))
    assert ids(result) == set()
    assert result.scores["bp_category"] is None
    assert missing(result) == missing_ids


@pytest.mark.parametrize(
    ("systolic", "diastolic", "symptoms", "expected"),
    [
        pytest.param(" 185 ", "110", ["chest_pain"], {"URG-BP-SYMPTOMS"}, id="strings"),
        pytest.param(140.0, 80.0, DELETE, {"CAU-BP-STAGE2"}, id="whole-floats"),
        pytest.param("139", " 89 ", DELETE, set(), id="strings-139/89"),
    ],
)
def test_bp_numbers_in_other_forms(systolic: Any, diastolic: Any, symptoms: Any, expected: set):
    result = evaluate(answers_with(bp(systolic, diastolic, symptoms)))
    assert ids(result) == expected
    assert missing(result) == ()


# --- AUDIT-C (rules.md: >= 4 male, >= 3 otherwise; auditc_1 == 0 gives total 0) -------------

INTERSEX = {"sex_at_birth": "intersex", "can_become_pregnant": "no", "breastfeeding": "no"}
NOT_STATED = {"sex_at_birth": "prefer_not", "can_become_pregnant": "no", "breastfeeding": "no"}


@pytest.mark.parametrize(
    ("sex", "items", "total", "positive"),
    [
        pytest.param({}, (2, 1, 1), 4, True, id="male-4"),
        pytest.param({}, (1, 1, 1), 3, False, id="male-3"),
        pytest.param(female(), (1, 1, 1), 3, True, id="female-3"),
        pytest.param(female(), (1, 1, 0), 2, False, id="female-2"),
        pytest.param(INTERSEX, (1, 2, 0), 3, True, id="intersex-3"),
        pytest.param(NOT_STATED, (3, 0, 0), 3, True, id="not-stated-3"),
        pytest.param(NOT_STATED, (2, 0, 0), 2, False, id="not-stated-2"),
        pytest.param({}, (4, 4, 4), 12, True, id="male-12"),
    ],
)
def test_auditc_cut_offs(sex: dict, items: tuple[int, int, int], total: int, positive: bool):
    result = evaluate(
        answers_with(sex, auditc_1=items[0], auditc_2=items[1], auditc_3=items[2])
    )
    assert_scores(result, {"auditc_total": total, "auditc_positive": positive})
    assert ids(result) == ({"CAU-AUDITC-POSITIVE"} if positive else set())


@pytest.mark.parametrize("sex", [pytest.param({}, id="male"), pytest.param(female(), id="female")])
def test_auditc_item1_zero_gives_total_zero_without_items_2_and_3(sex: dict):
    result = evaluate(answers_with(sex, auditc_1=0, auditc_2=DELETE, auditc_3=DELETE))
    assert_scores(result, {"auditc_total": 0, "auditc_positive": False})
    assert ids(result) == set()


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"auditc_1": 3, "auditc_2": 2, "auditc_3": DELETE}, id="item3-missing"),
        pytest.param({"auditc_1": 5, "auditc_2": 2, "auditc_3": 2}, id="item1-out-of-range"),
        pytest.param({"auditc_1": DELETE}, id="item1-missing"),
        pytest.param({"auditc_1": 2, "auditc_2": True, "auditc_3": 2}, id="bool-item"),
    ],
)
def test_partial_auditc_gives_none_and_no_flag(changes: dict):
    result = evaluate(answers_with(changes))
    assert result.scores["auditc_total"] is None
    assert result.scores["auditc_positive"] is None
    assert ids(result) == set()


def test_auditc_numeric_strings_and_whole_floats():
    result = evaluate(answers_with(auditc_1=" 2 ", auditc_2="1", auditc_3=1.0))
    assert_scores(result, {"auditc_total": 4, "auditc_positive": True})
    assert ids(result) == {"CAU-AUDITC-POSITIVE"}


# --- trials (questionnaire.md section 8; rules.md "Trials") ---------------------------------


@pytest.mark.parametrize(
    ("row", "counts"),
    [
        pytest.param(trial(weeks="6_8"), 1, id="6-weeks-counts"),
        pytest.param(trial(weeks="gt8"), 1, id="over-8-weeks-counts"),
        pytest.param(trial(weeks="4_5"), 0, id="5-weeks-does-not"),
        pytest.param(trial(weeks="lt4"), 0, id="under-4-weeks-does-not"),
        pytest.param(trial(adherence="mostly"), 1, id="mostly-adherent-counts"),
        pytest.param(trial(adherence="often_missed"), 0, id="often-missed-does-not"),
        pytest.param(trial(outcome="some_improvement"), 1, id="some-improvement-counts"),
        pytest.param(trial(outcome="better_then_returned"), 1, id="relapse-counts"),
        pytest.param(trial(outcome="recovered"), 0, id="recovered-does-not"),
        pytest.param(trial(outcome="stopped_side_effects"), 0, id="intolerance-does-not"),
        pytest.param(trial(current_episode="not_sure"), 1, id="episode-not-sure-counts"),
        pytest.param(trial(current_episode="no"), 0, id="earlier-episode-does-not"),
        pytest.param(
            {**trial(drug="other"), "drug_other": "tianeptine"}, 1, id="other-drug-counts"
        ),
        pytest.param(
            {k: v for k, v in trial().items() if k != "outcome"}, 0, id="missing-outcome"
        ),
        pytest.param(
            {k: v for k, v in trial().items() if k != "weeks"}, 0, id="missing-weeks"
        ),
        pytest.param(trial(weeks="8"), 0, id="unknown-weeks-value"),
        pytest.param(trial(current_episode=None), 0, id="none-episode"),
    ],
)
def test_one_trial_row(row: dict, counts: int):
    result = evaluate(answers_with(ad_trials=[trial("bupropion"), row]))
    assert_scores(result, {"possibly_adequate_trials": 1 + counts})
    assert ids(result) == (set() if counts else {"INF-TRIALS-LT2"})


def test_ad_trials_unanswered_gives_none_and_no_trial_flag():
    result = evaluate(answers_with(ad_trials=DELETE))
    assert result.scores["possibly_adequate_trials"] is None
    assert ids(result) == set()


def test_ad_trials_empty_list_gives_zero_and_the_trial_flag():
    result = evaluate(answers_with(ad_trials=[]))
    assert_scores(result, {"possibly_adequate_trials": 0})
    assert ids(result) == {"INF-TRIALS-LT2"}


def test_more_than_20_trial_rows_is_out_of_range():
    # questionnaire.md: ad_trials is a list of 0..20 rows; out of range counts as unanswered
    twenty = evaluate(answers_with(ad_trials=[trial()] * 20))
    assert_scores(twenty, {"possibly_adequate_trials": 20})
    result = evaluate(answers_with(ad_trials=[trial()] * 21))
    assert result.scores["possibly_adequate_trials"] is None
    assert ids(result) == set()


def test_three_trials_are_counted():
    rows = [trial("a"), trial("b", weeks="6_8"), trial("c", adherence="mostly"), trial("d", "lt4")]
    result = evaluate(answers_with(ad_trials=rows))
    assert_scores(result, {"possibly_adequate_trials": 3})


def test_min_trial_weeks_4_setting_counts_a_4_to_5_week_trial():
    settings_cls = rules_api().Settings
    answers = answers_with(ad_trials=[trial("a"), trial("b", weeks="4_5"), trial("c", "lt4")])
    default = evaluate(answers)
    assert_scores(default, {"possibly_adequate_trials": 1})
    assert ids(default) == {"INF-TRIALS-LT2"}
    four = evaluate(answers, settings=settings_cls(min_trial_weeks=4))
    assert_scores(four, {"possibly_adequate_trials": 2})
    assert ids(four) == set()


# --- substance windows (rules.md "Windows") -------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"last_use_ketamine_nonmedical": "within_12_months"},
            {"CI-KETAMINE-PCP-RECENT"},
            id="ketamine-within-12-months",
        ),
        pytest.param(
            {"last_use_ketamine_nonmedical": "within_3_months"},
            {"CI-KETAMINE-PCP-RECENT"},
            id="ketamine-within-3-months",
        ),
        pytest.param(
            {"last_use_pcp": "within_30_days"}, {"CI-KETAMINE-PCP-RECENT"}, id="pcp-30-days"
        ),
        pytest.param(
            {"last_use_pcp": "more_than_12_months"}, {"CAU-KETAMINE-PCP-PAST"}, id="pcp-past"
        ),
        pytest.param(
            {"last_use_cocaine_or_meth": "within_12_months"},
            {"CAU-SUBSTANCE-OTHER"},
            id="cocaine-within-12-months-is-not-ci",
        ),
        pytest.param(
            {"last_use_cocaine_or_meth": "within_3_months"},
            {"CI-STIMULANT-RECENT"},
            id="cocaine-within-3-months",
        ),
        pytest.param(
            {"last_use_cocaine_or_meth": "within_30_days"},
            {"CI-STIMULANT-RECENT"},
            id="cocaine-within-30-days",
        ),
        pytest.param(
            {"last_use_opioids_nonprescribed": "within_12_months"},
            set(),
            id="opioids-3-to-12-months-silent",
        ),
        pytest.param(
            {"last_use_hallucinogens": "within_3_months"},
            {"CAU-SUBSTANCE-OTHER"},
            id="hallucinogens-within-3-months",
        ),
    ],
)
def test_windows(changes: dict, expected: set[str]):
    assert ids(evaluate(answers_with(changes))) == expected


def test_stimulant_window_setting_30_days():
    settings = rules_api().Settings(stimulant_window="within_30_days")
    three = evaluate(answers_with(last_use_cocaine_or_meth="within_3_months"), settings=settings)
    assert ids(three) == {"CAU-SUBSTANCE-OTHER"}
    thirty = evaluate(answers_with(last_use_cocaine_or_meth="within_30_days"), settings=settings)
    assert ids(thirty) == {"CI-STIMULANT-RECENT"}


def test_default_settings_match_rules_md():
    settings = rules_api().Settings()
    assert settings.older_adult_age == 65
    assert settings.upper_age_limit is None
    assert settings.min_trial_weeks == 6
    assert settings.ketamine_pcp_window == "within_12_months"
    assert settings.stimulant_window == "within_3_months"
    assert settings.other_substance_window == "within_3_months"
    assert settings.cv_event_window_months == 6


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"ad_trials": [trial(), trial("b", weeks="4_5")]}, id="trials"),
        pytest.param({"last_use_cocaine_or_meth": "within_3_months"}, id="cocaine"),
        pytest.param({"date_of_birth": "1961-01-15"}, id="age-65"),
        pytest.param({"last_use_cannabis": "within_12_months"}, id="cannabis"),
    ],
)
def test_explicit_default_settings_change_nothing(changes: dict):
    answers = answers_with(changes)
    plain = evaluate(answers)
    explicit = evaluate(answers, settings=rules_api().Settings())
    assert flag_ids(plain) == flag_ids(explicit)
    assert plain.scores == explicit.scores


# --- suppression (rules.md: "Suppression ..., complete list") --------------------------------

SUPPRESSION = [
    # urgent suicide flags suppress CAU-SI-ACTIVE, CAU-SI-PASSIVE, CAU-PHQ9-ITEM9
    ("si-now>active", {**thoughts(), **YES_NOW}, {"URG-SI-NOW"}),
    ("active-alone", {**thoughts(), **NO_NOW}, {"CAU-SI-ACTIVE"}),
    ("si-now>passive", {"si_wish_dead_past_month": "yes", **YES_NOW}, {"URG-SI-NOW"}),
    ("passive-alone", {"si_wish_dead_past_month": "yes", **NO_NOW}, {"CAU-SI-PASSIVE"}),
    ("si-now>item9", {"phq9_9": 2, **YES_NOW}, {"URG-SI-NOW"}),
    ("item9-alone", {"phq9_9": 2, **NO_NOW}, {"CAU-PHQ9-ITEM9"}),
    (
        "intent-plan>active+passive+item9",
        {"phq9_9": 3, "si_wish_dead_past_month": "yes", **thoughts("yes", "no", "yes"), **NO_NOW},
        {"URG-SI-INTENT-PLAN"},
    ),
    (
        "behaviour-3m>active",
        {**thoughts(), **behaviour("within_3_months"), **NO_NOW},
        {"URG-SUICIDE-BEHAVIOR-3M"},
    ),
    (
        "behaviour-3m>passive",
        {"si_wish_dead_past_month": "yes", **behaviour("within_3_months"), **NO_NOW},
        {"URG-SUICIDE-BEHAVIOR-3M"},
    ),
    (
        "behaviour-3m>item9",
        {"phq9_9": 1, **behaviour("within_3_months"), **NO_NOW},
        {"URG-SUICIDE-BEHAVIOR-3M"},
    ),
    # ... but not CAU-SUICIDE-ATTEMPT-PAST, a separate fact
    (
        "si-now-keeps-attempt-past",
        {**behaviour("more_than_3_months_ago"), **YES_NOW},
        {"URG-SI-NOW", "CAU-SUICIDE-ATTEMPT-PAST"},
    ),
    (
        "intent-keeps-attempt-past",
        {**thoughts(intent="yes"), **behaviour("more_than_3_months_ago"), **NO_NOW},
        {"URG-SI-INTENT-PLAN", "CAU-SUICIDE-ATTEMPT-PAST"},
    ),
    (
        "all-three-urgent-suicide-flags",
        {**thoughts(plan="yes"), **behaviour("within_3_months"), **YES_NOW},
        {"URG-SI-NOW", "URG-SI-INTENT-PLAN", "URG-SUICIDE-BEHAVIOR-3M"},
    ),
    # CAU-SI-ACTIVE suppresses CAU-SI-PASSIVE
    (
        "active>passive",
        {"si_wish_dead_past_month": "yes", **thoughts(), **NO_NOW},
        {"CAU-SI-ACTIVE"},
    ),
    # CAU-PHQ9-ITEM9 fires only when no other suicide-family flag fired
    (
        "passive>item9",
        {"phq9_9": 1, "si_wish_dead_past_month": "yes", **NO_NOW},
        {"CAU-SI-PASSIVE"},
    ),
    ("active>item9", {"phq9_9": 1, **thoughts(), **NO_NOW}, {"CAU-SI-ACTIVE"}),
    (
        "attempt-past>item9",
        {"phq9_9": 1, **behaviour("more_than_3_months_ago"), **NO_NOW},
        {"CAU-SUICIDE-ATTEMPT-PAST"},
    ),
    (
        "attempt-past-with-passive",
        {"si_wish_dead_past_month": "yes", **behaviour("more_than_3_months_ago"), **NO_NOW},
        {"CAU-SI-PASSIVE", "CAU-SUICIDE-ATTEMPT-PAST"},
    ),
    # URG-BP-SYMPTOMS suppresses URG-BP-CRISIS-RANGE and CAU-BP-STAGE2; crisis range suppresses
    # stage 2
    ("bp-symptoms>crisis+stage2", bp(200, 125, ["vision_change"]), {"URG-BP-SYMPTOMS"}),
    ("bp-crisis-alone", bp(200, 125, ["none"]), {"URG-BP-CRISIS-RANGE"}),
    ("bp-stage2-alone", bp(160, 100), {"CAU-BP-STAGE2"}),
    # CI-PSYCHOTIC-DISORDER or CI-PSYCHOSIS-NOW suppress CAU-PSYCHOSIS-PAST
    (
        "psychotic-disorder>past",
        {"psychotic_disorder_dx": "schizophrenia", "psychosis_past_episode": "yes"},
        {"CI-PSYCHOTIC-DISORDER"},
    ),
    (
        "psychosis-now>past",
        {"psychosis_now": "yes", "psychosis_past_episode": "yes"},
        {"CI-PSYCHOSIS-NOW"},
    ),
    ("psychosis-past-alone", {"psychosis_past_episode": "yes"}, {"CAU-PSYCHOSIS-PAST"}),
    # CI-KETAMINE-PCP-RECENT suppresses CAU-KETAMINE-PCP-PAST
    (
        "ketamine-recent>pcp-past",
        {"last_use_ketamine_nonmedical": "within_3_months", "last_use_pcp": "more_than_12_months"},
        {"CI-KETAMINE-PCP-RECENT"},
    ),
    (
        "pcp-recent>ketamine-past",
        {"last_use_ketamine_nonmedical": "more_than_12_months", "last_use_pcp": "within_12_months"},
        {"CI-KETAMINE-PCP-RECENT"},
    ),
    (
        "ketamine-past-alone",
        {"last_use_ketamine_nonmedical": "more_than_12_months"},
        {"CAU-KETAMINE-PCP-PAST"},
    ),
    # CI-STIMULANT-RECENT suppresses CAU-SUBSTANCE-OTHER when stimulants are its only reason
    (
        "stimulant-recent>other-when-stimulants-only",
        {
            "last_use_cocaine_or_meth": "within_30_days",
            "last_use_nonprescribed_stimulants": "within_12_months",
        },
        {"CI-STIMULANT-RECENT"},
    ),
    (
        "stimulant-recent-keeps-other-for-cannabis",
        {"last_use_cocaine_or_meth": "within_3_months", "last_use_cannabis": "within_3_months"},
        {"CI-STIMULANT-RECENT", "CAU-SUBSTANCE-OTHER"},
    ),
    (
        "stimulant-recent-keeps-other-for-self-worry",
        {"last_use_cocaine_or_meth": "within_3_months", "substance_problem_self": "yes"},
        {"CI-STIMULANT-RECENT", "CAU-SUBSTANCE-OTHER"},
    ),
    (
        "substance-other-alone-stimulants",
        {"last_use_nonprescribed_stimulants": "within_12_months"},
        {"CAU-SUBSTANCE-OTHER"},
    ),
    # CI-CV-RECENT suppresses CAU-CV-HISTORY
    (
        "cv-recent>cv-history",
        {"cv_event_within_6_months": "yes", "vascular": ["heart_attack"]},
        {"CI-CV-RECENT"},
    ),
    (
        "unstable-angina>cv-history",
        {"chest_pain_unstable": "yes", "vascular": ["angina", "arrhythmia"]},
        {"CI-CV-RECENT"},
    ),
    ("cv-history-alone", {"vascular": ["heart_attack"]}, {"CAU-CV-HISTORY"}),
    # CI-KETAMINE-ALLERGY suppresses CAU-KETAMINE-REACTION
    (
        "allergy>reaction",
        {
            "ketamine_allergy": "yes",
            "ketamine_treatment_before": "iv",
            "ketamine_treatment_effect": "bad_reaction",
        },
        {"CI-KETAMINE-ALLERGY", "INF-PRIOR-KETAMINE"},
    ),
    (
        "reaction-alone",
        {"ketamine_treatment_before": "iv", "ketamine_treatment_effect": "bad_reaction"},
        {"CAU-KETAMINE-REACTION", "INF-PRIOR-KETAMINE"},
    ),
    # the list is complete: nothing else is suppressed
    (
        "aneurysm-does-not-suppress-cv-history",
        {"vascular": ["aneurysm_any", "heart_failure"]},
        {"CI-ANEURYSM", "CAU-CV-HISTORY"},
    ),
    (
        "cv-recent-does-not-suppress-encephalopathy",
        {"cv_event_within_6_months": "yes", "vascular": ["hypertensive_encephalopathy"]},
        {"CI-CV-RECENT", "CAU-HYPERTENSIVE-ENCEPH"},
    ),
    (
        "psychotic-disorder-and-psychosis-now-both-stay",
        {"psychotic_disorder_dx": "other_psychotic", "psychosis_now": "yes"},
        {"CI-PSYCHOTIC-DISORDER", "CI-PSYCHOSIS-NOW"},
    ),
    (
        "bp-crisis-does-not-suppress-htn",
        {**bp(182, 100, ["none"]), "htn_dx": "yes", "htn_meds": "no", "htn_controlled": "no"},
        {"URG-BP-CRISIS-RANGE", "CAU-HTN-UNCONTROLLED"},
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [pytest.param(c, e, id=name) for name, c, e in SUPPRESSION],
)
def test_suppression(changes: dict, expected: set[str]):
    assert ids(evaluate(answers_with(changes))) == expected


# --- missing_safety (rules.md: asked by the skip logic but unanswered, questionnaire order) ---


@pytest.mark.parametrize(
    ("changes", "expected_flags", "expected_missing"),
    [
        pytest.param(
            {"phq9_9": 1},
            {"CAU-PHQ9-ITEM9"},
            ("si_now",),
            id="si-now-after-item9",
        ),
        pytest.param(
            {"si_wish_dead_past_month": "yes"},
            {"CAU-SI-PASSIVE"},
            ("si_now",),
            id="si-now-after-wish-dead",
        ),
        pytest.param(
            {"si_thoughts_past_month": "yes"},
            {"CAU-SI-ACTIVE"},
            (
                "si_method_past_month",
                "si_intent_past_month",
                "si_plan_past_month",
                "si_now",
            ),
            id="all-follow-ups-after-thoughts",
        ),
        pytest.param(
            {"si_thoughts_past_month": "yes", "suicide_behavior_ever": DELETE},
            {"CAU-SI-ACTIVE"},
            (
                "si_method_past_month",
                "si_intent_past_month",
                "si_plan_past_month",
                "suicide_behavior_ever",
                "si_now",
            ),
            id="section-7-in-questionnaire-md-order",
        ),
        pytest.param(
            {"suicide_behavior_ever": "yes", **NO_NOW},
            set(),
            ("suicide_behavior_when",),
            id="when-after-behaviour-ever",
        ),
        pytest.param(
            {
                "si_wish_dead_past_month": DELETE,
                "si_thoughts_past_month": DELETE,
                "suicide_behavior_ever": DELETE,
            },
            set(),
            ("si_wish_dead_past_month", "si_thoughts_past_month", "suicide_behavior_ever"),
            id="blank-safety-section",
        ),
        pytest.param(
            {"si_wish_dead_past_month": "maybe", "si_thoughts_past_month": True},
            set(),
            ("si_wish_dead_past_month", "si_thoughts_past_month"),
            id="wrong-values-are-unanswered",
        ),
        pytest.param(
            {"phq9_9": 1, "si_now": "yes", "si_thoughts_past_month": DELETE},
            {"URG-SI-NOW"},
            ("si_thoughts_past_month",),
            id="urgent-still-fires-with-gaps",
        ),
        pytest.param(
            {"sex_at_birth": "female", "can_become_pregnant": "yes", "breastfeeding": "no"},
            set(),
            ("pregnant",),
            id="pregnant-unanswered-is-not-no",
        ),
        pytest.param(
            {"sex_at_birth": "female", "can_become_pregnant": "not_sure", "pregnant": "perhaps"},
            set(),
            ("pregnant", "breastfeeding"),
            id="pregnant-wrong-value-and-breastfeeding-missing",
        ),
        pytest.param(
            {"sex_at_birth": "female"},
            set(),
            ("can_become_pregnant", "breastfeeding"),
            id="pregnancy-questions-for-a-woman",
        ),
        pytest.param(
            {
                "sex_at_birth": "female",
                "can_become_pregnant": "yes",
                "pregnant": "yes",
            },
            {"CI-PREGNANT"},
            ("breastfeeding",),
            id="breastfeeding-missing-while-pregnant",
        ),
        pytest.param(
            {
                "sex_at_birth": "female",
                "si_wish_dead_past_month": DELETE,
                "bp_diastolic": DELETE,
            },
            set(),
            ("can_become_pregnant", "breastfeeding", "si_wish_dead_past_month", "bp_diastolic"),
            id="order-across-sections",
        ),
        pytest.param(
            {
                "phq9_9": 2,
                "suicide_behavior_ever": "yes",
                **bp(186, 112),
            },
            {"CAU-PHQ9-ITEM9", "URG-BP-CRISIS-RANGE"},
            ("suicide_behavior_when", "si_now", "bp_symptoms_now"),
            id="suicide-and-bp-gaps",
        ),
        pytest.param({}, set(), (), id="male-baseline-nothing-missing"),
    ],
)
def test_missing_safety(changes: dict, expected_flags: set[str], expected_missing: tuple):
    result = evaluate(answers_with(changes))
    assert ids(result) == expected_flags
    assert missing(result) == expected_missing


def test_missing_safety_never_lists_pregnancy_for_a_man():
    result = evaluate(answers_with(can_become_pregnant=DELETE, pregnant=DELETE))
    assert missing(result) == ()


# --- numbers: strings, floats, bools, ranges (rules.md "Reading answers") ---------------------

PHQ9_BASE = (2, 2, 2, 2, 2, 2, 3, 3, 0)


def phq9(values) -> dict[str, Any]:
    return {f"phq9_{i}": v for i, v in enumerate(values, start=1)}


def gad7(values) -> dict[str, Any]:
    return {f"gad7_{i}": v for i, v in enumerate(values, start=1)}


def test_phq9_numeric_strings_with_spaces():
    result = evaluate(answers_with(phq9(f" {v} " for v in PHQ9_BASE)))
    assert_scores(result, {"phq9_total": 18, "phq9_band": "moderately_severe", "phq2_total": 4})


def test_phq9_whole_floats():
    result = evaluate(answers_with(phq9(float(v) for v in PHQ9_BASE)))
    assert_scores(result, {"phq9_total": 18, "phq9_band": "moderately_severe", "phq2_total": 4})


@pytest.mark.parametrize("item9", [" 2 ", "1", 2.0, 3])
def test_item9_in_any_number_form_fires(item9: Any):
    result = evaluate(answers_with(phq9_9=item9, si_now="no"))
    assert ids(result) == {"CAU-PHQ9-ITEM9"}


@pytest.mark.parametrize(
    "item9",
    [True, 4, -1, 1.5, "1.5", "one", None, [1]],
    ids=["bool", "4", "-1", "1.5", "str-1.5", "word", "none", "list"],
)
def test_item9_unusable_is_unanswered(item9: Any):
    result = evaluate(answers_with(phq9_9=item9, si_now="no"))
    assert ids(result) == set()
    assert result.scores["phq9_total"] is None


@pytest.mark.parametrize(
    "value",
    [True, False, 4, -1, 2.5, "2.5", "x", None, DELETE],
    ids=["true", "false", "4", "-1", "2.5", "str-2.5", "text", "none", "absent"],
)
def test_partial_or_bad_phq9_gives_none_never_a_partial_sum(value: Any):
    result = evaluate(answers_with(phq9_5=value))
    assert result.scores["phq9_total"] is None
    assert result.scores["phq9_band"] is None
    assert_scores(result, {"phq2_total": 4})  # items 1 and 2 are still all there


def test_phq2_needs_items_1_and_2():
    result = evaluate(answers_with(phq9_2=DELETE))
    assert result.scores["phq2_total"] is None
    assert result.scores["phq9_total"] is None


@pytest.mark.parametrize("value", [DELETE, True, 4, "abc"], ids=["absent", "bool", "4", "text"])
def test_partial_gad7_gives_none(value: Any):
    result = evaluate(answers_with(gad7_7=value))
    assert result.scores["gad7_total"] is None
    assert result.scores["gad7_band"] is None


def _spread(total: int, items: int) -> list[int]:
    values = []
    for _ in range(items):
        values.append(min(3, total))
        total -= values[-1]
    assert total == 0
    return values


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (24, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands(total: int, band: str):
    values = _spread(total, 9)[::-1] if total > 24 else [*_spread(total, 8), 0]
    result = evaluate(answers_with(phq9(values), si_now="no"))
    assert_scores(result, {"phq9_total": total, "phq9_band": band})


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands(total: int, band: str):
    result = evaluate(answers_with(gad7(_spread(total, 7))))
    assert_scores(result, {"gad7_total": total, "gad7_band": band})


def test_pcl5_total_when_ptsd_is_a_reason():
    items = [3, 2, 2, 3, 2, 1, 2, 2, 3, 2, 2, 1, 2, 3, 2, 1, 2, 2, 1, 2]
    answers = answers_with(
        {f"pcl5_{i}": v for i, v in enumerate(items, start=1)}, reasons=["depression", "ptsd"]
    )
    assert_scores(evaluate(answers), {"pcl5_total": 40})
    answers.pop("pcl5_20")
    assert evaluate(answers).scores["pcl5_total"] is None


def test_pcl5_out_of_range_item_gives_none():
    answers = answers_with(
        {f"pcl5_{i}": 4 for i in range(1, 21)}, reasons=["ptsd", "depression"], pcl5_3=5
    )
    assert evaluate(answers).scores["pcl5_total"] is None


@pytest.mark.parametrize(
    ("height", "weight", "bmi", "fires"),
    [
        pytest.param(175, 75, 24.5, False, id="baseline"),
        pytest.param(" 175 ", "75", 24.5, False, id="strings"),
        pytest.param(175.0, 75.0, 24.5, False, id="whole-floats"),
        # exact halves: rounded half up, not half to even
        pytest.param(200, 89, 22.3, False, id="22.25-half-up"),
        pytest.param(160, 80, 31.3, False, id="31.25-half-up"),
        pytest.param(200, 141, 35.3, True, id="35.25-half-up"),
        pytest.param(200, 140, 35.0, True, id="exactly-35"),
        pytest.param(179, 112, 35.0, True, id="34.955-rounds-to-35"),
        pytest.param(170, 101, 34.9, False, id="34.948-rounds-to-34.9"),
        pytest.param(100, 350, 350.0, True, id="range-corner"),
    ],
)
def test_bmi(height: Any, weight: Any, bmi: float, fires: bool):
    result = evaluate(answers_with(height_cm=height, weight_kg=weight))
    assert_bmi(result.scores["bmi"], bmi)
    assert ids(result) == ({"CAU-SLEEP-APNEA-BMI"} if fires else set())


@pytest.mark.parametrize(
    ("height", "weight"),
    [
        pytest.param(99, 75, id="height-99"),
        pytest.param(251, 75, id="height-251"),
        pytest.param(175, 29, id="weight-29"),
        pytest.param(175, 351, id="weight-351"),
        pytest.param(175, 75.5, id="weight-fraction"),
        pytest.param(True, 75, id="bool-height"),
        pytest.param(DELETE, 75, id="no-height"),
        pytest.param(175, DELETE, id="no-weight"),
        pytest.param(100, "heavy", id="text-weight"),
    ],
)
def test_bmi_needs_both_valid_numbers(height: Any, weight: Any):
    result = evaluate(answers_with(height_cm=height, weight_kg=weight))
    assert result.scores["bmi"] is None
    assert ids(result) == set()


# --- other "unanswered never fires" cases ---------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"reasons": DELETE}, set(), id="reasons-absent"),
        pytest.param({"reasons": []}, set(), id="reasons-empty-is-out-of-range"),
        pytest.param({"vascular": "aneurysm_any"}, set(), id="multi-as-string"),
        pytest.param({"meds_now": "maoi"}, set(), id="meds-as-string"),
        pytest.param({"si_now": "yes", "phq9_9": 1, "si_wish_dead_past_month": 1}, {"URG-SI-NOW"},
                     id="int-for-yn-is-unanswered"),
        pytest.param({"pregnant": "yes"}, {"CI-PREGNANT"}, id="answers-read-as-given"),
        pytest.param({"liver": ["cirrhosis_or_severe"]}, set(), id="list-for-single-choice"),
        pytest.param(
            {"bipolar_dx": "yes", "mood_stabilizer_now": "no", "mania_past_3_months": DELETE},
            set(),
            id="bipolar-mania-unanswered-is-not-no",
        ),
        pytest.param(
            {"bipolar_dx": "yes", "mood_stabilizer_now": DELETE},
            set(),
            id="bipolar-stabiliser-unanswered-is-not-no",
        ),
        pytest.param(
            {"htn_dx": "yes", "htn_meds": DELETE, "htn_controlled": "yes"},
            set(),
            id="htn-meds-unanswered-is-not-no",
        ),
        pytest.param(
            {"treatment_interest": ["iv_ketamine"], "self_pay_ok": DELETE},
            set(),
            id="self-pay-unanswered",
        ),
        pytest.param(
            {"ketamine_treatment_before": "IV"}, set(), id="unknown-value-is-not-not-none"
        ),
        pytest.param(
            {"sex_at_birth": "female", "can_become_pregnant": "yes", "pregnant": DELETE,
             "breastfeeding": "no"},
            set(),
            id="pregnancy-unanswered-is-not-no",
        ),
        pytest.param({"ketamine_allergy": True}, set(), id="bool-for-yns"),
    ],
)
def test_unanswered_triggers_never_fire(changes: dict, expected: set[str]):
    result = evaluate(answers_with(changes))
    assert ids(result) == expected


# --- .because (rules.md: question ids whose answers fired it, in questionnaire order) ------


@pytest.mark.parametrize(
    ("changes", "rule", "expected"),
    [
        pytest.param({"vascular": ["aneurysm_any"]}, "CI-ANEURYSM", ("vascular",), id="aneurysm"),
        pytest.param(
            {"auditc_1": 2, "auditc_2": 1, "auditc_3": 1},
            "CAU-AUDITC-POSITIVE",
            ("sex_at_birth", "auditc_1", "auditc_2", "auditc_3"),
            id="auditc-score-inputs",
        ),
        pytest.param(
            {"date_of_birth": "1950-05-05"}, "CAU-AGE-65-PLUS", ("date_of_birth",), id="age-65"
        ),
        pytest.param(
            {"date_of_birth": "2010-05-05"}, "CI-UNDER-18", ("date_of_birth",), id="under-18"
        ),
        pytest.param({"phq9_9": 1, **YES_NOW}, "URG-SI-NOW", ("si_now",), id="si-now"),
        pytest.param({"phq9_9": 1, **NO_NOW}, "CAU-PHQ9-ITEM9", ("phq9_9",), id="item9"),
        pytest.param(
            {**thoughts(intent="yes", plan="yes"), **NO_NOW},
            "URG-SI-INTENT-PLAN",
            ("si_intent_past_month", "si_plan_past_month"),
            id="intent-and-plan",
        ),
        pytest.param(
            {**thoughts(plan="yes"), **NO_NOW},
            "URG-SI-INTENT-PLAN",
            ("si_plan_past_month",),
            id="plan-only",
        ),
        pytest.param(
            bp(190, 125, ["chest_pain"]),
            "URG-BP-SYMPTOMS",
            ("bp_systolic", "bp_diastolic", "bp_symptoms_now"),
            id="bp-symptoms",
        ),
        pytest.param(
            {"height_cm": 179, "weight_kg": 112},
            "CAU-SLEEP-APNEA-BMI",
            ("height_cm", "weight_kg"),
            id="bmi-inputs",
        ),
        pytest.param(
            {"sleep_apnea": "yes_untreated"},
            "CAU-SLEEP-APNEA-BMI",
            ("sleep_apnea",),
            id="apnoea-only",
        ),
        pytest.param(
            {"height_cm": 160, "weight_kg": 100, "sleep_apnea": "yes_untreated"},
            "CAU-SLEEP-APNEA-BMI",
            ("height_cm", "weight_kg", "sleep_apnea"),
            id="bmi-and-apnoea-in-order",
        ),
        pytest.param(
            {"ride_home": "no", "twice_weekly_possible": "not_sure"},
            "INF-LOGISTICS",
            ("ride_home", "twice_weekly_possible"),
            id="logistics-only-the-answers-that-fired",
        ),
        pytest.param(
            {"last_use_ketamine_nonmedical": "within_12_months", "last_use_pcp": "within_30_days"},
            "CI-KETAMINE-PCP-RECENT",
            ("last_use_ketamine_nonmedical", "last_use_pcp"),
            id="ketamine-and-pcp",
        ),
        pytest.param(
            {"last_use_pcp": "within_30_days"},
            "CI-KETAMINE-PCP-RECENT",
            ("last_use_pcp",),
            id="pcp-only",
        ),
        pytest.param(
            bp(150, 80), "CAU-BP-STAGE2", ("bp_systolic",), id="stage2-systolic-only"
        ),
        pytest.param(
            bp(150, 95), "CAU-BP-STAGE2", ("bp_systolic", "bp_diastolic"), id="stage2-both"
        ),
        pytest.param(
            bp(185, 110, ["none"]),
            "URG-BP-CRISIS-RANGE",
            ("bp_systolic", "bp_symptoms_now"),
            id="crisis-range",
        ),
        pytest.param(
            {"cv_event_within_6_months": "yes", "chest_pain_unstable": "yes"},
            "CI-CV-RECENT",
            ("cv_event_within_6_months", "chest_pain_unstable"),
            id="cv-recent-both",
        ),
        pytest.param(
            {"sex_at_birth": "female", "can_become_pregnant": "yes", "pregnant": "no",
             "breastfeeding": "no"},
            "INF-PREGNANCY-POSSIBLE",
            ("can_become_pregnant", "pregnant"),
            id="pregnancy-possible",
        ),
        pytest.param(
            {"last_use_cannabis": "within_30_days", "substance_problem_self": "yes"},
            "CAU-SUBSTANCE-OTHER",
            ("last_use_cannabis", "substance_problem_self"),
            id="substance-other-two-reasons",
        ),
        pytest.param(
            {"ad_trials": [trial()]},
            "INF-TRIALS-LT2",
            ("reasons", "ad_trials"),
            id="trials",
        ),
    ],
)
def test_because(changes: dict, rule: str, expected: tuple[str, ...]):
    assert because(evaluate(answers_with(changes)), rule) == expected


# --- result summary fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "highest", "urgent", "crisis"),
    [
        pytest.param({}, None, False, False, id="none"),
        pytest.param({"ect_ever": "yes"}, "info", False, False, id="info"),
        pytest.param({"meds_now": ["maoi"], "ect_ever": "yes"}, "caution", False, False, id="cau"),
        pytest.param(
            {"liver": "cirrhosis_or_severe", "meds_now": ["maoi"]},
            "contraindication",
            False,
            False,
            id="ci",
        ),
        pytest.param(
            {"liver": "cirrhosis_or_severe", **bp(181, 90, ["none"])},
            "urgent",
            True,
            True,
            id="urgent-bp",
        ),
        pytest.param(
            {**thoughts(intent="yes"), **NO_NOW, "has_referral": "no"},
            "urgent",
            True,
            True,
            id="urgent-suicide",
        ),
    ],
)
def test_summary_fields(changes: dict, highest: str | None, urgent: bool, crisis: bool):
    result = evaluate(answers_with(changes))
    assert result.highest_severity == highest
    assert result.urgent is urgent
    assert result.crisis is crisis
