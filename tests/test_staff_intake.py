"""The intake team's day (issue 21): open work first, views with counts, several statuses,
owners, the contact log, follow-ups, the same person's other pre-screens, search by any part of
a name, an email or a phone number, times in the clinic's time zone, overdue marks."""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from screener.extensions import db
from screener.models import OPEN_STATUSES, ContactAttempt, Submission, User
from screener.staff.seed import seed as demo_seed

from browser_support import (
    ARTIFACTS,
    new_context,
    no_sideways_scroll,
    serious_violations,
    serve,
    staff_log_in,
)
from flow_helpers import csrf_token, personas
from staff_helpers import (
    PASSWORD,
    audit_actions,
    install_clock,
    log_in,
    make_user,
    page_token,
    post_form,
    queue_order,
    references,
    seed,
    staff_client,
    submission,
    submit_answers,
)

pytestmark = pytest.mark.skipif(not personas(), reason="shared/design/personas.json not found")


def person(**contact) -> dict:
    answers = dict(next(p["answers"] for p in personas() if p["persona"] == "P01"))
    answers.update(contact)
    return answers


def search(client, term: str):
    return client.post("/staff/", data={"csrf_token": page_token(client, "/staff/"), "q": term})


def tab_count(page: str, label: str) -> int:
    return int(re.search(rf">{label} <span class=\"count\">(\d+)<", page).group(1))


def set_status(app, reference: str, status: str) -> None:
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.reference == reference)
                           .values(status=status))
        db.session.commit()


# --- the queue's views -----------------------------------------------------------------------

def test_the_default_view_is_the_open_work_oldest_first_with_counts_for_each_view(app):
    seed(app, 80)
    client = staff_client(app)
    page = client.get("/staff/").text
    with app.app_context():
        statuses = {row.reference: row.status for row in db.session.execute(
            select(Submission.reference, Submission.status))}
    shown = references(page)
    assert shown and {statuses[r] for r in shown} <= set(OPEN_STATUSES)
    assert shown == queue_order(app)[:len(shown)]
    open_count = sum(s in OPEN_STATUSES for s in statuses.values())
    assert tab_count(page, "Open") == open_count
    assert tab_count(page, "All") == 80
    assert tab_count(page, "Mine") == 0
    assert 'aria-current="page">Open' in page


def test_urgent_not_yet_acknowledged_comes_before_acknowledged_urgent(app):
    seed(app, 60)
    order = queue_order(app)
    with app.app_context():
        first, last = (db.session.scalar(select(Submission).where(Submission.reference == r))
                       for r in (order[0], order[-1]))
        first.urgent = last.urgent = True
        first.severity_rank = last.severity_rank = 0
        first.queue_rank = last.queue_rank = 0
        first.acknowledged()  # the older one is in hand; the newer one is not
        db.session.commit()
    shown = references(staff_client(app).get("/staff/").text)
    assert shown.index(order[-1]) < shown.index(order[0])


def test_the_status_filter_takes_several_values(app):
    seed(app, 60)
    client = staff_client(app)
    page = client.get("/staff/?status=closed&status=new").text
    with app.app_context():
        wanted = db.session.scalars(select(Submission.reference)
                                    .where(Submission.status.in_(["closed", "new"]))).all()
    assert set(references(page)) <= set(wanted)
    assert len(references(page)) == min(25, len(wanted))
    assert f"{len(wanted)} submissions match the filters" in page


def test_take_a_case_and_find_it_under_mine_not_under_unassigned(app):
    submit_answers(app, person())
    reference = submit_answers(app, person(email="other@example.org"))
    client = staff_client(app)
    before = client.get("/staff/?view=unassigned").text
    assert reference in references(before) and tab_count(before, "Unassigned") == 2
    page = client.get(f"/staff/submissions/{reference}").text
    assert "Take this case" in page and "Unassign" not in page
    response = post_form(client, f"/staff/submissions/{reference}",
                         f"/staff/submissions/{reference}/owner",
                         {"owner": _my_id(app), "seen_owner": ""})
    assert response.status_code == 303
    mine = client.get("/staff/?view=mine").text
    assert references(mine) == [reference]
    assert tab_count(mine, "Mine") == 1 and tab_count(mine, "Unassigned") == 1
    assert reference not in references(client.get("/staff/?view=unassigned").text)
    assert "owner_change" in audit_actions(app, submission_id=submission(app, reference).id)
    page = client.get(f"/staff/submissions/{reference}").text
    assert "Owner: staff@clinic.example" in page and "Unassign" in page


