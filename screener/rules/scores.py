"""Scores derived from the answers. A score needs all its items; otherwise it is None."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..questionnaire import QUESTIONNAIRE, Answers
from .settings import TRIAL_WEEKS, Settings

SCORE_KEYS = (
    "age", "phq9_total", "phq9_band", "phq2_total", "gad7_total", "gad7_band", "pcl5_total",
    "auditc_total", "auditc_positive", "possibly_adequate_trials", "bp_category", "bmi",
)
PHQ9_ITEMS = tuple(f"phq9_{i}" for i in range(1, 10))
GAD7_ITEMS = tuple(f"gad7_{i}" for i in range(1, 8))
PCL5_ITEMS = tuple(f"pcl5_{i}" for i in range(1, 21))
AUDITC_ITEMS = ("auditc_1", "auditc_2", "auditc_3")
PHQ9_BANDS = ((20, "severe"), (15, "moderately_severe"), (10, "moderate"), (5, "mild"),
              (0, "minimal"))
GAD7_BANDS = ((15, "severe"), (10, "moderate"), (5, "mild"), (0, "minimal"))
BP_CATEGORIES = ("normal", "elevated", "stage_1", "stage_2", "crisis_range")
ADEQUATE_ADHERENCE = frozenset({"as_prescribed", "mostly"})
ADEQUATE_OUTCOMES = frozenset({"no_change", "some_improvement", "better_then_returned"})
ADEQUATE_EPISODE = frozenset({"yes", "not_sure"})
GRADED_TRIAL_KEYS = tuple(f.key for f in QUESTIONNAIRE.trial_fields if f.graded)


def total(answers: Answers, items: tuple[str, ...]) -> int | None:
    values = [answers.get(item) for item in items]
    return None if None in values else sum(values)


def band(score: int | None, bands: tuple[tuple[int, str], ...]) -> str | None:
    if score is None:
        return None
    for floor, name in bands:
        if score >= floor:
            return name
    return None  # below every band's floor: not reached for scores from the items' ranges


def age_on(birth: date | None, as_of: date) -> int | None:
    """Whole years by calendar; a birth date after as_of is unanswered."""
    if birth is None or birth > as_of:
        return None
    return as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))


def auditc_total(answers: Answers) -> int | None:
    if answers.get("auditc_1") == 0:
        return 0  # items 2 and 3 are not asked
    return total(answers, AUDITC_ITEMS)


def auditc_positive(score: int | None, sex_at_birth: str | None) -> bool | None:
    if score is None:
        return None
    return score >= (4 if sex_at_birth == "male" else 3)


def is_possibly_adequate(row: dict[str, Any], settings: Settings) -> bool:
    return (
        row.get("weeks") in TRIAL_WEEKS[settings.min_trial_weeks]
        and row.get("adherence") in ADEQUATE_ADHERENCE
        and row.get("outcome") in ADEQUATE_OUTCOMES
        and row.get("current_episode") in ADEQUATE_EPISODE
    )


def possibly_adequate_trials(answers: Answers, settings: Settings) -> list[dict[str, Any]] | None:
    """The rows that count (reported, unverified), or None when ad_trials is unanswered."""
    rows = answers.get("ad_trials")
    if rows is None:
        return None
    return [row for row in rows if is_possibly_adequate(row, settings)]


def bp_readings(answers: Answers) -> tuple[int | None, int | None]:
    """(systolic, diastolic) as the rules read them: ignored when bp_unknown is true."""
    if answers.get("bp_unknown") is True:
        return None, None
    return answers.get("bp_systolic"), answers.get("bp_diastolic")


def systolic_category(value: int) -> int:
    return 4 if value >= 180 else 3 if value >= 140 else 2 if value >= 130 else (
        1 if value >= 120 else 0)


def diastolic_category(value: int) -> int:
    return 4 if value >= 120 else 3 if value >= 90 else 2 if value >= 80 else 0


def bp_category(answers: Answers) -> str | None:
    if answers.get("bp_unknown") is True:
        return "unknown"
    systolic, diastolic = bp_readings(answers)
    if systolic is None or diastolic is None:
        return None
    return BP_CATEGORIES[max(systolic_category(systolic), diastolic_category(diastolic))]


def bmi(answers: Answers) -> float | None:
    """kg / m², rounded half up to one decimal."""
    height, weight = answers.get("height_cm"), answers.get("weight_kg")
    if height is None or weight is None:
        return None
    metres = Decimal(height) / 100
    return float((Decimal(weight) / (metres * metres)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def compute_scores(answers: Answers, as_of: date, settings: Settings) -> dict[str, Any]:
    phq9 = total(answers, PHQ9_ITEMS)
    gad7 = total(answers, GAD7_ITEMS)
    audit = auditc_total(answers)
    adequate = possibly_adequate_trials(answers, settings)
    return {
        "age": age_on(answers.get("date_of_birth"), as_of),
        "phq9_total": phq9,
        "phq9_band": band(phq9, PHQ9_BANDS),
        "phq2_total": total(answers, PHQ9_ITEMS[:2]),
        "gad7_total": gad7,
        "gad7_band": band(gad7, GAD7_BANDS),
        "pcl5_total": total(answers, PCL5_ITEMS),
        "auditc_total": audit,
        "auditc_positive": auditc_positive(audit, answers.get("sex_at_birth")),
        "possibly_adequate_trials": None if adequate is None else len(adequate),
        "bp_category": bp_category(answers),
        "bmi": bmi(answers),
    }
