"""How long a person has waited, and what is overdue: an urgent case not contacted within
URGENT_CONTACT_HOURS working hours, any case not contacted within CONTACT_TARGET_DAYS working
days. Working time is the clinic's opening hours (CLINIC_HOURS, read by screener.alerts.hours)
in its time zone; a clinic whose hours are free text counts every hour of every day.

Pure: the caller passes the opening hours and the moment. "Contacted" means an attempt is in
the contact log (a message left counts: the clinic did reach out), or the status says so.

The queue marks each row with `waiting`; the dashboard counts the same cases in SQL with the
moments `overdue_before` finds (arrivals before them are overdue), worked out with the same two
tests, so the two always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from flask_babel import gettext

from ..alerts.hours import OpeningHours

WAITING_STATUSES = ("new", "in_review")
MAX_DAYS_LOOKED_AT = 366  # a case waiting longer is overdue whatever the hours


@dataclass(frozen=True, slots=True)
class Waiting:
    since_arrival: str
    since_contact: str | None
    overdue: str | None  # "urgent", "target" or None


def duration_text(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return gettext("%(days)s d %(hours)s h", days=days, hours=hours)
    if hours:
        return gettext("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    return gettext("%(minutes)s min", minutes=minutes)


def working_seconds(hours: OpeningHours | None, start: datetime, end: datetime,
                    enough: float) -> float:
    """Seconds of opening time between start and end, counting no further than `enough`."""
    if hours is None:
        return (end - start).total_seconds()
    local_start, local_end = start.astimezone(hours.zone), end.astimezone(hours.zone)
    total = 0.0
    day = local_start.date()
    while day <= local_end.date() and total < enough:
        for span in hours.days[day.weekday()]:
            opens = datetime.combine(day, span.start, hours.zone)
            closes = (datetime.combine(day, span.end, hours.zone) if span.end is not None
                      else datetime.combine(day + timedelta(days=1), time(0), hours.zone))
            overlap = min(closes, local_end) - max(opens, local_start)
            total += max(0.0, overlap.total_seconds())
        day += timedelta(days=1)
        if (day - local_start.date()).days > MAX_DAYS_LOOKED_AT:
            return enough
    return total


def working_days_after(hours: OpeningHours | None, start: datetime, end: datetime,
                       enough: int) -> int:
    """Open days after the day of `start` that have begun by `end` (counting up to `enough`):
    a case that arrived on Monday has had two working days by Wednesday's opening."""
    zone = hours.zone if hours is not None else start.tzinfo
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    found, day = 0, local_start.date() + timedelta(days=1)
    while day <= local_end.date() and found < enough:
        spans = hours.days[day.weekday()] if hours is not None else ()
        opening = spans[0].start if spans else None
        if hours is None or (opening is not None and
                             datetime.combine(day, opening, zone) <= local_end):
            found += 1
        day += timedelta(days=1)
        if (day - local_start.date()).days > MAX_DAYS_LOOKED_AT:
            return enough
    return found


def urgent_overdue(hours: OpeningHours | None, arrived: datetime, now: datetime,
                   urgent_hours: float) -> bool:
    """An urgent case not contacted: more than `urgent_hours` working hours since arrival."""
    limit = urgent_hours * 3600
    return working_seconds(hours, arrived, now, limit + 1) > limit


def target_overdue(hours: OpeningHours | None, arrived: datetime, now: datetime,
                   target_days: int) -> bool:
    """Any case not contacted: more than `target_days` working days since the day of arrival."""
    return working_days_after(hours, arrived, now, target_days + 1) > target_days


def waiting(row: Any, now: datetime, hours: OpeningHours | None, urgent_hours: float,
            target_days: int) -> Waiting:
    """How long the person of a queue row (or a submission) has waited, and whether it is
    overdue."""
    overdue = None
    if row.last_contact_at is None and row.status in WAITING_STATUSES:
        if row.urgent and urgent_overdue(hours, row.created_at, now, urgent_hours):
            overdue = "urgent"
        elif target_overdue(hours, row.created_at, now, target_days):
            overdue = "target"
    contact = row.last_contact_at
    return Waiting(duration_text(now - row.created_at),
                   duration_text(now - contact) if contact is not None else None, overdue)


@dataclass(frozen=True, slots=True)
class OverdueBefore:
    """A waiting case not contacted is overdue when it arrived before `urgent` (an urgent case)
    or before `target` (any case): the moments where `waiting`'s marks begin."""

    urgent: datetime
    target: datetime


def overdue_before(hours: OpeningHours | None, now: datetime, urgent_hours: float,
                   target_days: int) -> OverdueBefore:
    """Where the overdue marks begin. Each test only turns true the longer a case has waited,
    so its boundary is found by halving, to the microsecond, the span from a little over
    MAX_DAYS_LOOKED_AT days before `now` (overdue whatever the hours) to `now`: about 45 runs
    of the test, each over a few days."""
    return OverdueBefore(
        _earliest_not(lambda at: urgent_overdue(hours, at, now, urgent_hours), now),
        _earliest_not(lambda at: target_overdue(hours, at, now, target_days), now))


def _earliest_not(overdue: Callable[[datetime], bool], now: datetime) -> datetime:
    """The earliest arrival that is not overdue (every earlier one is)."""
    low, high = now - timedelta(days=MAX_DAYS_LOOKED_AT + 2), now
    if overdue(high):
        return high
    if not overdue(low):
        return low
    step = timedelta(microseconds=1)
    while high - low > step:  # overdue(low) and not overdue(high)
        middle = low + (high - low) // 2
        if overdue(middle):
            low = middle
        else:
            high = middle
    return high