def _my_id(app) -> str:
    with app.app_context():
        return str(db.session.scalar(select(User.id).where(User.email == "staff@clinic.example")))


def test_assign_to_a_colleague_unassign_and_a_stale_page_is_a_conflict(app):
    reference = submit_answers(app, person())
    colleague = make_user(app, "colleague@clinic.example")
    client = staff_client(app)
    assign_page = client.get(f"/staff/submissions/{reference}/assign").text
    assert "colleague@clinic.example" in assign_page
    url = f"/staff/submissions/{reference}/owner"
    page = f"/staff/submissions/{reference}/assign"
    assert post_form(client, page, url, {"owner": str(colleague["id"]),
                                         "seen_owner": ""}).status_code == 303
    assert submission(app, reference).owner_id == colleague["id"]
    # A page that still showed nobody as the owner: refused, nothing overwritten.
    conflict = post_form(client, page, url, {"owner": _my_id(app), "seen_owner": ""})
    assert conflict.status_code == 409 and "colleague@clinic.example" in conflict.text
    assert submission(app, reference).owner_id == colleague["id"]
    assert post_form(client, page, url, {"owner": "",
                                         "seen_owner": str(colleague["id"])}).status_code == 303
    assert submission(app, reference).owner_id is None
    assert post_form(client, page, url, {"owner": "999999", "seen_owner": ""}).status_code == 400


def test_bad_owner_values_are_refused(app):
    reference = submit_answers(app, person())
    client = staff_client(app)
    for owner in ("abc", "1" * 20):
        response = post_form(client, f"/staff/submissions/{reference}",
                             f"/staff/submissions/{reference}/owner",
                             {"owner": owner, "seen_owner": ""})
        assert response.status_code == 400
    assert submission(app, reference).owner_id is None


# --- the contact log -------------------------------------------------------------------------

def log_attempt(client, reference: str, **fields):
    data = {"channel": "phone", "outcome": "no_answer", "note": "", "follow_up_on": "",
            "mark_contacted": "y", **fields}
    if data["mark_contacted"] is None:
        del data["mark_contacted"]
    return post_form(client, f"/staff/submissions/{reference}",
                     f"/staff/submissions/{reference}/contacts", data)


def test_contact_attempts_are_logged_and_the_first_reached_one_moves_the_status(app):
    install_clock(app)
    reference = submit_answers(app, person())
    client = staff_client(app)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    response = log_attempt(client, reference, outcome="left_message",
                           note="Voicemail, will try again", follow_up_on=tomorrow)
    assert response.status_code == 303
    sub = submission(app, reference)
    assert sub.status == "new" and sub.follow_up_on.isoformat() == tomorrow
    assert sub.last_contact_at is not None
    assert log_attempt(client, reference, outcome="reached", channel="text").status_code == 303
    assert submission(app, reference).status == "contacted"
    page = client.get(f"/staff/submissions/{reference}").text
    log = page[page.index('id="contacts-title"'):page.index('id="notes-title"')]
    assert "Left a message" in log and "Voicemail, will try again" in log
    assert "Text message" in log and "Reached" in log
    assert f"follow up on {tomorrow}" in log
    # Near the top: the contact log and the notes come before the flags and every answer.
    assert page.index('id="contacts-title"') < page.index('id="flags-title"')
    assert page.index('id="notes-title"') < page.index('id="flags-title"')
    actions = audit_actions(app, submission_id=sub.id)
    assert actions.count("contact_logged") == 2 and "status_change" in actions


