"""Small trigger predicates that rules are built from.

A trigger is called with a `Case` (cleaned answers, scores, settings) and returns the question
ids whose answers fired it, or an empty tuple. Triggers are frozen dataclasses, so their `repr`
describes them exactly; the rulebook fingerprint is taken from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..questionnaire import Answers
from .settings import EVER_USED, WINDOWS, Settings

NOTHING: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Case:
    answers: Answers
    scores: dict[str, Any]
    settings: Settings
    as_of: date


@dataclass(frozen=True, slots=True)
class Is:
    """The answer is one of `values`."""

    question: str
    values: tuple[Any, ...]

    def __call__(self, case: Case) -> tuple[str, ...]:
        return (self.question,) if case.answers.get(self.question) in self.values else NOTHING


@dataclass(frozen=True, slots=True)
class IsNot:
    """The question is answered with something other than `value`."""

    question: str
    value: Any

    def __call__(self, case: Case) -> tuple[str, ...]:
        given = case.answers.get(self.question)
        return (self.question,) if given is not None and given != self.value else NOTHING


@dataclass(frozen=True, slots=True)
class Has:
    """A multiple-choice answer contains any of `values`."""

    question: str
    values: tuple[str, ...]

    def __call__(self, case: Case) -> tuple[str, ...]:
        given = case.answers.get(self.question)
        if given and any(value in given for value in self.values):
            return (self.question,)
        return NOTHING


@dataclass(frozen=True, slots=True)
class HasNone:
    """A multiple-choice answer is given and contains none of `values`."""

    question: str
    values: tuple[str, ...]

    def __call__(self, case: Case) -> tuple[str, ...]:
        given = case.answers.get(self.question)
        if given and not any(value in given for value in self.values):
            return (self.question,)
        return NOTHING


@dataclass(frozen=True, slots=True)
class UsedWithin:
    """A last_use_* answer falls inside the clinic's look-back window `window_setting`."""

    questions: tuple[str, ...]
    window_setting: str

    def __call__(self, case: Case) -> tuple[str, ...]:
        window = WINDOWS[getattr(case.settings, self.window_setting)]
        return tuple(q for q in self.questions if case.answers.get(q) in window)


@dataclass(frozen=True, slots=True)
class UsedBefore:
    """Used, but longer ago than the window `window_setting` (and within `since` if given)."""

    questions: tuple[str, ...]
    window_setting: str
    since: str | None = None

    def __call__(self, case: Case) -> tuple[str, ...]:
        recent = WINDOWS[getattr(case.settings, self.window_setting)]
        earliest = EVER_USED if self.since is None else WINDOWS[self.since]
        return tuple(q for q in self.questions
                     if case.answers.get(q) in earliest and case.answers.get(q) not in recent)


@dataclass(frozen=True, slots=True)
class ScoreAtLeast:
    """A score is at least `threshold` (a number, or the name of a clinic setting)."""

    score: str
    threshold: int | float | str
    because: tuple[str, ...]

    def __call__(self, case: Case) -> tuple[str, ...]:
        value = case.scores[self.score]
        limit = self.threshold
        if isinstance(limit, str):
            limit = getattr(case.settings, limit)
        return self.because if value is not None and value >= limit else NOTHING


@dataclass(frozen=True, slots=True)
class ScoreBelow:
    score: str
    threshold: int
    because: tuple[str, ...]

    def __call__(self, case: Case) -> tuple[str, ...]:
        value = case.scores[self.score]
        return self.because if value is not None and value < self.threshold else NOTHING


@dataclass(frozen=True, slots=True)
class ScoreIs:
    score: str
    value: Any
    because: tuple[str, ...]

    def __call__(self, case: Case) -> tuple[str, ...]:
        return self.because if case.scores[self.score] == self.value else NOTHING


@dataclass(frozen=True, slots=True)
class AtLeast:
    """A whole-number answer is at least `threshold`."""

    question: str
    threshold: int

    def __call__(self, case: Case) -> tuple[str, ...]:
        given = case.answers.get(self.question)
        return (self.question,) if given is not None and given >= self.threshold else NOTHING


@dataclass(frozen=True, slots=True)
class BloodPressureAtLeast:
    """Either reading at or above its threshold; each reading is read on its own, and
    ignored when bp_unknown is true."""

    systolic: int
    diastolic: int

    def __call__(self, case: Case) -> tuple[str, ...]:
        answers = case.answers
        if answers.get("bp_unknown") is True:
            return NOTHING
        fired = NOTHING
        systolic, diastolic = answers.get("bp_systolic"), answers.get("bp_diastolic")
        if systolic is not None and systolic >= self.systolic:
            fired += ("bp_systolic",)
        if diastolic is not None and diastolic >= self.diastolic:
            fired += ("bp_diastolic",)
        return fired


@dataclass(frozen=True, slots=True)
class AnyOf:
    tests: tuple[Any, ...]

    def __call__(self, case: Case) -> tuple[str, ...]:
        fired = NOTHING
        for test in self.tests:
            fired += test(case)
        return fired


@dataclass(frozen=True, slots=True)
class AllOf:
    tests: tuple[Any, ...]

    def __call__(self, case: Case) -> tuple[str, ...]:
        fired = NOTHING
        for test in self.tests:
            part = test(case)
            if not part:
                return NOTHING
            fired += part
        return fired


@dataclass(frozen=True, slots=True)
class HasOtherThan:
    """A multiple-choice answer contains a value other than `value` (e.g. other than none)."""

    question: str
    value: str

    def __call__(self, case: Case) -> tuple[str, ...]:
        given = case.answers.get(self.question)
        if given and any(value != self.value for value in given):
            return (self.question,)
        return NOTHING


@dataclass(frozen=True, slots=True)
class WithContext:
    """Fires when `test` fires; `because` also names `context` questions that are answered."""

    test: Any
    context: tuple[str, ...]

    def __call__(self, case: Case) -> tuple[str, ...]:
        fired = self.test(case)
        if not fired:
            return NOTHING
        return fired + tuple(q for q in self.context if case.answers.get(q) is not None)


@dataclass(frozen=True, slots=True)
class UpperAgeLimitNote:
    """Staff note when the clinic set an upper age limit and the person is at or above it."""

    def __call__(self, case: Case) -> str:
        limit, age = case.settings.upper_age_limit, case.scores["age"]
        if limit is None or age is None or age < limit:
            return ""
        return f" At or above this clinic's upper age limit ({limit}); a provider decides."
