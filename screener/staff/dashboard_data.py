"""The dashboard's numbers (issue 24): aggregates only, never a name, an answer or a reference.

Every count comes from a GROUP BY over an index (no row is read one by one): drafts from
`ix_draft_dashboard` (start time, language, device, last page, sent), submissions from the
`submission_tally` table (severity, flags, reasons), the workflow from the submission's status
indexes. Both are summed per day of the clinic's time zone into `dashboard_day`.

What keeps it up to date, so that a page view never does bulk catch-up work:
- the tally is written with the submission (an ORM event in the same transaction), and again
  when a re-evaluation changes it; `flask demo seed` tallies the rows it inserts in bulk, and
  migration 0010 tallies (and counts the days of) a database upgraded from before;
- a view works out again only the days that have a draft or tally row changed since the last
  look (usually today, a few thousand rows at most), never the days before or after them.

Weeks start on Monday in the clinic's time zone; a week is bucketed in SQL with a CASE over its
day bounds. The workflow's overdue count uses the queue's own test (screener/staff/waiting.py).

Counts from 1 to 4 are shown as "fewer than 5" (`Count`): small numbers can identify a person.
No Flask here except the database session: the view passes the clock and the settings in.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from sqlalchemy import (
    Float,
    and_,
    bindparam,
    case,
    cast,
    event,
    func,
    insert,
    inspect,
    literal,
    not_,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError

from ..alerts.hours import OpeningHours
from ..alerts.models import Alert
from ..extensions import db
from ..models import (
    STATUSES,
    ContactAttempt,
    DashboardDay,
    DashboardMark,
    Draft,
    Submission,
    SubmissionTally,
    utcnow,
)
from ..questionnaire import QUESTIONNAIRE
from .waiting import WAITING_STATUSES, overdue_before

SMALLEST_SHOWN = 5  # a bucket with 1 to 4 people shows "fewer than 5"
PERIODS = {"7": 7, "30": 30, "90": 90}
LONGEST_PERIOD_DAYS = 366
SEVERITY_ORDER = ("urgent", "contraindication", "caution", "info", "none")
TALLY_BATCH = 2000
# A submission committed late (PostgreSQL hands out ids before commit) is still tallied when its
# id is within this many of the highest id tallied.
TALLY_LOOKBACK = 1000
TALLY_KINDS = ("severity", "flag", "reason")
# Changes are looked for from a little before the last look: a draft saved then may have been
# committed after it.
CHANGE_MARGIN = timedelta(minutes=2)


class PeriodError(ValueError):
    """The dates asked for do not make a period (unreadable, reversed or too long)."""


@dataclass(slots=True)
class Count:
    """A number of people; `shown` is what a page or a CSV may say about it. `withheld`: not
    small itself, but not shown either, so that a total minus the shown groups cannot give a
    small group away (set by `protect`)."""

    value: int
    withheld: bool = False

    @property
    def small(self) -> bool:
        return 0 < self.value < SMALLEST_SHOWN

    @property
    def hidden(self) -> bool:
        return self.small or self.withheld

    @property
    def shown(self) -> str:
        if self.small:
            return "fewer than 5"
        return "not shown" if self.withheld else f"{self.value:,}"

    @property
    def drawn(self) -> int:
        """The height a chart gives it: a hidden group is left out of the picture."""
        return 0 if self.hidden else self.value


def rate(part: Count, whole: Count) -> str:
    """A percentage, unless either count is hidden (it would give the count away)."""
    if whole.value == 0:
        return "–"
    if part.small or whole.small:
        return "not shown (fewer than 5)"
    if part.withheld or whole.withheld:
        return "not shown"
    return f"{round(100 * part.value / whole.value)}%"


def protect(groups: Iterable[list[Count]]) -> None:
    """Complementary disclosure: each group holds the parts of a total the page shows (or that
    can be worked out from it). A total minus the shown parts gives the hidden parts' sum, so
    while a group hides exactly one part, or hidden parts that add up to fewer than 5, its
    smallest shown part above zero is withheld too; again until no group changes (a part may
    be in several groups, e.g. a week of a severity and of the whole table)."""
    groups = [group for group in groups if group]
    changed = True
    while changed:
        changed = False
        for group in groups:
            hidden = [count for count in group if count.hidden]
            if not hidden or (len(hidden) >= 2 and
                              sum(count.value for count in hidden) >= SMALLEST_SHOWN):
                continue
            shown = [count for count in group if not count.hidden and count.value > 0]
            if shown:
                min(shown, key=lambda count: count.value).withheld = True
                changed = True


@dataclass(frozen=True, slots=True)
class Week:
    label: str  # the Monday (or the period's first day), e.g. "2026-11-30"
    start: datetime  # UTC
    end: datetime  # UTC, exclusive
    end_day: date  # the clinic's day after the week (or after the period)


@dataclass(frozen=True, slots=True)
class Period:
    first_day: date
    last_day: date
    start: datetime  # UTC
    end: datetime  # UTC, exclusive
    weeks: tuple[Week, ...]
    choice: str  # "7", "30", "90" or "dates"
    zone: str  # the clinic's time zone, e.g. "America/New_York"

    def as_args(self) -> dict[str, str]:
        """The query string that asks for this period again."""
        if self.choice in PERIODS:
            return {"period": self.choice}
        return {"period": "dates", "from": self.first_day.isoformat(),
                "to": self.last_day.isoformat()}


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def make_period(first_day: date, last_day: date, zone: ZoneInfo, choice: str = "dates") -> Period:
    if last_day < first_day:
        raise PeriodError("the period ends before it starts")
    if (last_day - first_day).days >= LONGEST_PERIOD_DAYS:
        raise PeriodError("the period is longer than a year")
    weeks = []
    monday = first_day - timedelta(days=first_day.weekday())
    while monday <= last_day:
        begins, ends = max(monday, first_day), min(monday + timedelta(days=7),
                                                   last_day + timedelta(days=1))
        weeks.append(Week(begins.isoformat(), _midnight(begins, zone), _midnight(ends, zone),
                          ends))
        monday += timedelta(days=7)
    return Period(first_day, last_day, weeks[0].start, weeks[-1].end, tuple(weeks), choice,
                  zone.key)


def period_from_request(args: Any, now: datetime, zone: ZoneInfo) -> Period:
    """The period a query string asks for (`period=7|30|90`, or `from` and `to` dates)."""
    today = now.astimezone(zone).date()
    choice = args.get("period", "30")
    if choice in PERIODS:
        return make_period(today - timedelta(days=PERIODS[choice] - 1), today, zone, choice)
    try:
        first, last = date.fromisoformat(args.get("from", "")), date.fromisoformat(
            args.get("to", ""))
    except ValueError as error:
        raise PeriodError("dates are written as YYYY-MM-DD") from error
    return make_period(first, last, zone)


def _week_of(column: Any, period: Period) -> Any:
    """The week's index in the period, worked out by the database."""
    return case(*[(column < week.end, i) for i, week in enumerate(period.weeks)],
                else_=len(period.weeks))


