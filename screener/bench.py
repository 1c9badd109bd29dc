"""Floors for `make bench`, registered only when BENCHMARK=1 (never in a normal run).

Each floor is the least a Flask + Flask-WTF app can do for the same kind of request, so the
benchmark reports our pages as a share of it: a plain-text hello, a page with one Flask-WTF form
of ten radio questions rendered from a template file, and a POST that validates that form and
inserts one row.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Blueprint, Flask, redirect, render_template
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from .extensions import db
from .models import Draft, utcnow

bp = Blueprint("bench", __name__, url_prefix="/bench")
CHOICES = [SelectChoice(str(i), label) for i, label in enumerate(
    ("Not at all", "Several days", "More than half the days", "Nearly every day"))]


class TenQuestions(FlaskForm):
    pass


for number in range(1, 11):
    setattr(TenQuestions, f"q{number}", RadioField(f"Question {number}", choices=CHOICES,
                                                  validators=[InputRequired()]))


@bp.route("/hello")
def hello():
    return "hello", 200, {"Content-Type": "text/plain"}


@bp.route("/form", methods=["GET", "POST"])
def form():
    page = TenQuestions()
    if page.validate_on_submit():
        db.session.add(Draft(id=secrets.token_urlsafe(32), answers=page.data,
                             expires_at=utcnow() + timedelta(days=1)))
        db.session.commit()
        return redirect("/bench/form", code=303)
    return render_template("bench/form.html", form=page)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