def test_the_status_stays_when_staff_choose_so_and_later_reaches_do_not_move_it(app):
    reference = submit_answers(app, person())
    client = staff_client(app)
    assert log_attempt(client, reference, outcome="reached",
                       mark_contacted=None).status_code == 303
    assert submission(app, reference).status == "new"
    assert log_attempt(client, reference, outcome="reached").status_code == 303
    assert submission(app, reference).status == "new"  # only the first reach moves it


def test_contact_attempts_cannot_be_changed_or_deleted(app):
    reference = submit_answers(app, person())
    client = staff_client(app)
    log_attempt(client, reference, note="first")
    url = f"/staff/submissions/{reference}/contacts"
    assert client.get(url).status_code == 405
    assert client.delete(url).status_code == 405
    assert client.put(url).status_code == 405
    with app.app_context():
        assert db.session.scalars(select(ContactAttempt.note)).all() == ["first"]


def test_a_bad_contact_attempt_is_refused_and_the_note_kept(app):
    reference = submit_answers(app, person())
    client = staff_client(app)
    response = log_attempt(client, reference, channel="pigeon", note="Keep me")
    assert response.status_code == 400 and "Keep me" in response.text
    response = log_attempt(client, reference, note="x" * 2001)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(ContactAttempt)).all() == []


def test_follow_up_due_today_lists_cases_due_today_or_earlier(app):
    install_clock(app)
    due, later = submit_answers(app, person()), submit_answers(app, person(email="b@x.org"))
    client = staff_client(app)
    today = datetime.now(UTC).date()
    log_attempt(client, due, follow_up_on=today.isoformat())
    log_attempt(client, later, follow_up_on=(today + timedelta(days=3)).isoformat())
    page = client.get("/staff/?view=follow_up").text
    assert references(page) == [due] and tab_count(page, "Follow-up due today") == 1


# --- people, not rows ------------------------------------------------------------------------

def test_the_same_persons_other_prescreens_are_listed(app):
    first = submit_answers(app, person(email="alex@example.org", phone="555 201 3344"))
    by_email = submit_answers(app, person(email="ALEX@example.org", phone="555 999 0000"))
    by_phone = submit_answers(app, person(email="new@example.org", phone="(555) 201-3344"))
    by_name = submit_answers(app, person(email="x@example.org", phone="555 111 2222"))
    stranger = submit_answers(app, person(first_name="Robin", last_name="Other",
                                          email="robin@example.org", phone="555 333 4444"))
    client = staff_client(app)
    page = client.get(f"/staff/submissions/{first}").text
    listed = page[page.index('id="people-title"'):]
    for reference in (by_email, by_phone, by_name):
        assert f"/staff/submissions/{reference}" in listed
    assert stranger not in listed and "New" in listed
    assert 'id="people-title"' not in client.get(f"/staff/submissions/{stranger}").text


# --- search ----------------------------------------------------------------------------------

@pytest.mark.parametrize("term", ["jensen", "JENSEN-OKA", "maria jensen", "Jensen-Økafor",
                                  "okafor", "mj.okafor", "example.net", "(555) 201-3344",
                                  "5552013344", "+1 555 201 3344", "201-3344"])
def test_search_finds_any_part_of_a_name_or_email_and_a_phone_however_typed(app, term):
    wanted = submit_answers(app, person(first_name="María", last_name="Jensen-Økafor",
                                        email="mj.okafor@example.net", phone="555.201.3344"))
    submit_answers(app, person(first_name="Alex", last_name="Rivera", email="a@example.org",
                               phone="555 010 0000"))
    found = references(search(staff_client(app), term).text)
    assert found == [wanted], term


def test_search_finds_closed_cases_too_and_stays_out_of_urls_and_logs(app, caplog):
    wanted = submit_answers(app, person(last_name="Jensen-Okafor"))
    set_status(app, wanted, "closed")
    client = staff_client(app)
    with caplog.at_level(logging.DEBUG):
        response = search(client, "jensen")
    assert references(response.text) == [wanted]
    urls = re.findall(r'(?:href|action)="([^"]*)"', response.text)
    assert not [u for u in urls if "jensen" in u.lower()]
    assert "jensen" not in caplog.text.lower()
    assert references(client.get("/staff/?q=jensen").text) == []  # open view; q ignored


