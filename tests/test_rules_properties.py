"""Properties that hold for any answers (hypothesis), and the shape of the RULES table.

The rule table is read out of rules.md, so these tests follow the contract rather than restate it.
"""

from __future__ import annotations

import copy
import math
import re
from datetime import date
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules_cases import (
    CHOICES,
    CRISIS_RULES,
    INT_RANGES,
    MULTIS,
    QUESTION_INDEX,
    QUESTION_ORDER,
    RULES_MD,
    SAFETY_QUESTIONS,
    SCORE_KEYS,
    SEVERITIES,
    SUICIDE_FAMILY,
    TEXTS,
    TRIAL_KEYS,
    baseline,
    flag_ids,
    require_design_file,
    rules_api,
    spec_order,
    spec_rules,
)

# --- strategies -----------------------------------------------------------------------------

JUNK_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=-5, max_value=400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([2.0, 3.0, 180.0, 0.5, -0.0, 1e308, float("nan"), float("inf")]),
    st.text(max_size=12),
    st.sampled_from(
        [" 2 ", "2", "2.0", "1e3", "-1", "", " ", "yes ", "YES", "NaN", "inf", "0x10", "٣", "²"]
    ),
    st.binary(max_size=6),
    st.dates(),
    st.builds(object),
)
JUNK = st.recursive(
    JUNK_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.frozensets(st.sampled_from(["none", "maoi", "avm", 1, None]), max_size=3),
        st.dictionaries(st.text(max_size=6), inner, max_size=3),
    ),
    max_leaves=8,
)


def _int_value(lo: int, hi: int):
    return st.one_of(
        st.integers(min_value=lo, max_value=hi),
        st.integers(min_value=lo, max_value=hi).map(float),
        st.integers(min_value=lo, max_value=hi).map(lambda v: f" {v} "),
        st.sampled_from([lo - 1, hi + 1, True, False]),
    )


def _multi_value(options: tuple[str, ...]):
    return st.one_of(
        st.lists(st.sampled_from(options), min_size=1, max_size=4, unique=True),
        st.lists(st.one_of(st.sampled_from(options), JUNK_SCALARS), max_size=4),
        st.just([]),
    )


def _trial_row():
    keyed = st.fixed_dictionaries(
        {"drug": st.sampled_from(["sertraline", "other", "bupropion"])},
        optional={
            key: st.one_of(st.sampled_from(values), JUNK_SCALARS)
            for key, values in TRIAL_KEYS.items()
        }
        | {"drug_other": st.text(max_size=10)},
    )
    return st.one_of(keyed, JUNK_SCALARS)


def _dob():
    return st.one_of(
        st.dates(min_value=date(1890, 1, 1), max_value=date(2030, 12, 31)).map(date.isoformat),
        st.dates(),
        st.sampled_from(["2008-02-29", "1900-01-01", "1899-12-31", "2026-13-01", "yesterday"]),
    )


def value_for(question: str):
    """A plausible value for a question: usually valid, sometimes junk."""
    if question in CHOICES:
        valid = st.sampled_from(CHOICES[question])
    elif question in MULTIS:
        valid = _multi_value(MULTIS[question])
    elif question in INT_RANGES:
        valid = _int_value(*INT_RANGES[question])
    elif question == "ad_trials":
        valid = st.lists(_trial_row(), max_size=22)
    elif question == "bp_unknown":
        valid = st.booleans()
    elif question == "date_of_birth":
        valid = _dob()
    elif question in TEXTS:
        valid = st.text(max_size=30)
    else:
        valid = JUNK
    return st.one_of(valid, valid, valid, JUNK)


ANY_QUESTION = st.sampled_from(QUESTION_ORDER)
UNKNOWN_KEY = st.one_of(st.text(max_size=12), st.sampled_from(["si_now ", "PHQ9_9", "phq9_10"]))


