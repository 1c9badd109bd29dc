"""What the question macro needs to draw a question, translated once per language.

A question page is mostly fixed text; building it from the definitions on every request
(dozens of translations, option lists, ids) was most of the page's cost. These views are made
once per (question, language) and reused; only values and errors change per request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import get_template_attribute
from markupsafe import Markup

from ..i18n import gettext, locale_code
from ..questionnaire.model import Question

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


_views: dict[tuple[str, str], QuestionView] = {}


def question_view(question: Question, language: str) -> QuestionView:
    key = (question.id, language)
    view = _views.get(key)
    if view is None:
        view = _views[key] = _make_view(question)
    return view


def _make_view(question: Question) -> QuestionView:
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


# Rendered choice questions, by (question, language, conditional, chosen value). Radio and
# checkbox questions without errors have only a handful of states, so the macro's output is
# kept and reused; text inputs and anything with errors is always rendered afresh.
_rendered: dict[tuple, Markup] = {}
MAX_RENDERED = 8192
CACHEABLE_KINDS = frozenset({"choice", "multi", "bool"})


def question_html(view: QuestionView, field: Any, conditional: bool, condition: Any) -> Markup:
    """The HTML of one question, drawn by the one question macro."""
    cacheable = not field.errors and (view.kind in CACHEABLE_KINDS or view.choices)
    key = None
    if cacheable:
        data = field.data
        key = (view.id, locale_code(), conditional,
               tuple(data) if isinstance(data, list) else data)
        html = _rendered.get(key)
        if html is not None:
            return html
    macro = get_template_attribute("macros/question.html", "question")
    html = macro(view, field, conditional, condition)
    if key is not None and len(_rendered) < MAX_RENDERED:
        _rendered[key] = html
    return html
