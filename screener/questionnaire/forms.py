"""WTForms forms built from the definitions: one form class per page, made once.

WTForms does the parsing and the type and range checks; whether a question is required depends
on the other answers (skip logic), so `page_errors()` adds "answer this" errors afterwards.
Input markup is written in templates (macros/question.html), not by WTForms widgets.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
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
from wtforms.utils import unset_value
from wtforms.validators import Email, Length, NumberRange, Optional, Regexp, ValidationError

from . import units
from .definitions import QUESTIONNAIRE
from .model import Page, Question
from .values import EARLIEST_BIRTH_DATE

PHONE_PATTERN = r"^[0-9+().\- ]{7,30}$"


def required_message(question: Question) -> str:
    """The question's own message for a missing answer, in the page's language."""
    return gettext(question.error, item=gettext(question.label))


class WholeNumberField(IntegerField):
    """An integer field whose message names the question (its `error_invalid`)."""

    def __init__(self, *args: Any, message: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.message = message

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError as error:
            self.data = None
            raise ValueError(self.message) from error


class _OwnMessage:
    """A choice field that says the question's own message for a value that is not one of its
    options (a tampered form), instead of WTForms' "Not a valid choice"."""

    def __init__(self, *args: Any, message: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.message = message

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.message) from error

    def pre_validate(self, form: Any) -> None:
        try:
            super().pre_validate(form)
        except ValidationError as error:
            raise ValidationError(self.message) from error


class OneOfField(_OwnMessage, RadioField):
    """Radio buttons."""


class SomeOfField(_OwnMessage, SelectMultipleField):
    """Checkboxes."""


class PartsError(ValueError):
    """What was typed into some of the boxes of a PartsField is wrong."""

    def __init__(self, message: str, parts: tuple[str, ...]) -> None:
        super().__init__(message)
        self.message, self.parts = message, parts


class PartsField(Field):
    """One answer typed into several boxes, each posted as `<name>-<part>` (GOV.UK's memorable
    date, a height in feet and inches). `typed` keeps what was typed, to show it again, and
    `error_parts` the boxes to mark when it is wrong; all boxes empty is no answer."""

    parts: tuple[str, ...] = ()  # "" is a box named like the field itself

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors: list[str] = []
        self.error_parts: tuple[str, ...] = ()
        self.object_data = self.data = None if data is unset_value else data
        self.typed = (self.shown(self.data) if self.data is not None
                      else dict.fromkeys(self.parts, ""))
        if formdata is None:
            return
        self.typed = {part: (formdata.get(f"{self.name}-{part}" if part else self.name)
                             or "").strip()[:20] for part in self.parts}
        self.raw_data = list(self.typed.values())
        self.data = None
        if not any(self.raw_data):
            return
        try:
            self.data = self.parse(self.typed)
        except PartsError as error:
            self.error_parts = error.parts
            self.process_errors.append(error.message)

    def shown(self, data: Any) -> dict[str, str]:
        raise NotImplementedError

    def parse(self, typed: dict[str, str]) -> Any:
        raise NotImplementedError


def _whole(text: str) -> bool:
    return text.isascii() and text.isdigit()  # "²".isdigit() is True; int() refuses it


class MemorableDateField(PartsField):
    """A date of birth in three boxes; GOV.UK's messages for each way it can be wrong."""

    parts = ("day", "month", "year")

    def shown(self, data: date) -> dict[str, str]:
        return {"day": str(data.day), "month": str(data.month), "year": str(data.year)}

    def parse(self, typed: dict[str, str]) -> date:
        missing = tuple(part for part in self.parts if not typed[part])
        if missing:
            raise PartsError(_MISSING_DATE_PARTS[missing](), missing)
        wrong = tuple(part for part in self.parts if not _whole(typed[part]))
        if wrong:
            raise PartsError(gettext("Date of birth must be a real date"), wrong)
        if len(typed["year"]) != 4:
            raise PartsError(gettext("Year must include 4 numbers"), ("year",))
        day, month, year = (int(typed[part]) for part in self.parts)
        if not 1 <= month <= 12:
            raise PartsError(gettext("Date of birth must be a real date"), ("month",))
        try:
            born = date(year, month, day)
        except ValueError as error:
            raise PartsError(gettext("Date of birth must be a real date"), ("day",)) from error
        if born > date.today():
            raise PartsError(gettext("Date of birth must be in the past"), self.parts)
        if born < EARLIEST_BIRTH_DATE:
            raise PartsError(gettext("Date of birth must be after 1900"), ("year",))
        return born


