"""The staff dashboard (issue 24): its numbers against hand-counted fixtures (a drop-off case, the
"fewer than 5" rule, the clinic's time zone at the edges of a period), response times, the
workflow now, the CSV of each table (formula-safe), the audit log, access, no person on the
page, the device class and last page kept by the patient side, and the demo data."""

from __future__ import annotations

import csv
import io
import random
import subprocess
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import MetaData, Table, create_engine, func, select
from test_migrations import PEOPLE, stored_row

from screener import create_app
from screener.alerts.models import Alert
from screener.devices import device_class
from screener.extensions import db
from screener.models import (
    AuditEvent,
    ContactAttempt,
    Draft,
    Submission,
    SubmissionTally,
    User,
)
from screener.patient.drafts import new_draft, save_page
from screener.patient.flow import STEP_PAGES
from screener.staff.dashboard import page_label
from screener.staff.dashboard_data import forget_days, make_period, page_order
from screener.staff.seed import random_answers

from flow_helpers import csrf_token, personas, walk
from server_harness import (
    BIN,
    ROOT,
    app_environment,
)
from staff_helpers import counting_statements, install_clock, seed, staff_client

ZONE = "America/New_York"  # UTC-5 in November
# Monday 2 November to Sunday 15 November 2026, clinic time: two whole weeks.
PERIOD = "period=dates&from=2026-11-02&to=2026-11-15"
NOW = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
KEYS = [key for key, *_ in page_order()]
PHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
         "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")


def at(day: int, hour: int = 12) -> datetime:
    """A moment in November 2026, written in UTC."""
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.fixture
def board(app):
    app.config["CLINIC_TIMEZONE"] = ZONE
    clock = install_clock(app)
    clock.now = NOW
    client = staff_client(app)
    return client


def table(client, figure_id: str, query: str = PERIOD) -> list[list[str]]:
    response = client.get(f"/staff/dashboard/numbers.csv?figure={figure_id}&{query}")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Disposition"].startswith(
        f'attachment; filename="dashboard-{figure_id}-')
    return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))


def submissions(app, count: int) -> list[int]:
    """`count` submissions (seeded, then placed by each test with `place`) and their ids."""
    seed(app, count, seed_value=5)
    with app.app_context():
        ids = list(db.session.scalars(select(Submission.id).order_by(Submission.id)))
        # The demo seed's own drafts, alerts and status changes go: the tests count their own.
        db.session.execute(Draft.__table__.delete())
        db.session.execute(Alert.__table__.delete())
        db.session.execute(ContactAttempt.__table__.delete())
        db.session.commit()
    place(app, ids, created_at=at(1), status="closed", last_contact_at=None)
    return ids


def place(app, ids: list[int], **values) -> None:
    """Change submissions as the app does (through the ORM: a re-evaluation is tallied anew).
    The app never moves a submission in time; the tests do, so the day counts are then worked
    out afresh."""
    with app.app_context():
        for sub_id in ids:
            sub = db.session.get(Submission, sub_id)
            for name, value in values.items():
                setattr(sub, name, value)
        db.session.commit()
        forget_days()


def add_drafts(app, rows: list[tuple[datetime, str, str | None, str, int | None]]) -> None:
    """(started, language, device, last page, submission id) each."""
    with app.app_context():
        for n, (started, language, device, last_page, sub_id) in enumerate(rows):
            db.session.add(Draft(id=f"test-{n}", answers={}, pages_done=[], crisis_shown=[],
                                 language=language, device=device, last_page=last_page,
                                 created_at=started, updated_at=started,
                                 expires_at=started + timedelta(days=30), submission_id=sub_id))
        db.session.commit()
        forget_days()  # drafts written with past times: the day counts are worked out afresh