# --- the page's questionnaire pages, in order ----------------------------------------------

def page_order() -> list[tuple[str, Any, int, int]]:
    """(key, section, page number, pages in section) for each step page, in questionnaire
    order, then the check-your-answers page. Keys are those the patient side stores in
    Draft.last_page ("<section id>/<page number>")."""
    order = [(f"{section.id}/{number}", section, number, len(section.pages))
             for section in QUESTIONNAIRE.sections[1:]
             for number, _ in enumerate(section.pages, 1)]
    return [*order, ("check", None, 0, 0)]


# --- drafts: arrivals, languages, devices, where people stop -------------------------------

@dataclass
class DraftCounts:
    weeks: list[tuple[Count, Count]]  # (started, sent) per week
    languages: dict[str, tuple[Count, Count]]
    devices: dict[str, tuple[Count, Count]]
    stopped_at: dict[str, Count]  # unsent drafts by last page reached, every page listed
    started: Count
    sent: Count


def _days_of(period: Period, kind: Any) -> tuple[Any, ...]:
    kinds = DashboardDay.kind.in_(kind) if isinstance(kind, tuple) else DashboardDay.kind == kind
    return (DashboardDay.zone == period.zone, kinds, DashboardDay.day >= period.first_day,
            DashboardDay.day <= period.last_day)


