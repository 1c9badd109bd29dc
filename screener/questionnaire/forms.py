"""WTForms forms built from the definitions: one form class per page, made once and cached.

WTForms does the parsing and the type and range checks; whether a question is required depends
on the other answers (skip logic), so `page_errors()` adds "answer this" errors afterwards.
Input markup is written in templates (macros/question.html), not by WTForms widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Length, NumberRange, Optional, Regexp, ValidationError

from .definitions import QUESTIONNAIRE
from .model import N_, Page, Question
from .values import EARLIEST_BIRTH_DATE

PHONE_PATTERN = r"^[0-9+().\- ]{7,30}$"


class PatientForm(FlaskForm):
    """The base of the patient's forms: WTForms' own messages from a catalogue kept per
    language (Flask-WTF would read it from disk on every request)."""

    class Meta:
        def get_translations(self, form: Any) -> Any:
            from ..i18n import WTFORMS_TRANSLATIONS

            return WTFORMS_TRANSLATIONS


class WholeNumberField(IntegerField):
    """An integer field with a message a person can act on."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError as error:
            self.data = None
            raise ValueError(lazy_gettext("Enter a whole number, like 120")) from error


class IsoDateField(DateField):
    """One ISO date (YYYY-MM-DD) whatever the widget; a clear message when it is not one."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = date.fromisoformat(valuelist[0].strip())
        except ValueError as error:
            self.data = None
            raise ValueError(
                lazy_gettext("Enter a real date in the format YYYY-MM-DD, like 1985-04-27")
            ) from error


# WTForms' own message, translated by WTForms' catalogue (not ours), exactly as RadioField says it.
NOT_A_CHOICE = "Not a valid choice."


class ChoiceField(RadioField):
    """A radio group. Checking that the answer is one of the options is a set lookup: WTForms
    builds and compares every option on each check, a large share of saving a page."""

    def pre_validate(self, form: Any) -> None:
        if self.process_errors or not self.validate_choice:
            return
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(self.invalid_choice_message or self.gettext(NOT_A_CHOICE))


def _not_future_or_ancient(form: Any, field: Field) -> None:
    if field.data is None:
        return
    if field.data > date.today():
        raise ValidationError(lazy_gettext("Date of birth must be in the past"))
    if field.data < EARLIEST_BIRTH_DATE:
        raise ValidationError(lazy_gettext("Date of birth must be after 1900"))


def _exclusive(value: str):
    def check(form: Any, field: Field) -> None:
        if field.data and value in field.data and len(field.data) > 1:
            raise ValidationError(lazy_gettext(
                "Choose “%(option)s” on its own, or the options that apply",
                option=lazy_gettext(_option_label(field, value))))
    return check


def _option_label(field: Field, value: str) -> str:
    return next((choice.label for choice in field.choices if choice.value == value), value)


def _choices(question: Question, as_int: bool = False) -> list[tuple[Any, Any]]:
    return [SelectChoice(int(o.value) if as_int else o.value, lazy_gettext(o.label))
            for o in question.options]


def field_for(question: Question) -> Field:
    label = lazy_gettext(question.label)
    kind = question.kind
    if kind == "choice":
        return ChoiceField(label, choices=_choices(question), validators=[Optional()],
                           validate_choice=True)
    if kind == "int" and question.options:
        return ChoiceField(label, choices=_choices(question, as_int=True), coerce=int,
                           validators=[Optional()])
    if kind == "int":
        return WholeNumberField(label, validators=[Optional(), NumberRange(
            question.minimum, question.maximum,
            message=lazy_gettext("Enter a number from %(min)s to %(max)s"))])
    if kind == "multi":
        validators = [Optional()]
        if question.exclusive:
            validators.append(_exclusive(question.exclusive))
        return SelectMultipleField(label, choices=_choices(question), validators=validators)
    if kind == "bool":
        return BooleanField(label)
    if kind == "date":
        return IsoDateField(label, validators=[Optional(), _not_future_or_ancient])
    length = Length(max=question.maximum,
                    message=lazy_gettext("Use at most %(max)d characters"))
    if kind == "email":
        return StringField(label, validators=[Optional(), length, Email(
            message=lazy_gettext("Enter an email address like name@example.com"),
            check_deliverability=False)])
    if kind == "phone":
        return StringField(label, validators=[Optional(), Regexp(
            PHONE_PATTERN,
            message=lazy_gettext("Enter a phone number of 7 to 30 digits, spaces and + ( ) - ."),
        )])
    if kind == "longtext":
        return TextAreaField(label, validators=[Optional(), length])
    if kind == "text":
        return StringField(label, validators=[Optional(), length])
    if kind == "trials":
        return FieldList(FormField(trial_row_form()), label=label,
                         max_entries=QUESTIONNAIRE.max_trials)
    raise ValueError(f"unknown question kind {kind}")


@cache
def trial_row_form() -> type[Form]:
    attributes: dict[str, Field] = {}
    for spec in QUESTIONNAIRE.trial_fields:
        label = lazy_gettext(spec.label)
        if spec.options:
            choices = [SelectChoice("", lazy_gettext("Choose"))] + [
                SelectChoice(o.value, lazy_gettext(o.label)) for o in spec.options]
            # Checked by trial_row_errors() so that a missing value gets a useful message.
            attributes[spec.key] = SelectField(label, choices=choices, validate_choice=False)
        else:
            attributes[spec.key] = StringField(label, validators=[Optional(), Length(
                max=spec.maximum, message=lazy_gettext("Use at most %(max)d characters"))])
    return type("TrialRowForm", (Form,), attributes)


def _per_page(table: dict[int, tuple[Page, Any]], page: Page, make: Any) -> Any:
    """make(page), made once per page. Kept by the page's identity: hashing a frozen Page (all
    its questions) on every request cost more than the look-up."""
    kept = table.get(id(page))
    if kept is None or kept[0] is not page:
        kept = table[id(page)] = (page, make(page))
    return kept[1]


_PAGE_FORMS: dict[int, tuple[Page, type[FlaskForm]]] = {}


def page_form(page: Page) -> type[FlaskForm]:
    """The form class of one page of the questionnaire."""
    return _per_page(_PAGE_FORMS, page, _make_page_form)


def _make_page_form(page: Page) -> type[FlaskForm]:
    attributes = {q.id: field_for(q) for q in page.questions}
    return type(f"PageForm_{page.questions[0].id}", (PatientForm,), attributes)


# --- pages of radio questions, read without building a form ----------------------------------
# Most pages are rating scales and yes/no questions. Building their WTForms form (a bound field,
# label and validators per question) on every POST cost more than the rest of the request, for
# a check that is a set look-up. Such a page is read into RadioAnswer objects, which carry what
# the page reads of a WTForms field (data, errors, type) with the values and messages WTForms
# gives: tests/test_patient_hostile_input.py compares the two on generated input.

RADIO_KINDS = frozenset({"choice", "int"})  # "int" with options: a rating scale


@dataclass(slots=True)
class RadioAnswer:
    data: Any
    errors: list[str]
    type: str = "ChoiceField"


@dataclass(frozen=True, slots=True)
class _Radio:
    id: str
    as_int: bool
    values: frozenset[Any]


class RadioPage:
    """The posted answers of a page of radio questions, read like its WTForms form would read
    them: the first value, coerced to a whole number for rating scales; "Not a valid choice."
    for anything else, and no error for an empty answer (required answers are checked with
    the skip logic, as for any page)."""

    def __init__(self, radios: tuple[_Radio, ...], formdata: Any) -> None:
        self._answers = {radio.id: _read_radio(radio, formdata.getlist(radio.id))
                         for radio in radios}

    def validate(self) -> bool:
        return not any(answer.errors for answer in self._answers.values())

    def __getitem__(self, question_id: str) -> RadioAnswer:
        return self._answers[question_id]

    def __iter__(self):
        return iter(self._answers.values())


def _read_radio(radio: _Radio, posted: list[str]) -> RadioAnswer:
    if not posted:
        return RadioAnswer(None, [])
    given = posted[0]
    if radio.as_int:
        try:
            value: Any = int(given)
        except ValueError:
            # WTForms: a coercion error, cleared by Optional when the value is blank
            return RadioAnswer(None, [] if not given.strip() else [_wtforms_text(
                "Invalid Choice: could not coerce.")])
    else:
        value = given
    if value in radio.values or not given.strip():  # Optional clears a blank value's error
        return RadioAnswer(value, [])
    return RadioAnswer(value, [_wtforms_text(NOT_A_CHOICE)])


def _wtforms_text(message: str) -> str:
    from ..i18n import WTFORMS_TRANSLATIONS

    return WTFORMS_TRANSLATIONS.gettext(message)


_RADIO_PAGES: dict[int, tuple[Page, tuple[_Radio, ...] | None]] = {}


def radio_page(page: Page) -> tuple[_Radio, ...] | None:
    """The radio questions of a page made only of them, or None (kept per page)."""
    return _per_page(_RADIO_PAGES, page, _radios)


def _radios(page: Page) -> tuple[_Radio, ...] | None:
    if not all(q.kind in RADIO_KINDS and q.options for q in page.questions):
        return None
    return tuple(_Radio(q.id, q.kind == "int",
                        frozenset(int(o.value) if q.kind == "int" else o.value
                                  for o in q.options))
                 for q in page.questions)


def posted_page(page: Page, formdata: Any, plain_form: bool) -> Any:
    """The posted page: a RadioPage for a page of radio questions sent as a plain form
    (`plain_form`: no files, not JSON), otherwise the page's WTForms form."""
    radios = radio_page(page) if plain_form else None
    if radios is None:
        return page_form(page)()
    return RadioPage(radios, formdata)


def trial_row_errors(row: dict[str, Any]) -> dict[str, str]:
    """Missing keys in one antidepressant row, as field -> message."""
    errors = {}
    for spec in QUESTIONNAIRE.trial_fields:
        if spec.key == "drug_other":
            if row.get("drug") == "other" and not row.get("drug_other"):
                errors[spec.key] = N_("Enter the name of the medicine")
        elif row.get(spec.key) not in spec.values:
            errors[spec.key] = N_("Choose an answer")
    return errors


REQUIRED_MESSAGES = {
    "choice": N_("Choose an answer"),
    "multi": N_("Choose at least one option"),
    "int": N_("Enter a whole number"),
    "date": N_("Enter a date"),
    "email": N_("Enter an email address"),
    "phone": N_("Enter a phone number"),
    "text": N_("Enter an answer"),
    "longtext": N_("Enter an answer"),
}
SCALE_REQUIRED = N_("Choose an answer")

