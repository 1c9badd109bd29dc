"""The alert tables: `alert` (one urgent submission needs a person: its acknowledgement and
escalation) and `alert_message` (the outbox: each mail or webhook call still to send, or sent).

Neither table holds anything about the person: a submission id, its reference and times only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import UTCDateTime, utcnow

KINDS = ("urgent", "submission", "test")  # "submission": the clinic asked to hear of every one
CHANNELS = ("email", "webhook")
PURPOSES = ("alert", "escalation", "test")
STATUSES = ("waiting", "sent")


class Alert(db.Model):
    """That a submission arrived and (when urgent) needs a person soon. Acknowledging it stops
    the escalation and stores the minutes from arrival to acknowledgement."""

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), unique=True)
    reference: Mapped[str] = mapped_column(String(16), default="")
    kind: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # the arrival
    # When the escalation list is told if no one has acknowledged by then (None: never).
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Arrival to acknowledgement, for the clinic dashboard.
    response_seconds: Mapped[int | None] = mapped_column(Integer)

    messages: Mapped[list[AlertMessage]] = relationship(
        back_populates="alert", order_by="AlertMessage.id")


# The worker's look-up of escalations that are due.
Index("ix_alert_escalation_due", Alert.escalated_at, Alert.acknowledged_at, Alert.escalate_at)


class AlertMessage(db.Model):
    """One mail or webhook call in the outbox. `message_id` is fixed when it is queued, so a
    copy sent again after a worker died mid-send carries the same id (Message-ID, webhook id)."""

    __tablename__ = "alert_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    purpose: Mapped[str] = mapped_column(String(12))
    message_id: Mapped[str] = mapped_column(String(80), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker's claim: until then no other worker takes the message.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # The last failure: the exception's type and the server's answer, never the message body.
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    alert: Mapped[Alert] = relationship(back_populates="messages")


# The worker's look-up of messages that are due.
Index("ix_alert_message_due", AlertMessage.status, AlertMessage.next_attempt_at)
