"""The staff forms: WTForms validates, the templates write the markup (security.md finding 5)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..models import CONTACT_CHANNELS, CONTACT_OUTCOMES, STATUSES
from .accounts import MAX_PASSWORD_LENGTH

MAX_NOTE_LENGTH = 5000
MAX_CONTACT_NOTE_LENGTH = 2000


class LoginForm(FlaskForm):
    email = StringField(validators=[DataRequired(), Length(max=254)])
    password = PasswordField(validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    next = HiddenField()


class CodeForm(FlaskForm):
    """A 6-digit code from the app, or a recovery code (16 characters, maybe with dashes)."""

    code = StringField(validators=[DataRequired(), Length(max=40)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(validators=[DataRequired(),
                                                 Length(max=MAX_PASSWORD_LENGTH)])
    new_password = PasswordField(validators=[DataRequired()])
    confirm_password = PasswordField(validators=[DataRequired()])


class SearchForm(FlaskForm):
    q = StringField(validators=[Length(max=200)])
    after = HiddenField()
    before = HiddenField()


class NoteForm(FlaskForm):
    body = StringField(validators=[DataRequired(), Length(max=MAX_NOTE_LENGTH)])


class StatusForm(FlaskForm):
    status = SelectField(choices=list(STATUSES), validators=[InputRequired()])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    seen_status = SelectField(choices=list(STATUSES), validators=[InputRequired()])


class ConfirmReevaluationForm(FlaskForm):
    fingerprint = HiddenField(validators=[DataRequired(), Length(max=64)])


class EmptyForm(FlaskForm):
    """A POST with nothing but the CSRF token (log out, end sessions)."""


class OwnerForm(FlaskForm):
    """Take, assign or unassign a case. `owner` is a user id, or "" for nobody; `seen_owner` is
    the owner the page showed (a change by someone else meanwhile is a conflict)."""

    owner = StringField(validators=[Length(max=12)])
    seen_owner = StringField(validators=[Length(max=12)])


class ContactForm(FlaskForm):
    channel = SelectField(choices=list(CONTACT_CHANNELS), validators=[InputRequired()])
    outcome = SelectField(choices=list(CONTACT_OUTCOMES), validators=[InputRequired()])
    note = StringField(validators=[Optional(), Length(max=MAX_CONTACT_NOTE_LENGTH)])
    follow_up_on = DateField(validators=[Optional()])
    # The first reached attempt moves the status to "contacted" unless this is unticked.
    mark_contacted = BooleanField(default=True)
