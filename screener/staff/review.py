"""What the submission page shows, and the changes made from it: contact details, scores with
bands, flags with reasons and sources, every answer in questionnaire order (with what was not
asked and why), notes, status changes with optimistic concurrency, and re-evaluation."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext
from sqlalchemy import Date, String, and_, cast, false, literal, null, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..alerts.outbox import queue_urgent_alert
from ..extensions import db
from ..models import QUEUE_SCORES, STATUSES, AuditEvent, ContactAttempt, Note, Submission, User
from ..questionnaire import N_, QUESTIONNAIRE, QUESTIONS, Answers, is_asked
from ..questionnaire.definitions import ABOUT_YOU
from ..questionnaire.display import display_value
from ..questionnaire.model import All_, Any_, Condition, Question, When
from ..rules import SOURCES, Result, Settings, evaluate
from ..submissions import build_submission
from . import audit

CONTACT_QUESTIONS = ABOUT_YOU.pages[0].questions
STATUS_LABELS = {
    "new": N_("New"), "in_review": N_("In review"), "contacted": N_("Contacted"),
    "consult_booked": N_("Consult booked"), "not_proceeding": N_("Not proceeding"),
    "closed": N_("Closed"),
}
SEVERITY_LABELS = {
    "urgent": N_("Urgent"), "contraindication": N_("Contraindication"),
    "caution": N_("Caution"), "info": N_("Info"), None: N_("No flags"),
}
BAND_LABELS = {
    "minimal": N_("minimal"), "mild": N_("mild"), "moderate": N_("moderate"),
    "moderately_severe": N_("moderately severe"), "severe": N_("severe"),
}
BP_LABELS = {
    "normal": N_("Normal"), "elevated": N_("Elevated"), "stage_1": N_("Stage 1 hypertension"),
    "stage_2": N_("Stage 2 hypertension"), "crisis_range": N_("Hypertensive crisis range"),
    "unknown": N_("Not known to the person"),
}
# Which stored result columns re-evaluation may replace (everything the rules produce).
RESULT_COLUMNS = (
    "rulebook_version", "rule_settings", "scores", "flags", "missing_safety",
    "highest_severity", "severity_rank", "urgent", "crisis", "flag_count", "first_rule_id",
    *QUEUE_SCORES,
)


class StatusConflict(Exception):
    """The submission changed since the person opened it; nothing was saved."""

    def __init__(self, submission: Submission, wanted: str, seen: str) -> None:
        super().__init__("status conflict")
        self.submission, self.wanted, self.seen = submission, wanted, seen


# --- scores ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ScoreLine:
    label: str
    value: str
    note: str = ""


def _missing() -> str:
    return gettext("not available (items unanswered)")


def score_lines(scores: dict[str, Any]) -> list[ScoreLine]:
    """The scores of one result, with bands, in the order a provider reads them."""
    lines = [
        ScoreLine("PHQ-9", _with_band(scores.get("phq9_total"), scores.get("phq9_band"))),
        ScoreLine("GAD-7", _with_band(scores.get("gad7_total"), scores.get("gad7_band"))),
        ScoreLine("AUDIT-C", _auditc(scores.get("auditc_total"), scores.get("auditc_positive"))),
        ScoreLine(gettext("Possibly adequate antidepressant trials"),
                  _number(scores.get("possibly_adequate_trials")),
                  gettext("as reported by the person, not verified")),
        ScoreLine(gettext("Blood pressure category"), bp_label(scores.get("bp_category"))),
        ScoreLine("PCL-5", _number(scores.get("pcl5_total")),
                  gettext("asked only when trauma or PTSD was chosen")),
        ScoreLine("PHQ-2", _number(scores.get("phq2_total"))),
        ScoreLine(gettext("Age"), _number(scores.get("age"))),
        ScoreLine("BMI", _number(scores.get("bmi"))),
    ]
    return lines


def key_scores(scores: dict[str, Any]) -> list[ScoreLine]:
    """The few scores a queue row shows."""
    return [
        ScoreLine("PHQ-9", _with_band(scores.get("phq9_total"), scores.get("phq9_band"))),
        ScoreLine("GAD-7", _with_band(scores.get("gad7_total"), scores.get("gad7_band"))),
        ScoreLine(gettext("BP"), bp_label(scores.get("bp_category"))),
    ]


def _number(value: Any) -> str:
    return _missing() if value is None else str(value)


def _with_band(total: int | None, band: str | None) -> str:
    if total is None:
        return _missing()
    return f"{total} ({gettext(BAND_LABELS.get(band or '', band or ''))})"


def _auditc(total: int | None, positive: bool | None) -> str:
    if total is None:
        return _missing()
    return f"{total} ({gettext('positive screen') if positive else gettext('negative screen')})"


def bp_label(category: str | None) -> str:
    return _missing() if category is None else gettext(BP_LABELS.get(category, category))


# --- flags -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Reason:
    question: Question
    label: str
    value: str | list[str]


@dataclass(frozen=True, slots=True)
class FlagView:
    rule_id: str
    severity: str
    staff_text: str
    reasons: list[Reason]
    sources: list[Any]


def flag_views(flags: list[dict[str, Any]], answers: dict[str, Any]) -> list[FlagView]:
    """Each stored flag with the answers behind it and its sources."""
    return [
        FlagView(
            rule_id=flag["rule_id"], severity=flag["severity"], staff_text=flag["staff_text"],
            reasons=[_reason(qid, answers) for qid in flag.get("because", []) if qid in QUESTIONS],
            sources=[SOURCES.get(key) or SimpleNamespace(key=key, title=key, url="")
                     for key in flag.get("sources", [])],
        )
        for flag in flags
    ]


def _reason(question_id: str, answers: dict[str, Any]) -> Reason:
    question = QUESTIONS[question_id]
    return Reason(question, gettext(question.label), _shown_value(question, answers))


def _shown_value(question: Question, answers: dict[str, Any]) -> str | list[str]:
    value = answers.get(question.id)
    if value is None and question.kind == "bool":
        value = False  # an unticked box is stored as absent
    return display_value(question, value)


# --- answers ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AnswerLine:
    question: Question
    label: str
    asked: bool
    value: str | list[str] = ""
    why_not_asked: str = ""


def every_answer(answers: dict[str, Any]) -> list[tuple[Any, list[AnswerLine]]]:
    """Every question of the questionnaire, by section and in order: the answer, or why the
    question was not asked."""
    reader = Answers(answers)
    sections = []
    for section in QUESTIONNAIRE.sections:
        lines = []
        for question in section.questions:
            label = gettext(question.label)
            if is_asked(question, reader):
                lines.append(AnswerLine(question, label, True, _shown_value(question, answers)))
            else:
                lines.append(AnswerLine(question, label, False, why_not_asked=gettext(
                    "Not asked: only when %(condition)s",
                    condition=describe_condition(question.asked_when))))
        sections.append((section, lines))
    return sections


def describe_condition(condition: Condition | None) -> str:
    """A skip condition in words, for example "Sex assigned at birth is not “Male”"."""
    if condition is None:
        return ""
    if isinstance(condition, Any_ | All_):
        joiner = gettext(" or ") if isinstance(condition, Any_) else gettext(" and ")
        return joiner.join(_nested(c) for c in condition.conditions)
    return _describe_when(condition)


def _nested(condition: Condition) -> str:
    text = describe_condition(condition)
    return f"({text})" if isinstance(condition, Any_ | All_) else text


def _describe_when(when: When) -> str:
    question = QUESTIONS[when.question]
    label = _short(gettext(question.label))
    if when.op == "true":
        return gettext("“%(label)s” is ticked", label=label)
    if when.op == "not_true":
        return gettext("“%(label)s” is not ticked", label=label)
    values = when.value if isinstance(when.value, tuple | list) else (when.value,)
    shown = gettext(" or ").join(f"“{_option(question, v)}”" for v in values)
    words = {
        "eq": gettext("“%(label)s” is %(value)s", label=label, value=shown),
        "in": gettext("“%(label)s” is %(value)s", label=label, value=shown),
        "ne": gettext("“%(label)s” is not %(value)s", label=label, value=shown),
        "contains": gettext("“%(label)s” includes %(value)s", label=label, value=shown),
        "ge": gettext("“%(label)s” is at least %(value)s", label=label, value=shown),
        "gt": gettext("“%(label)s” is more than %(value)s", label=label, value=shown),
    }
    return words.get(when.op, f"{when.question} {when.op} {when.value}")


def _option(question: Question, value: Any) -> str:
    if question.options:
        return gettext(question.option_label(str(value)))
    return str(value)


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def contact_lines(answers: dict[str, Any]) -> list[tuple[str, str | list[str]]]:
    return [(gettext(q.label), _shown_value(q, answers)) for q in CONTACT_QUESTIONS]


# --- notes and history -----------------------------------------------------------------------

def notes_of(submission: Submission) -> list[Any]:
    """Notes with their authors' emails, oldest first (one query)."""
    return list(db.session.execute(
        select(Note.body, Note.created_at, User.email.label("author"))
        .join(User, Note.author_id == User.id)
        .where(Note.submission_id == submission.id)
        .order_by(Note.created_at, Note.id)
    ))