def test_arrivals_languages_devices_and_where_people_stop_are_counted_by_hand(app, board):
    subs = submissions(app, 6)
    substances, phq9 = "substances/1", "phq9/1"
    add_drafts(app, [
        # week of 2 November: 7 started, 5 sent (English, phones), 2 stopped at substances
        *[(at(3), "en", "phone", "check", subs[i]) for i in range(5)],
        (at(4), "es", "desktop", substances, None), (at(5), "es", "desktop", substances, None),
        # week of 9 November: 1 sent on a tablet, 5 stopped at the PHQ-9 page, 3 at substances
        (at(10), "en", "tablet", "check", subs[5]),
        *[(at(11), "en", "phone", phq9, None) for _ in range(5)],
        *[(at(12), "en", "phone", substances, None) for _ in range(3)],
        # 23:30 on Sunday 15 November in New York: inside the period (and its second week)
        (datetime(2026, 11, 16, 4, 30, tzinfo=UTC), "en", "phone", phq9, None),
        # 23:30 on Sunday 1 November in New York: before the period, though 2 November in UTC
        (datetime(2026, 11, 2, 4, 30, tzinfo=UTC), "en", "phone", phq9, None),
        (at(20), "en", "phone", phq9, None),  # after it
    ])

    # Sent: 5 and 1 of 6. The 6 is shown, so the 5 is not: 6 - 5 would give the 1 away.
    assert table(board, "arrivals") == [
        ["Week from", "Started", "Sent", "Completion rate"],
        ["2026-11-02", "7", "not shown", "not shown"],
        ["2026-11-09", "10", "fewer than 5", "not shown (fewer than 5)"],
        ["Whole period", "17", "6", "35%"],
    ]
    assert table(board, "languages")[1:] == [  # 15 and 2 of the 17 started
        ["English", "not shown", "6", "not shown"],
        ["Spanish", "fewer than 5", "0", "not shown (fewer than 5)"]]
    assert table(board, "devices")[1:] == [  # started: 14, 2 and 1 (2 + 1 is fewer than 5)
        ["Phone", "not shown", "not shown", "not shown"],
        ["Desktop", "fewer than 5", "0", "not shown (fewer than 5)"],
        ["Tablet", "fewer than 5", "fewer than 5", "not shown (fewer than 5)"]]

    stops = dict(table(board, "stops")[1:])
    assert list(stops) == [label for label in stops]  # questionnaire order, every page listed
    assert len(stops) == len(KEYS)
    assert stops["4. Mood over the last two weeks"] == "6"  # the drop-off: 5 + the Sunday one
    assert page_label(substances).startswith("12. Alcohol and other substances (1/")
    assert stops[page_label(substances)] == "5"
    assert stops["3. What you are looking for help with"] == "0"
    assert [label for label, n in stops.items() if n not in ("0",)] == [
        "4. Mood over the last two weeks", page_label(substances)]

    page = board.get(f"/staff/dashboard?{PERIOD}").text
    assert "17 pre-screens were started and 6 were sent: a completion rate of 35%." in page
    assert ("Of 11 pre-screens started but not (yet) sent, the most stopped at “4. Mood over "
            "the last two weeks”: 6.") in page
    assert "Most pre-screens were started in English." in page  # its number is not shown


def test_started_minus_sent_does_not_give_away_the_few_not_sent(app, board):
    """8 started and 6 sent in one week: showing the 6 would tell that 2 did not send."""
    subs = submissions(app, 6)
    add_drafts(app, [*[(at(3), "en", "phone", "check", sub_id) for sub_id in subs],
                     *[(at(4), "en", "phone", "phq9/1", None) for _ in range(2)]])
    one_week = "period=dates&from=2026-11-02&to=2026-11-08"
    assert table(board, "arrivals", one_week)[1:] == [
        ["2026-11-02", "8", "not shown", "not shown"],
        ["Whole period", "8", "not shown", "not shown"]]
    assert table(board, "languages", one_week)[1:] == [["English", "8", "not shown", "not shown"]]
    assert dict(table(board, "stops", one_week)[1:])["4. Mood over the last two weeks"] == (
        "fewer than 5")
    page = board.get(f"/staff/dashboard?{one_week}").text
    assert "8 pre-screens were started; all but fewer than 5 were sent." in page