def test_search_wildcards_are_taken_literally(app):
    submit_answers(app, person())
    client = staff_client(app)
    for term in ("%", "_", "a%b", "\\"):
        assert references(search(client, term).text) == [], term


# --- the clinic's clock ----------------------------------------------------------------------

def test_times_are_shown_in_the_clinic_time_zone_with_the_zone(app):
    app.config["CLINIC_TIMEZONE"] = "America/New_York"
    reference = submit_answers(app, person())
    client = staff_client(app)
    received = submission(app, reference).created_at.astimezone(ZoneInfo("America/New_York"))
    shown = received.strftime("%Y-%m-%d %H:%M %Z")
    assert shown.endswith(("EST", "EDT"))
    assert shown in client.get("/staff/").text
    post_form(client, f"/staff/submissions/{reference}",
              f"/staff/submissions/{reference}/notes", {"body": "called"})
    page = client.get(f"/staff/submissions/{reference}").text
    assert shown in page and page.count(received.strftime("%Z")) >= 2
    csv_text = client.post("/staff/export.csv", data={
        "csrf_token": page_token(client, "/staff/"), "view": "all"}).get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert row["submitted_at"] == received.isoformat(timespec="seconds")
    assert row["submitted_at"].endswith(("-05:00", "-04:00"))


def test_the_csv_writes_every_yes_no_column_the_same_way(app):
    seed(app, 30)
    client = staff_client(app)
    csv_text = client.post("/staff/export.csv", data={
        "csrf_token": page_token(client, "/staff/"), "view": "all"}).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert len(rows) == 30
    for name in ("urgent", "auditc_positive"):
        assert {row[name] for row in rows} <= {"yes", "no", ""}, name
    assert not [v for row in rows for v in row.values() if v in ("True", "False")]


# --- overdue ---------------------------------------------------------------------------------

def overdue_marks(page: str, reference: str) -> str:
    row = next(r for r in re.findall(r"<tr class=\"row-[a-z]+\">.*?</tr>", page, re.S)
               if f">{reference}<" in r)
    return row


def test_overdue_counts_the_clinics_working_hours(app):
    """An urgent case that arrived on Friday at 16:00 in a Monday-to-Friday 9-to-5 clinic has
    had one working hour by Monday 08:00, and is overdue (4 hours) on Monday at 12:00."""
    app.config.update(CLINIC_HOURS="Mo-Fr 09:00-17:00", CLINIC_TIMEZONE="America/Chicago")
    clock = install_clock(app)
    reference = submit_answers(app, person())
    friday = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)  # 16:00 in Chicago
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.reference == reference)
                           .values(created_at=friday, urgent=True, severity_rank=0,
                                   queue_rank=0, highest_severity="urgent"))
        db.session.commit()
    account = make_user(app, "clock@clinic.example", totp=True)
    clock.now = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # Monday 08:00 in Chicago
    row = overdue_marks(log_in(app, account).get("/staff/").text, reference)
    assert "Overdue" not in row and "no contact logged" in row and ">2 d 16 h<" in row
    clock.now = datetime(2026, 12, 7, 18, 1, tzinfo=UTC)  # Monday 12:01: 4 h 1 min worked
    client = log_in(app, account)
    row = overdue_marks(client.get("/staff/").text, reference)
    assert "Overdue: urgent, not contacted in time" in row
    log_attempt(client, reference, outcome="left_message")
    row = overdue_marks(client.get("/staff/").text, reference)
    assert "Overdue" not in row and "last contact 0 min ago" in row


