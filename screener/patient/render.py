"""What the question macro (templates/macros/question.html) needs to draw a question besides
its WTForms field: its texts in the page's language, its choices with their input ids, and
whether a condition on the same page decides it (then the page's script may hide it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from ..questionnaire.model import Question, condition_as_data
from .flow import PageRef, depends_on_same_page

INPUT_TYPES = {"email": "email", "phone": "tel", "date": "date"}
AUTOCOMPLETE = {"first_name": "given-name", "last_name": "family-name", "email": "email",
                "phone": "tel", "date_of_birth": "bday"}


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
    return QuestionView(
        id=question.id, kind=question.kind, label=gettext(question.label),
        hint=gettext(question.hint) if question.hint else "", optional=question.optional,
        unit=question.unit, maximum=question.maximum, choices=choices,
        multi=question.kind == "multi",
        input_type=INPUT_TYPES.get(question.kind, "text"),
        autocomplete=AUTOCOMPLETE.get(question.id, "off"),
    )


def shown_question(question: Question, ref: PageRef) -> ShownQuestion:
    conditional = depends_on_same_page(question, ref)
    return ShownQuestion(question_view(question), conditional,
                         condition_as_data(question.asked_when) if conditional else None)
