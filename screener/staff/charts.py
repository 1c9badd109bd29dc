"""The dashboard's pictures: SVG drawn on the server by leather (no JavaScript, no web font).

leather writes presentation attributes only (fill, stroke, font-size), never a style attribute
or a <style> element, so its SVG passes the CSP's `style-src 'self'`; static/css/dashboard.css
sets the font and the print colours. Each picture is wrapped in an <svg role="img"> with a
viewBox (it scales to a phone's width) named by its figure's caption; the numbers are in a
table beside it, so nothing is told by the picture or by colour alone. Several series are drawn
as separate small charts with their own titles, or as lines with different dash patterns.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET  # nosec B405 (builds SVG, parses nothing)
from collections.abc import Sequence
from decimal import Decimal

import leather
from markupsafe import Markup

from ..svg import inline_svg

# The look, set once: these are leather's module settings (constants, not per request).
for _name in ("title", "legend", "axis_title", "tick"):
    setattr(leather.theme, f"{_name}_font_family", "sans-serif")
leather.theme.background_color = "#ffffff"
leather.theme.tick_color = "#d0d0d0"
leather.theme.label_color = "#333333"
leather.theme.legend_color = "#333333"
leather.theme.title_color = "#111111"
leather.theme.title_font_size = 15
leather.theme.tick_font_size = 14
leather.theme.margin = 0.03

INK = "#1d4f91"  # dark blue: 8.6:1 on white
SECOND_INK = "#8a3b00"  # dark orange: 6.6:1 on white
TARGET_INK = "#333333"
WIDTH = 560  # a phone (390 px) shows it at two thirds: 14 px labels at 9 px


def _svg(charts: Sequence[leather.Chart], width: int, height_each: int,
         label_id: str) -> Markup:
    """The charts one below the other in one <svg role="img"> named by the figure's caption."""
    height = height_each * len(charts)
    svg = ET.Element("svg", {
        "xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {width} {height}",
        "class": "chart", "role": "img", "aria-labelledby": label_id, "focusable": "false",
        "preserveAspectRatio": "xMinYMin meet"})
    for n, chart in enumerate(charts):
        place = ET.SubElement(svg, "g", {"transform": f"translate(0 {n * height_each})"})
        place.append(chart.to_svg_group(width, height_each))
    return inline_svg(svg)


class _Scale(leather.Linear):
    """leather's linear scale over the ticks given. leather.Linear itself
    scores thousands of candidate sets of ticks whenever one is made (about 3 ms: half the
    dashboard's time went there), though each chart here says its ticks."""

    def __init__(self, ticks: Sequence[float], margin: float = 0) -> None:  # no super():
        # that is the scoring. `margin`: room before the first tick and after the last.
        self._data_min = Decimal(ticks[0]) - Decimal(margin)
        self._data_max = Decimal(ticks[-1]) + Decimal(margin)
        self._ticks = list(ticks)

    def project(self, value: float, range_min: float, range_max: float) -> Decimal:
        position = (Decimal(value) - self._data_min) / (self._data_max - self._data_min)
        return (Decimal(range_max) - Decimal(range_min)) * position + Decimal(range_min)

    def ticks(self) -> list[float]:
        return self._ticks


def _round_ticks(top: float) -> list[float]:
    """0 up to `top` or a little above it, in up to 5 steps of 1, 2 or 5 times a power of 10
    (whole numbers written without a decimal point)."""
    rough = max(top, 0.001) / 5
    power = 10 ** math.floor(math.log10(rough))
    step = next(power * m for m in (1, 2, 5, 10) if power * m >= rough)
    ticks = [round(step * n, 6) for n in range(max(math.ceil(top / step - 1e-9), 1) + 1)]
    return [int(t) if t == int(t) else t for t in ticks]


def _whole_numbers(chart: leather.Chart, axis: str, top: float) -> None:
    """Ticks at whole numbers only (counts of people)."""
    top = max(top, 5)
    step = max(1, round(top / 4))
    ticks = list(range(0, int(top) + step, step))
    scale = _Scale(ticks)
    if axis == "x":
        chart.set_x_scale(scale)
        chart.add_x_axis(ticks=ticks)
    else:
        chart.set_y_scale(scale)
        chart.add_y_axis(ticks=ticks)


def bars(label_id: str, rows: Sequence[tuple[str, int]],
         title: str | None = None) -> Markup | None:
    """Horizontal bars, one per row, in the order given (top first); None without rows."""
    if not rows:
        return None
    chart = leather.Chart(title)
    chart.add_bars([(value, label) for label, value in rows], fill_color=INK)
    _whole_numbers(chart, "x", max((v for _, v in rows), default=0))
    height = 60 + 26 * len(rows) + (24 if title else 0)
    return _svg([chart], WIDTH, height, label_id)


def columns(label_id: str, panels: Sequence[tuple[str, Sequence[tuple[str, int]]]],
            height_each: int = 190) -> Markup:
    """One column chart per panel (small multiples with the same scale), each with its title:
    several series are told apart by their titles, not by colour. One below the other: a
    phone shows them as wide as a computer does."""
    top = max((v for _, rows in panels for _, v in rows), default=0)
    charts = []
    for title, rows in panels:
        chart = leather.Chart(title)
        chart.add_columns([(_short(label), value) for label, value in rows], fill_color=INK)
        chart.add_x_axis(tick_formatter=_every_other_when_many)
        _whole_numbers(chart, "y", top)
        charts.append(chart)
    return _svg(charts, WIDTH, height_each, label_id)


def _every_other_when_many(value: str, index: int, count: int) -> str:
    """A column's label, or every second one when there are more than 8 (13 weeks' labels
    side by side ran into each other: '09-0709-14...'); the table names every one."""
    return value if count <= 8 or index % 2 == 0 else ""


def lines(label_id: str, labels: Sequence[str],
          series: Sequence[tuple[str, Sequence[float | None], str]], target: float | None,
          unit: str) -> Markup:
    """Weekly lines (median solid, 90th percentile dashed) and the target dotted, with a
    legend naming each: the dash pattern, not the colour, tells them apart."""
    chart = leather.Chart()
    # Half a week's room at either end: the first and last week's labels stay inside.
    chart.set_x_scale(_Scale(list(range(max(2, len(labels)))), margin=0.4))

    def week_label(value: float, index: int, count: int) -> str:
        """Every week's label, or every second one when there are many (phone width)."""
        n = int(value)
        return _every_other_when_many(_short(labels[n]), n, len(labels)) if n < len(labels) else ""

    chart.add_x_axis(ticks=list(range(len(labels))), tick_formatter=week_label)
    top = max([v for _, values, _ in series for v in values if v is not None]
              + [target or 0, 1])
    chart.set_y_scale(_Scale(_round_ticks(top * 1.1)))
    chart.add_y_axis(name=unit)
    inks = [INK, SECOND_INK]
    for n, (name, values, dashes) in enumerate(series):
        points = [(i, v) for i, v in enumerate(values) if v is not None]
        if points:
            chart.add_line(points, name=name, stroke_color=inks[n % 2], width=3,
                           stroke_dasharray=dashes)
    if target is not None:
        chart.add_line([(0, target), (max(1, len(labels) - 1), target)], name="Target",
                       stroke_color=TARGET_INK, width=2, stroke_dasharray="2 4")
    return _svg([chart], WIDTH, 280, label_id)


def _short(label: str) -> str:
    """"11-30" for "2026-11-30": week labels on an axis."""
    return label[5:] if len(label) == 10 and label[4] == "-" else label
