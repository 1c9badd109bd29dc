"""A case's owner and its contact log (issue 21): "Take this case", assign to a colleague,
unassign; each contact attempt with its channel, outcome, note and next follow-up date.

Both are audit-logged and never edited afterwards (a correction is a new entry). A change of
owner made from a page that showed another owner than the one saved is refused with a
conflict, as a status change is; a contact attempt is never lost to a concurrent change.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import exists, select, update
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import (
    CONTACT_CHANNELS,
    CONTACT_OUTCOMES,
    STATUSES,
    ContactAttempt,
    Submission,
    User,
)
from ..questionnaire import N_
from . import audit
from .review import StatusConflict, change_status

MOVES_TO_CONTACTED = ("new", "in_review")
CHANNEL_LABELS = {"phone": N_("Phone"), "text": N_("Text message"), "email": N_("Email"),
                  "letter": N_("Letter")}
OUTCOME_LABELS = {"reached": N_("Reached"), "left_message": N_("Left a message"),
                  "no_answer": N_("No answer"), "wrong_number": N_("Wrong number"),
                  "do_not_contact": N_("Asked not to be contacted")}


def channel_label(channel: str) -> str:
    return gettext(CHANNEL_LABELS.get(channel, channel))


def outcome_label(outcome: str) -> str:
    return gettext(OUTCOME_LABELS.get(outcome, outcome))


def contact_labels() -> dict:
    """What the contact log's form and list need in a template."""
    return {"contact_channels": CONTACT_CHANNELS, "contact_outcomes": CONTACT_OUTCOMES,
            "contact_channel_label": channel_label, "contact_outcome_label": outcome_label}


class OwnerConflict(Exception):
    def __init__(self, submission: Submission) -> None:
        super().__init__(submission.reference)
        self.submission = submission


def colleagues() -> list[User]:
    """Active staff accounts a case can be given to."""
    return list(db.session.scalars(select(User).where(User.active.is_(True))
                                   .order_by(User.email)))


def active_colleague(text: str) -> int | None:
    """The account id chosen in a form if it is an active account's, else None (a disabled or
    removed account, or anything else than an id)."""
    if not text.isdigit() or len(text) > 9:  # ids fit any database's integer
        return None
    owner = db.session.get(User, int(text))
    return owner.id if owner is not None and owner.active else None


def set_owner(submission: Submission, user: User, owner_id: int | None,
              seen_owner_id: int | None) -> None:
    """Give the case to `owner_id` (None: nobody) if its owner is still the one the page showed;
    otherwise raise OwnerConflict and change nothing."""
    if submission.owner_id != seen_owner_id:
        raise OwnerConflict(submission)
    if owner_id == submission.owner_id:
        return
    if owner_id is not None:
        owner = db.session.get(User, owner_id)
        if owner is None or not owner.active:
            raise ValueError(owner_id)
    before = submission.owner_id
    submission.owner_id = owner_id
    audit.record("owner_change", user.id, submission.id,
                 f"owner {before or 'none'} -> {owner_id or 'none'} (account ids)")
    try:
        db.session.commit()  # UPDATE ... WHERE version = the version read (version_id_col)
    except StaleDataError:
        db.session.rollback()
        raise OwnerConflict(db.session.get(Submission, submission.id)) from None


def log_contact(submission: Submission, user: User, channel: str, outcome: str, note: str,
                follow_up_on: date | None, mark_contacted: bool, now: datetime) -> None:
    """Append a contact attempt; the case's last contact and next follow-up follow it. The
    first reached attempt moves a new or in-review case to "contacted" unless the person
    logging it chose otherwise."""
    first_reach = outcome == "reached" and not db.session.scalar(select(exists().where(
        ContactAttempt.submission_id == submission.id, ContactAttempt.outcome == "reached")))
    for _ in range(3):  # a concurrent change of the case: ours goes on top of it
        db.session.add(ContactAttempt(
            submission_id=submission.id, user_id=user.id, created_at=now, channel=channel,
            outcome=outcome, note=note.strip(), follow_up_on=follow_up_on))
        audit.record("contact_logged", user.id, submission.id,
                     f"{channel}, {outcome}{', follow-up set' if follow_up_on else ''}")
        submission.last_contact_at, submission.follow_up_on = now, follow_up_on
        try:
            db.session.commit()
            break
        except StaleDataError:
            db.session.rollback()
            submission = db.session.get(Submission, submission.id)
    if first_reach and mark_contacted and submission.status in MOVES_TO_CONTACTED:
        # Someone set a status meanwhile: theirs stands, the attempt is logged.
        with suppress(StatusConflict):
            change_status(submission, user, "contacted", submission.version, submission.status)