def _week_of_day(period: Period) -> Any:
    return case(*[(DashboardDay.day < week.end_day, i) for i, week in enumerate(period.weeks)],
                else_=len(period.weeks))


def draft_counts(period: Period) -> DraftCounts:
    """From the day counts: call refresh_days first."""
    week = _week_of_day(period)
    day = DashboardDay
    rows = db.session.execute(
        select(week, day.language, day.device, day.last_page, day.sent, func.sum(day.count))
        .where(*_days_of(period, "draft"))
        .group_by(week, day.language, day.device, day.last_page, day.sent)).all()
    weekly: list[list[int]] = [[0, 0] for _ in period.weeks]
    languages: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    devices: dict[str, list[int]] = {name: [0, 0] for name in ("phone", "tablet", "desktop")}
    stopped: dict[str, int] = {key: 0 for key, *_ in page_order()}
    for week_index, language, device, last_page, was_sent, count in rows:
        column = 1 if was_sent else 0
        for bucket in (weekly[min(week_index, len(weekly) - 1)], languages[language],
                       devices.setdefault(device or "not known", [0, 0])):
            count = int(count)
            bucket[0] += count
            bucket[1] += count * column
        if not was_sent:
            key = last_page if last_page in stopped else "not known"
            stopped[key] = stopped.get(key, 0) + count

    def pair(values: list[int]) -> tuple[Count, Count]:
        return Count(values[0]), Count(values[1])

    return DraftCounts(
        weeks=[pair(v) for v in weekly],
        languages={k: pair(v) for k, v in sorted(languages.items())},
        devices={k: pair(v) for k, v in devices.items()},
        stopped_at={k: Count(v) for k, v in stopped.items()},
        started=Count(sum(v[0] for v in weekly)), sent=Count(sum(v[1] for v in weekly)))


# --- submissions: severity, flags, reasons, from the tally -------------------------------

def tally_new_submissions(batch: int = TALLY_BATCH) -> int:
    """Tally the submissions inserted in bulk without the ORM (`flask demo seed`), in committed
    batches; returns how many were counted. Their rows carry the submission's own time as
    `counted_at`: the caller counts their days in full afterwards (a later look would otherwise
    take them for changes). Submissions stored through the ORM are tallied as they are
    written (below)."""
    counted = 0
    while True:
        highest = db.session.scalar(select(func.max(SubmissionTally.submission_id))) or 0
        tallied = select(SubmissionTally.id).where(SubmissionTally.submission_id == Submission.id)
        found = db.session.execute(
            select(Submission.id, Submission.created_at, Submission.highest_severity,
                   Submission.flags, Submission.conditions)
            .where(Submission.id > highest - TALLY_LOOKBACK, not_(tallied.exists()))
            .order_by(Submission.id).limit(batch)).all()
        if not found:
            return counted
        db.session.execute(insert(SubmissionTally), list(tally_rows(found, counted_at=None)))
        db.session.commit()
        counted += len(found)
        if len(found) < batch:
            return counted


def tally_rows(submissions: Iterable[Any], counted_at: datetime | None) -> Iterable[dict[str, Any]]:
    """The tally rows of submissions; `counted_at` None: the submission's own time."""
    for sub in submissions:
        common = {"submission_id": sub.id, "created_at": sub.created_at,
                  "counted_at": counted_at or sub.created_at}
        yield {**common, "kind": "severity", "value": sub.highest_severity or "none"}
        for rule_id in dict.fromkeys(f["rule_id"] for f in sub.flags or []):
            yield {**common, "kind": "flag", "value": rule_id[:40]}
        for reason in dict.fromkeys(r for r in (sub.conditions or "").split(",") if r):
            yield {**common, "kind": "reason", "value": reason[:40]}


@event.listens_for(Submission, "after_insert")
def _tally_new(mapper: Any, connection: Any, target: Submission) -> None:
    """A submission stored through the ORM (a patient sending the questionnaire) is tallied in
    the same transaction: both are stored, or neither."""
    connection.execute(insert(SubmissionTally.__table__), list(tally_rows([target], utcnow())))


