"""What the patient's pages say around a crisis: which help leads (a very high blood pressure
reading is not a suicide crisis), the big crisis buttons, and the clinic's opening hours in the
person's language and the clinic's time zone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs

from babel.dates import format_time, get_day_names, get_timezone_name
from flask import current_app
from flask_babel import get_locale, gettext

from ..rules import CRISIS_RULES
from .hours import OpeningHours, Span
from .outbox import clinic_hours

BLOOD_PRESSURE_RULES = frozenset({"URG-BP-SYMPTOMS", "URG-BP-CRISIS-RANGE"})


def crisis_kinds(rule_ids: Iterable[str]) -> list[str]:
    """"blood_pressure" and/or "suicide" for the crisis rules among `rule_ids`, the last one
    first (the answer that has just sent the person to the help page leads)."""
    kinds: list[str] = []
    for rule_id in reversed(list(rule_ids)):
        if rule_id in CRISIS_RULES:
            kind = "blood_pressure" if rule_id in BLOOD_PRESSURE_RULES else "suicide"
            if kind not in kinds:
                kinds.append(kind)
    return kinds


def crisis_buttons(resource: dict[str, Any]) -> list[dict[str, str]]:
    """The big buttons of one CRISIS_RESOURCES entry, worded from its links: tel:988 is
    "Call 988", sms:988 "Text 988", sms:741741?body=HOME "Text HOME to 741741"."""
    buttons = []
    for href in (resource.get("href"), resource.get("text_href")):
        if not href:
            continue
        scheme, _, rest = href.partition(":")
        number, _, query = rest.replace("&", "?", 1).partition("?")
        body = (parse_qs(query).get("body") or [""])[0]
        if scheme == "tel":
            label = gettext("Call %(number)s", number=number)
        elif scheme == "sms" and body:
            label = gettext("Text %(word)s to %(number)s", word=body, number=number)
        elif scheme == "sms":
            label = gettext("Text %(number)s", number=number)
        else:
            label = gettext(resource["how"])
        buttons.append({"href": href, "label": label})
    return buttons


@dataclass
class OpeningHoursText:
    """CLINIC_HOURS for a page: `summary` is always set (the schedule, or the clinic's own text
    when it is not machine-readable); the rest only with machine-readable hours."""

    summary: str
    zone: str = ""
    open_now: bool | None = None
    opens: str = ""  # when it opens next, if closed now
    groups: list[str] = field(default_factory=list)


def _zone_name(hours: OpeningHours, locale: Any) -> str:
    if hours.zone.key in {"UTC", "Etc/UTC"}:
        return "UTC"
    return get_timezone_name(hours.zone, locale=locale)


def _times(span: Span, locale: Any) -> str:
    end = span.end or time(0)
    return gettext("%(start)s to %(end)s", start=format_time(span.start, "short", locale=locale),
                   end=format_time(end, "short", locale=locale))


def _group(first: int, last: int, spans: tuple[Span, ...], locale: Any) -> str:
    names = get_day_names("wide", locale=locale)
    if first == last:
        days = names[first]
    elif last == first + 1:
        days = gettext("%(first)s and %(last)s", first=names[first], last=names[last])
    else:
        days = gettext("%(first)s to %(last)s", first=names[first], last=names[last])
    return gettext("%(days)s, %(times)s", days=days,
                   times=", ".join(_times(span, locale) for span in spans))


def _when(moment: datetime, now: datetime, hours: OpeningHours, locale: Any) -> str:
    local, today = moment.astimezone(hours.zone), now.astimezone(hours.zone).date()
    at = format_time(local.time(), "short", locale=locale)
    if local.date() == today:
        return gettext("today at %(time)s", time=at)
    if local.date() == today + timedelta(days=1):
        return gettext("tomorrow at %(time)s", time=at)
    return gettext("on %(day)s at %(time)s", day=get_day_names("wide", locale=locale)[
        local.weekday()], time=at)


def opening_hours(now: datetime | None = None) -> OpeningHoursText:
    config = current_app.config
    hours = clinic_hours(config)
    if hours is None:
        return OpeningHoursText(summary=gettext(str(config["CLINIC_HOURS"])))
    now = now or config["ALERT_CLOCK"]()
    locale = get_locale()
    zone = _zone_name(hours, locale)
    if hours.always:
        groups = [gettext("every day, at any hour")]
    else:
        groups = [_group(first, last, spans, locale) for first, last, spans in hours.groups()]
    opening = hours.next_opening(now)
    return OpeningHoursText(
        summary=gettext("%(hours)s (%(zone)s)", hours="; ".join(groups), zone=zone), zone=zone,
        open_now=hours.is_open(now), opens=_when(opening, now, hours, locale) if opening else "",
        groups=groups)
