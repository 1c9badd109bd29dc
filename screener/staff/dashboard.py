"""/staff/dashboard: how the intake is going, in pictures with their numbers (issue 24).

Staff and admins alike (the blueprint's `require_staff`). Aggregates only, from
screener/staff/dashboard_data.py; each picture has a caption saying its main fact and a table of
its numbers, and each table is a CSV download (formula-safe, like the queue's). Every view and
every download is audit-logged.

Response times: urgent pre-screens from arrival to the acknowledgement of their alert
(screener/alerts); every pre-screen from arrival to the first entry in its contact log (the
first attempt to reach the person, issue 21).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, render_template, request
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup

from ..alerts.hours import parse_hours
from ..exports.table import safe_cell
from ..extensions import db
from ..rules import RULES_BY_ID
from . import audit, bp, charts
from .dashboard_data import (
    SEVERITY_ORDER,
    Count,
    Period,
    PeriodError,
    Times,
    Workflow,
    draft_counts,
    language_name,
    make_period,
    page_order,
    period_from_request,
    protect,
    rate,
    refresh_days,
    response_times,
    submission_counts,
    workflow,
)
from .review import status_label


@dataclass
class Figure:
    """One picture, its caption and the table of its numbers (also its CSV)."""

    id: str
    title: str
    caption: str
    headers: list[str]
    rows: list[list[str]]
    svg: Markup | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Dashboard:
    period: Period
    sections: list[tuple[str, str, list[Figure]]]  # (id, heading, figures)

    def figure(self, figure_id: str) -> Figure | None:
        return next((f for _, _, figures in self.sections for f in figures
                     if f.id == figure_id), None)


def _targets() -> tuple[float, float]:
    """The clinic's own targets, in minutes: an urgent alert acknowledged before it escalates
    (ALERT_ESCALATE_AFTER_MINUTES), everyone contacted within CONTACT_TARGET_DAYS, drawn as
    that many days on the clock (the times on these charts are on the clock)."""
    config = current_app.config
    return (float(config["ALERT_ESCALATE_AFTER_MINUTES"]),
            float(config["CONTACT_TARGET_DAYS"]) * 24 * 60)


def _period(now: datetime, zone: ZoneInfo) -> Period:
    try:
        return period_from_request(request.args, now, zone)
    except PeriodError as error:
        flash(gettext("Those dates do not make a period (%(problem)s); showing the last 30 days.",
                      problem=str(error)))
        today = now.astimezone(zone).date()
        return make_period(today - timedelta(days=29), today, zone, "30")


def _build() -> Dashboard:
    zone = ZoneInfo(current_app.config["CLINIC_TIMEZONE"])
    now = current_app.config["STAFF_CLOCK"]()
    period = _period(now, zone)
    refresh_days(zone)
    acknowledge, contact = _targets()
    config = current_app.config
    flow = workflow(now, parse_hours(config["CLINIC_HOURS"], config["CLINIC_TIMEZONE"]),
                    config["URGENT_CONTACT_HOURS"], config["CONTACT_TARGET_DAYS"])
    return build_dashboard(period, acknowledge, contact, flow)


@bp.route("/dashboard")
def dashboard():
    board = _build()
    audit.record("dashboard_view", current_user.id,
                 detail=f"period {board.period.first_day} to {board.period.last_day}")
    db.session.commit()
    return render_template("staff/dashboard.html", board=board, period=board.period,
                           period_args=board.period.as_args())


@bp.route("/dashboard/numbers.csv")
def dashboard_csv():
    """One table's numbers (`figure=`, the first table without it) for the same period."""
    board = _build()
    figure_id = request.args.get("figure", "arrivals")
    figure = board.figure(figure_id) or abort(404)
    audit.record("dashboard_csv", current_user.id,
                 detail=f"{figure_id}, period {board.period.first_day} to {board.period.last_day}")
    db.session.commit()
    response = Response(csv_text(figure), content_type="text/csv; charset=utf-8")
    name = f"dashboard-{figure_id}-{board.period.first_day}-{board.period.last_day}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_text(figure: Figure) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in figure.headers])
    writer.writerows([[safe_cell(c) for c in row] for row in figure.rows])
    return "\ufeff" + buffer.getvalue()


# --- the figures ----------------------------------------------------------------------------