def test_severity_flags_and_reasons_are_counted_by_hand(app, board):
    subs = submissions(app, 8)
    urgent = {"rule_id": "URG-SI-NOW", "severity": "urgent"}
    caution = {"rule_id": "CAU-AGE-65-PLUS", "severity": "caution"}
    info = {"rule_id": "INF-PRIOR-KETAMINE", "severity": "info"}
    placed = [  # (arrival, highest severity, flags, reasons)
        (at(3), "urgent", [urgent, caution, info], "depression,anxiety"),
        *[(at(4), "caution", [caution, info], "depression") for _ in range(5)],
        (at(10), None, [], "depression,chronic_pain"),
        (at(25), "urgent", [urgent], "ptsd"),  # after the period
    ]
    for sub_id, (arrived, severity, flags, reasons) in zip(subs, placed, strict=True):
        place(app, [sub_id], created_at=arrived, highest_severity=severity, flags=flags,
              conditions=reasons, urgent=severity == "urgent")

    assert table(board, "severity") == [  # 1 + 5 + 1 = 7 in the caption: the 5 is not shown
        ["Week from", "Urgent", "Contraindication", "Caution", "Information", "No flag"],
        ["2026-11-02", "fewer than 5", "0", "not shown", "0", "0"],
        ["2026-11-09", "0", "0", "0", "0", "fewer than 5"],
    ]
    assert table(board, "flags")[1:] == [
        ["CAU-AGE-65-PLUS (caution)", "6"], ["INF-PRIOR-KETAMINE (information)", "6"],
        ["URG-SI-NOW (urgent)", "fewer than 5"]]
    assert table(board, "reasons")[1:] == [
        ["Depression", "7"], ["Anxiety", "fewer than 5"], ["Long-lasting pain", "fewer than 5"]]
    page = board.get(f"/staff/dashboard?{PERIOD}").text
    assert "7 pre-screens were sent; fewer than 5 had an urgent flag as the highest." in page
    assert "The most frequent flag was CAU-AGE-65-PLUS (caution): 6 pre-screens." in page


def test_response_times_median_and_90th_percentile_by_hand(app, board):
    app.config["ALERT_ESCALATE_AFTER_MINUTES"] = 45  # the target follows the escalation time
    subs = submissions(app, 7)
    place(app, subs[:5], created_at=at(3), urgent=True, highest_severity="urgent")
    place(app, subs[5:], created_at=at(10), urgent=True, highest_severity="urgent")
    with app.app_context():
        for n, sub_id in enumerate(subs[:5]):  # 10, 20, 30, 40 and 50 minutes
            db.session.add(Alert(submission_id=sub_id, kind="urgent", created_at=at(3),
                                 acknowledged_at=at(3) + timedelta(minutes=10 * (n + 1)),
                                 response_seconds=600 * (n + 1)))
        db.session.add(Alert(submission_id=subs[5], kind="urgent", created_at=at(10),
                             acknowledged_at=at(10, 13), response_seconds=3600))
        db.session.add(Alert(submission_id=subs[6], kind="urgent", created_at=at(10)))
        staff_id = db.session.scalar(select(User.id))
        for n, sub_id in enumerate(subs[:6]):  # first contact 1 to 6 hours after arrival
            arrived = at(3) if n < 5 else at(10)
            for later in (0, 5):  # only the first attempt counts
                db.session.add(ContactAttempt(
                    submission_id=sub_id, user_id=staff_id, channel="phone",
                    outcome="no_answer", created_at=arrived + timedelta(hours=n + 1 + later)))
        db.session.commit()

    assert table(board, "acknowledged") == [
        ["Week from", "Pre-screens", "Median", "90th percentile"],
        ["2026-11-02", "not shown", "30 minutes", "50 minutes"],  # 6 - 5 would give 1 away
        ["2026-11-09", "fewer than 5", "fewer than 5", "fewer than 5"],
        ["Whole period", "6", "30 minutes", "60 minutes"],
    ]
    assert table(board, "contacted")[1:] == [
        ["2026-11-02", "not shown", "3.0 hours", "5.0 hours"],
        ["2026-11-09", "fewer than 5", "fewer than 5", "fewer than 5"],
        ["Whole period", "6", "3.0 hours", "6.0 hours"]]
    page = board.get(f"/staff/dashboard?{PERIOD}").text
    assert ("Urgent pre-screens were acknowledged in a median of 30 minutes (90th percentile "
            "60 minutes); the target is 45 minutes.") in page
    assert "Not yet acknowledged: fewer than 5." in page


