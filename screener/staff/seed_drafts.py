"""Demo data for the dashboard, made by `flask demo seed` after its fake submissions.

For the submissions just seeded: the draft each was sent from (on a phone, tablet or computer,
in English or Spanish), twice as many drafts abandoned at pages along the questionnaire (more
early on, and a dip at the substances page), and the urgent alerts acknowledged after a while
(the contact log comes from screener/staff/seed.py). Drafts hold no answers. Demo use only.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select, update

from ..alerts.models import Alert
from ..extensions import db
from ..models import Draft, Submission, User, utcnow
from .dashboard_data import forget_days, page_order, refresh_days, tally_new_submissions
from .seed import COLLEAGUES

ABANDONED_PER_SENT = 2
DEVICES = (("phone", 0.55), ("desktop", 0.35), ("tablet", 0.10))
LANGUAGES = (("en", 0.8), ("es", 0.2))
RESPONSES_AT_MOST = 2000  # status changes and acknowledgements made for the newest ones
BATCH = 5000


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _stop_weights(keys: list[str]) -> list[float]:
    """Fewer people stop at each later page; the substances page loses a few more."""
    return [(3.0 if key.startswith("substances") else 1.0) / (1 + 0.15 * i)
            for i, key in enumerate(keys)]


def _draft(rng: random.Random, created: datetime, language: str, last_page: str,
           submission_id: int | None = None, draft_id: str | None = None) -> dict[str, Any]:
    return {"id": draft_id or f"seed-{secrets.token_hex(16)}", "answers": {}, "pages_done": [],
            "crisis_shown": [], "language": language, "created_at": created,
            "updated_at": created, "expires_at": created + timedelta(days=30),
            "submission_id": submission_id, "version": 1, "device": _pick(rng, DEVICES),
            "last_page": last_page}


def seed_drafts(count: int, seed_value: int | None = None, days: int = 365) -> str:
    """Drafts, alerts and status changes for the newest `count` submissions; returns a line
    for the command's output."""
    rng = random.Random(seed_value)  # noqa: S311 (fake data)
    now = utcnow()
    subs = db.session.execute(
        select(Submission.id, Submission.draft_id, Submission.created_at, Submission.urgent,
               Submission.reference).order_by(Submission.id.desc()).limit(count)).all()
    spanish = [sub.id for sub in subs if rng.random() < LANGUAGES[1][1]]
    for start in range(0, len(spanish), BATCH):
        db.session.execute(update(Submission).where(Submission.id.in_(spanish[start:start + BATCH]))
                           .values(language="es"), execution_options={"synchronize_session": False})
    spanish_set = set(spanish)
    sent = [_draft(rng, sub.created_at - timedelta(minutes=rng.randrange(8, 90)),
                   "es" if sub.id in spanish_set else "en", "check", sub.id, sub.draft_id)
            for sub in subs]
    keys = [key for key, *_ in page_order()]
    weights = _stop_weights(keys)
    abandoned = [_draft(rng, now - timedelta(days=rng.random() ** 2 * days,
                                             seconds=rng.randrange(86400)),
                        _pick(rng, LANGUAGES), rng.choices(keys, weights)[0])
                 for _ in range(len(subs) * ABANDONED_PER_SENT)]
    rows = sent + abandoned
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(Draft), rows[start:start + BATCH])
        db.session.commit()
    responded = _acknowledgements(rng, subs[:RESPONSES_AT_MOST], now)
    counted = tally_new_submissions()
    forget_days()  # the drafts above were made with past times: count every day afresh,
    refresh_days(ZoneInfo(current_app.config["CLINIC_TIMEZONE"]))  # now, not at the first look
    _refresh_statistics()
    return (f"Added {len(rows)} drafts ({len(abandoned)} not sent), {responded} acknowledged "
            f"urgent alerts and "
            f"the dashboard's tally of {counted} submissions.")


def _acknowledgements(rng: random.Random, subs: list[Any], now: datetime) -> int:
    """Urgent alerts acknowledged after minutes (a median of about 20); each acknowledged case
    moves below the unacknowledged ones in the queue, as acknowledging it in the app does. The
    demo colleagues acknowledged them (the alert history names one)."""
    colleagues = list(db.session.scalars(
        select(User.id).where(User.email.in_(COLLEAGUES)).order_by(User.id)))
    acknowledged = []
    for sub in subs:
        seconds = int(rng.lognormvariate(3.0, 0.8) * 60)
        if sub.urgent and sub.created_at + timedelta(seconds=seconds) < now:
            db.session.add(Alert(submission_id=sub.id, reference=sub.reference, kind="urgent",
                                 created_at=sub.created_at, response_seconds=seconds,
                                 acknowledged_at=sub.created_at + timedelta(seconds=seconds),
                                 acknowledged_by=colleagues[sub.id % len(colleagues)]
                                 if colleagues else None))
            acknowledged.append(sub.id)
    for start in range(0, len(acknowledged), BATCH):
        db.session.execute(update(Submission).where(Submission.id.in_(
            acknowledged[start:start + BATCH])).values(queue_rank=Submission.severity_rank + 1),
            execution_options={"synchronize_session": False})
    db.session.commit()
    return len(acknowledged)


def _refresh_statistics() -> None:
    """Planner statistics (and PostgreSQL's visibility map, for index-only scans)."""
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("draft", "submission", "submission_tally", "alert", "audit_event",
                      "contact_attempt", "dashboard_day"):
            connection.exec_driver_sql(f"{'VACUUM ANALYZE' if postgres else 'ANALYZE'} {table}")
