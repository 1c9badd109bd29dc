"""Drafts on the server: create, save a page, resume codes, and the idempotent submit."""

from __future__ import annotations

import hashlib
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from flask import g
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..extensions import db
from ..models import QUEUE_SCORES, SEVERITY_RANK, Draft, Submission, utcnow
from ..questionnaire import Answers
from ..rules import CRISIS_RULES, Result, Settings, evaluate
from .flow import CONSENT_ID, PageRef, merge_and_read, missing_required

# Crockford's base32 without look-alikes: easy to read out and type on a phone.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RESUME_CODE_GROUPS = 6  # 6 groups of 5 characters: 150 random bits
REFERENCE_LENGTH = 8


class AlreadySubmitted(Exception):
    """The draft was already sent; its answers can no longer change."""


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def hash_code(code: str) -> str:
    normalised = "".join(c for c in code.upper() if c.isalnum())
    normalised = normalised.replace("O", "0").replace("I", "1").replace("L", "1")
    return hashlib.sha256(normalised.encode()).hexdigest()


@dataclass(slots=True)
class DraftState:
    """A draft as a request reads and changes it: read with one Core query and written back
    with one UPDATE (the ORM's identity map, change tracking and reload after commit cost more
    than the rest of a question page)."""

    id: str
    answers: dict[str, Any]
    pages_done: list[str]
    crisis_shown: list[str]
    language: str
    submission_id: int | None
    expires_at: datetime


DRAFTS = Draft.__table__
_COLUMNS = [DRAFTS.c[name] for name in DraftState.__slots__]
_BY_ID = select(*_COLUMNS).where(DRAFTS.c.id == bindparam("id"))


def new_draft(lifetime_days: int, now: datetime | None = None, language: str = "en"
              ) -> DraftState:
    now = now or utcnow()
    draft = DraftState(id=secrets.token_urlsafe(32), answers={CONSENT_ID: "yes"}, pages_done=[],
                       crisis_shown=[], language=language, submission_id=None,
                       expires_at=now + timedelta(days=lifetime_days))
    db.session.execute(insert(DRAFTS).values(
        id=draft.id, answers=draft.answers, pages_done=draft.pages_done,
        crisis_shown=draft.crisis_shown, language=language, created_at=now, updated_at=now,
        expires_at=draft.expires_at))
    db.session.commit()
    return draft


def _state(row: Any, now: datetime | None) -> DraftState | None:
    if row is None:
        return None
    draft = DraftState(*row)
    return draft if draft.expires_at > (now or utcnow()) else None


def load_draft(draft_id: Any, now: datetime | None = None) -> DraftState | None:
    """The unsent or sent draft with this id, unless it expired. Read on a pooled connection
    returned at once, outside the ORM session (which a save then starts for its UPDATE; the
    UPDATE only changes a draft not sent meanwhile)."""
    if not isinstance(draft_id, str) or not draft_id:
        return None
    draft = _state(_read_row(draft_id), now)
    g.draft = draft  # what this request read (kept for a database failure later on)
    return draft


class _DriverRead:
    """The draft read as one call of the database driver. SQLAlchemy compiles the statement and
    gives each column's conversion (JSON, UTC datetimes) once per dialect; a request then runs
    it on a pooled connection (the pool's ping, reset and checkin as usual) and converts the
    row. A Core connection with its transaction bookkeeping cost three times the query itself,
    on a page that does little else. Driver errors become SQLAlchemy's, so the app's handling
    of a database failure is unchanged, and a dropped connection is taken out of the pool (only
    that one: the other idle connections are tested by the pool's ping when next checked out,
    which production's PostgreSQL configuration turns on). Engine events do not see this read."""

    def __init__(self, dialect: Any) -> None:
        compiled = _BY_ID.compile(dialect=dialect)
        self.dialect = dialect
        self.sql = compiled.string
        self.positional = compiled.positional
        self.convert = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                        for column in _COLUMNS]

    def row(self, draft_id: str) -> tuple | None:
        params: Any = (draft_id,) if self.positional else {"id": draft_id}
        driver_error = self.dialect.loaded_dbapi.Error
        try:
            connection = db.engine.raw_connection()
        except driver_error as error:  # the database refused or could not be reached
            raise self._wrapped(error, params, lost=False) from error
        cursor = None
        try:
            cursor = connection.cursor()
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        except driver_error as error:
            lost = self.dialect.is_disconnect(error, connection.dbapi_connection, cursor)
            if lost:
                connection.invalidate(error)
            raise self._wrapped(error, params, lost) from error
        finally:
            if cursor is not None:
                with suppress(Exception):
                    cursor.close()
            connection.close()  # back to the pool (which rolls back)
        if row is None:
            return None
        return tuple(value if convert is None else convert(value)
                     for convert, value in zip(self.convert, row, strict=True))

    def _wrapped(self, error: Exception, params: Any, lost: bool) -> DBAPIError:
        # The parameter is the draft id, the key to a person's answers: never in the message.
        return DBAPIError.instance(self.sql, params, error, self.dialect.loaded_dbapi.Error,
                                   hide_parameters=True, connection_invalidated=lost,
                                   dialect=self.dialect)


