"""Answers as words a person recognises (translated option labels, dates in the page's
language): shared by the patient's pages, the staff pages and the consult summary."""

from __future__ import annotations

from typing import Any

from flask_babel import format_date, gettext

from .definitions import QUESTIONNAIRE
from .model import Question
from .values import parse_date


def display_value(question: Question, value: Any) -> str | list[str]:
    """A stored answer in words."""
    if value is None:
        return gettext("Not answered")
    if question.kind == "bool":
        return gettext("Yes") if value else gettext("No")
    if question.kind == "multi":
        return [gettext(question.option_label(v)) for v in value]
    if question.kind == "trials":
        return [trial_summary(row) for row in value] or [gettext("None")]
    if question.options:
        return gettext(question.option_label(str(value)))
    if question.unit:
        return f"{value} {question.unit}"
    if question.kind == "date" and (day := parse_date(value)) is not None:
        return format_date(day, format="long")
    return str(value)


def trial_summary(row: dict[str, Any]) -> str:
    """One antidepressant row in a line."""
    parts = []
    for spec in QUESTIONNAIRE.trial_fields:
        value = row.get(spec.key)
        if not value or (spec.key == "drug" and value == "other"):
            continue
        label = next((o.label for o in spec.options if o.value == value), value)
        text = gettext(label) if spec.options else value
        parts.append(gettext(spec.summary, answer=text) if spec.summary else text)
    return "; ".join(parts)
