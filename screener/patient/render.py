"""What the question macro (templates/macros/question.html) needs to draw a question besides
its WTForms field: its texts in the page's language, its choices with their input ids, and
whether a condition on the same page decides it (then the page's script may hide it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale, gettext

from ..questionnaire.model import Question, condition_as_data
from .flow import PageRef, depends_on_same_page

INPUT_TYPES = {"email": "email", "phone": "tel"}
AUTOCOMPLETE = {"first_name": "given-name", "last_name": "family-name", "email": "email",
                "phone": "tel", "date_of_birth": "bday"}


@dataclass(frozen=True, slots=True)
class Part:
    """One box of an answer typed into several (a PartsField)."""

    name: str
    label: str
    width: int  # in characters
    autocomplete: str = "off"


def date_parts(autocomplete: str) -> tuple[Part, ...]:
    """Day, month and year boxes in the order the page's language writes a date (US English:
    month first). A birthday's boxes say so to the browser (bday-month ...)."""
    def part(name: str, label: str, width: int) -> Part:
        return Part(name, label, width, f"{autocomplete}-{name}" if autocomplete != "off"
                    else "off")
    day, month = part("day", gettext("Day"), 2), part("month", gettext("Month"), 2)
    year = part("year", gettext("Year"), 4)
    return (month, day, year) if str(get_locale()).startswith("en") else (day, month, year)


def input_parts(question: Question) -> tuple[Part, ...]:
    if question.kind == "date":
        return date_parts(AUTOCOMPLETE.get(question.id, "off"))
    return ()


def first_input_id(question: Question, field: Any) -> str:
    """The input an error summary link leads to: the first wrong box, or the first option."""
    if question.kind in ("choice", "multi") or (question.kind == "int" and question.options):
        return f"{question.id}-0"
    parts = [part.name for part in input_parts(question)]
    if parts:
        wrong = getattr(field, "error_parts", ()) or parts
        return f"{question.id}-{next(p for p in parts if p in wrong)}"
    return question.id


def _example_date(parts: tuple[Part, ...]) -> str:
    example = {"day": "27", "month": "4", "year": "1985"}
    return gettext("For example, %(date)s", date=" ".join(example[p.name] for p in parts))


@dataclass(frozen=True, slots=True)
class Choice:
    input_id: str
    value: str
    label: str
    exclusive: bool


@dataclass(frozen=True, slots=True)
class QuestionView:
    id: str
    kind: str
    label: str
    hint: str
    optional: bool
    unit: str
    maximum: int | None
    choices: tuple[Choice, ...]
    multi: bool
    input_type: str
    autocomplete: str
    parts: tuple[Part, ...] = ()

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint" if self.hint else ""


@dataclass(frozen=True, slots=True)
class ShownQuestion:
    """One question of a step page: its view, and its same-page condition (as data for the
    page's script) when it has one."""

    view: QuestionView
    conditional: bool
    condition: Any


def question_view(question: Question) -> QuestionView:
    choices = tuple(
        Choice(f"{question.id}-{i}", option.value, gettext(option.label),
               option.value == question.exclusive)
        for i, option in enumerate(question.options)
    ) if question.kind in ("choice", "multi", "int") else ()
    parts = input_parts(question)
    hint = gettext(question.hint) if question.hint else ""
    if question.kind == "date":
        hint = _example_date(parts)
    return QuestionView(
        id=question.id, kind=question.kind, label=gettext(question.label),
        hint=hint, optional=question.optional,
        unit=question.unit, maximum=question.maximum, choices=choices,
        multi=question.kind == "multi",
        input_type=INPUT_TYPES.get(question.kind, "text"),
        autocomplete=AUTOCOMPLETE.get(question.id, "off"), parts=parts,
    )


def shown_question(question: Question, ref: PageRef) -> ShownQuestion:
    conditional = depends_on_same_page(question, ref)
    return ShownQuestion(question_view(question), conditional,
                         condition_as_data(question.asked_when) if conditional else None)