@event.listens_for(Submission, "after_update")
def _tally_again(mapper: Any, connection: Any, target: Submission) -> None:
    """A re-evaluation that changes a submission's flags, severity or reasons (or its time) is
    counted anew, in the same transaction (other changes, such as a status, leave the tally as
    it is)."""
    state = inspect(target)
    if not any(state.attrs[name].history.has_changes()
               for name in ("flags", "highest_severity", "conditions", "created_at")):
        return
    table = SubmissionTally.__table__
    connection.execute(table.delete().where(table.c.submission_id == target.id))
    connection.execute(insert(table), list(tally_rows([target], utcnow())))


@dataclass
class SubmissionCounts:
    severity_weeks: dict[str, list[Count]]  # severity -> per week
    flags: list[tuple[str, Count]]  # the ten most frequent
    reasons: list[tuple[str, Count]]
    total: Count


def _in_period(period: Period, kind: str) -> Any:
    return (SubmissionTally.kind == kind, SubmissionTally.created_at >= period.start,
            SubmissionTally.created_at < period.end)


def submission_counts(period: Period) -> SubmissionCounts:
    """From the day counts (call refresh_days first), in one statement: severity per week,
    flags and reasons for the whole period."""
    weeks = len(period.weeks)
    severity: dict[str, list[int]] = {name: [0] * weeks for name in SEVERITY_ORDER}
    totals: dict[str, dict[str, int]] = {"flag": defaultdict(int), "reason": defaultdict(int)}
    week = case((DashboardDay.kind == "severity", _week_of_day(period)), else_=-1)
    for kind, week_index, value, count in db.session.execute(
            select(DashboardDay.kind, week, DashboardDay.value, func.sum(DashboardDay.count))
            .where(*_days_of(period, TALLY_KINDS))
            .group_by(DashboardDay.kind, week, DashboardDay.value)):
        if kind == "severity":
            severity.setdefault(value, [0] * weeks)[min(week_index, weeks - 1)] += int(count)
        else:
            totals[kind][value] += int(count)

    def most(kind: str) -> list[tuple[str, Count]]:
        return [(value, Count(n)) for value, n in sorted(totals[kind].items(),
                                                         key=lambda item: (-item[1], item[0]))]

    return SubmissionCounts(
        severity_weeks={k: [Count(n) for n in v] for k, v in severity.items()},
        flags=most("flag")[:10], reasons=most("reason"),
        total=Count(sum(sum(v) for v in severity.values())))


# --- the day counts -------------------------------------------------------------------------

def _hour_of(column: Any) -> Any:
    """The UTC hour of a time as text "YYYY-MM-DD HH", worked out by the database (SQLite keeps
    UTC times as text that starts so)."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.substr(column, 1, 13)


def _day_of_hour(hour: str, zone: ZoneInfo) -> date:
    return datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC).astimezone(zone).date()


def _hour_start(day: date, zone: ZoneInfo) -> datetime:
    """The first whole UTC hour of the clinic's day: the hours `_day_of_hour` gives that day
    (a zone half an hour off UTC gives the hour across midnight to the day before)."""
    midnight = _midnight(day, zone)
    hour = midnight.replace(minute=0, second=0, microsecond=0)
    return hour if hour == midnight else hour + timedelta(hours=1)


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Days as runs of consecutive days, (first, last) each."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _recount(zone: ZoneInfo, kinds: tuple[str, ...], days: tuple[date, date] | None,
             query: Any, moment: Any, keys: tuple[str, ...]) -> None:
    """Work the day counts of `kinds` out again for the days from `first` to `last` (all of
    them when `days` is None). `query` gives the hour and `keys` then a count; hours are summed
    into the clinic's days."""
    delete = DashboardDay.__table__.delete().where(DashboardDay.zone == zone.key,
                                                   DashboardDay.kind.in_(kinds))
    if days is not None:
        first, last = days
        delete = delete.where(DashboardDay.day >= first, DashboardDay.day <= last)
        query = query.where(moment >= _hour_start(first, zone),
                            moment < _hour_start(last + timedelta(days=1), zone))
    db.session.execute(delete)
    counts: dict[tuple[Any, ...], int] = defaultdict(int)
    for hour, *values, count in db.session.execute(query):
        counts[(_day_of_hour(hour, zone), *values)] += count
    rows = [{"zone": zone.key, "day": day, **dict(zip(keys, values, strict=True)), "count": n}
            for (day, *values), n in counts.items()]
    for start in range(0, len(rows), TALLY_BATCH):
        db.session.execute(insert(DashboardDay), rows[start:start + TALLY_BATCH])


