"""The clinic's opening hours, read from CLINIC_HOURS: a small part of OpenStreetMap's
`opening_hours` syntax, e.g. "Mo-Fr 09:00-17:00; Sa 10:00-13:00" or "24/7", in the clinic's time
zone. Pure: no Flask, no database. A text that is not in this form (the older free text such as
"Monday to Friday, 9 am to 5 pm") gives None, and the pages show it as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d"
_SPAN = rf"{_TIME}-(?:{_TIME}|24:00)"
_DAY_PART = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
_RULE = re.compile(rf"^({_DAY_PART}(?:,{_DAY_PART})*) ({_SPAN}(?:,{_SPAN})*)$")


@dataclass(frozen=True, slots=True)
class Span:
    start: time
    end: time | None  # None: until midnight ("24:00")


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Each weekday (0 = Monday) with its opening spans, in `zone`."""

    days: tuple[tuple[Span, ...], ...]
    zone: ZoneInfo

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return any(_inside(span, local.time()) for span in self.days[local.weekday()])

    def next_opening(self, moment: datetime) -> datetime | None:
        """When the clinic next opens after `moment` (None if it is open now or never)."""
        local = moment.astimezone(self.zone)
        if self.is_open(moment):
            return None
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            for span in self.days[day.weekday()]:
                opening = datetime.combine(day, span.start, self.zone)
                if opening > local:
                    return opening
        return None

    def groups(self) -> list[tuple[int, int, tuple[Span, ...]]]:
        """Runs of weekdays with the same spans, as (first day, last day, spans), open days
        only: Monday to Friday 9 to 5 is one group."""
        runs: list[tuple[int, int, tuple[Span, ...]]] = []
        for day, spans in enumerate(self.days):
            if not spans:
                continue
            if runs and runs[-1][1] == day - 1 and runs[-1][2] == spans:
                runs[-1] = (runs[-1][0], day, spans)
            else:
                runs.append((day, day, spans))
        return runs

    @property
    def always(self) -> bool:
        return all(spans == (Span(time(0), None),) for spans in self.days)


def _inside(span: Span, moment: time) -> bool:
    return span.start <= moment and (span.end is None or moment < span.end)


def _span(text: str) -> Span:
    start, end = text.split("-")
    return Span(time.fromisoformat(start), None if end == "24:00" else time.fromisoformat(end))


def _days(text: str) -> list[int]:
    chosen: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        begin, end = DAYS.index(first), DAYS.index(last or first)
        chosen += [d % 7 for d in range(begin, end + 1 if end >= begin else end + 8)]
    return chosen


def parse_hours(text: str, zone: str) -> OpeningHours | None:
    """The opening hours in `text`, or None when it is not in the machine-readable form."""
    text = " ".join((text or "").split())
    if text == "24/7":
        return OpeningHours(tuple((Span(time(0), None),) for _ in DAYS), ZoneInfo(zone))
    days: list[list[Span]] = [[] for _ in DAYS]
    rules = [rule.strip() for rule in text.split(";") if rule.strip()]
    if not rules:
        return None
    for rule in rules:
        match = _RULE.match(rule)
        if match is None:
            return None
        spans = [_span(s) for s in match.group(2).split(",")]
        if any(s.end is not None and s.end <= s.start for s in spans):
            return None  # past midnight is not supported: say it as two days
        for day in _days(match.group(1)):
            days[day] = spans  # a later rule for the same day replaces it, as in OSM
    return OpeningHours(tuple(tuple(sorted(d, key=lambda s: s.start)) for d in days),
                        ZoneInfo(zone))