_driver_reads: WeakKeyDictionary[Any, _DriverRead] = WeakKeyDictionary()  # per dialect


def _read_row(draft_id: str) -> tuple | None:
    dialect = db.engine.dialect
    reader = _driver_reads.get(dialect)
    if reader is None:
        reader = _driver_reads[dialect] = _DriverRead(dialect)
    return reader.row(draft_id)


def _write(draft: DraftState, **values: Any) -> None:
    """Change an unsent draft and commit; AlreadySubmitted when it was sent meanwhile (in
    another tab or by a double click), so a sent questionnaire never changes."""
    changed = db.session.execute(
        update(DRAFTS).where(DRAFTS.c.id == draft.id, DRAFTS.c.submission_id.is_(None))
        .values(updated_at=utcnow(), **values))
    if changed.rowcount != 1:
        db.session.rollback()
        raise AlreadySubmitted
    db.session.commit()
    for name, value in values.items():
        if name in DraftState.__slots__:
            setattr(draft, name, value)


def save_page(draft: DraftState, ref: PageRef, posted: dict[str, Any], lifetime_days: int,
              as_of: date | None = None,
              merged: tuple[dict[str, Any], Answers] | None = None) -> list[str]:
    """Store the page's answers and commit; returns the crisis rules newly shown by them
    (the caller then shows the help page first). A page with required answers still missing
    (saved to finish later) is not marked done. `merged`: merge_and_read() of these answers,
    when the caller has it already."""
    if draft.submission_id is not None:
        raise AlreadySubmitted
    answers, reader = merged or merge_and_read(draft.answers, ref, posted)
    result = evaluate(reader, as_of=as_of)
    fired = [f.rule_id for f in result.flags if f.rule_id in CRISIS_RULES]
    new_crisis = [rule_id for rule_id in fired if rule_id not in draft.crisis_shown]
    values: dict[str, Any] = {"answers": answers,
                              "expires_at": utcnow() + timedelta(days=lifetime_days)}
    if ref.key not in draft.pages_done and not missing_required(ref, reader):
        values["pages_done"] = [*draft.pages_done, ref.key]
    if new_crisis:
        values["crisis_shown"] = [*draft.crisis_shown, *new_crisis]
    _write(draft, **values)
    return new_crisis


def set_language(draft: DraftState, language: str) -> None:
    _write(draft, language=language)


def issue_resume_code(draft: DraftState) -> str:
    """A new resume code for the draft (the previous one stops working). Shown once."""
    groups = [_random_code(5) for _ in range(RESUME_CODE_GROUPS)]
    code = "-".join(groups)
    _write(draft, resume_code_hash=hash_code(code))
    return code


_BY_CODE = select(*_COLUMNS).where(DRAFTS.c.resume_code_hash == bindparam("code"),
                                   DRAFTS.c.submission_id.is_(None))


def find_by_resume_code(code: str, now: datetime | None = None) -> DraftState | None:
    if not code or len(code) > 64:
        return None
    return _state(db.session.execute(_BY_CODE, {"code": hash_code(code)}).first(), now)


def _queue_copy(answers: Answers) -> dict[str, str]:
    return {
        "first_name": answers.get("first_name") or "",
        "last_name": answers.get("last_name") or "",
        "email": (answers.get("email") or "").lower(),
        "conditions": ",".join(answers.get("reasons") or []),
    }


def build_submission(draft: Any, result: Result) -> Submission:
    return Submission(
        reference=_random_code(REFERENCE_LENGTH),
        draft_id=draft.id,
        answers=dict(draft.answers),
        rulebook_version=result.rulebook_version,
        rule_settings=result.settings.as_dict(),
        scores=result.scores,
        flags=[f.as_dict() for f in result.flags],
        missing_safety=list(result.missing_safety),
        highest_severity=result.highest_severity,
        severity_rank=SEVERITY_RANK[result.highest_severity],
        urgent=result.urgent,
        crisis=result.crisis,
        flag_count=len(result.flags),
        first_rule_id=result.flags[0].rule_id if result.flags else None,
        **{key: result.scores[key] for key in QUEUE_SCORES},
        language=draft.language,
        **_queue_copy(Answers(draft.answers)),
    )


def submit(draft: DraftState, settings: Settings, as_of: date | None = None) -> Submission:
    """Run the rules and store one submission per draft, however often this is called:
    the draft id is the idempotency key (UNIQUE submission.draft_id)."""
    if draft.submission_id is not None:
        return db.session.get(Submission, draft.submission_id)
    result = evaluate(draft.answers, as_of=as_of, settings=settings)
    submission = build_submission(draft, result)
    db.session.add(submission)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # another request submitted the same draft first
        existing = db.session.scalar(select(Submission).where(Submission.draft_id == draft.id))
        if existing is None:
            raise
        return existing
    db.session.execute(
        update(Draft).where(Draft.id == draft.id, Draft.submission_id.is_(None))
        .values(submission_id=submission.id, resume_code_hash=None)
    )
    db.session.commit()
    draft.submission_id = submission.id
    return submission

