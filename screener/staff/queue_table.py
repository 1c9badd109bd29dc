"""The queue table's rows, prepared for templates/staff/queue.html.

Fifty rows of seven cells were most of the queue page's time: some 750 escapes and 400 look-ups
a page. What is the same on many rows is drawn once and kept: the highest-flag cell per
(language, severity, urgent, rule id) and the key scores per (language, scores), both as
fragments (screener/fragments.py: scores and rule ids, never a name or an answer); status names
are looked up once a page. A row is then a tuple the template unpacks, with eight values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import gettext
from markupsafe import Markup

from ..fragments import fragment
from ..models import STATUSES
from .review import status_label


class QueueRow(NamedTuple):
    css: str  # the row's class: its highest severity, or "none"
    reference: str
    name: str
    received: str
    status: str
    flag: Markup  # the highest flag's badge and rule id
    flag_count: int
    scores: Markup


def queue_rows(rows: Iterable[Any], zone: ZoneInfo) -> list[QueueRow]:
    statuses = {status: status_label(status) for status in STATUSES}
    views = []
    for row in rows:
        # Unpacked in the order of ROW_COLUMNS in screener/staff/queue.py.
        (_, reference, created_at, status, _, severity, urgent, flag_count, first_name,
         last_name, rule_id, phq9_total, gad7_total, phq9_band, gad7_band, bp_category) = row
        flag = fragment("staff/fragments/flag_badge.html", severity=severity,
                        urgent=bool(urgent), rule_id=rule_id)
        key_scores = fragment(
            "staff/fragments/key_scores.html", phq9_total=phq9_total, phq9_band=phq9_band,
            gad7_total=gad7_total, gad7_band=gad7_band, bp_category=bp_category)
        views.append(QueueRow(
            severity or "none", reference, f"{first_name} {last_name}",
            created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            statuses.get(status) or status_label(status), flag, flag_count, key_scores))
    return views


def table_texts(link: str) -> dict[str, str]:
    """The column names (the header's, which each cell repeats for the phone layout), looked up
    once a page rather than once a cell, and the start of a submission's link (`link` with its
    reference left off). Plain text, escaped where the template shows it: markupsafe 3 escapes
    a string faster than it passes an already-escaped Markup value through."""
    return {
        "label_reference": gettext("Reference"), "label_name": gettext("Name"),
        "label_received": gettext("Received"), "label_status": gettext("Status"),
        "label_flag": gettext("Highest flag"), "label_flags": gettext("Flags"),
        "label_scores": gettext("Key scores"), "link": link,
    }