def build_dashboard(period: Period, acknowledge_minutes: float, contact_minutes: float,
                    flow: Workflow) -> Dashboard:
    drafts = draft_counts(period)
    subs = submission_counts(period)
    times = response_times(period)
    protect([  # the parts of each total the page shows, or that can be worked out from it
        # sent and not sent, of those started (a week's, a language's, a device's, all): the
        # not sent are not shown, but started minus sent would give them
        *([sent, Count(started.value - sent.value)] for started, sent in (
            *drafts.weeks, *drafts.languages.values(), *drafts.devices.values(),
            (drafts.started, drafts.sent))),
        [started for started, _ in drafts.weeks], [sent for _, sent in drafts.weeks],
        *([pair[n] for pair in split.values()] for split in (drafts.languages, drafts.devices)
          for n in (0, 1)),
        list(drafts.stopped_at.values()),  # of those started but not sent
        [count for weekly in subs.severity_weeks.values() for count in weekly],
        subs.severity_weeks.get("urgent", []),  # the urgent total is in the caption
        [t.count for t in times.urgent], [*(t.count for t in times.urgent), times.unacknowledged],
        # a week's urgent pre-screens (severity) minus those acknowledged: not acknowledged
        *([t.count, Count(max(0, urgent.value - t.count.value))] for t, urgent in zip(
            times.urgent, subs.severity_weeks.get("urgent", []), strict=False)),
        [t.count for t in times.everyone], [count for _, count in flow.statuses]])
    weeks = [w.label for w in period.weeks]
    return Dashboard(period, [
        ("arrivals", gettext("Arrivals"), [
            _arrivals(drafts, weeks), _split("languages", gettext("By language"),
                                             gettext("Language"), drafts.languages, drafts.started,
                                             language_name),
            _split("devices", gettext("By device"), gettext("Device"), drafts.devices,
                   drafts.started, lambda name: gettext(name.capitalize()))]),
        ("stops", gettext("Where people stop"), [_stops(drafts.stopped_at)]),
        ("response", gettext("Response times"), [
            _times("acknowledged", gettext("Urgent pre-screens: arrival to acknowledgement"),
                   gettext("Urgent pre-screens were acknowledged"), times.urgent,
                   times.urgent_all, weeks, acknowledge_minutes,
                   [gettext("From arrival to the acknowledgement of the urgent alert."),
                    gettext("Not yet acknowledged: %(count)s.",
                            count=times.unacknowledged.shown)]),
            _times("contacted", gettext("All pre-screens: arrival to first contact"),
                   gettext("Pre-screens were first contacted"), times.everyone,
                   times.everyone_all, weeks, contact_minutes,
                   [gettext("From arrival to the first entry in the contact log (the first "
                            "attempt to reach the person, whatever its outcome)."),
                    gettext("These times are on the clock, nights and weekends included; the "
                            "overdue count under Workflow now counts only the clinic's "
                            "opening hours, as the queue does.")])]),
        ("raised", gettext("What the pre-screens raise"), [
            _severity(subs.severity_weeks, subs.total, weeks), _flags(subs.flags),
            _reasons(subs.reasons)]),
        ("workflow", gettext("Workflow now"), [_workflow(flow)]),
    ])


def _arrivals(drafts, weeks: list[str]) -> Figure:
    rows = [[week, started.shown, sent.shown, rate(sent, started)]
            for week, (started, sent) in zip(weeks, drafts.weeks, strict=True)]
    rows.append([gettext("Whole period"), drafts.started.shown, drafts.sent.shown,
                 rate(drafts.sent, drafts.started)])
    caption = gettext(
        "%(started)s pre-screens were started and %(sent)s were sent: a completion rate of "
        "%(rate)s.", started=drafts.started.shown, sent=drafts.sent.shown,
        rate=rate(drafts.sent, drafts.started))
    if drafts.sent.withheld:  # all but a few were sent: how many would give the few away
        caption = gettext("%(started)s pre-screens were started; all but fewer than 5 were "
                          "sent.", started=drafts.started.shown)
    svg = charts.columns("arrivals-caption", [
        (gettext("Started per week"), [(w, s.drawn) for w, (s, _) in zip(weeks, drafts.weeks,
                                                                          strict=True)]),
        (gettext("Sent per week"), [(w, s.drawn) for w, (_, s) in zip(weeks, drafts.weeks,
                                                                       strict=True)])])
    return Figure("arrivals", gettext("Started and sent per week"), caption,
                  [gettext("Week from"), gettext("Started"), gettext("Sent"),
                   gettext("Completion rate")], rows, svg)