def test_any_case_is_overdue_after_two_working_days_without_contact(app):
    app.config.update(CLINIC_HOURS="Mo-Fr 09:00-17:00", CLINIC_TIMEZONE="UTC")
    clock = install_clock(app)
    reference = submit_answers(app, person())
    monday = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.reference == reference)
                           .values(created_at=monday))
        db.session.commit()
    account = make_user(app, "days@clinic.example", totp=True)
    clock.now = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # Wednesday: two working days
    page = log_in(app, account).get("/staff/").text
    assert "Overdue" not in overdue_marks(page, reference)
    clock.now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # Thursday's opening
    page = log_in(app, account).get("/staff/").text
    assert "Overdue: not contacted in time" in overdue_marks(page, reference)


# --- the submission page ---------------------------------------------------------------------

def test_a_section_that_did_not_apply_is_one_line(app):
    reference = submit_answers(app, person())
    page = staff_client(app).get(f"/staff/submissions/{reference}").text
    folded = re.findall(r'<details class="not-asked-group"><summary>(\d+) questions? did not '
                        r'apply', page)
    assert folded  # P01 has no trauma history: the PCL-5 section is one line
    assert max(int(n) for n in folded) >= 8


def test_the_demo_data_has_owners_contact_logs_follow_ups_and_repeat_people(app):
    seed(app, 300)
    with app.app_context():
        owned = db.session.scalar(select(db.func.count()).where(Submission.owner_id.is_not(None)))
        follow_ups = db.session.scalar(select(db.func.count())
                                       .where(Submission.follow_up_on.is_not(None)))
        attempts = db.session.scalar(select(db.func.count()).select_from(ContactAttempt))
        repeats = db.session.scalar(select(db.func.count(Submission.person_key)
                                           - db.func.count(Submission.person_key.distinct()))
                                    .where(Submission.person_key != ""))
    assert owned > 20 and follow_ups > 5 and attempts > 20 and repeats >= 2


