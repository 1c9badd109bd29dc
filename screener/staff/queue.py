"""The review queue: views, filters, search and keyset pagination.

Views: the open work (new, in review, contacted; the default), Mine, Unassigned, Waiting for
follow-up today, All. Order: urgent and not yet acknowledged first, then acknowledged urgent,
then by highest severity, then oldest first: queue_rank ascending, created_at ascending, id
ascending. A page is found from an opaque cursor holding the (queue_rank, created_at, id) of a
neighbouring row, never by OFFSET, so page 1,000 costs what page 1 costs: each page is two index
range scans (the rest of the cursor's rank, then the ranks after it) combined with UNION ALL. One
query for the rows and one for the counts (the view's, its urgent rows' and each tab's),
whatever the size; the counts stop at 1,000 (a clinic's queue longer than that needs no exact
figure, and counting every row on every page was what made the queue slow).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..models import OPEN_STATUSES, SEVERITY_RANK, STATUSES, Submission, User
from ..questionnaire import QUESTIONS
from ..submissions import phone_digits, plain_text

SEVERITY_FILTERS = ("urgent", "contraindication", "caution", "info", "none")
VIEWS = ("open", "mine", "unassigned", "follow_up", "all")
MAX_QUEUE_RANK = max(SEVERITY_RANK.values()) + 1
PHONE_CHARACTERS = frozenset("0123456789 +-().")
CONDITIONS = QUESTIONS["reasons"].values
REFERENCE_ALPHABET = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
MAX_SEARCH_LENGTH = 200
MAX_NAME_WORDS = 6
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9998, 12, 31)
MAX_ROW_ID = 2**31 - 1  # the id column is a 32-bit integer on PostgreSQL

KEY_COLUMNS = (Submission.queue_rank, Submission.created_at, Submission.id)
Owner = aliased(User, name="owner")
# What a queue row shows, read by name in templates/staff/queue.html (a new column is one name
# here and one cell there): plain columns, the first flag's rule id and the key scores included
# (copies of the result's, made when it is stored), so a page reads no JSON.
ROW_COLUMNS = (
    Submission.id, Submission.reference, Submission.created_at, Submission.status,
    Submission.queue_rank, Submission.severity_rank, Submission.highest_severity,
    Submission.urgent, Submission.flag_count, Submission.first_name, Submission.last_name,
    Submission.first_rule_id, Submission.phq9_total, Submission.gad7_total,
    Submission.phq9_band, Submission.gad7_band, Submission.bp_category, Submission.version,
    Submission.last_contact_at, Submission.follow_up_on, Submission.owner_id,
    Owner.email.label("owner_email"),
)
# Written into the SQL as it is in the partial indexes' WHERE (models.py), so that the planner
# of either database sees that the index covers the view.
OPEN = Submission.status.in_(bindparam("open_statuses", OPEN_STATUSES, expanding=True,
                                       literal_execute=True))


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """The queue's view and filters. None of them is health information about a person, so they
    travel as GET parameters; a free-text search never does (it is sent by POST)."""

    view: str = "open"
    statuses: tuple[str, ...] = ()
    severity: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    condition: str | None = None

    @classmethod
    def from_args(cls, args: MultiDict) -> QueueFilters:
        """Unknown or malformed values are ignored (the filter is off), never an error."""
        chosen = set(args.getlist("status")[:len(STATUSES)])
        return cls(
            view=_one_of(args.get("view"), VIEWS) or "open",
            statuses=tuple(status for status in STATUSES if status in chosen),
            severity=_one_of(args.get("severity"), SEVERITY_FILTERS),
            date_from=_date(args.get("from")),
            date_to=_date(args.get("to")),
            condition=_one_of(args.get("condition"), CONDITIONS),
        )

    def as_args(self) -> dict[str, Any]:
        values = {"view": self.view if self.view != "open" else None,
                  "status": list(self.statuses), "severity": self.severity,
                  "condition": self.condition,
                  "from": self.date_from and self.date_from.isoformat(),
                  "to": self.date_to and self.date_to.isoformat()}
        return {key: value for key, value in values.items() if value}

    def with_view(self, view: str) -> dict[str, Any]:
        """The arguments of the same filters in another view (the tabs' links)."""
        return {**self.as_args(), "view": view if view != "open" else None}

    @property
    def active(self) -> bool:
        """Whether a filter beyond the view is in use."""
        return bool({k for k in self.as_args() if k != "view"})

    def conditions(self, zone: ZoneInfo, user_id: int | None = None,
                   today: date | None = None) -> list[Any]:
        found = view_conditions(self.view, user_id, today, bool(self.statuses))
        if self.statuses:
            found.append(Submission.status.in_(self.statuses))
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


def view_conditions(view: str, user_id: int | None, today: date | None,
                    statuses_chosen: bool = False) -> list[Any]:
    """What a view holds. Statuses chosen in the filter replace the open statuses (Mine with
    "closed" shows one's closed cases)."""
    found: list[Any] = [] if view == "all" or statuses_chosen else [OPEN]
    if view == "mine":
        found.append(Submission.owner_id == (user_id or 0))
    elif view == "unassigned":
        found.append(Submission.owner_id.is_(None))
    elif view == "follow_up":
        found.append(Submission.follow_up_on <= (today or date.today()))
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
        if not 0 <= rank <= MAX_QUEUE_RANK or not 1 <= row_id <= MAX_ROW_ID:
            return None
        return cls(rank, created, row_id)

    @classmethod
    def of(cls, row: Any) -> Cursor:
        return cls(row.queue_rank, row.created_at, row.id)


@dataclass(slots=True)
class QueuePage:
    rows: list[Any]
    total: int  # up to count_limit + 1 (more than the limit: "more than 1,000")
    urgent: int
    tabs: dict[str, int] = field(default_factory=dict)  # each view's count, up to the limit + 1
    newer: str | None = None  # cursor token of the page before (towards the top)
    older: str | None = None  # cursor token of the page after
    search: str = ""
    filters: QueueFilters = field(default_factory=QueueFilters)
    count_limit: int = 1000

    @property
    def limit_text(self) -> str:
        return f"{self.count_limit:,}"


def search_condition(term: str) -> Any:
    """A reference (typed loosely), any part of a name or an email (case and accents ignored),
    or a phone number however it was typed: a match in the normalised search column.

    On PostgreSQL the match is a condition on the row itself: the planner, knowing from the
    trigram statistics how common the term is, walks the queue's index for a common one and
    uses the trigram index for a rare one (as `id IN (...)` the rows were looked up twice:
    0.2 s for a last name in 2 % of 100,000 rows, now 15 ms). SQLite knows nothing of how
    common a term is and would walk the whole queue for a rare one (1.2 s): there the matching
    ids come from a scan of the narrow search index, the reference from its own index."""
    text = plain_text(term)[:MAX_SEARCH_LENGTH]
    digits = phone_digits(text)
    if len(digits) >= 7 and set(text) <= PHONE_CHARACTERS:
        parts = [digits]
    else:
        parts = text.split(" ")[:MAX_NAME_WORDS]
    likes = [Submission.search_text.like(f"%{_escaped(part)}%", escape="\\") for part in parts]
    reference = normalise_reference(text)
    if db.engine.dialect.name == "postgresql":
        return or_(and_(*likes), Submission.reference == reference) if reference else and_(
            *likes)
    found: Any = select(Submission.id).where(*likes)
    if reference:
        # A UNION, not an OR beside the IN: each part keeps its index.
        found = union(found, select(Submission.id).where(Submission.reference == reference))
    return Submission.id.in_(found)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def normalise_reference(text: str) -> str | None:
    """A reference as stored, from what someone typed or read out ("k7q2-m9ab", O for 0)."""
    code = "".join(c for c in text.upper() if c.isalnum())
    code = code.replace("O", "0").replace("I", "1").replace("L", "1")
    return code if 4 <= len(code) <= 16 and set(code) <= REFERENCE_ALPHABET else None


def matching(filters: QueueFilters, search: str, zone: ZoneInfo, user_id: int | None,
             today: date) -> list[Any]:
    """The conditions of a view, its filters and a search. A search looks through every
    submission whatever the view (finding a person who was closed is the point), within the
    filters chosen."""
    if search.strip():
        filters = replace(filters, view="all")
    where = filters.conditions(zone, user_id, today)
    if search.strip():
        where.append(search_condition(search))
    return where


def _queue_order(columns: Any, reverse: bool = False) -> list[Any]:
    if reverse:
        return [columns.queue_rank.desc(), columns.created_at.desc(), columns.id.desc()]
    return [columns.queue_rank.asc(), columns.created_at.asc(), columns.id.asc()]


def _rows_of(keys: Any = None) -> Select:
    """The row columns, with the owner's email."""
    rows = select(*ROW_COLUMNS).select_from(Submission).outerjoin(
        Owner, Submission.owner_id == Owner.id)
    return rows if keys is None else rows.join(keys, Submission.id == keys.c.id)


def _rows_query(where: list[Any], with_cursor: bool, towards_top: bool, limit: int) -> Select:
    """The rows after the cursor in queue order (or before it, nearest first, when going
    towards the top of the queue). The cursor's values are bound parameters (CURSOR_RANK,
    CURSOR_AT, CURSOR_ID), so one statement serves every page of the same view."""
    if not with_cursor:
        return _rows_of().where(*where).order_by(*_queue_order(Submission)).limit(limit)
    keys = select(*KEY_COLUMNS).where(*where)
    position = tuple_(Submission.created_at, Submission.id)
    mark = tuple_(bindparam("cursor_at", type_=Submission.created_at.type),
                  bindparam("cursor_id", type_=Integer))
    rank = bindparam("cursor_rank", type_=Integer)
    if towards_top:
        same = keys.where(Submission.queue_rank == rank, position < mark)
        other = keys.where(Submission.queue_rank < rank)
    else:
        same = keys.where(Submission.queue_rank == rank, position > mark)
        other = keys.where(Submission.queue_rank > rank)
    # The two ranges pick row keys only (the view's index covers them); the page's rows are
    # then read once, for the `limit` keys kept, not for both ranges.
    parts = [part.order_by(*_queue_order(Submission, towards_top)).limit(limit).subquery()
             for part in (same, other)]
    both = union_all(*(select(part) for part in parts)).subquery()
    kept = select(both).order_by(*_queue_order(both.c, towards_top)).limit(limit).subquery()
    return _rows_of(kept).order_by(*_queue_order(kept.c, towards_top))


def _count_up_to(where: list[Any], limit: int) -> Any:
    """How many rows match, counting no further than limit + 1: a bounded index range,
    however many submissions the clinic has (counting all 100,000 on every page made the
    queue wait)."""
    matching = select(literal(1)).select_from(Submission).where(*where).limit(limit + 1)
    return select(func.count()).select_from(matching.subquery()).scalar_subquery()


def _counts(where: list[Any], user_id: int | None, today: date, limit: int,
            search: bool = False) -> Select:
    """The view's count, its urgent rows' (ranks 0 and 1: a range of the view's index, without
    reading rows) and each tab's, in one statement. A search's matches are gathered once for
    both of its counts: the first limit + 1 by rank hold every urgent match, or only urgent
    ones (matching a search is a scan on SQLite; two counts scanned twice)."""
    urgent_rank = SEVERITY_RANK["urgent"] + 1
    tabs = [_count_up_to(view_conditions(view, user_id, today), limit).label(view)
            for view in VIEWS]
    if search:
        first = (select(Submission.queue_rank).where(*where)
                 .order_by(Submission.queue_rank).limit(limit + 1).subquery())
        both = select(func.count().label("total"), func.coalesce(func.sum(
            case((first.c.queue_rank <= urgent_rank, 1), else_=0)), 0).label("urgent")
        ).select_from(first).subquery()
        return select(both.c.total, both.c.urgent, *tabs)
    urgent = Submission.queue_rank <= urgent_rank
    return select(_count_up_to(where, limit).label("total"),
                  _count_up_to([*where, urgent], limit).label("urgent"), *tabs)


def queue_page(filters: QueueFilters, search: str = "", after: Cursor | None = None,
               before: Cursor | None = None, size: int = 50,
               zone: ZoneInfo | None = None, count_limit: int = 1000,
               user_id: int | None = None, today: date | None = None) -> QueuePage:
    """One page of the queue: two SQL statements (rows, counts) whatever the table's size."""
    zone = zone or ZoneInfo("UTC")
    today = today or datetime.now(zone).date()
    towards_top = before is not None and after is None
    cursor = before if towards_top else after
    where = matching(filters, search, zone, user_id, today)
    rows_statement = _rows_query(where, cursor is not None, towards_top, size + 1)
    bound = {} if cursor is None else {
        "cursor_rank": cursor.rank, "cursor_at": cursor.created_at, "cursor_id": cursor.id}
    rows = db.session.execute(rows_statement, bound).all()
    more = len(rows) > size
    rows = rows[:size]
    if towards_top:
        rows.reverse()
    counts = db.session.execute(_counts(where, user_id, today, count_limit,
                                         bool(search.strip()))).one()._asdict()
    page = QueuePage(rows=rows, total=counts.pop("total"), urgent=counts.pop("urgent"),
                     tabs=counts, search=search, filters=filters, count_limit=count_limit)
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
