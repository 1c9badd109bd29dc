"""The worker behind `flask alerts work`: escalate what is due, claim due messages, send each,
mark it sent or leave it for a later try. `run_once(now)` is one pass (tests call it with their
own clock); `work()` repeats it until stopped.

Log lines name outbox ids, channels and error types only: never a message body.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from .delivery import DeliveryError, deliver
from .outbox import claim, escalate_due, mark_failed, mark_sent

log = logging.getLogger("screener.alerts")


def run_once(config: Any, now: datetime, console: TextIO | None = None,
             limit: int = 10) -> int:
    """One pass; returns how many messages it tried."""
    escalate_due(now)
    batch = claim(now, config["ALERT_CLAIM_SECONDS"], limit)
    for message in batch:
        try:
            deliver(message, config, now, console or sys.stdout)
        except DeliveryError as error:
            next_try = mark_failed(message, now, str(error))
            log.warning("alert message %s (%s, %s) failed, try %s: %s; next try %s",
                        message.id, message.channel, message.purpose, message.attempts,
                        str(error), next_try.isoformat(timespec="seconds"))
        else:
            mark_sent(message, now)
            log.info("alert message %s (%s, %s) sent, try %s", message.id, message.channel,
                     message.purpose, message.attempts)
    return len(batch)


def work(config: Any, clock: Callable[[], datetime], stop: threading.Event,
         poll_seconds: float, console: TextIO | None = None) -> None:
    """Until `stop` is set: pass after pass, waiting `poll_seconds` when there was nothing to
    do. A database outage is waited out, not fatal."""
    while not stop.is_set():
        try:
            busy = run_once(config, clock(), console)
        except SQLAlchemyError as error:
            db.session.rollback()
            log.warning("alerts worker: database unavailable (%s); trying again",
                        type(error).__name__)
            busy = 0
        if not busy:
            stop.wait(poll_seconds)
    db.session.remove()