def _split(figure_id: str, title: str, heading: str, counts: dict[str, tuple[Count, Count]],
           total: Count, name_of) -> Figure:
    ordered = sorted(counts.items(), key=lambda item: -item[1][0].value)
    rows = [[name_of(key), started.shown, sent.shown, rate(sent, started)]
            for key, (started, sent) in ordered]
    if ordered and ordered[0][1][0].value and not ordered[0][1][0].small:
        key, (top, _) = ordered[0]
        caption = gettext("Most pre-screens were started in %(name)s: %(count)s of %(total)s.",
                          name=name_of(key), count=top.shown, total=total.shown)
        if figure_id == "devices":
            caption = gettext("Most pre-screens were started on a %(name)s: %(count)s of "
                              "%(total)s.", name=name_of(key).lower(), count=top.shown,
                              total=total.shown)
        if top.withheld:  # its number would give a smaller group away
            caption = (gettext("Most pre-screens were started on a %(name)s.",
                               name=name_of(key).lower()) if figure_id == "devices" else
                       gettext("Most pre-screens were started in %(name)s.", name=name_of(key)))
    else:
        caption = gettext("Too few pre-screens were started in this period to show.")
    svg = charts.bars(f"{figure_id}-caption",
                      [bar(name_of(key), started) for key, (started, _) in ordered])
    return Figure(figure_id, title, caption,
                  [heading, gettext("Started"), gettext("Sent"), gettext("Completion rate")],
                  rows, svg)


def bar(label: str, count: Count) -> tuple[str, int]:
    """A bar of a chart: a group of fewer than 5 is not drawn, and its label says so (as it
    does of a group withheld so as not to give a small one away)."""
    if count.withheld:
        return gettext("%(label)s (not shown)", label=label), count.drawn
    return (f"{label} (<5)" if count.small else label), count.drawn


def page_label(key: str) -> str:
    for page_key, section, number, pages in page_order():
        if page_key == key and section is not None:
            title = f"{section.number}. {gettext(section.title)}"
            return title if pages == 1 else f"{title} ({number}/{pages})"
    return gettext("Check your answers") if key == "check" else gettext("Not known")


def _stops(stopped_at: dict[str, Count]) -> Figure:
    keys = [key for key in stopped_at if key != "not known" or stopped_at[key].value]
    total = Count(sum(c.value for c in stopped_at.values()))
    rows = [[page_label(key), stopped_at[key].shown] for key in keys]
    biggest = max(keys, key=lambda k: stopped_at[k].value, default=None)
    if biggest and stopped_at[biggest].withheld:  # its number would give a smaller one away
        caption = gettext("Of %(total)s pre-screens started but not (yet) sent, the most stopped "
                          "at “%(page)s”.", total=total.shown, page=page_label(biggest))
    elif biggest and stopped_at[biggest].value >= 5:
        caption = gettext("Of %(total)s pre-screens started but not (yet) sent, the most stopped "
                          "at “%(page)s”: %(count)s.", total=total.shown,
                          page=page_label(biggest), count=stopped_at[biggest].shown)
    else:
        caption = gettext("Too few pre-screens stopped before sending to show where.")
    svg = charts.bars("stops-caption", [bar(page_label(key), stopped_at[key])
                                        for key in keys])
    return Figure("stops", gettext("Pre-screens not sent, by the last page reached"), caption,
                  [gettext("Last page reached"), gettext("Pre-screens")], rows, svg,
                  [gettext("Pages in questionnaire order. Drafts are counted, never shown.")])


def duration(minutes: float | None) -> str:
    if minutes is None:
        return gettext("fewer than 5")
    if minutes < 120:
        return gettext("%(n)s minutes", n=round(minutes))
    if minutes < 72 * 60:
        return gettext("%(n)s hours", n=f"{minutes / 60:.1f}")
    return gettext("%(n)s days", n=f"{minutes / 1440:.1f}")


def _times(figure_id: str, title: str, subject: str, weekly: list[Times], whole: Times,
           weeks: list[str], target: float, notes: list[str]) -> Figure:
    def row(label: str, times: Times) -> list[str]:
        if not times.minutes:
            return [label, "0", "–", "–"]
        return [label, times.count.shown, duration(times.percentile(0.5)),
                duration(times.percentile(0.9))]

    rows = [row(week, times) for week, times in zip(weeks, weekly, strict=True)]
    rows.append(row(gettext("Whole period"), whole))
    median = whole.percentile(0.5)
    if median is None:
        caption = gettext("Too few pre-screens (fewer than 5) had a response in this period to "
                          "show a time. The target is %(target)s.", target=duration(target))
    else:
        caption = gettext(
            "%(subject)s in a median of %(median)s (90th percentile %(p90)s); the target is "
            "%(target)s.", subject=subject, median=duration(median),
            p90=duration(whole.percentile(0.9)), target=duration(target))
    hours = target >= 180
    scale = 60 if hours else 1

    def points(share: float) -> list[float | None]:
        return [None if (v := t.percentile(share)) is None else round(v / scale, 1)
                for t in weekly]

    svg = charts.lines(f"{figure_id}-caption", weeks, [
        (gettext("Median"), points(0.5), "none"),
        (gettext("90th percentile"), points(0.9), "9 5")],
        target / scale, gettext("hours") if hours else gettext("minutes"))
    lines = gettext("In the picture: the median is the solid line, the 90th percentile the "
                    "dashed line, the target the dotted line; a week with fewer than 5 has no "
                    "point.")
    return Figure(figure_id, title, caption,
                  [gettext("Week from"), gettext("Pre-screens"), gettext("Median"),
                   gettext("90th percentile")], rows, svg, [lines, *notes])


