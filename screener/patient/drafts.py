"""Drafts on the server: create, save a page, resume codes, and the idempotent send.

Every change to a draft is one conditional UPDATE: only while the draft is unsent, and only if
its version is still the one this request read. A page saved in one tab while another tab sends
therefore either lands before the send (and the send scores it) or finds the draft sent and is
refused; two changes at the same moment are made one after the other, each on what the other
saved.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from flask import has_request_context, request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..alerts.outbox import queue_alerts
from ..devices import device_class
from ..extensions import db
from ..models import Draft, Submission, utcnow
from ..questionnaire import Answers
from ..rules import CRISIS_RULES, Settings, evaluate
from ..submissions import build_submission, random_code
from .flow import CONSENT_ID, STEP_PAGES, PageRef, first_incomplete, merge_page, missing_required

RESUME_CODE_GROUPS = 6  # 6 groups of 5 characters: 150 random bits
MAX_TRIES = 5  # changes made at the same moment by one person's tabs: each is tried again


class AlreadySubmitted(Exception):
    """The draft was already sent; its answers can no longer change."""


def hash_code(code: str) -> str:
    normalised = "".join(c for c in code.upper() if c.isalnum())
    normalised = normalised.replace("O", "0").replace("I", "1").replace("L", "1")
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_draft(lifetime_days: int, now: datetime | None = None, language: str = "en",
              device: str | None = None) -> Draft:
    now = now or utcnow()
    if device is None and has_request_context():  # the dashboard counts the device class only
        device = device_class(request.headers.get("User-Agent"))
    draft = Draft(id=secrets.token_urlsafe(32), answers={CONSENT_ID: "yes"}, pages_done=[],
                  crisis_shown=[], language=language, created_at=now, updated_at=now,
                  expires_at=now + timedelta(days=lifetime_days), version=1, device=device,
                  last_page=STEP_PAGES[0].key)
    db.session.add(draft)
    db.session.commit()
    return draft


def _current(draft: Draft | None, now: datetime | None) -> Draft | None:
    if draft is None or draft.expires_at <= (now or utcnow()):
        return None
    return draft


def load_draft(draft_id: Any, now: datetime | None = None) -> Draft | None:
    """The unsent or sent draft with this id, unless it expired."""
    if not isinstance(draft_id, str) or not 0 < len(draft_id) <= 64:
        return None
    return _current(db.session.get(Draft, draft_id), now)


def find_by_resume_code(code: str, now: datetime | None = None) -> Draft | None:
    if not code or len(code) > 64:
        return None
    found = db.session.scalar(select(Draft).where(Draft.resume_code_hash == hash_code(code),
                                                  Draft.submission_id.is_(None)))
    return _current(found, now)


def _change(draft: Draft, values_for: Callable[[Draft], dict[str, Any]]) -> None:
    """Apply values_for(draft) to an unsent draft and commit. When another request changed the
    draft since it was read, it is read again and the change worked out again on what that
    request saved; AlreadySubmitted once it was sent."""
    for _ in range(MAX_TRIES):
        if draft.submission_id is not None:
            raise AlreadySubmitted
        values = values_for(draft)
        changed = db.session.execute(
            update(Draft)
            .where(Draft.id == draft.id, Draft.submission_id.is_(None),
                   Draft.version == draft.version)
            .values(version=draft.version + 1, updated_at=utcnow(), **values),
            execution_options={"synchronize_session": False})
        if changed.rowcount == 1:
            db.session.commit()  # expires `draft`: its next read sees what was stored
            return
        db.session.rollback()  # and read the draft again
    raise AlreadySubmitted


def save_page(draft: Draft, ref: PageRef, posted: dict[str, Any], lifetime_days: int,
              as_of: date | None = None) -> list[str]:
    """Store the page's answers and commit; returns the crisis rules newly shown by them
    (the caller then shows the help page first). A page with required answers still missing
    (saved to finish later) is not marked done."""
    new_crisis: list[str] = []

    def values_for(current: Draft) -> dict[str, Any]:
        answers = merge_page(current.answers, ref, posted)
        result = evaluate(answers, as_of=as_of)
        fired = [f.rule_id for f in result.flags if f.rule_id in CRISIS_RULES]
        new_crisis[:] = [rule_id for rule_id in fired if rule_id not in current.crisis_shown]
        values: dict[str, Any] = {"answers": answers,
                                  "expires_at": utcnow() + timedelta(days=lifetime_days)}
        if ref.key not in current.pages_done and not missing_required(ref, Answers(answers)):
            values["pages_done"] = [*current.pages_done, ref.key]
        if new_crisis:
            values["crisis_shown"] = [*current.crisis_shown, *new_crisis]
        reached = first_incomplete(Answers(answers), values.get("pages_done", current.pages_done))
        values["last_page"] = reached.key if reached else "check"  # for the dashboard's funnel
        return values

    _change(draft, values_for)
    return new_crisis


def set_language(draft: Draft, language: str) -> None:
    _change(draft, lambda current: {"language": language})


def issue_resume_code(draft: Draft) -> str:
    """A new resume code for the draft (the previous one stops working). Shown once."""
    code = "-".join(random_code(5) for _ in range(RESUME_CODE_GROUPS))
    _change(draft, lambda current: {"resume_code_hash": hash_code(code)})
    return code


def submit(draft: Draft, settings: Settings, as_of: date | None = None) -> Submission:
    """Run the rules and store one submission per draft, however often this is called: the
    draft id is the idempotency key (UNIQUE submission.draft_id). The submission is stored only
    if the draft still has the version whose answers were scored; otherwise (a page was saved
    meanwhile) the answers are read and scored again."""
    for _ in range(MAX_TRIES):
        if draft.submission_id is not None:
            return db.session.get(Submission, draft.submission_id)
        version = draft.version
        submission = build_submission(draft, evaluate(draft.answers, as_of=as_of,
                                                      settings=settings))
        db.session.add(submission)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()  # another request sent the same draft first
            existing = db.session.scalar(
                select(Submission).where(Submission.draft_id == draft.id))
            if existing is None:
                raise
            return existing
        sent = db.session.execute(
            update(Draft)
            .where(Draft.id == draft.id, Draft.submission_id.is_(None), Draft.version == version)
            .values(submission_id=submission.id, resume_code_hash=None, version=version + 1,
                    updated_at=utcnow()),
            execution_options={"synchronize_session": False})
        if sent.rowcount == 1:
            queue_alerts(submission)  # the alert is stored with the submission, or neither is
            db.session.commit()
            return submission
        db.session.rollback()  # changed meanwhile: score what is stored now
    raise AlreadySubmitted