def status_history(submission: Submission) -> list[Any]:
    """Status changes, oldest first, from the audit log (one query)."""
    return list(db.session.execute(
        select(AuditEvent.at, AuditEvent.detail, User.email.label("author"))
        .outerjoin(User, AuditEvent.user_id == User.id)
        .where(AuditEvent.submission_id == submission.id,
               AuditEvent.action == "status_change")
        .order_by(AuditEvent.at, AuditEvent.id)
    ))


class NoteLine(NamedTuple):
    body: str
    created_at: datetime
    author: str


class StatusLine(NamedTuple):
    at: datetime
    detail: str
    author: str | None


class ContactLine(NamedTuple):
    at: datetime
    author: str
    channel: str
    outcome: str
    note: str
    follow_up_on: date | None


class OtherPrescreen(NamedTuple):
    """The same person's other pre-screen (same email, phone digits, or name and birth date)."""

    reference: str
    created_at: datetime
    status: str
    highest_severity: str | None


@dataclass(slots=True)
class CaseHistory:
    notes: list[NoteLine]
    status_changes: list[StatusLine]
    contacts: list[ContactLine]
    other_prescreens: list[OtherPrescreen]


def _blank(kind: Any) -> Any:
    return cast(null(), kind)


def same_person(submission: Submission) -> Any:
    """The condition that finds the person's other pre-screens (each an index lookup)."""
    found = [Submission.email == submission.email] if submission.email else []
    if submission.phone_digits:
        found.append(Submission.phone_digits == submission.phone_digits)
    if submission.person_key:
        found.append(Submission.person_key == submission.person_key)
    return and_(Submission.id != submission.id, or_(*found)) if found else false()


