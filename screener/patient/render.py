"""What the question macro needs to draw a question, translated once per language.

A question page is mostly fixed text; building it from the definitions on every request
(dozens of translations, option lists, ids) was most of the page's cost. These views are made
once per (question, language) and reused; only values and errors change per request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import get_template_attribute
from markupsafe import Markup

from ..i18n import gettext
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
    values: frozenset[str]  # the option values, as posted
    language: str  # the language its texts are in (part of the keys of drawn questions)

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint" if self.hint else ""


_views: dict[tuple[str, str], QuestionView] = {}


def question_view(question: Question, language: str) -> QuestionView:
    key = (question.id, language)
    view = _views.get(key)
    if view is None:
        view = _views[key] = _make_view(question, language)
    return view


def _make_view(question: Question, language: str) -> QuestionView:
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
        values=frozenset(choice.value for choice in choices), language=language,
    )


# Rendered choice questions, by (question, language, conditional, chosen value, errors). Radio
# and checkbox questions have only a handful of states (their error messages are fixed texts),
# so the macro's output is kept and reused; text inputs, whose values are whatever a person
# typed, are always rendered afresh and never kept.
_rendered: dict[tuple, Markup] = {}
MAX_RENDERED = 8192
CACHEABLE_KINDS = frozenset({"choice", "multi", "bool"})
_UNKNOWN = object()


def _known_state(view: QuestionView, data: Any) -> Any:
    """A choice question's value as a cache key part, or _UNKNOWN for anything else (text, or
    values that are not among the options: a forged request must not fill the cache)."""
    if not (view.kind in CACHEABLE_KINDS or view.choices):
        return _UNKNOWN
    if data is None or isinstance(data, bool):
        return data
    values = view.values
    if isinstance(data, list):
        known = len(set(data)) == len(data) and all(str(v) in values for v in data)
        return tuple(data) if known else _UNKNOWN
    return (type(data).__name__, data) if str(data) in values else _UNKNOWN


def question_html(view: QuestionView, field: Any, conditional: bool, condition: Any) -> Markup:
    """The HTML of one question, drawn by the one question macro."""
    state = _known_state(view, field.data)
    if state is _UNKNOWN:
        return _draw(view, field, conditional, condition)
    key = (view.id, view.language, conditional, state,
           tuple(str(error) for error in field.errors))
    return _kept(key, lambda: _draw(view, field, conditional, condition))


def _draw(view: QuestionView, field: Any, conditional: bool, condition: Any) -> Markup:
    macro = get_template_attribute("macros/question.html", "question")
    return macro(view, field, conditional, condition)


def _kept(key: tuple, draw: Callable[[], Markup]) -> Markup:
    html = _rendered.get(key)
    if html is None:
        html = draw()
        if len(_rendered) < MAX_RENDERED:
            _rendered[key] = html
    return html


def stored_question_html(view: QuestionView, stored: Any, conditional: bool, condition: Any,
                         field: Callable[[], Any]) -> Markup:
    """A question as a GET shows it: drawn from its stored answer. For choice questions the HTML
    is kept by (question, language, conditional, stored value), so an unchanged page is drawn
    without building its form; `field` builds the form's field when it is needed."""
    state = _known_state(view, stored)
    if state is _UNKNOWN:
        return question_html(view, field(), conditional, condition)
    key = ("stored", view.id, view.language, conditional, state)
    return _kept(key, lambda: question_html(view, field(), conditional, condition))
