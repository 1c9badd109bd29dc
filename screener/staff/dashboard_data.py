"""The dashboard's numbers (issue 24): aggregates only, never a name, an answer or a reference.

Every count comes from a GROUP BY over an index (no row is read one by one): drafts from
`ix_draft_dashboard` (start time, language, device, last page, sent), submissions from the
`submission_tally` table (severity, flags, reasons; filled by `tally_new_submissions`), the
workflow from `ix_submission_status_order`. Weeks start on Monday in the clinic's time zone; a
week is bucketed in SQL with a CASE over its UTC bounds, which is exact across daylight saving
time on SQLite and PostgreSQL alike.

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
from sqlalchemy import case, event, func, insert, inspect, literal, not_, select
from sqlalchemy.exc import IntegrityError

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

SMALLEST_SHOWN = 5  # a bucket with 1 to 4 people shows "fewer than 5"
PERIODS = {"7": 7, "30": 30, "90": 90}
LONGEST_PERIOD_DAYS = 366
SEVERITY_ORDER = ("urgent", "contraindication", "caution", "info", "none")
TALLY_BATCH = 2000
# A submission committed late (PostgreSQL hands out ids before commit) is still tallied when its
# id is within this many of the highest id tallied.
TALLY_LOOKBACK = 1000
TALLY_KINDS = ("severity", "flag", "reason")
TALLY_AT_A_LOOK = 20_000  # submissions a page view tallies at most (a few seconds' work)
# Changes are looked for from a little before the last look: a draft saved then may have been
# committed after it.
CHANGE_MARGIN = timedelta(minutes=2)


class PeriodError(ValueError):
    """The dates asked for do not make a period (unreadable, reversed or too long)."""


@dataclass(frozen=True, slots=True)
class Count:
    """A number of people; `shown` is what a page or a CSV may say about it."""

    value: int

    @property
    def small(self) -> bool:
        return 0 < self.value < SMALLEST_SHOWN

    @property
    def shown(self) -> str:
        return "fewer than 5" if self.small else f"{self.value:,}"

    @property
    def drawn(self) -> int:
        """The height a chart gives it: a small bucket is left out of the picture."""
        return 0 if self.small else self.value


def rate(part: Count, whole: Count) -> str:
    """A percentage, unless either count is too small to show (it would give the count away)."""
    if whole.value == 0:
        return "–"
    if part.small or whole.small:
        return "not shown (fewer than 5)"
    return f"{round(100 * part.value / whole.value)}%"


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

def tally_new_submissions(batch: int = TALLY_BATCH, most: int | None = None) -> int:
    """Add the tally rows of submissions not yet counted (at most `most`, in committed batches:
    a look after an upgrade of a big database does a part and the next looks the rest); returns
    how many were counted. Two requests doing this at once: the slower one meets the unique
    constraint and leaves it to the other."""
    counted = 0
    while most is None or counted < most:
        highest = db.session.scalar(select(func.max(SubmissionTally.submission_id))) or 0
        tallied = select(SubmissionTally.id).where(SubmissionTally.submission_id == Submission.id)
        found = db.session.execute(
            select(Submission.id, Submission.created_at, Submission.highest_severity,
                   Submission.flags, Submission.conditions)
            .where(Submission.id > highest - TALLY_LOOKBACK, not_(tallied.exists()))
            .order_by(Submission.id).limit(batch)).all()
        if not found:
            return counted
        db.session.execute(insert(SubmissionTally), list(tally_rows(found)))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return counted
        counted += len(found)
        if len(found) < batch:
            return counted
    return counted


def tally_rows(submissions: Iterable[Any]) -> Iterable[dict[str, Any]]:
    now = utcnow()
    for sub in submissions:
        common = {"submission_id": sub.id, "created_at": sub.created_at, "counted_at": now}
        yield {**common, "kind": "severity", "value": sub.highest_severity or "none"}
        for rule_id in dict.fromkeys(f["rule_id"] for f in sub.flags or []):
            yield {**common, "kind": "flag", "value": rule_id[:40]}
        for reason in dict.fromkeys(r for r in (sub.conditions or "").split(",") if r):
            yield {**common, "kind": "reason", "value": reason[:40]}


@event.listens_for(Submission, "after_update")
def _tally_again(mapper: Any, connection: Any, target: Submission) -> None:
    """A re-evaluation that changes a tallied submission's flags or severity is counted anew, in
    its own transaction (other changes, such as a status, leave the tally as it is)."""
    state = inspect(target)
    if not any(state.attrs[name].history.has_changes()
               for name in ("flags", "highest_severity", "conditions")):
        return
    table = SubmissionTally.__table__
    if connection.scalar(select(table.c.id).where(table.c.submission_id == target.id).limit(1)):
        connection.execute(table.delete().where(table.c.submission_id == target.id))
        connection.execute(insert(table), list(tally_rows([target])))


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
    """From the day counts: call refresh_days first."""
    week = _week_of_day(period)
    severity: dict[str, list[int]] = {name: [0] * len(period.weeks) for name in SEVERITY_ORDER}
    for week_index, value, count in db.session.execute(
            select(week, DashboardDay.value, func.sum(DashboardDay.count))
            .where(*_days_of(period, "severity")).group_by(week, DashboardDay.value)):
        severity.setdefault(value, [0] * len(period.weeks))[
            min(week_index, len(period.weeks) - 1)] += int(count)
    number = func.sum(DashboardDay.count).label("number")

    def most(kind: str, limit: int | None = None) -> list[tuple[str, Count]]:
        query = (select(DashboardDay.value, number).where(*_days_of(period, kind))
                 .group_by(DashboardDay.value).order_by(number.desc(), DashboardDay.value))
        rows = db.session.execute(query.limit(limit) if limit else query).all()
        return [(value, Count(int(n))) for value, n in rows]

    return SubmissionCounts(
        severity_weeks={k: [Count(n) for n in v] for k, v in severity.items()},
        flags=most("flag", 10), reasons=most("reason"),
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


def _recount(zone: ZoneInfo, kinds: tuple[str, ...], from_day: date, query: Any,
             keys: tuple[str, ...]) -> None:
    """Work the day counts of `kinds` out again from `from_day` on. `query` gives the hour and
    `keys` then a count; hours are summed into the clinic's days (exact for zones whose offset
    is whole hours)."""
    db.session.execute(DashboardDay.__table__.delete().where(
        DashboardDay.zone == zone.key, DashboardDay.kind.in_(kinds),
        DashboardDay.day >= from_day))
    days: dict[tuple[Any, ...], int] = defaultdict(int)
    for hour, *values, count in db.session.execute(query):
        days[(_day_of_hour(hour, zone), *values)] += count
    rows = [{"zone": zone.key, "day": day, **dict(zip(keys, values, strict=True)), "count": n}
            for (day, *values), n in days.items()]
    for start in range(0, len(rows), TALLY_BATCH):
        db.session.execute(insert(DashboardDay), rows[start:start + TALLY_BATCH])


def _recount_drafts(zone: ZoneInfo, from_day: date) -> None:
    hour = _hour_of(Draft.created_at)
    sent = case((Draft.submission_id.is_(None), False), else_=True)
    query = (select(hour, literal("draft"), func.coalesce(Draft.language, ""),
                    func.coalesce(Draft.device, ""),
                    func.coalesce(Draft.last_page, ""), sent, func.count())
             .where(Draft.created_at >= _midnight(from_day, zone))
             .group_by(hour, Draft.language, Draft.device, Draft.last_page, sent))
    _recount(zone, ("draft",), from_day, query,
             ("kind", "language", "device", "last_page", "sent"))


def _recount_tally(zone: ZoneInfo, from_day: date) -> None:
    hour = _hour_of(SubmissionTally.created_at)
    query = (select(hour, SubmissionTally.kind, SubmissionTally.value, func.count())
             .where(SubmissionTally.created_at >= _midnight(from_day, zone))
             .group_by(hour, SubmissionTally.kind, SubmissionTally.value))
    _recount(zone, TALLY_KINDS, from_day, query, ("kind", "value"))


def refresh_days(zone: ZoneInfo) -> None:
    """Bring the day counts of this time zone up to date: the days from the first one with a
    draft or a tally row changed since the last look (a little before it: a change committed
    late), all of them the first time."""
    tally_new_submissions(most=TALLY_AT_A_LOOK)
    started = utcnow()
    mark = db.session.get(DashboardMark, zone.key)
    since = mark.refreshed_at - CHANGE_MARGIN if mark else None
    # min() of an expression, not of the column: SQLite would otherwise walk every draft in
    # created_at order instead of the few changed since.
    first_draft = select(func.min(func.coalesce(Draft.created_at, Draft.created_at)))
    first_tally = select(func.min(func.coalesce(SubmissionTally.created_at,
                                                SubmissionTally.created_at)))
    if since is not None:
        first_draft = first_draft.where(Draft.updated_at >= since)
        first_tally = first_tally.where(SubmissionTally.counted_at >= since)
    if (found := db.session.scalar(first_draft)) is not None:
        _recount_drafts(zone, _aware(found).astimezone(zone).date())
    if (found := db.session.scalar(first_tally)) is not None:
        _recount_tally(zone, _aware(found).astimezone(zone).date())
    if mark is None:
        db.session.add(DashboardMark(zone=zone.key, refreshed_at=started))
    else:
        mark.refreshed_at = started
    try:
        db.session.commit()
    except IntegrityError:  # another view did the same at the same moment
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
    overdue: Count  # still "new" after the contact target


def workflow(now: datetime, contact_target: timedelta) -> Workflow:
    counts = dict(db.session.execute(
        select(Submission.status, func.count()).group_by(Submission.status)).all())
    overdue = db.session.scalar(
        select(func.count()).select_from(Submission)
        .where(Submission.status == "new", Submission.created_at < now - contact_target))
    names = [*STATUSES, *sorted(set(counts) - set(STATUSES))]
    return Workflow([(name, Count(counts.get(name, 0))) for name in names], Count(overdue or 0))


# --- response times -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Times:
    """Minutes from arrival to a response, for the pre-screens of one week."""

    minutes: tuple[float, ...] = ()

    @property
    def count(self) -> Count:
        return Count(len(self.minutes))

    def percentile(self, share: float) -> float | None:
        """Nearest rank; None when there are too few to show."""
        if len(self.minutes) < SMALLEST_SHOWN:
            return None
        ordered = sorted(self.minutes)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class ResponseTimes:
    urgent: list[Times] = field(default_factory=list)  # arrival -> acknowledgement
    everyone: list[Times] = field(default_factory=list)  # arrival -> first status change
    urgent_all: Times = Times()
    everyone_all: Times = Times()
    unacknowledged: Count = Count(0)  # urgent pre-screens of the period not yet acknowledged


def _by_week(period: Period, rows: Iterable[tuple[Any, float]]) -> tuple[list[Times], Times]:
    weekly: list[list[float]] = [[] for _ in period.weeks]
    ends = [week.end for week in period.weeks]
    for arrived, minutes in rows:
        arrived = _aware(arrived)
        weekly[next((i for i, end in enumerate(ends) if arrived < end), len(ends) - 1)].append(
            max(0.0, minutes))
    return [Times(tuple(m)) for m in weekly], Times(tuple(m for week in weekly for m in week))


def response_times(period: Period) -> ResponseTimes:
    """Urgent pre-screens: arrival to acknowledgement of their alert (screener/alerts keeps the
    seconds). Every pre-screen: arrival to the first entry in its contact log (issue 21: the
    first attempt to reach the person, whatever its outcome)."""
    urgent = db.session.execute(
        select(SubmissionTally.created_at, Alert.response_seconds)
        .join(Alert, Alert.submission_id == SubmissionTally.submission_id)
        .where(*_in_period(period, "severity"), SubmissionTally.value == "urgent")).all()
    first = (select(ContactAttempt.submission_id,
                    func.min(ContactAttempt.created_at).label("first_at"))
             .where(ContactAttempt.created_at >= period.start)
             .group_by(ContactAttempt.submission_id).subquery())
    everyone = db.session.execute(
        select(Submission.created_at, first.c.first_at)
        .join(first, first.c.submission_id == Submission.id)
        .where(Submission.created_at >= period.start, Submission.created_at < period.end)).all()
    urgent_weeks, urgent_all = _by_week(period, [(arrived, seconds / 60)
                                                 for arrived, seconds in urgent
                                                 if seconds is not None])
    everyone_weeks, everyone_all = _by_week(period, [
        (arrived, (_aware(first_at) - _aware(arrived)).total_seconds() / 60)
        for arrived, first_at in everyone])
    return ResponseTimes(urgent_weeks, everyone_weeks, urgent_all, everyone_all,
                         Count(sum(1 for _, seconds in urgent if seconds is None)))


def _aware(moment: datetime | str) -> datetime:
    """A UTC datetime from a column read through a subquery (SQLite hands back text)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def language_name(code: str) -> str:
    """"Spanish" for "es" (Babel's names of languages), the code itself when unknown."""
    try:
        return Locale.parse(code).get_display_name("en") or code
    except (ValueError, UnknownLocaleError):
        return code