def _recount_drafts(zone: ZoneInfo, days: tuple[date, date] | None) -> None:
    hour = _hour_of(Draft.created_at)
    sent = case((Draft.submission_id.is_(None), False), else_=True)
    query = (select(hour, literal("draft"), func.coalesce(Draft.language, ""),
                    func.coalesce(Draft.device, ""),
                    func.coalesce(Draft.last_page, ""), sent, func.count())
             .group_by(hour, Draft.language, Draft.device, Draft.last_page, sent))
    _recount(zone, ("draft",), days, query, Draft.created_at,
             ("kind", "language", "device", "last_page", "sent"))


def _recount_tally(zone: ZoneInfo, days: tuple[date, date] | None) -> None:
    hour = _hour_of(SubmissionTally.created_at)
    query = (select(hour, SubmissionTally.kind, SubmissionTally.value, func.count())
             .group_by(hour, SubmissionTally.kind, SubmissionTally.value))
    _recount(zone, TALLY_KINDS, days, query, SubmissionTally.created_at, ("kind", "value"))


def _changed_days(zone: ZoneInfo, since: datetime) -> tuple[list[date], list[date]]:
    """The clinic's days of the drafts and of the tally rows changed since `since`, in one
    statement (each part read from the index on the time of the change and the row's own
    time)."""
    draft_hour, tally_hour = _hour_of(Draft.created_at), _hour_of(SubmissionTally.created_at)
    found = db.session.execute(union_all(
        select(literal("draft"), draft_hour).where(Draft.updated_at >= since)
        .group_by(draft_hour),
        select(literal("tally"), tally_hour).where(SubmissionTally.counted_at >= since)
        .group_by(tally_hour))).all()
    return ([_day_of_hour(hour, zone) for kind, hour in found if kind == "draft"],
            [_day_of_hour(hour, zone) for kind, hour in found if kind == "tally"])


def refresh_days(zone: ZoneInfo) -> None:
    """Bring the day counts of this time zone up to date: only the days that have a draft or a
    tally row changed since the last look (a little before it: a change committed late) are
    worked out again; every day the first time a time zone is looked at (migration 0010 and
    `flask demo seed` do that for the clinic's own)."""
    started = utcnow()
    mark = db.session.get(DashboardMark, zone.key)
    try:
        if mark is None:
            _recount_drafts(zone, None)
            _recount_tally(zone, None)
            db.session.add(DashboardMark(zone=zone.key, refreshed_at=started))
        else:
            since = mark.refreshed_at - CHANGE_MARGIN
            draft_days, tally_days = _changed_days(zone, since)
            drafts, tally = _runs(draft_days), _runs(tally_days)
            if not drafts and not tally:
                return  # nothing changed: nothing to write (the next look starts here too)
            for run in drafts:
                _recount_drafts(zone, run)
            for run in tally:
                _recount_tally(zone, run)
            mark.refreshed_at = started
        db.session.commit()
    except IntegrityError:  # another view counted the same days at the same moment
        db.session.rollback()


def forget_days() -> None:
    """The day counts are worked out afresh at the next look (after rows were added with past
    times, as the demo seed does)."""
    db.session.execute(DashboardMark.__table__.delete())
    db.session.commit()


# --- workflow now ---------------------------------------------------------------------------

@dataclass
class Workflow:
    statuses: list[tuple[str, Count]]
    overdue_urgent: Count  # marked "Overdue: urgent, not contacted in time" in the queue
    overdue_target: Count  # marked "Overdue: not contacted in time"