def eastern(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 in New York (standard time, UTC-5), written in UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


def queue_marks(client) -> tuple[int, int]:
    """The overdue marks of the queue's rows: (urgent, not contacted in time)."""
    page = client.get("/staff/?view=all").text
    return (page.count("Overdue: urgent, not contacted in time"),
            page.count("Overdue: not contacted in time"))


def test_a_week_s_urgent_minus_acknowledged_does_not_give_away_the_few_not_acknowledged(
        app, board):
    """Week 1: 7 urgent, 5 acknowledged; week 2: 10 urgent, 5 acknowledged. Showing week 1's
    5 next to its 7 urgent would tell that 2 were not acknowledged that week."""
    subs = submissions(app, 17)
    place(app, subs[:7], created_at=at(3), urgent=True, highest_severity="urgent")
    place(app, subs[7:], created_at=at(10), urgent=True, highest_severity="urgent")
    with app.app_context():
        for n, sub_id in enumerate(subs):
            arrived = at(3) if n < 7 else at(10)
            acknowledged = n < 5 or 7 <= n < 12
            db.session.add(Alert(
                submission_id=sub_id, kind="urgent", created_at=arrived,
                acknowledged_at=arrived + timedelta(minutes=20) if acknowledged else None,
                response_seconds=1200 if acknowledged else None))
        db.session.commit()
    assert [row[1] for row in table(board, "severity")[1:]] == ["7", "10"]
    assert table(board, "acknowledged")[1:] == [
        ["2026-11-02", "not shown", "20 minutes", "20 minutes"],
        ["2026-11-09", "not shown", "20 minutes", "20 minutes"],  # else 10 - 5 gives week 1's
        ["Whole period", "10", "20 minutes", "20 minutes"]]
    assert "Not yet acknowledged: 7." in board.get(f"/staff/dashboard?{PERIOD}").text


def test_workflow_counts_each_status_and_the_overdue_as_the_queue_marks_them(app, board):
    """Monday 16 November, 10:00 in New York; the clinic opens Mo-Fr 09:00-17:00, aims to
    contact urgent cases within 4 working hours and every case within 2 working days. A case
    that arrived on Friday afternoon has waited over 48 hours, but only a working day."""
    app.config.update(CLINIC_HOURS="Mo-Fr 09:00-17:00", URGENT_CONTACT_HOURS=4,
                      CONTACT_TARGET_DAYS=2, STAFF_QUEUE_PAGE_SIZE=200)
    subs = submissions(app, 18)
    urgent = {"urgent": True, "highest_severity": "urgent"}
    cases = [
        # urgent, Friday 13:30: 3.5 working hours on Friday and 1 on Monday: overdue (x5)
        *[(eastern(13, 13, 30), "new", urgent) for _ in range(5)],
        # urgent, Friday 15:00: 2 + 1 working hours, though 67 hours ago: not overdue
        (eastern(13, 15), "new", urgent),
        # urgent, Monday 02:00 before opening: 1 working hour: not overdue
        (eastern(16, 2), "new", urgent),
        # Wednesday: Thursday, Friday and Monday (opened at 09:00) are 3 working days (x5)
        *[(eastern(11, 12), status, {}) for status in ("new", "new", "new", "in_review",
                                                          "in_review")],
        # Thursday noon: Friday and Monday, 2 working days: not overdue (94 hours ago)
        (eastern(12, 12), "new", {}),
        # Friday 15:00, Saturday: only Monday so far
        (eastern(13, 15), "new", {}), (eastern(14, 11), "new", {}),
        # contacted (by status or in the contact log): never overdue
        (eastern(4, 12), "contacted", {}), (eastern(4, 12), "new", {"last_contact_at": at(5)}),
    ]
    assert len(cases) == len(subs) - 1  # and one stays closed
    for sub_id, (arrived, status, more) in zip(subs, cases, strict=False):
        place(app, [sub_id], created_at=arrived, status=status, **more)

    rows = dict(table(board, "workflow")[1:])
    assert rows["Overdue: urgent, not contacted within 4 working hours"] == "5"
    assert rows["Overdue: not contacted within 2 working days"] == "5"
    # 2 in review, 1 contacted, 1 closed: fewer than 5 together, so the 14 new are not shown
    assert rows["New"] == "not shown" and rows["In review"] == "fewer than 5"
    assert queue_marks(board) == (5, 5)  # the queue marks the same cases
    page = board.get(f"/staff/dashboard?{PERIOD}").text
    assert ("Overdue for a first contact, as the queue marks them: 5 urgent pre-screens and 5 "
            "others.") in page


@pytest.mark.parametrize("hours", ["Mo-Fr 08:30-12:00,13:00-18:00; Sa 10:00-13:00",
                                   "24/7", "by appointment"])
def test_the_overdue_count_is_the_queue_s_for_any_arrival(app, board, hours):
    """60 cases at random moments of the last 12 days (a weekend and daylight saving time
    included in New York's November), half of them urgent: the dashboard's counts are the
    queue's marks, whatever the opening hours (free text counts every hour)."""
    app.config.update(CLINIC_HOURS=hours, URGENT_CONTACT_HOURS=3.5, CONTACT_TARGET_DAYS=3,
                      STAFF_QUEUE_PAGE_SIZE=200)
    subs = submissions(app, 60)
    rng = random.Random(24)
    for n, sub_id in enumerate(subs):
        arrived = NOW - timedelta(seconds=rng.randrange(12 * 86400))
        place(app, [sub_id], created_at=arrived, status="new", urgent=n % 2 == 0,
              highest_severity="urgent" if n % 2 == 0 else None)
    marks = queue_marks(board)
    assert all(count >= 5 for count in marks), marks  # each count is shown as a number
    rows = dict(table(board, "workflow")[1:])
    assert (rows["Overdue: urgent, not contacted within 3.5 working hours"],
            rows["Overdue: not contacted within 3 working days"]) == tuple(map(str, marks))


def test_each_table_is_a_formula_safe_csv_and_every_view_is_audit_logged(app, board):
    add_drafts(app, [(at(3), "=1+2", "phone", "phq9/1", None) for _ in range(5)])
    rows = table(board, "languages")
    assert rows[1][0] == "'=1+2"
    page = board.get(f"/staff/dashboard?{PERIOD}")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert ' style="' not in page.text and "<script>" not in page.text
    assert board.get("/staff/dashboard/numbers.csv?figure=nothing").status_code == 404
    with app.app_context():
        actions = db.session.execute(
            select(AuditEvent.action, AuditEvent.detail, AuditEvent.user_id)
            .where(AuditEvent.action.in_(("dashboard_view", "dashboard_csv")))
            .order_by(AuditEvent.id)).all()
    assert [(a, d) for a, d, _ in actions] == [
        ("dashboard_csv", "languages, period 2026-11-02 to 2026-11-15"),
        ("dashboard_view", "period 2026-11-02 to 2026-11-15")]
    assert all(user_id is not None for *_, user_id in actions)


def test_the_page_shows_no_person_and_needs_a_staff_log_in(app):
    seed(app, 40, seed_value=9)
    assert app.test_client().get("/staff/dashboard").status_code == 302
    client = staff_client(app)
    page = client.get("/staff/dashboard?period=90").text
    with app.app_context():
        people = db.session.execute(select(Submission.reference, Submission.last_name,
                                           Submission.email)).all()
    for reference, last_name, email in people:
        assert reference not in page and email not in page
        assert f">{last_name}<" not in page
    assert 'href="/staff/dashboard"' in client.get("/staff/").text  # in the staff menu


def test_a_period_is_weeks_of_the_clinic_time_zone_and_bad_dates_fall_back(app, board):
    period = make_period(datetime(2026, 10, 29).date(), datetime(2026, 11, 4).date(),
                         ZoneInfo(ZONE))
    assert [w.label for w in period.weeks] == ["2026-10-29", "2026-11-02"]
    assert period.weeks[0].start == datetime(2026, 10, 29, 4, tzinfo=UTC)  # daylight time
    assert period.weeks[1].start == datetime(2026, 11, 2, 5, tzinfo=UTC)  # standard time
    response = board.get("/staff/dashboard?period=dates&from=2026-11-20&to=2026-11-01")
    assert response.status_code == 200
    assert "showing the last 30 days" in response.text


def test_the_dashboard_reads_a_fixed_number_of_statements(app, board):
    seed(app, 30, seed_value=2)
    board.get("/staff/dashboard?period=90")  # the first view tallies what was not counted
    with counting_statements(app) as few:
        board.get("/staff/dashboard?period=90")
    seed(app, 60, seed_value=3)
    board.get("/staff/dashboard?period=90")
    with counting_statements(app) as more:
        board.get("/staff/dashboard?period=90")
    assert len(few) == len(more) <= 25


def test_a_draft_keeps_its_device_class_and_the_page_reached_last(app):
    with app.test_request_context("/", headers={"User-Agent": PHONE}):
        draft = new_draft(30)
        assert (draft.device, draft.last_page) == ("phone", "about_you/1")
        answers = random_answers(random.Random(1), date.today())  # a whole questionnaire
        for ref in STEP_PAGES[:3]:  # about you (two pages) and the reasons
            save_page(draft, ref, {qid: answers[qid] for qid in ref.question_ids
                                   if qid in answers}, 30)
        assert db.session.get(Draft, draft.id).last_page == "phq9/1"
        save_page(draft, STEP_PAGES[0], {}, 30)  # back to the first page, nothing answered
        assert db.session.get(Draft, draft.id).last_page == "about_you/1"


def test_a_re_evaluation_is_counted_anew(app):
    seed(app, 5, seed_value=6)
    with app.app_context():
        sub = db.session.scalars(select(Submission)).first()
        sub.flags = [{"rule_id": "CAU-AGE-65-PLUS", "severity": "caution"}]
        sub.highest_severity = "caution"
        db.session.commit()
        assert sorted(db.session.execute(
            select(SubmissionTally.kind, SubmissionTally.value)
            .where(SubmissionTally.submission_id == sub.id)).all()) == sorted(
            [("severity", "caution"), ("flag", "CAU-AGE-65-PLUS")]
            + [("reason", r) for r in dict.fromkeys(sub.conditions.split(",")) if r])


@pytest.mark.parametrize(("agent", "expected"), [
    (PHONE, "phone"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0 Mobile Safari/537.36", "phone"),
    ("Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0 Safari/537.36", "tablet"),
    ("Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15", "tablet"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0", "desktop"),
    ("", "desktop"), (None, "desktop"),
])
def test_device_class_from_the_user_agent(agent, expected):
    assert device_class(agent) == expected


def test_demo_seed_gives_every_chart_something_to_show(app):
    seed(app, 200, seed_value=4)
    client = staff_client(app)
    page = client.get("/staff/dashboard?period=90").text
    assert "Too few" not in page, [line for line in page.splitlines() if "Too few" in line]
    assert page.count("<svg") == 10
    with app.app_context():
        languages = set(db.session.scalars(select(Draft.language).distinct()))
        devices = set(db.session.scalars(select(Draft.device).distinct()))
        stops = set(db.session.scalars(select(Draft.last_page).where(
            Draft.submission_id.is_(None)).distinct()))
    assert languages == {"en", "es"} and devices == {"phone", "tablet", "desktop"}
    assert len(stops) >= 10


# --- no catch-up work in a view: a seeded or migrated database is counted beforehand --------

def agrees(shown: str, count: int) -> bool:
    """What a table says about a number of people agrees with the number."""
    if shown == "fewer than 5":
        return 0 < count < 5
    if shown == "not shown":
        return count >= 0
    return shown == f"{count:,}"


def catch_up(statements: list[str]) -> list[str]:
    """The statements of a view that tally submissions or count every day afresh (a view may
    count again the days changed since the last look: a range of days)."""
    return [s for s in statements
            if ("submission_tally" in s and not s.lstrip().startswith("SELECT"))
            or (s.lstrip().startswith("DELETE FROM dashboard_day")
                and "dashboard_day.day <=" not in s)]


def test_a_freshly_seeded_database_shows_its_numbers_at_the_first_view_without_catch_up(app):
    seed(app, 300, seed_value=11)
    # The clock stopped at the real time (the seeded data is of the last year up to now), so
    # the page and this test count the same 90 days even when midnight passes in between.
    clock = install_clock(app)
    client = staff_client(app)
    with counting_statements(app) as statements:
        arrivals = table(client, "arrivals", "period=90")
        severity = table(client, "severity", "period=90")
    assert catch_up(statements) == [], catch_up(statements)
    with app.app_context():
        zone = ZoneInfo(app.config["CLINIC_TIMEZONE"])
        today = clock.now.astimezone(zone).date()
        period = make_period(today - timedelta(days=89), today, zone)
        drafts = db.session.execute(select(Draft.created_at, Draft.submission_id)).all()
        subs = db.session.execute(select(Submission.created_at,
                                         Submission.highest_severity)).all()

    def week_of(moment: datetime) -> int | None:
        local = moment.astimezone(zone).date()
        if not period.first_day <= local <= period.last_day:
            return None
        return next(i for i, week in enumerate(period.weeks) if local < week.end_day)

    started, sent = [0] * len(period.weeks), [0] * len(period.weeks)
    for created, sub_id in drafts:
        if (week := week_of(created)) is not None:
            started[week] += 1
            sent[week] += sub_id is not None
    assert sum(started) > 300 and sum(sent) > 50  # enough to count (the seed's drafts)
    assert arrivals[-1][:3] == ["Whole period", f"{sum(started):,}", f"{sum(sent):,}"]
    for row, n, m in zip(arrivals[1:-1], started, sent, strict=True):
        assert agrees(row[1], n) and agrees(row[2], m), (row, n, m)
    names = ["urgent", "contraindication", "caution", "info", "none"]
    by_severity = {name: [0] * len(period.weeks) for name in names}
    for created, highest in subs:
        if (week := week_of(created)) is not None:
            by_severity[highest or "none"][week] += 1
    assert sum(map(sum, by_severity.values())) > 50
    for i, row in enumerate(severity[1:]):
        for shown, name in zip(row[1:], names, strict=True):
            assert agrees(shown, by_severity[name][i]), (row, name, by_severity[name][i])


@pytest.mark.server
def test_a_database_upgraded_from_before_the_dashboard_is_counted_by_the_migration(
        served_database):
    """Submissions and drafts stored at 0008 (no tally, no device or page reached): `flask db
    upgrade` tallies them and counts the clinic's days, and the first view only reads."""
    def flask_db(*args: str) -> None:
        done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", *args], cwd=ROOT,
                              env=app_environment(served_database, CLINIC_TIMEZONE=ZONE),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr

    flask_db("upgrade", "0008_intake")
    engine = create_engine(served_database.url)
    now = datetime.now(UTC)
    try:
        submission = Table("submission", MetaData(), autoload_with=engine)
        draft = Table("draft", MetaData(), autoload_with=engine)
        people = [PEOPLE[0]] * 6 + [PEOPLE[2]] * 7  # 6 urgent, 7 with no flag
        with engine.begin() as connection:
            for n, answers in enumerate(people):
                row = {**stored_row(answers, now.date()), "draft_id": f"old-{n}",
                       "reference": f"REF{n:05d}", "created_at": now - timedelta(hours=n + 1)}
                connection.execute(submission.insert(), {
                    key: value for key, value in row.items() if key in submission.c})
            connection.execute(draft.insert(), [
                {"id": f"d-{n}", "answers": {}, "pages_done": [], "crisis_shown": [],
                 "language": "en", "created_at": now - timedelta(hours=n + 1),
                 "updated_at": now - timedelta(hours=n + 1),
                 "expires_at": now + timedelta(days=20), "version": 1} for n in range(20)])
    finally:
        engine.dispose()
    flask_db("upgrade")

    application = create_app({"SQLALCHEMY_DATABASE_URI": served_database.url, "TESTING": True,
                              "RATELIMIT_ENABLED": False, "SERVER_NAME": None,
                              "CLINIC_TIMEZONE": ZONE})
    try:
        client = staff_client(application)
        with counting_statements(application) as statements:
            arrivals = table(client, "arrivals", "period=7")
            severity = table(client, "severity", "period=7")
        with application.app_context():
            tallied = db.session.scalar(select(func.count(func.distinct(
                SubmissionTally.submission_id))))
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
    assert catch_up(statements) == []
    assert [statement for statement in statements if "INSERT INTO dashboard_day" in statement
            ] == []  # nothing changed since the migration counted
    assert arrivals[-1][:3] == ["Whole period", "20", "0"]
    assert [sum(int(n) for n in column if n.isdigit())
            for column in zip(*severity[1:], strict=True)][1:] == [6, 0, 0, 0, 7]
    assert tallied == len(people)


def test_a_pre_screen_sent_through_the_questionnaire_is_tallied_as_it_is_stored(app):
    """Five people answer and send (over HTTP): the submissions are tallied in the same
    transaction, so the next view only works today out again from the day counts."""
    people = personas()
    if not people:
        pytest.skip("shared/design/personas.json not found")
    client = staff_client(app)  # the real clock
    client.get("/staff/dashboard?period=7")  # the day counts of the clinic's zone, once
    for _ in range(5):
        patient = app.test_client()
        assert walk(patient, people[0]["answers"]) == "/check"
        check = patient.get("/check")
        sent = patient.post("/submit", data={"csrf_token": csrf_token(check.text)})
        assert sent.headers["Location"] == "/confirmation"
    with app.app_context():
        tallied = db.session.scalar(select(func.count(func.distinct(
            SubmissionTally.submission_id))))
    assert tallied == 5  # before any view
    with counting_statements(app) as statements:
        page = client.get("/staff/dashboard?period=7").text
    assert catch_up(statements) == []
    assert "5 pre-screens were started and 5 were sent: a completion rate of 100%." in page
    assert "5 pre-screens were sent;" in page
