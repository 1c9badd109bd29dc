"""The dashboard's pictures stay readable on a phone: 13 weeks of column labels side by side
ran into each other, so a chart with more than 8 columns labels every second one."""

from __future__ import annotations

import re

from test_dashboard import board  # noqa: F401 (a fixture)


def axis_labels(page: str, label_id: str) -> list[str]:
    """The week labels (MM-DD) drawn in the picture labelled by `label_id`, in order."""
    start = page.index(f'aria-labelledby="{label_id}"')
    svg = page[start:page.index("</svg>", start)]
    return re.findall(r">\s*(\d\d-\d\d)\s*<", svg)


def test_thirteen_weeks_of_columns_label_every_second_week(board):  # noqa: F811
    page = board.get("/staff/dashboard?period=90").text
    labels = axis_labels(page, "arrivals-caption")
    half = len(labels) // 2  # two panels (started, sent), each labelled the same
    assert labels[:half] == labels[half:]
    weeks = re.findall(r"<th scope=\"row\">\d{4}-(\d\d-\d\d)</th>",
                       page.split('aria-labelledby="arrivals-caption"', 1)[1]
                       .split("</table>", 1)[0])
    assert len(weeks) == 14  # 90 days from Monday 16 November: 13 weeks and a part
    assert labels[:half] == weeks[::2]  # weeks 1, 3, ... 13 drawn; every week in the table


def test_seven_days_label_every_column(board):  # noqa: F811
    page = board.get("/staff/dashboard?period=30").text
    labels = axis_labels(page, "arrivals-caption")
    assert len(labels) == 2 * len(set(labels)) and 4 <= len(set(labels)) <= 6