def case_history(submission: Submission) -> CaseHistory:
    """Notes, status changes, contact attempts and the person's other pre-screens, for the
    submission page, in one query (UNION ALL; unused columns of a kind are NULL)."""
    text, day = String(), Date()
    notes = (select(literal("note").label("kind"), Note.created_at.label("at"),
                    Note.id.label("id"), User.email.label("author"), Note.body.label("text"),
                    _blank(text).label("channel"), _blank(text).label("outcome"),
                    _blank(day).label("day"))
             .join(User, Note.author_id == User.id).where(Note.submission_id == submission.id))
    changes = (select(literal("status"), AuditEvent.at, AuditEvent.id, User.email,
                      AuditEvent.detail, _blank(text), _blank(text), _blank(day))
               .outerjoin(User, AuditEvent.user_id == User.id)
               .where(AuditEvent.submission_id == submission.id,
                      AuditEvent.action == "status_change"))
    contacts = (select(literal("contact"), ContactAttempt.created_at, ContactAttempt.id,
                       User.email, ContactAttempt.note, ContactAttempt.channel,
                       ContactAttempt.outcome, ContactAttempt.follow_up_on)
                .join(User, ContactAttempt.user_id == User.id)
                .where(ContactAttempt.submission_id == submission.id))
    people = (select(literal("person").label("kind"), Submission.created_at.label("at"),
                     Submission.id.label("id"), Submission.status.label("author"),
                     Submission.reference.label("text"),
                     Submission.highest_severity.label("channel"),
                     _blank(text).label("outcome"), _blank(day).label("day"))
              .where(same_person(submission)).limit(50))
    every = union_all(notes, changes, contacts, select(people.subquery())).subquery()
    found = CaseHistory([], [], [], [])
    for row in db.session.execute(select(every).order_by(every.c.at, every.c.id)):
        if row.kind == "note":
            found.notes.append(NoteLine(row.text, row.at, row.author))
        elif row.kind == "status":
            found.status_changes.append(StatusLine(row.at, row.text, row.author))
        elif row.kind == "contact":
            found.contacts.append(ContactLine(row.at, row.author, row.channel, row.outcome,
                                              row.text, row.day))
        else:
            found.other_prescreens.append(OtherPrescreen(row.text, row.at, row.author,
                                                         row.channel))
    return found


def add_note(submission: Submission, author: User, body: str) -> Note:
    """Append a note (notes are never edited or deleted)."""
    note = Note(submission_id=submission.id, author_id=author.id, body=body.strip())
    db.session.add(note)
    audit.record("note", author.id, submission.id, "note added")
    db.session.commit()
    return note


