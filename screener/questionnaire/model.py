"""The building blocks of the questionnaire definition: options, questions, conditions, pages.

Pure data, no Flask: the rules module, the forms, the exports and the views all read it.
Conditions are declarative (like FHIR's `enableWhen`) so that a renderer can tell which
questions a condition depends on, and an export can describe them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


def N_(text: str) -> str:
    """Mark a string for translation; it is translated where it is shown (lazy gettext)."""
    return text


class AnswerReader(Protocol):
    def get(self, question_id: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class When:
    """One test on one earlier answer. An unanswered question makes `eq`, `in`, `ge`, `gt`,
    `contains` and `true` false, and `ne` and `not_true` true (unknown never counts as "no")."""

    question: str
    op: str
    value: Any = None

    def holds(self, answers: AnswerReader) -> bool:
        given = answers.get(self.question)
        return _OPERATORS[self.op](given, self.value)

    @property
    def questions(self) -> tuple[str, ...]:
        return (self.question,)


@dataclass(frozen=True, slots=True)
class Any_:
    """True when any of its conditions holds."""

    conditions: tuple[Condition, ...]
    questions: tuple[str, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:  # read on every page: made once
        object.__setattr__(self, "questions",
                           tuple(q for c in self.conditions for q in c.questions))

    def holds(self, answers: AnswerReader) -> bool:
        # A loop, not any(): skip logic is read for every question of every page and evaluation.
        for condition in self.conditions:  # noqa: SIM110
            if condition.holds(answers):
                return True
        return False


@dataclass(frozen=True, slots=True)
class All_:
    """True when all of its conditions hold."""

    conditions: tuple[Condition, ...]
    questions: tuple[str, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:  # read on every page: made once
        object.__setattr__(self, "questions",
                           tuple(q for c in self.conditions for q in c.questions))

    def holds(self, answers: AnswerReader) -> bool:
        for condition in self.conditions:  # noqa: SIM110  (a loop, as in Any_)
            if not condition.holds(answers):
                return False
        return True


Condition = When | Any_ | All_


def condition_as_data(condition: Condition) -> dict[str, Any]:
    """A condition as plain data (for the page's optional JavaScript and for exports)."""
    if isinstance(condition, When):
        value = list(condition.value) if isinstance(condition.value, tuple) else condition.value
        return {"q": condition.question, "op": condition.op, "v": value}
    key = "any" if isinstance(condition, Any_) else "all"
    return {key: [condition_as_data(c) for c in condition.conditions]}


def _contains(given: Any, value: Any) -> bool:
    if not isinstance(given, list):
        return False
    wanted = value if isinstance(value, tuple | frozenset | set) else (value,)
    return any(v in given for v in wanted)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda given, value: given is not None and given == value,
    "ne": lambda given, value: given != value,
    "in": lambda given, value: given is not None and given in value,
    "ge": lambda given, value: given is not None and given >= value,
    "gt": lambda given, value: given is not None and given > value,
    "contains": _contains,
    "true": lambda given, value: given is True,
    "not_true": lambda given, value: given is not True,
}


# Question kinds. "choice" is one of the options (radio buttons), "multi" a checkbox group,
# "int" a whole number, "bool" a single checkbox, "trials" the repeating group of section 8.
KINDS = ("choice", "multi", "int", "bool", "text", "longtext", "date", "email", "phone", "trials")


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: str
    label: str
    options: tuple[Option, ...] = ()
    hint: str = ""
    minimum: int | None = None
    maximum: int | None = None
    optional: bool = False
    asked_when: Condition | None = None
    exclusive: str | None = None  # in a "multi", the value that excludes the others
    safety: bool = False  # unanswered safety questions are reported, never read as "no"
    unit: str = ""
    # What the person reads when a required answer is missing (or is not one of the options);
    # it must make sense alone, in the error summary. "%(item)s" stands for the label.
    error: str = ""
    # For a number typed in: what reads when it is not a whole number in range.
    error_invalid: str = ""
    # "height" or "weight": typed in the clinic's units (units.py), stored in cm or kg.
    measure: str = ""
    # Values that may be stored but are never offered as a choice (last_use_*: "never").
    unoffered: tuple[str, ...] = ()
    # Stored when the question is not asked, once the answers its condition reads are given
    # (last_use_*: "never" for a substance not ticked); otherwise nothing is stored.
    unasked_value: Any = None
    # The options' stored values, in order (read for every answer cleaned).
    values: tuple[str, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(o.value for o in self.options))

    @property
    def offered(self) -> tuple[Option, ...]:
        """The options a person chooses from."""
        return tuple(o for o in self.options if o.value not in self.unoffered)

    def option_label(self, value: Any) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return str(value)


@dataclass(frozen=True, slots=True)
class Page:
    """One screen of a section. A page is shown when any of its questions is asked."""

    questions: tuple[Question, ...]
    title: str = ""
    why: str = ""  # "why we ask" for this page's questions (else the section's)


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    number: int
    title: str
    why: str
    pages: tuple[Page, ...]
    intro: str = ""
    attribution: str = ""
    show_crisis_resources: bool = False
    # The contract's order of question ids when the pages show them in another order.
    contract_order: tuple[str, ...] = ()

    @property
    def questions(self) -> tuple[Question, ...]:
        """The section's questions in questionnaire.md order (pages may group them otherwise)."""
        on_pages = tuple(q for page in self.pages for q in page.questions)
        if not self.contract_order:
            return on_pages
        by_id = {q.id: q for q in on_pages}
        return tuple(by_id[qid] for qid in self.contract_order)


@dataclass(frozen=True, slots=True)
class TrialField:
    """One key of an `ad_trials` row."""

    key: str
    label: str
    options: tuple[Option, ...] = ()
    maximum: int | None = None
    graded: bool = True  # the four keys that decide "possibly adequate"
    summary: str = ""  # how the answer reads in a one-line summary, when the value alone is unclear
    error: str = ""  # when missing; "%(number)s" is the row's number

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)


@dataclass(frozen=True, slots=True)
class Questionnaire:
    sections: tuple[Section, ...]
    trial_fields: tuple[TrialField, ...] = field(default=())
    max_trials: int = 20

    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.sections for q in s.questions)
