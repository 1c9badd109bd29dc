"""The outbox: alerts written with the submission, claimed by workers, marked sent or failing;
escalation and acknowledgement. Every time comes in as `now` (tests pass their own).

Several workers may run at once, on one or several machines: a message is claimed by one
UPDATE that only takes rows nobody holds (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite runs
one writer at a time, so the UPDATE's own condition is the claim). A claim lasts
ALERT_CLAIM_SECONDS; a worker that dies mid-send leaves it to run out, and the next worker sends
the message again with the same id: at most one duplicate, which the id lets a reader spot.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import Submission, User
from .hours import OpeningHours, parse_hours
from .models import Alert, AlertMessage

log = logging.getLogger("screener.alerts")

FIRST_RETRY_SECONDS = 10
LONGEST_WAIT_SECONDS = 300  # a mail server back after an outage hears from us within 5 min


def addresses(value: str | list[str] | None) -> list[str]:
    """ALERT_EMAILS and ESCALATION_EMAILS: comma-separated (or a list)."""
    items = value.split(",") if isinstance(value, str) else (value or [])
    return [item.strip() for item in items if item.strip()]


def clinic_hours(config: Any) -> OpeningHours | None:
    return parse_hours(str(config.get("CLINIC_HOURS") or ""), config["CLINIC_TIMEZONE"])


def retry_delay(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... at most 5 minutes between tries."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0),
                                 LONGEST_WAIT_SECONDS))


def recipients(config: Any, purpose: str) -> list[str]:
    if purpose == "escalation":
        return addresses(config["ESCALATION_EMAILS"]) or addresses(config["ALERT_EMAILS"])
    return addresses(config["ALERT_EMAILS"])


def _queue_messages(alert: Alert, purpose: str, now: datetime) -> None:
    """One outbox row per channel: mail when there is someone to mail (or no SMTP_URL: the
    worker prints it), the webhook when one is set."""
    config = current_app.config
    channels = []
    if not config["SMTP_URL"] or recipients(config, purpose):
        channels.append("email")
    if config["ALERT_WEBHOOK_URL"]:
        channels.append("webhook")
    if not channels:
        log.warning("alert %s: no ALERT_EMAILS and no ALERT_WEBHOOK_URL, nothing to send",
                    alert.id)
    for channel in channels:
        alert.messages.append(AlertMessage(
            channel=channel, purpose=purpose, message_id=secrets.token_hex(16),
            status="waiting", attempts=0, next_attempt_at=now, created_at=now))


def queue_alerts(submission: Submission) -> Alert | None:
    """Add the alert of a new submission (urgent, or any if ALERT_EVERY_SUBMISSION) to the
    session: the caller commits it with the submission, so neither is stored without the other.
    Arriving while the clinic is closed (CLINIC_HOURS), an urgent alert goes to the escalation
    list at once as well."""
    config = current_app.config
    if not submission.urgent and not config["ALERT_EVERY_SUBMISSION"]:
        return None
    arrival = submission.created_at or config["ALERT_CLOCK"]()
    alert = Alert(submission_id=submission.id, reference=submission.reference,
                  kind="urgent" if submission.urgent else "submission", created_at=arrival,
                  escalate_at=_escalation_time(arrival) if submission.urgent else None)
    db.session.add(alert)
    _queue_messages(alert, "alert", arrival)
    return alert


def _escalation_time(start: datetime) -> datetime:
    """When an urgent alert from `start` goes to the escalation list: after
    ALERT_ESCALATE_AFTER_MINUTES, or at once while the clinic is closed (CLINIC_HOURS)."""
    config = current_app.config
    hours = clinic_hours(config)
    if hours is not None and not hours.is_open(start):
        return start
    return start + timedelta(minutes=config["ALERT_ESCALATE_AFTER_MINUTES"])


def queue_urgent_alert(submission: Submission, now: datetime) -> tuple[Alert, bool]:
    """A re-evaluation found `submission` urgent: its urgent alert, and whether it was queued
    now. Once per submission (one alert row each): an urgent alert it had already (sent,
    escalating or acknowledged) stands. Otherwise a new urgent alert, or its notice of an
    ordinary submission (ALERT_EVERY_SUBMISSION) made one, counted from `now` (when the case
    became urgent): sent, escalated and acknowledged as a new urgent submission's. Added to the
    session: the caller commits it with the new result, so neither is stored without the
    other."""
    alert = alert_for(submission.id)
    if alert is not None and alert.kind == "urgent":
        return alert, False
    if alert is None:
        alert = Alert(submission_id=submission.id, reference=submission.reference)
        db.session.add(alert)
    # A notice nobody needed to acknowledge is no acknowledgement of an urgent case.
    alert.kind, alert.created_at, alert.escalate_at = "urgent", now, _escalation_time(now)
    alert.escalated_at = alert.acknowledged_at = alert.acknowledged_by = None
    alert.response_seconds = None
    _queue_messages(alert, "alert", now)
    return alert, True


def queue_test_alert(now: datetime) -> Alert:
    """A test alert (an admin's button): goes out like a real one, about no one. Committed."""
    alert = Alert(submission_id=None, reference="", kind="test", created_at=now)
    db.session.add(alert)
    _queue_messages(alert, "test", now)
    return alert


def escalate_due(now: datetime, limit: int = 50) -> int:
    """Tell the escalation list about each urgent alert unacknowledged past its time: once,
    whatever the number of workers (a conditional UPDATE marks it escalated). Commits."""
    due = list(db.session.scalars(
        select(Alert.id).where(Alert.escalated_at.is_(None), Alert.acknowledged_at.is_(None),
                               Alert.escalate_at <= now).order_by(Alert.escalate_at)
        .limit(limit)))
    db.session.commit()  # each change below starts a transaction of its own
    escalated = 0
    for alert_id in due:
        marked = db.session.execute(
            update(Alert).where(Alert.id == alert_id, Alert.escalated_at.is_(None),
                                Alert.acknowledged_at.is_(None))
            .values(escalated_at=now), execution_options={"synchronize_session": False})
        if marked.rowcount == 1:
            _queue_messages(db.session.get(Alert, alert_id), "escalation", now)
            escalated += 1
            log.info("alert %s escalated", alert_id)
        db.session.commit()
    return escalated


def acknowledge(submission: Submission, user: User, now: datetime) -> Alert | None:
    """Record that `user` took the urgent submission on: stops the escalation and stores the
    time since arrival. None when someone already had (their acknowledgement stands). The
    caller audit-logs and commits. A submission stored before alerts existed gets its alert
    row here."""
    alert = alert_for(submission.id)
    if alert is None:
        alert = Alert(submission_id=submission.id, reference=submission.reference,
                      kind="urgent" if submission.urgent else "submission",
                      created_at=submission.created_at)
        db.session.add(alert)
        db.session.flush()
    seconds = max(0, int((now - alert.created_at).total_seconds()))
    done = db.session.execute(
        update(Alert).where(Alert.id == alert.id, Alert.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by=user.id, response_seconds=seconds),
        execution_options={"synchronize_session": False})
    if done.rowcount != 1:
        return None
    submission.acknowledged()  # the queue puts it below the urgent ones no one has taken on
    db.session.refresh(alert)
    return alert


def alert_for(submission_id: int) -> Alert | None:
    return db.session.scalar(select(Alert).where(Alert.submission_id == submission_id))


# --- the worker's side -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed message with what its text needs: nothing about the person."""

    id: int
    claim_token: str
    channel: str
    purpose: str
    message_id: str
    attempts: int
    kind: str
    reference: str
    arrived_at: datetime


def claim(now: datetime, claim_seconds: int, limit: int = 10) -> list[Outgoing]:
    """Take up to `limit` due messages that no other worker holds. Commits."""
    token = secrets.token_hex(16)
    free = or_(AlertMessage.claimed_until.is_(None), AlertMessage.claimed_until < now)
    due = (select(AlertMessage.id)
           .where(AlertMessage.status == "waiting", AlertMessage.next_attempt_at <= now, free)
           .order_by(AlertMessage.next_attempt_at, AlertMessage.id).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    db.session.execute(
        update(AlertMessage)
        .where(AlertMessage.id.in_(due), AlertMessage.status == "waiting", free)
        .values(claimed_until=now + timedelta(seconds=claim_seconds), claim_token=token,
                attempts=AlertMessage.attempts + 1, last_attempt_at=now),
        execution_options={"synchronize_session": False})
    rows = db.session.execute(
        select(AlertMessage, Alert).join(Alert, AlertMessage.alert_id == Alert.id)
        .where(AlertMessage.claim_token == token).order_by(AlertMessage.id)).all()
    claimed = [Outgoing(m.id, token, m.channel, m.purpose, m.message_id, m.attempts, a.kind,
                        a.reference, a.created_at) for m, a in rows]
    db.session.commit()
    return claimed


def mark_sent(message: Outgoing, now: datetime) -> None:
    db.session.execute(
        update(AlertMessage).where(AlertMessage.id == message.id,
                                   AlertMessage.status == "waiting")
        .values(status="sent", sent_at=now, claimed_until=None, claim_token=None),
        execution_options={"synchronize_session": False})
    db.session.commit()


def mark_failed(message: Outgoing, now: datetime, error: str) -> datetime:
    """Leave the message waiting for its next try; returns when that is."""
    next_try = now + retry_delay(message.attempts)
    db.session.execute(
        update(AlertMessage).where(AlertMessage.id == message.id,
                                   AlertMessage.claim_token == message.claim_token,
                                   AlertMessage.status == "waiting")
        .values(next_attempt_at=next_try, claimed_until=None, claim_token=None,
                last_error=error[:300]),
        execution_options={"synchronize_session": False})
    db.session.commit()
    return next_try


def outbox(limit: int = 50) -> dict[str, list[tuple[AlertMessage, Alert]]]:
    """The admin's view: waiting (not yet tried, or not failed), failing, recently sent."""
    def rows(*where: Any, order: Any) -> list[tuple[AlertMessage, Alert]]:
        query = (select(AlertMessage, Alert).join(Alert, AlertMessage.alert_id == Alert.id)
                 .where(*where).order_by(*order).limit(limit))
        return [tuple(row) for row in db.session.execute(query).all()]

    waiting = AlertMessage.status == "waiting"
    return {
        "failing": rows(waiting, AlertMessage.last_error.is_not(None),
                        order=(AlertMessage.next_attempt_at, AlertMessage.id)),
        "waiting": rows(waiting, AlertMessage.last_error.is_(None),
                        order=(AlertMessage.next_attempt_at, AlertMessage.id)),
        "sent": rows(AlertMessage.status == "sent",
                     order=(AlertMessage.sent_at.desc(), AlertMessage.id.desc())),
    }


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One line of a submission's alert history (the staff page words it)."""

    at: datetime
    what: str  # queued, sent, failing, waiting, escalated, acknowledged
    channel: str = ""
    purpose: str = ""
    attempts: int = 0
    error: str = ""
    who: str = ""


def history(alert: Alert) -> list[HistoryLine]:
    lines = [HistoryLine(alert.created_at, "queued")]
    for message in alert.messages:
        fields = {"channel": message.channel, "purpose": message.purpose,
                  "attempts": message.attempts, "error": message.last_error or ""}
        if message.status == "sent":
            lines.append(HistoryLine(message.sent_at, "sent", **fields))
        elif message.last_error:
            lines.append(HistoryLine(message.last_attempt_at or message.created_at, "failing",
                                     **fields))
        else:
            lines.append(HistoryLine(message.created_at, "waiting", **fields))
    if alert.escalated_at:
        lines.append(HistoryLine(alert.escalated_at, "escalated"))
    if alert.acknowledged_at:
        user = db.session.get(User, alert.acknowledged_by) if alert.acknowledged_by else None
        lines.append(HistoryLine(alert.acknowledged_at, "acknowledged",
                                 who=user.email if user else ""))
    return sorted(lines, key=lambda line: line.at)
