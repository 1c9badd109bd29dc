"""CSV export of submissions: one row each, safe to open in a spreadsheet.

Cells that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) get a leading apostrophe; the file is UTF-8 with a byte-order mark so that spreadsheet
programs show names with accents correctly. Every yes/no value is written "yes" or "no"; times
are in the clinic's time zone with their offset (stored times stay UTC).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, tzinfo
from typing import Any

from ..rules import SCORE_KEYS

COLUMNS = ("reference", "submitted_at", "status", "language", "highest_severity", "urgent",
           "flag_count", "flag_ids", "conditions", *SCORE_KEYS, "rulebook_version")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return safe_cell(value)


def row_for(submission: Any, zone: tzinfo = UTC) -> list[str]:
    values = {
        "reference": submission.reference,
        "submitted_at": submission.created_at.astimezone(zone).isoformat(timespec="seconds"),
        "status": submission.status,
        "language": submission.language,
        "highest_severity": submission.highest_severity or "",
        "urgent": bool(submission.urgent),
        "flag_count": submission.flag_count,
        "flag_ids": " ".join(f["rule_id"] for f in submission.flags),
        "conditions": submission.conditions.replace(",", " "),
        "rulebook_version": submission.rulebook_version,
        **{key: submission.scores.get(key) for key in SCORE_KEYS},
    }
    return [_cell(values[column]) for column in COLUMNS]


def csv_lines(submissions: Iterable[Any], zone: tzinfo = UTC) -> Iterator[str]:
    """The CSV text in pieces (header first, with a byte-order mark), for streaming."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([safe_cell(c) for c in COLUMNS])
    yield "\ufeff" + flush()
    for submission in submissions:
        writer.writerow(row_for(submission, zone))
        yield flush()