def test_a_purge_takes_the_contact_log_with_its_submission(app):
    old, new = submit_answers(app, person()), submit_answers(app, person(email="n@x.org"))
    client = staff_client(app)
    log_attempt(client, old, note="called")
    log_attempt(client, new, note="called too")
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.reference == old)
                           .values(created_at=datetime.now(UTC) - timedelta(days=90)))
        db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["retention", "purge", "--older-than", "30", "--submissions"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(select(ContactAttempt.note)).all() == ["called too"]


# --- bulk actions ----------------------------------------------------------------------------

def picks_on(page: str) -> dict[str, str]:
    values = re.findall(r'name="pick" value="([^"]+)"', page)
    return {value.split(":")[0]: value for value in values}


def test_bulk_status_and_owner_on_ticked_rows_with_the_conflict_check(app):
    seed(app, 30)
    client = staff_client(app)
    page = client.get("/staff/?view=all").text
    picks = picks_on(page)
    first, second, third = list(picks)[:3]
    set_status(app, third, "closed")  # someone changed it after the page was drawn
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.reference == third)
                           .values(version=Submission.version + 1))
        db.session.commit()
    response = client.post("/staff/bulk", data={
        "csrf_token": page_token(client, "/staff/"), "status": "in_review", "owner": "me",
        "pick": [picks[first], picks[second], picks[third]], "back": "/staff/?view=all"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/?view=all"
    for reference in (first, second):
        sub = submission(app, reference)
        assert sub.status == "in_review" and sub.owner_id == int(_my_id(app))
    assert submission(app, third).status == "closed" and submission(app, third).owner_id is None
    shown = client.get("/staff/?view=all").text
    assert "2 changed." in shown and f"someone else changed them since: {third}" in shown
    assert "bulk_change" in audit_actions(app)


def test_bulk_refuses_unknown_values_and_never_redirects_elsewhere(app):
    seed(app, 5)
    client = staff_client(app)
    picks = list(picks_on(client.get("/staff/?view=all").text).values())
    token = page_token(client, "/staff/")
    assert client.post("/staff/bulk", data={"csrf_token": token, "status": "gone",
                                            "pick": picks}).status_code == 400
    response = client.post("/staff/bulk", data={"csrf_token": token, "owner": "nobody",
                                                "pick": picks, "back": "//evil.example/x"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"


def bulk_options(page: str) -> dict[str, str]:
    """A bulk form's owner choices: value -> label."""
    select_html = re.search(r'<select id="bulk-owner" name="owner"[^>]*>(.*?)</select>', page,
                            re.S).group(1)
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select_html))


def test_bulk_assign_ticked_rows_to_a_colleague_with_the_conflict_check(app):
    seed(app, 30)
    colleague = make_user(app, "colleague@clinic.example", totp=True)
    gone = make_user(app, "left.the.clinic@clinic.example", active=False)
    other = make_user(app, "other@clinic.example")
    client = staff_client(app)
    page = client.get("/staff/").text  # the open work
    assert bulk_options(page) == {"keep": "Keep", "me": "Me", "nobody": "Nobody (unassigned)",
                                  "colleague": "A colleague (choose next)"}
    picks = picks_on(page)
    first, second, third = list(picks)[:3]
    token = page_token(client, "/staff/")
    ticked = [picks[first], picks[second], picks[third]]
    # The queue's choice leads to the colleagues, the ticked rows still ticked.
    chosen = client.post("/staff/bulk", data={"csrf_token": token, "status": "",
                                              "owner": "colleague", "pick": ticked,
                                              "back": "/staff/"})
    assert chosen.status_code == 200
    assert "Assign 3 ticked cases to a colleague" in chosen.text
    options = bulk_options(chosen.text)
    assert options[str(colleague["id"])] == "colleague@clinic.example"
    assert str(other["id"]) in options and str(gone["id"]) not in options
    assert _my_id(app) not in options  # "Me" is in the queue's choices
    for pick in ticked:
        assert re.search(rf'value="{re.escape(pick)}"[^>]*checked', chosen.text)
    assert not {"bulk_change", "owner_change"} & set(audit_actions(app))  # nothing done yet
    # Someone gave the third case to another colleague after the queue was drawn.
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.reference == third)
                           .values(owner_id=other["id"], version=Submission.version + 1))
        db.session.commit()
    response = client.post("/staff/bulk", data={
        "csrf_token": csrf_token(chosen.text), "status": "", "owner": str(colleague["id"]),
        "pick": ticked, "back": "/staff/"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    for reference in (first, second):
        assert submission(app, reference).owner_id == colleague["id"]
        assert "owner_change" in audit_actions(app, submission_id=submission(app, reference).id)
    assert submission(app, third).owner_id == other["id"]  # not overwritten
    assert "owner_change" not in audit_actions(app, submission_id=submission(app, third).id)
    shown = client.get("/staff/").text
    assert "2 changed." in shown and f"someone else changed them since: {third}" in shown
    assert "bulk_change" in audit_actions(app)
    # The colleague finds them under Mine.
    assert set(references(log_in(app, {**colleague}).get("/staff/?view=mine").text)) == {
        first, second}


@pytest.mark.parametrize("owner", ["disabled", "999999", "abc", ""])
def test_bulk_assign_to_a_disabled_or_unknown_colleague_is_a_clear_message(app, owner):
    seed(app, 5)
    gone = make_user(app, "left.the.clinic@clinic.example", active=False)
    make_user(app, "colleague@clinic.example")
    owner = str(gone["id"]) if owner == "disabled" else owner
    client = staff_client(app)
    picks = list(picks_on(client.get("/staff/?view=open").text).values())[:2]
    before = {pick: submission(app, pick.split(":")[0]) for pick in picks}
    response = client.post("/staff/bulk", data={
        "csrf_token": page_token(client, "/staff/"), "status": "closed", "owner": owner,
        "pick": picks, "back": "/staff/?view=open"})
    assert response.status_code == 400
    page = response.text
    assert 'class="error-summary"' in page and 'href="#bulk-owner"' in page
    assert "Choose a colleague from the list: that account is disabled or does not exist." in page
    assert 'id="bulk-owner-error"' in page
    for pick in picks:  # still ticked, and nothing changed
        assert re.search(rf'value="{re.escape(pick)}"[^>]*checked', page)
        sub = submission(app, pick.split(":")[0])
        assert (sub.status, sub.owner_id, sub.version) == (
            before[pick].status, before[pick].owner_id, before[pick].version)
    assert "bulk_change" not in audit_actions(app)


def test_bulk_with_nothing_ticked_or_nothing_chosen_says_so(app):
    seed(app, 5)
    client = staff_client(app)
    picks = list(picks_on(client.get("/staff/").text).values())[:1]
    token = page_token(client, "/staff/")
    response = client.post("/staff/bulk", data={"csrf_token": token, "status": "closed",
                                                "owner": "keep", "back": "/staff/"})
    assert response.status_code == 400 and "Tick the rows to change first." in response.text
    response = client.post("/staff/bulk", data={"csrf_token": token, "status": "",
                                                "owner": "keep", "pick": picks, "back": "/staff/"})
    assert response.status_code == 400
    assert "Choose a new status or owner for the ticked rows." in response.text
    assert 'href="#bulk-status"' in response.text


# --- bulk assign in Chromium ------------------------------------------------------------------

@pytest.fixture(scope="module")
def bulk_site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("bulk-browser")) as server:
        with server.app.app_context():
            demo_seed(60, seed_value=21)
            db.session.remove()
        yield server


@pytest.mark.browser
@pytest.mark.parametrize(("size", "javascript"), [("desktop", True), ("phone", True),
                                                  ("phone", False)])
def test_bulk_assign_in_chromium_at_desktop_and_phone_width(browser, bulk_site, size,
                                                            javascript):
    width, height = {"desktop": (1280, 900), "phone": (390, 844)}[size]
    name = f"{size}{'' if javascript else '-nojs'}"
    colleague = make_user(bulk_site.app, f"colleague-{name}@clinic.example")
    leaving = make_user(bulk_site.app, f"leaving-{name}@clinic.example")
    account = make_user(bulk_site.app, f"bulk-{name}@clinic.example", totp=True)
    context = new_context(browser, bulk_site, javascript=javascript, width=width, height=height)
    page = context.new_page()
    staff_log_in(page, account["email"], PASSWORD, account["totp_secret"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def looks_right(shot: str) -> None:
        assert no_sideways_scroll(page)
        if javascript:  # axe-core runs in the page
            assert serious_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / f"staff-bulk-{shot}-{name}.png"), full_page=True)

    page.goto("/staff/?view=unassigned")
    # Nothing ticked: the queue says so, next to the form and at the top.
    page.select_option("#bulk-owner", "colleague")
    page.get_by_role("button", name="Change ticked rows").click()
    assert page.locator(".error-summary").inner_text().count("Tick the rows to change first.")
    looks_right("nothing-ticked")
    rows = page.locator("table.queue tbody input[name=pick]")
    ticked = [rows.nth(n).get_attribute("value").split(":")[0] for n in range(2)]
    for n in range(2):
        rows.nth(n).check()
    page.select_option("#bulk-owner", "colleague")
    page.get_by_role("button", name="Change ticked rows").click()
    assert page.locator("h1").inner_text() == "Assign 2 ticked cases to a colleague"
    looks_right("choose")
    # The colleague chosen is disabled before the form is sent: said next to the choice.
    page.select_option("#bulk-owner", str(leaving["id"]))
    with bulk_site.app.app_context():
        db.session.execute(update(User).where(User.id == leaving["id"]).values(active=False))
        db.session.commit()
    page.get_by_role("button", name="Assign the ticked cases").click()
    assert "that account is disabled" in page.locator("#bulk-owner-error").inner_text()
    assert page.locator("input[name=pick]:checked").count() == 2
    looks_right("disabled")
    page.select_option("#bulk-owner", str(colleague["id"]))
    page.get_by_role("button", name="Assign the ticked cases").click()
    page.wait_for_url("**/staff/?view=unassigned")
    assert "2 changed." in page.locator(".notice").inner_text()
    for reference in ticked:
        assert submission(bulk_site.app, reference).owner_id == colleague["id"]
    assert context.request_log.foreign() == []
    context.close()