class MeasureField(PartsField):
    """A height or weight typed in the clinic's units (MEASUREMENT_UNITS): feet and inches or
    pounds (`us`), centimetres or kilograms (`metric`); its data is whole cm or kg. Messages
    speak of the units the person typed."""

    def __init__(self, *args: Any, question: Question, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question = question

    @property
    def parts(self) -> tuple[str, ...]:  # type: ignore[override]
        return MEASURE_PARTS[self.question.measure][measurement_units()]

    def shown(self, data: int) -> dict[str, str]:
        if measurement_units() == "metric":
            return {"": str(data)}
        if self.question.measure == "height":
            feet, inches = units.feet_and_inches(data)
            return {"feet": str(feet), "inches": str(inches)}
        return {"pounds": str(units.pounds(data))}

    def parse(self, typed: dict[str, str]) -> int:
        low, high = self.question.minimum or 0, self.question.maximum or 0
        if measurement_units() == "metric":
            if not _whole(typed[""]) or not low <= int(typed[""]) <= high:
                raise PartsError(gettext(self.question.error_invalid), ("",))
            return int(typed[""])
        if self.question.measure == "weight":
            least, most = units.pound_range(low, high)
            if not _whole(typed["pounds"]):
                raise PartsError(gettext("Enter your weight in whole pounds, like 160"),
                                 ("pounds",))
            if not least <= int(typed["pounds"]) <= most:
                raise PartsError(gettext("Weight must be between %(least)s and %(most)s pounds",
                                         least=least, most=most), ("pounds",))
            return units.kg_from_pounds(int(typed["pounds"]))
        wrong = tuple(p for p in self.parts if typed[p] and not _whole(typed[p]))
        if wrong or (typed["feet"] and typed["inches"] and int(typed["inches"]) > 11):
            raise PartsError(gettext("Enter your height in feet and inches, like 5 feet 9 "
                                     "inches"), wrong or ("inches",))
        inches = int(typed["feet"] or 0) * 12 + int(typed["inches"] or 0)
        least, most = units.inch_range(low, high)
        if not least <= inches <= most:
            raise PartsError(gettext(
                "Height must be between %(least_feet)s feet %(least_inches)s inches and "
                "%(most_feet)s feet %(most_inches)s inches", least_feet=least // 12,
                least_inches=least % 12, most_feet=most // 12, most_inches=most % 12),
                self.parts)
        return units.cm_from_inches(inches)


MEASURE_PARTS = {
    "height": {"us": ("feet", "inches"), "metric": ("",)},
    "weight": {"us": ("pounds",), "metric": ("",)},
}


def measurement_units() -> str:
    """The clinic's units: "us" (feet, inches, pounds; the default) or "metric"."""
    return current_app.config["MEASUREMENT_UNITS"]


_MISSING_DATE_PARTS = {
    ("day",): lambda: gettext("Date of birth must include a day"),
    ("month",): lambda: gettext("Date of birth must include a month"),
    ("year",): lambda: gettext("Date of birth must include a year"),
    ("day", "month"): lambda: gettext("Date of birth must include a day and month"),
    ("day", "year"): lambda: gettext("Date of birth must include a day and year"),
    ("month", "year"): lambda: gettext("Date of birth must include a month and year"),
}


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
            for o in question.offered]


def field_for(question: Question) -> Field:
    label = lazy_gettext(question.label)
    kind = question.kind
    own = lazy_gettext(question.error, item=label)
    if kind == "choice":
        return OneOfField(label, choices=_choices(question), validators=[Optional()],
                          message=own)
    if question.measure:
        return MeasureField(label, question=question)
    if kind == "int" and question.options:
        return OneOfField(label, choices=_choices(question, as_int=True), coerce=int,
                          validators=[Optional()], message=own)
    if kind == "int":
        invalid = lazy_gettext(question.error_invalid)
        return WholeNumberField(label, message=invalid, validators=[Optional(), NumberRange(
            question.minimum, question.maximum, message=invalid)])
    if kind == "multi":
        validators = [Optional()]
        if question.exclusive:
            validators.append(_exclusive(question.exclusive))
        return SomeOfField(label, choices=_choices(question), validators=validators,
                           message=own)
    if kind == "bool":
        return BooleanField(label)
    if kind == "date":
        return MemorableDateField(label)
    length = Length(max=question.maximum, message=lazy_gettext(
        "The answer to “%(label)s” must be %(max)d characters or fewer", label=label,
        max=question.maximum or 0))
    if kind == "email":
        return StringField(label, validators=[Optional(), length, Email(
            message=lazy_gettext("Enter an email address in the correct format, like "
                                 "name@example.com"),
            check_deliverability=False)])
    if kind == "phone":
        return StringField(label, validators=[Optional(), Regexp(
            PHONE_PATTERN,
            message=lazy_gettext("Enter a phone number using only digits, spaces and "
                                 "+ ( ) - ., like 555 010 0100"),
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


def trial_row_errors(row: dict[str, Any], number: int) -> dict[str, str]:
    """Missing keys in antidepressant row `number` (from 1), as field -> message."""
    errors = {}
    for spec in QUESTIONNAIRE.trial_fields:
        if spec.key == "drug_other":
            missing = row.get("drug") == "other" and not row.get("drug_other")
        else:
            missing = row.get(spec.key) not in spec.values
        if missing:
            errors[spec.key] = gettext(spec.error, number=number)
    return errors

