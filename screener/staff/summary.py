"""The consult summary: what the provider reads at the consult, on paper or as a PDF.

Who, why they came, scores with bands, flags ordered by severity with the staff wording and the
answers behind each flag, every answer by section, notes. Built from the same pieces as the staff
submission page (screener/staff/review.py), so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from ..models import Submission
from ..questionnaire import QUESTIONS
from ..questionnaire.definitions import REASONS
from ..questionnaire.display import display_value
from ..rules import SEVERITIES
from .review import (
    CONTACT_QUESTIONS,
    AnswerLine,
    FlagView,
    ScoreLine,
    contact_lines,
    every_answer,
    flag_views,
    notes_of,
    score_lines,
)

PAPER_SIZES = {"a4": "A4", "letter": "letter"}  # query value -> CSS @page size
NAME_QUESTIONS = ("first_name", "last_name")
SEVERITY_ORDER = {severity: i for i, severity in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class Summary:
    submission: Submission
    name: str
    who: list[tuple[str, str | list[str]]]
    why: list[AnswerLine]
    scores: list[ScoreLine]
    flags: list[FlagView]
    missing_safety: list[str]
    sections: list[tuple[Any, list[AnswerLine], int]]  # section, asked lines, not asked
    notes: list[Any]


def build_summary(sub: Submission) -> Summary:
    answers = sub.answers
    ids = [q.id for q in CONTACT_QUESTIONS]
    who = contact_lines(answers)
    if answers.get("date_of_birth") and sub.scores.get("age") is not None:
        label, value = who[ids.index("date_of_birth")]
        who[ids.index("date_of_birth")] = (label, gettext(
            "%(date)s (age %(age)s)", date=value, age=sub.scores["age"]))
    who = [line for qid, line in zip(ids, who, strict=True)
           if qid not in NAME_QUESTIONS]  # the name heads the page
    sections = [(section, [line for line in lines if line.asked],
                 sum(1 for line in lines if not line.asked))
                for section, lines in every_answer(answers)]
    why = next(lines for section, lines, _ in sections if section.id == REASONS.id)
    return Summary(
        submission=sub,
        name=f"{sub.first_name} {sub.last_name}".strip(),
        who=who,
        why=why,
        scores=score_lines(sub.scores),
        flags=sorted(flag_views(sub.flags, answers),
                     key=lambda f: SEVERITY_ORDER.get(f.severity, len(SEVERITY_ORDER))),
        missing_safety=[gettext(QUESTIONS[q].label) if q in QUESTIONS else q
                        for q in sub.missing_safety],
        sections=sections,
        notes=notes_of(sub),
    )


def paper_of(value: str | None, default: str) -> str:
    """"a4" or "letter" (the query parameter, else the clinic's default)."""
    if value in PAPER_SIZES:
        return value
    return default if default in PAPER_SIZES else "letter"


def page_css(sub: Submission, paper: str, received: str, printed: str, printed_by: str) -> str:
    """The paper size and the running header and footer of every page: name, date of birth and
    reference (two identifiers on every sheet), when it was received, page x of y, who printed
    it. Generated per summary because Chromium prints @page margin boxes but not `string-set`."""
    name = f"{sub.first_name} {sub.last_name}".strip()
    dob = sub.answers.get("date_of_birth")
    born = gettext("born %(date)s", date=display_value(QUESTIONS["date_of_birth"], dob)) if (
        dob) else ""
    # The time carries its zone, so it sits with the person; "page x of y" stays short.
    top_left = " · ".join(p for p in (name, born, f"{gettext('Ref.')} {sub.reference}",
                                      gettext("Received %(when)s", when=received)) if p)
    top_right = gettext("page") + " "
    footer = gettext("Printed %(when)s by %(user)s. A pre-screen for the consult, "
                     "not a diagnosis.", when=printed, user=printed_by)
    return (
        f"@page {{ size: {PAPER_SIZES[paper]};\n"
        f"  @top-left {{ content: {css_string(top_left)}; }}\n"
        f"  @top-right {{ content: {css_string(top_right)} counter(page) "
        f"{css_string(' ' + gettext('of') + ' ')} counter(pages); }}\n"
        f"  @bottom-left {{ content: {css_string(footer)}; }}\n"
        "}\n"
    )


def css_string(value: str, limit: int = 160) -> str:
    """A CSS string literal: letters, digits and a few punctuation marks as they are, every
    other character as a hex escape, control characters dropped. Nothing a person typed can
    end the string or the rule."""
    out = []
    for char in value[:limit]:
        if char.isalnum() or char in " .,:·@()'-":
            out.append(char)
        elif char.isprintable():
            out.append(f"\\{ord(char):06x} ")  # the space ends the escape
    return '"' + "".join(out) + '"'