@st.composite
def answer_sets(draw) -> dict[Any, Any]:
    """Either arbitrary partial answers or the baseline with some answers changed or removed."""
    if draw(st.booleans()):
        answers: dict[Any, Any] = {}
        for question in draw(st.lists(ANY_QUESTION, unique=True, max_size=60)):
            answers[question] = draw(value_for(question))
    else:
        answers = baseline()
        for question in draw(st.lists(ANY_QUESTION, unique=True, max_size=12)):
            if draw(st.integers(0, 3)) == 0:
                answers.pop(question, None)
            else:
                answers[question] = draw(value_for(question))
    for key in draw(st.lists(UNKNOWN_KEY, max_size=3)):
        answers[key] = draw(JUNK)
    if draw(st.integers(0, 9)) == 0:
        answers[draw(st.integers())] = draw(JUNK)  # a non-string key
    return answers


DELETED = "<deleted>"  # marker for "remove this key" in generated changes

AS_OF = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))

PROPERTY_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,  # keep runs hermetic: nothing written outside tests/
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _evaluate(answers, as_of):
    return rules_api().evaluate(answers, as_of=as_of)


# --- properties -----------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(answers=answer_sets(), as_of=AS_OF)
def test_evaluate_never_raises_and_the_result_is_consistent(answers, as_of):
    api = rules_api()
    before = copy.deepcopy(answers) if _deepcopyable(answers) else None
    result = api.evaluate(answers, as_of=as_of)
    if before is not None:
        assert _same(answers, before), "evaluate changed its input"

    flags = result.flags
    assert isinstance(flags, tuple)
    ids = [f.rule_id for f in flags]
    known = {r.id: r for r in api.RULES}
    assert set(ids) <= set(known)
    assert len(ids) == len(set(ids)), f"duplicate flags: {ids}"

    # severities in non-decreasing order, and rulebook order within a severity
    severities = [f.severity for f in flags]
    assert all(s in SEVERITIES for s in severities)
    positions = [SEVERITIES.index(s) for s in severities]
    assert positions == sorted(positions)
    assert tuple(ids) == spec_order(ids)

    # each flag carries its rule's severity, wording and sources, and what fired it
    for f in flags:
        rule = known[f.rule_id]
        assert f.severity == rule.severity
        assert f.patient_text == rule.patient_text
        assert f.staff_text == rule.staff_text
        assert tuple(f.sources) == tuple(rule.sources)
        because = tuple(f.because)
        assert because, f"{f.rule_id} has an empty .because"
        assert all(q in QUESTION_INDEX for q in because), because
        assert len(because) == len(set(because))
        assert list(because) == sorted(because, key=QUESTION_INDEX.__getitem__)

    # summary fields
    assert result.urgent is any(s == "urgent" for s in severities)
    assert result.highest_severity == (severities[0] if flags else None)
    assert result.crisis is bool(set(ids) & CRISIS_RULES)
    if result.crisis:
        assert result.urgent

    # scores: exactly the contract keys, plausible types and ranges
    assert set(result.scores) == SCORE_KEYS
    _check_scores(result.scores)

    # missing_safety: safety ids, questionnaire order, no duplicates
    missing = tuple(result.missing_safety)
    assert set(missing) <= set(SAFETY_QUESTIONS), missing
    assert len(missing) == len(set(missing))
    assert list(missing) == sorted(missing, key=QUESTION_INDEX.__getitem__)

    # suppression (rules.md): one flag per fact
    present = set(ids)
    if present & {"URG-SI-NOW", "URG-SI-INTENT-PLAN", "URG-SUICIDE-BEHAVIOR-3M"}:
        assert not present & {"CAU-SI-ACTIVE", "CAU-SI-PASSIVE", "CAU-PHQ9-ITEM9"}
    assert not {"CAU-SI-ACTIVE", "CAU-SI-PASSIVE"} <= present
    if "CAU-PHQ9-ITEM9" in present:
        assert present & SUICIDE_FAMILY == {"CAU-PHQ9-ITEM9"}
    if "URG-BP-SYMPTOMS" in present:
        assert not present & {"URG-BP-CRISIS-RANGE", "CAU-BP-STAGE2"}
    if "URG-BP-CRISIS-RANGE" in present:
        assert "CAU-BP-STAGE2" not in present
    if present & {"CI-PSYCHOTIC-DISORDER", "CI-PSYCHOSIS-NOW"}:
        assert "CAU-PSYCHOSIS-PAST" not in present
    assert not {"CI-KETAMINE-PCP-RECENT", "CAU-KETAMINE-PCP-PAST"} <= present
    assert not {"CI-CV-RECENT", "CAU-CV-HISTORY"} <= present
    assert not {"CI-KETAMINE-ALLERGY", "CAU-KETAMINE-REACTION"} <= present


