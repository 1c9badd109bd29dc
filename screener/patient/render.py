"""What the question macro (templates/macros/question.html) needs to draw a question besides
its WTForms field: its texts in the page's language, its choices with their input ids, and
whether a condition on the same page decides it (then the page's script may hide it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale, gettext

from ..questionnaire import units
from ..questionnaire.display import display_value
from ..questionnaire.forms import MEASURE_PARTS, measurement_units
from ..questionnaire.model import N_, Question, condition_as_data
from .flow import PageRef, depends_on_same_page

INPUT_TYPES = {"email": "email", "phone": "tel"}
AUTOCOMPLETE = {"first_name": "given-name", "last_name": "family-name", "email": "email",
                "phone": "tel", "date_of_birth": "bday"}


@dataclass(frozen=True, slots=True)
class Part:
    """One box of an answer typed into several (a PartsField); "" is the field's own name."""

    name: str
    input_id: str
    label: str
    width: int  # in characters
    autocomplete: str = "off"


def _part(question: Question, name: str, label: str, width: int) -> Part:
    autocomplete = AUTOCOMPLETE.get(question.id, "off")
    return Part(name, f"{question.id}-{name}" if name else question.id, label, width,
                f"{autocomplete}-{name}" if autocomplete != "off" else "off")


def input_parts(question: Question) -> tuple[Part, ...]:
    """The boxes of a date (in the order the page's language writes one: month first in US
    English) or of a height or weight (in the clinic's units)."""
    if question.kind == "date":
        day, month = _part(question, "day", gettext("Day"), 2), _part(
            question, "month", gettext("Month"), 2)
        year = _part(question, "year", gettext("Year"), 4)
        return (month, day, year) if str(get_locale()).startswith("en") else (day, month, year)
    if question.measure:
        labels = {"feet": gettext("Feet"), "inches": gettext("Inches"),
                  "pounds": gettext("Pounds"), "": gettext(_METRIC_UNIT[question.measure])}
        return tuple(_part(question, name, labels[name], 3)
                     for name in MEASURE_PARTS[question.measure][measurement_units()])
    return ()


_METRIC_UNIT = {"height": N_("Centimetres"), "weight": N_("Kilograms")}
_MEASURE_LABEL = {"height": N_("Height"), "weight": N_("Weight")}


def first_input_id(question: Question, field: Any) -> str:
    """The input an error summary link leads to: the first wrong box, or the first option."""
    if question.kind in ("choice", "multi") or (question.kind == "int" and question.options):
        return f"{question.id}-0"
    if question.kind == "trials":
        return f"q-{question.id}"  # the list of rows (there may be none)
    parts = input_parts(question)
    if parts:
        wrong = getattr(field, "error_parts", ()) or [part.name for part in parts]
        return next(part.input_id for part in parts if part.name in wrong)
    return question.id


def answer_text(question: Question, value: Any) -> str | list[str]:
    """A stored answer in words, a height or weight in the clinic's units."""
    if question.measure and value is not None and measurement_units() == "us":
        if question.measure == "height":
            feet, inches = units.feet_and_inches(value)
            return gettext("%(feet)s ft %(inches)s in", feet=feet, inches=inches)
        return gettext("%(pounds)s lb", pounds=units.pounds(value))
    return display_value(question, value)


def question_label(question: Question) -> str:
    """The question as the person reads it ("Height", whatever the units it is typed in)."""
    return gettext(_MEASURE_LABEL[question.measure] if question.measure else question.label)


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
        for i, option in enumerate(question.offered)
    ) if question.kind in ("choice", "multi", "int") else ()
    parts = input_parts(question)
    hint = gettext(question.hint) if question.hint else ""
    if question.kind == "date":
        hint = _example_date(parts)
    return QuestionView(
        id=question.id, kind=question.kind, label=question_label(question),
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
