"""WTForms forms built from the definitions: one form class per page, made once.

WTForms does the parsing and the type and range checks; whether a question is required depends
on the other answers (skip logic), so `page_errors()` adds "answer this" errors afterwards.
Input markup is written in templates (macros/question.html), not by WTForms widgets.
"""

from __future__ import annotations

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
        return RadioField(label, choices=_choices(question), validators=[Optional()])
    if kind == "int" and question.options:
        return RadioField(label, choices=_choices(question, as_int=True), coerce=int,
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


@cache
def page_form(page: Page) -> type[FlaskForm]:
    """The form class of one page of the questionnaire (made once per page)."""
    attributes = {q.id: field_for(q) for q in page.questions}
    return type(f"PageForm_{page.questions[0].id}", (FlaskForm,), attributes)


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