def workflow(now: datetime, hours: OpeningHours | None, urgent_hours: float,
             target_days: int) -> Workflow:
    """Each status now, and the cases the queue marks overdue (the same test: waiting.py)."""
    counts = dict(db.session.execute(
        select(Submission.status, func.count()).group_by(Submission.status)).all())
    before = overdue_before(hours, now, urgent_hours, target_days)
    urgent = and_(Submission.urgent.is_(True), Submission.created_at < before.urgent)
    other = and_(not_(urgent), Submission.created_at < before.target)
    # The statuses written into the statement: SQLite then reads ix_submission_waiting (its
    # partial index), a range of arrivals.
    waiting = Submission.status.in_(bindparam("waiting", WAITING_STATUSES, expanding=True,
                                              literal_execute=True))
    marked = db.session.execute(
        select(func.sum(case((urgent, 1), else_=0)), func.sum(case((other, 1), else_=0)))
        .where(waiting, Submission.last_contact_at.is_(None),
               Submission.created_at < max(before.urgent, before.target))).one()
    names = [*STATUSES, *sorted(set(counts) - set(STATUSES))]
    return Workflow([(name, Count(counts.get(name, 0))) for name in names],
                    Count(int(marked[0] or 0)), Count(int(marked[1] or 0)))


# --- response times -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Times:
    """Minutes from arrival to a response, for the pre-screens of one week."""

    minutes: tuple[float, ...] = ()
    count: Count = field(init=False, compare=False)  # how many (one object: `protect` marks it)

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", Count(len(self.minutes)))

    def percentile(self, share: float) -> float | None:
        """Nearest rank; None when there are too few to show."""
        if len(self.minutes) < SMALLEST_SHOWN:
            return None
        ordered = sorted(self.minutes)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class ResponseTimes:
    urgent: list[Times] = field(default_factory=list)  # arrival -> acknowledgement
    everyone: list[Times] = field(default_factory=list)  # arrival -> first contact-log entry
    urgent_all: Times = Times()
    everyone_all: Times = Times()
    # urgent pre-screens of the period not yet acknowledged
    unacknowledged: Count = field(default_factory=lambda: Count(0))


def _by_week(period: Period, rows: Iterable[tuple[int, float]]) -> tuple[list[Times], Times]:
    """Minutes per week from (week index, minutes) rows, both worked out by the database."""
    weekly: list[list[float]] = [[] for _ in period.weeks]
    last = len(weekly) - 1
    for week, minutes in rows:
        weekly[min(week, last)].append(max(0.0, float(minutes)))
    return [Times(tuple(m)) for m in weekly], Times(tuple(m for week in weekly for m in week))


def _minutes(start: Any, end: Any) -> Any:
    """Minutes from `start` to `end`, worked out by the database (no time is read one by one:
    a 90-day view of a busy clinic has thousands)."""
    if db.engine.dialect.name == "postgresql":  # a double, not a numeric read as Decimal
        return cast(func.extract("epoch", end - start), Float) / 60
    return (func.julianday(end) - func.julianday(start)) * 1440


def response_times(period: Period) -> ResponseTimes:
    """Urgent pre-screens: arrival to acknowledgement of their alert (screener/alerts keeps the
    seconds). Every pre-screen: arrival to the first entry in its contact log (issue 21: the
    first attempt to reach the person, whatever its outcome)."""
    urgent = db.session.execute(
        select(_week_of(SubmissionTally.created_at, period), Alert.response_seconds)
        .join(Alert, Alert.submission_id == SubmissionTally.submission_id)
        .where(*_in_period(period, "severity"), SubmissionTally.value == "urgent")).all()
    first = (select(ContactAttempt.submission_id,
                    func.min(ContactAttempt.created_at).label("first_at"))
             .where(ContactAttempt.created_at >= period.start)
             .group_by(ContactAttempt.submission_id).subquery())
    everyone = db.session.execute(
        select(_week_of(Submission.created_at, period),
               _minutes(Submission.created_at, first.c.first_at))
        .join(first, first.c.submission_id == Submission.id)
        .where(Submission.created_at >= period.start, Submission.created_at < period.end)).all()
    urgent_weeks, urgent_all = _by_week(period, [(week, seconds / 60)
                                                 for week, seconds in urgent
                                                 if seconds is not None])
    everyone_weeks, everyone_all = _by_week(period, everyone)
    return ResponseTimes(urgent_weeks, everyone_weeks, urgent_all, everyone_all,
                         Count(sum(1 for _, seconds in urgent if seconds is None)))


def language_name(code: str) -> str:
    """"Spanish" for "es" (Babel's names of languages), the code itself when unknown."""
    try:
        return Locale.parse(code).get_display_name("en") or code
    except (ValueError, UnknownLocaleError):
        return code