def change_status(submission: Submission, user: User, wanted: str, seen_version: int,
                  seen_status: str) -> None:
    """Save a new status if nobody changed the submission since `seen_version`; otherwise
    raise StatusConflict and change nothing (never a silent overwrite)."""
    if wanted not in STATUSES:
        raise ValueError(wanted)
    if submission.version != seen_version:
        _conflict(submission, user, wanted, seen_status)
    if wanted == submission.status:
        return
    before = submission.status
    submission.status = wanted
    audit.record("status_change", user.id, submission.id, f"{before} -> {wanted}")
    try:
        db.session.commit()  # UPDATE ... WHERE version = seen_version (version_id_col)
    except StaleDataError:
        db.session.rollback()
        _conflict(db.session.get(Submission, submission.id), user, wanted, seen_status)


def _conflict(submission: Submission, user: User, wanted: str,
              seen_status: str) -> None:
    db.session.refresh(submission)
    audit.record("status_conflict", user.id, submission.id,
                 f"wanted {wanted}, saved {submission.status}", outcome="refused")
    db.session.commit()
    raise StatusConflict(submission, wanted, seen_status)


# --- re-evaluation ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Reevaluation:
    result: Result
    stored_version: str
    added: list[FlagView]
    removed: list[FlagView]
    reworded: list[tuple[FlagView, FlagView]]
    kept: list[FlagView]
    scores: list[tuple[str, str, str]]  # (label, stored, new) where they differ
    fingerprint: str

    @property
    def changes(self) -> bool:
        return bool(self.added or self.removed or self.reworded or self.scores)


def reevaluate(submission: Submission, settings: Settings) -> Reevaluation:
    """What the current rulebook says about the stored answers, compared with the stored
    result. Changes nothing. Age is computed as of the day the answers were sent."""
    as_of: date = submission.created_at.date()
    result = evaluate(submission.answers, as_of=as_of, settings=settings)
    new = {f.rule_id: f for f in flag_views([f.as_dict() for f in result.flags],
                                            submission.answers)}
    old = {f.rule_id: f for f in flag_views(submission.flags, submission.answers)}
    stored_lines = {line.label: line.value for line in score_lines(submission.scores)}
    new_lines = {line.label: line.value for line in score_lines(result.scores)}
    return Reevaluation(
        result=result,
        stored_version=submission.rulebook_version,
        added=[f for rule_id, f in new.items() if rule_id not in old],
        removed=[f for rule_id, f in old.items() if rule_id not in new],
        reworded=[(old[r], new[r]) for r in new if r in old and
                  (old[r].staff_text, old[r].severity) != (new[r].staff_text, new[r].severity)],
        kept=[f for rule_id, f in new.items() if rule_id in old],
        scores=[(label, stored_lines[label], new_lines[label]) for label in new_lines
                if stored_lines.get(label) != new_lines[label]],
        fingerprint=fingerprint(result),
    )


def fingerprint(result: Result) -> str:
    """Identifies a result, so that "save" stores exactly the result the person looked at."""
    text = json.dumps(result.as_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def save_reevaluation(submission: Submission, user: User, result: Result) -> bool:
    """Replace the stored result (the answers never change); audit-logged. An urgent result
    alerts a person (docs/alerts.md): the case's urgent alert, if it had none yet, is saved in
    the same transaction; one someone acknowledged stands, as they have the case in hand.
    False, and nothing saved, when someone saved the submission meanwhile."""
    shell = SimpleNamespace(id=submission.draft_id, answers=submission.answers,
                            language=submission.language)
    fresh = build_submission(shell, result)  # the one mapping from a result to columns
    before = (submission.rulebook_version, submission.flag_count)
    try:
        for column in RESULT_COLUMNS:
            setattr(submission, column, getattr(fresh, column))
        submission.queue_rank = fresh.queue_rank
        alerted = ""
        if fresh.urgent:
            alert, queued = queue_urgent_alert(submission, current_app.config["ALERT_CLOCK"]())
            if alert.acknowledged_at is not None:
                submission.acknowledged()
            alerted = "; urgent alert queued" if queued else ""
        audit.record("re_evaluate_saved", user.id, submission.id,
                     f"rulebook {before[0]} -> {fresh.rulebook_version}; "
                     f"flags {before[1]} -> {fresh.flag_count}{alerted}")
        db.session.commit()  # UPDATE ... WHERE version = the version read (version_id_col)
    except (StaleDataError, IntegrityError):  # another save first (alert.submission_id UNIQUE)
        db.session.rollback()
        return False
    return True


def status_label(status: str) -> str:
    return gettext(STATUS_LABELS.get(status, status))


def severity_label(severity: str | None) -> str:
    return gettext(SEVERITY_LABELS.get(severity, severity or ""))