@dataclass(frozen=True, slots=True)
class Pick:
    """A ticked queue row as the page showed it: reference, version, status and owner."""

    reference: str
    version: int
    status: str
    owner_id: int | None

    @classmethod
    def parse(cls, text: str) -> Pick | None:
        parts = text.split(":")
        if len(parts) != 4 or parts[2] not in STATUSES:
            return None
        try:
            return cls(parts[0][:16], int(parts[1]), parts[2], int(parts[3]) if parts[3] else None)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class BulkResult:
    """The ticked cases by what happened to them: changed (both changes, or nothing was left
    to change), refused because someone changed the case since the page was drawn, or refused
    because the chosen colleague's account was disabled meanwhile. A case is in one list."""

    changed: list[str]
    refused: list[str]
    owner_disabled: list[str]


def bulk_change(picks: list[Pick], user: User, status: str | None, owner: int | None,
                change_owner: bool) -> BulkResult:
    """Apply a status and/or an owner (an account id, or None: nobody) to each ticked case,
    each with the conflict check and the audit records of a single change. Each case gets
    every change chosen or none: one conditional UPDATE, committed with its audit rows."""
    changed: list[str] = []
    refused: list[str] = []
    owner_disabled: list[str] = []
    lists = {"changed": changed, "refused": refused, "owner_disabled": owner_disabled}
    for pick in picks:
        outcome = _change_case(pick, user, status, owner, change_owner)
        if outcome:
            lists[outcome].append(pick.reference)
    detail = f"{len(changed)} changed, {len(refused) + len(owner_disabled)} refused"
    if owner_disabled:
        detail += f" ({len(owner_disabled)} as the new owner's account was disabled)"
    if status:
        detail += f"; status {status}"
    if change_owner:
        detail += f"; owner {owner or 'none'} (account id)"
    audit.record("bulk_change", user.id, detail=detail)
    db.session.commit()
    return BulkResult(changed, refused, owner_disabled)


def _change_case(pick: Pick, user: User, status: str | None, owner: int | None,
                 change_owner: bool) -> str | None:
    """One ticked case: "changed", "refused", "owner_disabled", or None when there is no such
    case. A status needs the case unchanged since the page (its version), an owner the owner
    the page showed; the UPDATE itself checks that nothing changed since it was read and that
    the new owner's account is active, so no part is saved without the other."""
    sub = db.session.scalar(select(Submission).where(Submission.reference == pick.reference))
    if sub is None:
        return None
    if (status and sub.version != pick.version) or (
            change_owner and sub.owner_id != pick.owner_id):
        return _bulk_refusal(sub, user, status)
    values: dict[str, Any] = {}
    if status and status != sub.status:
        values["status"] = status
    if change_owner and owner != sub.owner_id:
        values["owner_id"] = owner
    if not values:
        return "changed"  # as chosen already
    before = (sub.status, sub.owner_id)
    row = update(Submission).where(Submission.id == sub.id, Submission.version == sub.version)
    if "owner_id" in values and owner is not None:
        row = row.where(_active_account(owner))
    saved = db.session.execute(row.values(**values, version=Submission.version + 1),
                               execution_options={"synchronize_session": False})
    if saved.rowcount != 1:
        db.session.rollback()
        account = db.session.get(User, owner) if "owner_id" in values and owner else None
        if account is not None and not account.active:
            return "owner_disabled"
        return _bulk_refusal(db.session.get(Submission, sub.id), user, status)
    if "status" in values:
        audit.record("status_change", user.id, sub.id, f"{before[0]} -> {status}")
    if "owner_id" in values:
        audit.record("owner_change", user.id, sub.id,
                     f"owner {before[1] or 'none'} -> {owner or 'none'} (account ids)")
    db.session.commit()
    return "changed"


def _active_account(user_id: int) -> Any:
    """The UPDATE's condition that the account is active. On PostgreSQL its row is also locked
    (FOR SHARE) until the commit: an account disabled at the same moment is disabled either
    before (the case is not given) or after (as any case it owned)."""
    return (select(User.id).where(User.id == user_id, User.active.is_(True))
            .with_for_update(read=True).exists())


def _bulk_refusal(sub: Submission, user: User, status: str | None) -> str:
    """Someone changed the case since the page was drawn: a refused status is audit-logged as
    a single one is (`status_conflict`)."""
    if status:
        db.session.refresh(sub)
        audit.record("status_conflict", user.id, sub.id,
                     f"wanted {status}, saved {sub.status}", outcome="refused")
        db.session.commit()
    return "refused"
