"""The review queue: filters, search and keyset pagination.

Order: urgent first, then by highest severity, then newest (severity_rank ascending, created_at
descending, id descending). A page is found from an opaque cursor holding the (severity_rank,
created_at, id) of a neighbouring row, never by OFFSET, so page 1,000 costs what page 1 costs:
each page is two index range scans (the rest of the cursor's severity, then the severities after
it) combined with UNION ALL. One query for the rows and one for the counts, whatever the size;
the counts stop at 1,000 (a clinic's queue longer than that needs no exact figure, and counting
every row on every page was what made the queue slow).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..models import SEVERITY_RANK, STATUSES, Submission
from ..questionnaire import QUESTIONS

SEVERITY_FILTERS = ("urgent", "contraindication", "caution", "info", "none")
CONDITIONS = QUESTIONS["reasons"].values
REFERENCE_ALPHABET = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
MAX_SEARCH_LENGTH = 200
MAX_NAME_WORDS = 6
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9998, 12, 31)
MAX_ROW_ID = 2**31 - 1  # the id column is a 32-bit integer on PostgreSQL

KEY_COLUMNS = (Submission.severity_rank, Submission.created_at, Submission.id)
# What a queue row shows, read by name in templates/staff/queue.html (a new column is one name
# here and one cell there): plain columns, the first flag's rule id and the key scores included
# (copies of the result's, made when it is stored), so a page reads no JSON.
ROW_COLUMNS = (
    Submission.id, Submission.reference, Submission.created_at, Submission.status,
    Submission.severity_rank, Submission.highest_severity, Submission.urgent,
    Submission.flag_count, Submission.first_name, Submission.last_name, Submission.first_rule_id,
    Submission.phq9_total, Submission.gad7_total, Submission.phq9_band, Submission.gad7_band,
    Submission.bp_category,
)


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """The queue's filters. None of them is health information about a person, so they travel
    as GET parameters; a free-text search never does (it is sent by POST)."""

    status: str | None = None
    severity: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    condition: str | None = None

    @classmethod
    def from_args(cls, args: MultiDict) -> QueueFilters:
        """Unknown or malformed values are ignored (the filter is off), never an error."""
        return cls(
            status=_one_of(args.get("status"), STATUSES),
            severity=_one_of(args.get("severity"), SEVERITY_FILTERS),
            date_from=_date(args.get("from")),
            date_to=_date(args.get("to")),
            condition=_one_of(args.get("condition"), CONDITIONS),
        )

    def as_args(self) -> dict[str, str]:
        values = {"status": self.status, "severity": self.severity, "condition": self.condition,
                  "from": self.date_from and self.date_from.isoformat(),
                  "to": self.date_to and self.date_to.isoformat()}
        return {key: value for key, value in values.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.as_args())

    def conditions(self, zone: ZoneInfo) -> list[Any]:
        found: list[Any] = []
        if self.status:
            found.append(Submission.status == self.status)
        if self.severity:
            rank = SEVERITY_RANK[None if self.severity == "none" else self.severity]
            found.append(Submission.severity_rank == rank)
        if self.date_from:
            found.append(Submission.created_at >= _start_of(self.date_from, zone))
        if self.date_to:
            found.append(Submission.created_at < _start_of(self.date_to + timedelta(days=1), zone))
        if self.condition:
            # `conditions` holds the reasons as "a,b,c"; the commas make the match exact.
            found.append((literal(",") + Submission.conditions + literal(",")).like(
                f"%,{self.condition},%"))
        return found


def _one_of(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


def _date(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None
    return day if day is None or EARLIEST_DAY <= day <= LATEST_DAY else None  # no overflow


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Cursor:
    """The position of one row in queue order, as an opaque URL-safe token."""

    rank: int
    created_at: datetime
    id: int

    def encode(self) -> str:
        micros = int(self.created_at.timestamp()) * 1_000_000 + self.created_at.microsecond
        raw = f"{self.rank}.{micros}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str | None) -> Cursor | None:
        """The cursor, or None for a missing or damaged token (the first page is shown)."""
        if not token or len(token) > 80:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            rank, micros, row_id = (int(part) for part in raw.split("."))
            seconds, fraction = divmod(micros, 1_000_000)
            created = datetime.fromtimestamp(seconds, UTC).replace(microsecond=fraction)
        except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError, OSError):
            return None
        if not 0 <= rank <= max(SEVERITY_RANK.values()) or not 1 <= row_id <= MAX_ROW_ID:
            return None
        return cls(rank, created, row_id)

    @classmethod
    def of(cls, row: Any) -> Cursor:
        return cls(row.severity_rank, row.created_at, row.id)


@dataclass(slots=True)
class QueuePage:
    rows: list[Any]
    total: int  # up to count_limit + 1 (more than the limit: "more than 1,000")
    urgent: int
    newer: str | None = None  # cursor token of the page before (towards the top)
    older: str | None = None  # cursor token of the page after
    search: str = ""
    filters: QueueFilters = field(default_factory=QueueFilters)
    count_limit: int = 1000

    @property
    def limit_text(self) -> str:
        return f"{self.count_limit:,}"


def search_condition(term: str) -> Any:
    """A reference (typed loosely), an email, a last name, a first name, or a first and last
    name; exact matches in any case, each one an index lookup even with 100,000 rows."""
    text = " ".join(term.split())[:MAX_SEARCH_LENGTH]
    words = text.split(" ")[:MAX_NAME_WORDS]
    first_name, last_name = func.lower(Submission.first_name), func.lower(Submission.last_name)
    matches = [last_name == func.lower(literal(text)), first_name == func.lower(literal(text))]
    for split in range(1, len(words)):  # "Mary Ann van der Berg" may be split anywhere
        matches.append(and_(first_name == func.lower(literal(" ".join(words[:split]))),
                            last_name == func.lower(literal(" ".join(words[split:])))))
    if "@" in text:
        matches.append(Submission.email == text.lower())
    reference = normalise_reference(text)
    if reference:
        matches.append(Submission.reference == reference)
    return or_(*matches)


def normalise_reference(text: str) -> str | None:
    """A reference as stored, from what someone typed or read out ("k7q2-m9ab", O for 0)."""
    code = "".join(c for c in text.upper() if c.isalnum())
    code = code.replace("O", "0").replace("I", "1").replace("L", "1")
    return code if 4 <= len(code) <= 16 and set(code) <= REFERENCE_ALPHABET else None


def _queue_order(columns: Any, reverse: bool = False) -> list[Any]:
    if reverse:
        return [columns.severity_rank.desc(), columns.created_at.asc(), columns.id.asc()]
    return [columns.severity_rank.asc(), columns.created_at.desc(), columns.id.desc()]


def _rows_query(where: list[Any], with_cursor: bool, towards_top: bool, limit: int) -> Select:
    """The rows after the cursor in queue order (or before it, nearest first, when going
    towards the top of the queue). The cursor's values are bound parameters (CURSOR_RANK,
    CURSOR_AT, CURSOR_ID), so one statement serves every page of the same view."""
    base = select(*ROW_COLUMNS).where(*where)
    if not with_cursor:
        return base.order_by(*_queue_order(Submission)).limit(limit)
    position = tuple_(Submission.created_at, Submission.id)
    mark = tuple_(bindparam("cursor_at", type_=Submission.created_at.type),
                  bindparam("cursor_id", type_=Integer))
    rank = bindparam("cursor_rank", type_=Integer)
    if towards_top:
        same = base.where(Submission.severity_rank == rank, position > mark)
        other = base.where(Submission.severity_rank < rank)
    else:
        same = base.where(Submission.severity_rank == rank, position < mark)
        other = base.where(Submission.severity_rank > rank)
    # The two ranges pick row keys only (the queue index covers them); the page's rows are then
    # read once, for the `limit` keys kept, not for both ranges.
    parts = [
        select(part.with_only_columns(*KEY_COLUMNS)
               .order_by(*_queue_order(Submission, towards_top)).limit(limit).subquery())
        for part in (same, other)
    ]
    both = union_all(*parts).subquery()
    kept = select(both).order_by(*_queue_order(both.c, towards_top)).limit(limit).subquery()
    return (select(*ROW_COLUMNS).join(kept, Submission.id == kept.c.id)
            .order_by(*_queue_order(kept.c, towards_top)))


def _count_up_to(where: list[Any], limit: int) -> Any:
    """How many rows match, counting no further than limit + 1: a bounded index range,
    however many submissions the clinic has (counting all 100,000 on every page made the
    queue wait)."""
    matching = select(literal(1)).select_from(Submission).where(*where).limit(limit + 1)
    return select(func.count()).select_from(matching.subquery()).scalar_subquery()


def _statements(where: list[Any], with_cursor: bool, towards_top: bool, limit: int,
                count_limit: int) -> tuple[Select, Select]:
    """The rows statement and the counts statement of one view of the queue."""
    counts = select(
        _count_up_to(where, count_limit),
        # Urgent is severity rank 0: a range of the queue index, without reading rows.
        _count_up_to([*where, Submission.severity_rank == SEVERITY_RANK["urgent"]], count_limit),
    )
    return _rows_query(where, with_cursor, towards_top, limit), counts


def queue_page(filters: QueueFilters, search: str = "", after: Cursor | None = None,
               before: Cursor | None = None, size: int = 50,
               zone: ZoneInfo | None = None, count_limit: int = 1000) -> QueuePage:
    """One page of the queue: two SQL statements (rows, counts) whatever the table's size."""
    zone = zone or ZoneInfo("UTC")
    towards_top = before is not None and after is None
    cursor = before if towards_top else after
    where = filters.conditions(zone)
    if search.strip():
        where.append(search_condition(search))
    rows_statement, counts_statement = _statements(where, cursor is not None, towards_top,
                                                   size + 1, count_limit)
    bound = {} if cursor is None else {
        "cursor_rank": cursor.rank, "cursor_at": cursor.created_at, "cursor_id": cursor.id}
    rows = db.session.execute(rows_statement, bound).all()
    more = len(rows) > size
    rows = rows[:size]
    if towards_top:
        rows.reverse()
    total, urgent = db.session.execute(counts_statement).one()
    page = QueuePage(rows=rows, total=total, urgent=urgent, search=search, filters=filters,
                     count_limit=count_limit)
    if rows:
        has_newer = more if towards_top else cursor is not None
        has_older = True if towards_top else more
        page.newer = Cursor.of(rows[0]).encode() if has_newer else None
        page.older = Cursor.of(rows[-1]).encode() if has_older else None
    elif cursor is not None:
        # Past the end (rows were closed meanwhile or the cursor is old): offer the way back.
        page.newer = cursor.encode() if not towards_top else None
    return page


def by_reference(reference: str) -> Submission | None:
    code = normalise_reference(reference)
    if code is None:
        return None
    return db.session.scalar(select(Submission).where(Submission.reference == code))
