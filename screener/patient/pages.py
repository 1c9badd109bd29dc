"""Between forms and answers: a page's posted values as stored answers (with the errors that
depend on other answers), stored answers as form data, and answers as readable rows."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from ..questionnaire import Answers, is_asked
from ..questionnaire.forms import required_message, trial_row_errors
from ..questionnaire.model import Question
from ..questionnaire.values import parse_date
from .flow import PageRef, applicable_pages, merge_page
from .render import answer_text, first_input_id, question_label

SINGLE_VALUE_KINDS = ("choice", "int", "bool", "text", "longtext", "date", "email", "phone")


def _stored(question: Question, data: Any) -> Any:
    """A form field's data as the stored answer (None when empty)."""
    if question.kind == "date":
        return data.isoformat() if isinstance(data, date) else None
    if question.kind == "bool":
        return bool(data)
    if question.kind in ("text", "longtext", "email", "phone"):
        text = unicodedata.normalize("NFC", data or "").strip()
        return text or None
    if question.kind == "multi":
        return list(data or []) or None
    if question.kind == "trials":
        return [_trial_row(row) for row in data or []]
    return data


def _trial_row(row: dict[str, Any]) -> dict[str, str]:
    kept = {k: v.strip() for k, v in row.items() if isinstance(v, str) and v.strip()}
    if kept.get("drug") != "other":
        kept.pop("drug_other", None)
    return kept


class PageRead(NamedTuple):
    posted: dict[str, Any]  # this page's answers to store
    valid: bool


def read_page(form: Any, ref: PageRef, saved: dict[str, Any], formdata: MultiDict,
              require_all: bool = True) -> PageRead:
    """Validate a posted page against the other answers. Errors are put on the form's fields;
    returns the answers to store for this page and whether the page is valid. With
    `require_all` False (saving to finish later) unanswered questions are not errors."""
    form.validate()
    for question in ref.page.questions:
        if question.kind in SINGLE_VALUE_KINDS and len(formdata.getlist(question.id)) > 1:
            _add_error(form[question.id], gettext("Give one answer only to “%(label)s”",
                                                  label=gettext(question.label)))
    posted = {q.id: _stored(q, form[q.id].data) for q in ref.page.questions
              if not _has_errors(form[q.id])}
    merged = Answers(merge_page(saved, ref, posted))
    for question in ref.page.questions:
        field = form[question.id]
        if not is_asked(question, merged):
            # Not asked, so not stored: a bad value sent for it is nothing to report.
            _clear_errors(field)
            continue
        if _has_errors(field) or not require_all:
            continue
        if question.kind == "trials":
            _check_trials(field)
        elif not question.optional and not merged.answered(question.id):
            _add_error(field, required_message(question))
    _check_blood_pressure(form, ref, merged)
    return PageRead(posted, not any(_has_errors(form[q.id]) for q in ref.page.questions))


def _has_errors(field: Any) -> bool:
    """Errors on a field, or on any field of the rows of a repeating group."""
    if field.type == "FieldList":
        return any(sub.errors for entry in field.entries for sub in entry.form)
    return bool(field.errors)


def _clear_errors(field: Any) -> None:
    if field.type == "FieldList":
        for entry in field.entries:
            for sub in entry.form:
                sub.errors = []
    field.errors = []


def _check_trials(field: Any) -> None:
    for number, entry in enumerate(field.entries, 1):
        for key, message in trial_row_errors(_trial_row(entry.data), number).items():
            _add_error(entry.form[key], message)


def _check_blood_pressure(form: Any, ref: PageRef, merged: Answers) -> None:
    if "bp_diastolic" not in ref.question_ids or form["bp_diastolic"].errors:
        return
    systolic, diastolic = merged.get("bp_systolic"), merged.get("bp_diastolic")
    if systolic is not None and diastolic is not None and diastolic >= systolic:
        _add_error(form["bp_diastolic"], gettext(
            "Your blood pressure's bottom number must be lower than the top number"))


def _add_error(field: Any, message: str) -> None:
    field.errors = [*field.errors, message]


def form_data(ref: PageRef, answers: dict[str, Any]) -> dict[str, Any]:
    """Stored answers of one page as the `data` a form is built from."""
    data: dict[str, Any] = {}
    for question in ref.page.questions:
        value = answers.get(question.id)
        if value is None:
            continue
        data[question.id] = parse_date(value) if question.kind == "date" else value
    return data


@dataclass(frozen=True, slots=True)
class AnswerRow:
    question: Question
    label: str
    value: str | list[str]
    page: PageRef
    input_id: str  # where its Change link puts the cursor on the question's page


def answer_rows(answers: dict[str, Any]) -> list[tuple[Any, list[AnswerRow]]]:
    """Every asked question, grouped by section, in questionnaire order."""
    reader = Answers(answers)
    grouped: dict[str, tuple[Any, list[AnswerRow]]] = {}
    for ref in applicable_pages(reader):
        rows = grouped.setdefault(ref.section.id, (ref.section, []))[1]
        for question in ref.page.questions:
            if is_asked(question, reader) and (question.kind != "bool" or question.id in answers):
                rows.append(AnswerRow(question, question_label(question),
                                      answer_text(question, answers.get(question.id)), ref,
                                      first_input_id(question, None)))
    return list(grouped.values())


def error_summary(form: Any, questions: list[Question]) -> list[tuple[str, str]]:
    """(anchor id, message) for the error summary, in page order; anchors are the first input
    of each question so that following a link puts the cursor where the answer goes. Each
    message names its question, so the summary reads the same as the messages by the fields."""
    summary: list[tuple[str, str]] = []
    for question in questions:
        field = form[question.id]
        if question.kind == "trials":
            summary += [(sub.id, sub.errors[0]) for entry in field.entries
                        for sub in entry.form if sub.errors]
        elif field.errors:
            summary.append((first_input_id(question, field), str(field.errors[0])))
    return summary