def _deepcopyable(answers) -> bool:
    try:
        copy.deepcopy(answers)
    except Exception:
        return False
    return True


def _same(a, b) -> bool:
    """Equality that treats NaN as equal to itself (answers may contain NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is object:
        return True  # deepcopy of object() is a new object
    return a == b


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_scores(scores: dict[str, Any]) -> None:
    ranges = {
        "phq9_total": (0, 27),
        "phq2_total": (0, 6),
        "gad7_total": (0, 21),
        "pcl5_total": (0, 80),
        "auditc_total": (0, 12),
        "possibly_adequate_trials": (0, 20),
        "age": (0, 250),
    }
    for key, (lo, hi) in ranges.items():
        value = scores[key]
        assert value is None or (_is_int(value) and lo <= value <= hi), (key, value)
    bands = {
        "phq9_band": {"minimal", "mild", "moderate", "moderately_severe", "severe"},
        "gad7_band": {"minimal", "mild", "moderate", "severe"},
        "bp_category": {"normal", "elevated", "stage_1", "stage_2", "crisis_range", "unknown"},
    }
    for key, allowed in bands.items():
        assert scores[key] is None or scores[key] in allowed, (key, scores[key])
    assert (scores["phq9_total"] is None) == (scores["phq9_band"] is None)
    assert (scores["gad7_total"] is None) == (scores["gad7_band"] is None)
    assert scores["auditc_positive"] in (None, True, False)
    assert (scores["auditc_total"] is None) == (scores["auditc_positive"] is None)
    bmi = scores["bmi"]
    if bmi is not None:
        # weight 30..350 kg, height 100..250 cm
        assert 30 / 2.5**2 - 0.05 <= float(bmi) <= 350 + 0.05
        assert abs(float(bmi) * 10 - round(float(bmi) * 10)) < 1e-6, "bmi has one decimal"


@PROPERTY_SETTINGS
@given(answers=answer_sets(), as_of=AS_OF)
def test_evaluate_is_deterministic_and_mapping_type_does_not_matter(answers, as_of):
    first = _evaluate(answers, as_of)
    second = _evaluate(MappingProxyType(dict(answers)), as_of)
    assert flag_ids(first) == flag_ids(second)
    assert tuple(first.missing_safety) == tuple(second.missing_safety)
    assert _same(first.scores, second.scores)


UNANSWERED = st.sampled_from([None, "", "junk", "Yes", "NONE", 10**6, -1, 2.5, {"a": 1}, b"no"])


@PROPERTY_SETTINGS
@given(
    changes=st.dictionaries(
        st.sampled_from(QUESTION_ORDER),
        st.one_of(UNANSWERED, st.just(DELETED)),
        max_size=15,
    )
)
def test_unanswered_questions_never_fire_on_the_flag_free_baseline(changes):
    """rules.md: a trigger on an unanswered question (absent, None, wrong type, out of range)
    never fires. Starting from the flag-free baseline, making any answers unanswered must not
    make a flag appear (e.g. `ketamine_treatment_before != none` must not fire on junk)."""
    answers = baseline()
    for key, value in changes.items():
        if value is DELETED:
            answers.pop(key, None)
        else:
            answers[key] = value
    result = _evaluate(answers, date(2026, 1, 15))
    assert flag_ids(result) == ()
    assert result.crisis is False


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.integers(min_value=0, max_value=3), min_size=9, max_size=9))
def test_phq9_total_and_band_follow_the_items(items):
    answers = {**baseline(), **{f"phq9_{i}": v for i, v in enumerate(items, start=1)}}
    answers["si_now"] = "no"
    scores = _evaluate(answers, date(2026, 1, 15)).scores
    total = sum(items)
    assert scores["phq9_total"] == total
    assert scores["phq2_total"] == items[0] + items[1]
    band = (
        "minimal"
        if total <= 4
        else "mild"
        if total <= 9
        else "moderate"
        if total <= 14
        else "moderately_severe"
        if total <= 19
        else "severe"
    )
    assert scores["phq9_band"] == band


@settings(max_examples=150, deadline=None, database=None)
@given(
    st.integers(min_value=60, max_value=300),
    st.integers(min_value=30, max_value=200),
)
def test_bp_category_and_bp_flags_follow_the_numbers(systolic, diastolic):
    answers = {**baseline(), "bp_systolic": systolic, "bp_diastolic": diastolic}
    crisis = systolic >= 180 or diastolic >= 120
    if crisis:
        answers["bp_symptoms_now"] = ["none"]
    result = _evaluate(answers, date(2026, 1, 15))
    if crisis:
        expected = "crisis_range"
    elif systolic >= 140 or diastolic >= 90:
        expected = "stage_2"
    elif systolic >= 130 or diastolic >= 80:
        expected = "stage_1"
    elif systolic >= 120:
        expected = "elevated"
    else:
        expected = "normal"
    assert result.scores["bp_category"] == expected
    bp_flags = {i for i in flag_ids(result) if "BP" in i}
    assert bp_flags == (
        {"URG-BP-CRISIS-RANGE"}
        if crisis
        else {"CAU-BP-STAGE2"}
        if expected == "stage_2"
        else set()
    )


# --- the RULES table against rules.md -------------------------------------------------------


def _count_check() -> dict[str, int]:
    text = require_design_file(RULES_MD).read_text(encoding="utf-8")
    section = text.split("## Count check", 1)[1]
    counts = {}
    for severity in SEVERITIES:
        match = re.search(rf"- {severity}: .*?= \*\*(\d+)\*\*", section, re.DOTALL)
        assert match, f"no count for {severity} in rules.md"
        counts[severity] = int(match.group(1))
    return counts


def test_rules_md_table_agrees_with_its_own_count_check():
    table = spec_rules()
    counts = _count_check()
    assert len(table) == 56 == sum(counts.values())
    for severity, count in counts.items():
        assert sum(1 for r in table if r[1] == severity) == count


def test_rules_has_56_rules_with_the_counts_per_severity():
    api = rules_api()
    counts = _count_check()
    assert len(api.RULES) == 56
    assert isinstance(api.RULES, tuple)
    for severity, count in counts.items():
        assert sum(1 for r in api.RULES if r.severity == severity) == count, severity


def test_rule_ids_are_unique_and_exactly_those_of_rules_md_in_order():
    api = rules_api()
    ids = [r.id for r in api.RULES]
    assert len(ids) == len(set(ids))
    assert tuple(ids) == tuple(r[0] for r in spec_rules())


def test_each_rule_has_the_severity_of_rules_md():
    api = rules_api()
    spec = {r[0]: r[1] for r in spec_rules()}
    assert {r.id: r.severity for r in api.RULES} == spec


def test_each_rule_cites_the_sources_of_rules_md():
    api = rules_api()
    spec = {r[0]: set(r[2]) for r in spec_rules()}
    actual = {r.id: set(r.sources) for r in api.RULES}
    assert actual == spec


def test_severities_and_version():
    api = rules_api()
    assert tuple(api.SEVERITIES) == SEVERITIES
    assert isinstance(api.RULEBOOK_VERSION, str) and api.RULEBOOK_VERSION.strip()


@pytest.mark.parametrize("question", sorted(set(SAFETY_QUESTIONS)))
def test_safety_question_ids_exist_in_the_questionnaire(question):
    text = require_design_file(RULES_MD.with_name("questionnaire.md")).read_text(encoding="utf-8")
    assert f"`{question}`" in text


@PROPERTY_SETTINGS
@given(answers=answer_sets())
def test_the_answers_reader_cleans_each_answer_as_its_question_cleaner_does(answers):
    """Answers cleans choices and whole numbers inline (for speed): the same values, and only
    those, that each question's own cleaner keeps."""
    from screener.questionnaire import QUESTIONS, Answers
    from screener.questionnaire.values import clean

    expected = {}
    for question_id, value in answers.items():
        if isinstance(question_id, str) and question_id in QUESTIONS:
            cleaned = clean(QUESTIONS[question_id], value)
            if cleaned is not None:
                expected[question_id] = cleaned
    assert Answers(answers).values == expected
