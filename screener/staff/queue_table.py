"""The queue table's rows, written as HTML in Python.

Fifty rows of seven cells were most of the queue page's time when Jinja drew them: some 750
escapes and 400 attribute look-ups a page. Here what is the same on every row (the column
labels, the link's path, the status and severity names, the badges) is escaped once per page,
the key scores' texts once per language and score combination, and a row is one `str.format`
in which only the row's own values are escaped. The markup is the one templates/staff/queue.html
describes around `{{ rows }}`: each cell carries its column's name in `data-label`, which the
phone layout shows in front of the value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for
from markupsafe import Markup, escape

from ..i18n import gettext, locale_code
from ..models import STATUSES
from .review import key_scores, severity_label, status_label

ROW = """    <tr class="row-{css}">
      <td data-label="{reference_label}"><a class="reference-link" href="{link}{reference}">\
{reference}</a></td>
      <td data-label="{name_label}">{name}</td>
      <td data-label="{received_label}" class="when">{received}</td>
      <td data-label="{status_label}">{status}</td>
      <td data-label="{flag_label}"><span class="flag-cell">{flag}</span></td>
      <td data-label="{flags_label}">{flag_count}</td>
      <td data-label="{scores_label}">{scores}</td>
    </tr>
"""
BADGE = '<span class="badge badge-{css}">{warning}{text}</span>'
WARNING_SIGN = '<span aria-hidden="true">&#9888; </span>'
RULE_ID = '\n        <span class="rule-id">{rule_id}</span>'

_SCORES_HTML: dict[tuple, str] = {}
MAX_SCORES_HTML = 8192  # score combinations are few (totals and bands), but bounded anyway


def _scores_html(language: str, row: Any) -> str:
    """The key scores of a row as a list, kept by (language, scores): never a name or answer."""
    key = (language, row.phq9_total, row.phq9_band, row.gad7_total, row.gad7_band,
           row.bp_category)
    html = _SCORES_HTML.get(key)
    if html is None:
        items = "".join(f'<li><span class="score-name">{escape(line.label)}</span> '
                        f"{escape(line.value)}</li>" for line in key_scores(row._mapping))
        html = f'<ul class="key-scores">{items}</ul>'
        if len(_SCORES_HTML) < MAX_SCORES_HTML:
            _SCORES_HTML[key] = html
    return html


class _PageTexts:
    """What every row of one page shares, escaped once (labels, link path, names, badges)."""

    def __init__(self) -> None:
        self.fixed = {
            "reference_label": escape(gettext("Reference")), "name_label": escape(gettext("Name")),
            "received_label": escape(gettext("Received")),
            "status_label": escape(gettext("Status")),
            "flag_label": escape(gettext("Highest flag")), "flags_label": escape(gettext("Flags")),
            "scores_label": escape(gettext("Key scores")),
            "link": escape(url_for("staff.submission", reference="R").rsplit("R", 1)[0]),
        }
        self.statuses = {status: escape(status_label(status)) for status in STATUSES}
        self.no_flags = BADGE.format(css="none", warning="", text=escape(gettext("No flags")))
        self.badges: dict[tuple[str, bool], str] = {}

    def status(self, status: str) -> str:
        known = self.statuses.get(status)
        return known if known is not None else escape(status_label(status))

    def badge(self, severity: str | None, urgent: bool) -> str:
        key = (severity or "none", bool(urgent))
        badge = self.badges.get(key)
        if badge is None:
            badge = self.badges[key] = BADGE.format(
                css=escape(key[0]), warning=WARNING_SIGN if urgent else "",
                text=escape(severity_label(severity)))
        return badge


def queue_rows_html(rows: Iterable[Any], zone: ZoneInfo) -> Markup:
    """The `<tr>` elements of one queue page (empty markup when there are no rows)."""
    texts = _PageTexts()
    language = locale_code()
    fixed = texts.fixed
    out = []
    for row in rows:
        # Unpacked in the order of ROW_COLUMNS in screener/staff/queue.py.
        (_, reference, created_at, status, _, severity, urgent, flag_count, first_name,
         last_name, rule_id, *_) = row
        flag = (texts.badge(severity, urgent) + RULE_ID.format(rule_id=escape(rule_id))
                if rule_id else texts.no_flags)
        out.append(ROW.format(
            css=escape(severity or "none"), reference=escape(reference),
            name=escape(f"{first_name} {last_name}"),
            received=created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            status=texts.status(status), flag=flag, flag_count=int(flag_count or 0),
            scores=_scores_html(language, row), **fixed))
    return Markup("".join(out))  # noqa: S704  (every value above is escaped or the app's own)
