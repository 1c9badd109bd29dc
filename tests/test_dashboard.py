"""The staff dashboard (issue 24): its numbers against hand-counted fixtures (a drop-off case, the
"fewer than 5" rule, the clinic's time zone at the edges of a period), response times, the
workflow now, the CSV of each table (formula-safe), the audit log, access, no person on the
page, the device class and last page kept by the patient side, and the demo data."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

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
    """`count` submissions (seeded, then placed by each test) and their ids."""
    seed(app, count, seed_value=5)
    with app.app_context():
        ids = list(db.session.scalars(select(Submission.id).order_by(Submission.id)))
        # The demo seed's own drafts, alerts and status changes go: the tests count their own.
        db.session.execute(Draft.__table__.delete())
        db.session.execute(Alert.__table__.delete())
        db.session.execute(ContactAttempt.__table__.delete())
        db.session.execute(SubmissionTally.__table__.delete())  # placed below, counted anew
        db.session.execute(update(Submission).values(created_at=at(1), status="closed"))
        db.session.commit()
        return ids


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
        # week of 9 November: 1 sent on a tablet, 5 stopped at the PHQ-9 page
        (at(10), "en", "tablet", "check", subs[5]),
        *[(at(11), "en", "phone", phq9, None) for _ in range(5)],
        # 23:30 on Sunday 15 November in New York: inside the period (and its second week)
        (datetime(2026, 11, 16, 4, 30, tzinfo=UTC), "en", "phone", phq9, None),
        # 23:30 on Sunday 1 November in New York: before the period, though 2 November in UTC
        (datetime(2026, 11, 2, 4, 30, tzinfo=UTC), "en", "phone", phq9, None),
        (at(20), "en", "phone", phq9, None),  # after it
    ])

    assert table(board, "arrivals") == [
        ["Week from", "Started", "Sent", "Completion rate"],
        ["2026-11-02", "7", "5", "71%"],
        ["2026-11-09", "7", "fewer than 5", "not shown (fewer than 5)"],
        ["Whole period", "14", "6", "43%"],
    ]
    assert table(board, "languages")[1:] == [
        ["English", "12", "6", "50%"],
        ["Spanish", "fewer than 5", "0", "not shown (fewer than 5)"]]
    assert table(board, "devices")[1:] == [
        ["Phone", "11", "5", "45%"],
        ["Desktop", "fewer than 5", "0", "not shown (fewer than 5)"],
        ["Tablet", "fewer than 5", "fewer than 5", "not shown (fewer than 5)"]]

    stops = dict(table(board, "stops")[1:])
    assert list(stops) == [label for label in stops]  # questionnaire order, every page listed
    assert len(stops) == len(KEYS)
    assert stops["4. Mood over the last two weeks"] == "6"  # the drop-off: 5 + the Sunday one
    assert page_label(substances).startswith("12. Alcohol and other substances (1/")
    assert stops[page_label(substances)] == "fewer than 5"
    assert stops["3. What you are looking for help with"] == "0"
    assert [label for label, n in stops.items() if n not in ("0",)] == [
        "4. Mood over the last two weeks", page_label(substances)]

    page = board.get(f"/staff/dashboard?{PERIOD}").text
    assert "14 pre-screens were started and 6 were sent: a completion rate of 43%." in page
    assert ("Of 8 pre-screens started but not (yet) sent, the most stopped at “4. Mood over "
            "the last two weeks”: 6.") in page


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
    with app.app_context():
        for sub_id, (arrived, severity, flags, reasons) in zip(subs, placed, strict=True):
            db.session.execute(update(Submission).where(Submission.id == sub_id).values(
                created_at=arrived, highest_severity=severity, flags=flags,
                conditions=reasons, urgent=severity == "urgent"))
        db.session.commit()

    assert table(board, "severity") == [
        ["Week from", "Urgent", "Contraindication", "Caution", "Information", "No flag"],
        ["2026-11-02", "fewer than 5", "0", "5", "0", "0"],
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
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.id.in_(subs[:5])).values(
            created_at=at(3), urgent=True, highest_severity="urgent"))
        db.session.execute(update(Submission).where(Submission.id.in_(subs[5:])).values(
            created_at=at(10), urgent=True, highest_severity="urgent"))
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
        ["2026-11-02", "5", "30 minutes", "50 minutes"],
        ["2026-11-09", "fewer than 5", "fewer than 5", "fewer than 5"],
        ["Whole period", "6", "30 minutes", "60 minutes"],
    ]
    assert table(board, "contacted")[1:] == [
        ["2026-11-02", "5", "3.0 hours", "5.0 hours"],
        ["2026-11-09", "fewer than 5", "fewer than 5", "fewer than 5"],
        ["Whole period", "6", "3.0 hours", "6.0 hours"]]
    page = board.get(f"/staff/dashboard?{PERIOD}").text
    assert ("Urgent pre-screens were acknowledged in a median of 30 minutes (90th percentile "
            "60 minutes); the target is 45 minutes.") in page
    assert "Not yet acknowledged: fewer than 5." in page


def test_workflow_now_counts_each_status_and_the_overdue(app, board):
    subs = submissions(app, 9)
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.id.in_(subs[:6])).values(
            status="new", created_at=NOW - timedelta(hours=49)))
        db.session.execute(update(Submission).where(Submission.id.in_(subs[6:7])).values(
            status="new", created_at=NOW - timedelta(hours=47)))
        db.session.commit()
    rows = dict(table(board, "workflow")[1:])
    assert rows["New"] == "7"
    assert rows["Closed"] == "fewer than 5"
    assert rows["In review"] == "0"
    assert rows["Overdue: still new after 48.0 hours"] == "6"


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