SEVERITY_NAMES = {"urgent": "Urgent", "contraindication": "Contraindication",
                  "caution": "Caution", "info": "Information", "none": "No flag"}


def _severity(weekly: dict[str, list[Count]], total: Count, weeks: list[str]) -> Figure:
    names = [s for s in SEVERITY_ORDER if s in weekly] + [s for s in weekly
                                                          if s not in SEVERITY_ORDER]
    rows = [[week, *[weekly[s][i].shown for s in names]] for i, week in enumerate(weeks)]
    urgent = Count(sum(c.value for c in weekly.get("urgent", [])))
    caption = gettext("%(total)s pre-screens were sent; %(urgent)s had an urgent flag as the "
                      "highest.", total=total.shown, urgent=urgent.shown)
    svg = charts.columns("severity-caption", [
        (gettext(SEVERITY_NAMES.get(s, s)), [(w, weekly[s][i].drawn)
                                             for i, w in enumerate(weeks)]) for s in names],
        height_each=170)
    return Figure("severity", gettext("Pre-screens by highest severity, per week"), caption,
                  [gettext("Week from"), *[gettext(SEVERITY_NAMES.get(s, s)) for s in names]],
                  rows, svg)


def _rule_title(rule_id: str) -> str:
    rule = RULES_BY_ID.get(rule_id)
    return f"{rule_id} ({gettext(SEVERITY_NAMES.get(rule.severity, rule.severity)).lower()})" \
        if rule else rule_id


def _flags(flags: list[tuple[str, Count]]) -> Figure:
    rows = [[_rule_title(rule_id), count.shown] for rule_id, count in flags]
    if flags and not flags[0][1].small:
        caption = gettext("The most frequent flag was %(rule)s: %(count)s pre-screens.",
                          rule=_rule_title(flags[0][0]), count=flags[0][1].shown)
    else:
        caption = gettext("Too few flags in this period to show.")
    svg = charts.bars("flags-caption", [bar(rule_id, count) for rule_id, count in flags])
    return Figure("flags", gettext("The ten most frequent flags"), caption,
                  [gettext("Flag (rule)"), gettext("Pre-screens")], rows, svg,
                  [gettext("The rules page explains each rule.")])


def _reason_label(value: str) -> str:
    from ..questionnaire import QUESTIONS

    options = {o.value: o.label for o in QUESTIONS["reasons"].options} \
        if "reasons" in QUESTIONS else {}
    return gettext(options[value]) if value in options else value


def _reasons(reasons: list[tuple[str, Count]]) -> Figure:
    rows = [[_reason_label(value), count.shown] for value, count in reasons]
    if reasons and not reasons[0][1].small:
        caption = gettext("The reason most often given for seeking help was “%(reason)s”: "
                          "%(count)s pre-screens.", reason=_reason_label(reasons[0][0]),
                          count=reasons[0][1].shown)
    else:
        caption = gettext("Too few pre-screens in this period to show their reasons.")
    svg = charts.bars("reasons-caption", [bar(_reason_label(v), c) for v, c in reasons])
    return Figure("reasons", gettext("Reasons for seeking help"), caption,
                  [gettext("Reason"), gettext("Pre-screens")], rows, svg,
                  [gettext("A pre-screen may give several reasons.")])


def _workflow(flow: Workflow) -> Figure:
    config = current_app.config
    urgent_hours, target_days = config["URGENT_CONTACT_HOURS"], config["CONTACT_TARGET_DAYS"]
    rows = [[status_label(name), count.shown] for name, count in flow.statuses]
    rows += [[gettext("Overdue: urgent, not contacted within %(hours)s working hours",
                      hours=f"{urgent_hours:g}"), flow.overdue_urgent.shown],
             [gettext("Overdue: not contacted within %(days)s working days", days=target_days),
              flow.overdue_target.shown]]
    caption = gettext("Overdue for a first contact, as the queue marks them: %(urgent)s urgent "
                      "pre-screens and %(others)s others.", urgent=flow.overdue_urgent.shown,
                      others=flow.overdue_target.shown)
    svg = charts.bars("workflow-caption", [bar(status_label(name), count)
                                           for name, count in flow.statuses])
    return Figure("workflow", gettext("Pre-screens in each status now"), caption,
                  [gettext("Status"), gettext("Pre-screens")], rows, svg,
                  [gettext("All pre-screens kept, whatever the period. Overdue: new or in "
                           "review, with nothing in the contact log, after the clinic's "
                           "targets counted in its opening hours (as in the queue).")])
