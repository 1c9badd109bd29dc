"""The consult summary: what the provider reads at the consult, on paper or as a PDF.

Page 1 is the provider's two minutes: who, why they came, the scores, every flag in a table
(severity in words, the staff wording, the answers behind it) and the antidepressants tried.
The detail follows from page 2: each flag's sources, every answer by section, notes. Built from
the same pieces as the staff submission page (screener/staff/review.py), so the two never
disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from ..models import Submission
from ..questionnaire import QUESTIONNAIRE, QUESTIONS
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
TRIAL_COLUMNS = ("drug", "weeks", "adherence", "outcome", "current_episode")


@dataclass(frozen=True, slots=True)
class Trials:
    """The antidepressants tried, one row each, in the order the person gave them."""

    headings: list[str]
    rows: list[list[str]]
    alongside: str | list[str] | None  # augmentation medicines; None when not asked


@dataclass(frozen=True, slots=True)
class Summary:
    submission: Submission
    name: str
    who: list[tuple[str, str | list[str]]]
    why: list[AnswerLine]
    scores: list[ScoreLine]
    flags: list[FlagView]
    # Each flag with the answers behind it, the question in a few words: the page-1 table.
    flag_rows: list[tuple[FlagView, list[tuple[str, str | list[str]]]]]
    # The detail: every source once, numbered in order of first use, and each flag's numbers.
    sources: list[Any]
    flag_sources: list[tuple[FlagView, list[int]]]
    missing_safety: list[str]
    trials: Trials
    adequate_trials: str  # "possibly adequate" count, shown with the trials
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
    flags = sorted(flag_views(sub.flags, answers),
                   key=lambda f: SEVERITY_ORDER.get(f.severity, len(SEVERITY_ORDER)))
    numbers: dict[str, int] = {}
    for flag in flags:
        for source in flag.sources:
            numbers.setdefault(source.key, len(numbers) + 1)
    by_key = {source.key: source for flag in flags for source in flag.sources}
    return Summary(
        submission=sub,
        name=f"{sub.first_name} {sub.last_name}".strip(),
        who=who,
        why=why,
        scores=glance_scores(sub.scores, answers),
        flags=flags,
        flag_rows=[(flag, [(brief(r.label), r.value) for r in flag.reasons]) for flag in flags],
        sources=[by_key[key] for key in numbers],
        flag_sources=[(flag, [numbers[source.key] for source in flag.sources])
                      for flag in flags],
        missing_safety=[gettext(QUESTIONS[q].label) if q in QUESTIONS else q
                        for q in sub.missing_safety],
        trials=trials_of(answers),
        adequate_trials=_adequate(sub.scores),
        sections=sections,
        notes=notes_of(sub),
    )


def glance_scores(scores: dict[str, Any], answers: dict[str, Any]) -> list[ScoreLine]:
    """The scores of the submission page, less the count of possibly adequate trials (it heads
    the trials table) and with the PCL-5 read as "not asked" when trauma was not chosen."""
    adequate = gettext("Possibly adequate antidepressant trials")
    lines = []
    for line in score_lines(scores):
        if line.label == adequate:
            continue
        if line.label == "PCL-5" and scores.get("pcl5_total") is None and (
                "ptsd" not in (answers.get("reasons") or [])):
            line = ScoreLine("PCL-5", gettext("not asked"))
        lines.append(line)
    return lines


def _adequate(scores: dict[str, Any]) -> str:
    count = scores.get("possibly_adequate_trials")
    return "–" if count is None else str(count)


def brief(label: str, limit: int = 60) -> str:
    """A question as a few words for the flags table: whole if short, else cut at a word."""
    if len(label) <= limit:
        return label
    return label[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def trials_of(answers: dict[str, Any]) -> Trials:
    """The `ad_trials` rows as a table (a medicine named by the person stands for "another
    medicine"; an unanswered cell is a dash), and what was taken alongside."""
    fields = {spec.key: spec for spec in QUESTIONNAIRE.trial_fields}
    headings = [gettext("Medicine"), gettext("Weeks at top dose"), gettext("As prescribed?"),
                gettext("What happened"), gettext("This episode?")]
    rows = []
    for row in answers.get("ad_trials") or []:
        cells = []
        for key in TRIAL_COLUMNS:
            value = row.get(key)
            if key == "drug" and value == "other" and row.get("drug_other"):
                cells.append(str(row["drug_other"]))
                continue
            label = next((o.label for o in fields[key].options if o.value == value), None)
            cells.append(gettext(label) if label else (str(value) if value else "–"))
        rows.append(cells)
    alongside = answers.get("augmentation_trials")
    return Trials(headings, rows, None if alongside is None else display_value(
        QUESTIONS["augmentation_trials"], alongside))


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
