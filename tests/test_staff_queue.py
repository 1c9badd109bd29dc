"""The review queue: order, keyset pages, filters, search by POST, constant query count."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from screener.extensions import db
from screener.models import Submission
from screener.staff.queue import Cursor

from staff_helpers import (
    counting_statements,
    page_token,
    queue_order,
    references,
    seed,
    staff_client,
)


def links(page: str, rel: str) -> str | None:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


def walk_pages(client, url: str, rel: str = "next") -> list[list[str]]:
    pages = []
    while url:
        page = client.get(url).text
        pages.append(references(page))
        url = links(page, rel)
    return pages


@pytest.fixture
def seeded(app):
    seed(app, 120)
    app.config["STAFF_QUEUE_PAGE_SIZE"] = 25
    return app


def test_the_queue_is_urgent_first_then_by_severity_then_oldest(seeded):
    client = staff_client(seeded)
    pages = walk_pages(client, "/staff/?view=all")
    assert [len(p) for p in pages] == [25, 25, 25, 25, 20]
    found = [ref for page in pages for ref in page]
    assert found == queue_order(seeded, view="all")  # every row once, in order
    with seeded.app_context():
        ranks = db.session.execute(select(Submission.severity_rank)).scalars().all()
    assert len(set(ranks)) >= 3  # the seeded data really has several severities


def test_previous_page_links_lead_back_through_the_same_pages(seeded):
    client = staff_client(seeded)
    forward = walk_pages(client, "/staff/?view=all")
    last_page = client.get(links(client.get("/staff/?view=all").text, "next")).text
    for _ in range(3):
        last_page = client.get(links(last_page, "next")).text
    backward = walk_pages(client, links(last_page, "prev"), rel="prev")
    assert backward == forward[-2::-1]


def test_pages_are_found_by_a_cursor_not_an_offset(seeded):
    """A new urgent row at the top while someone reads page 1 must not push page 1's last row
    onto page 2 (it would with OFFSET)."""
    client = staff_client(seeded)
    first = client.get("/staff/").text
    second_url = links(first, "next")
    assert re.fullmatch(r"/staff/\?after=[A-Za-z0-9_-]+", second_url)
    make_urgent(seeded, queue_order(seeded)[-1])
    second = references(client.get(second_url).text)
    now = queue_order(seeded)
    last_seen = now.index(references(first)[-1])
    assert second == now[last_seen + 1:last_seen + 26]


def test_a_page_costs_three_statements_whatever_the_number_of_rows(app):
    client = staff_client(app)
    seed(app, 100, seed_value=1)
    with counting_statements(app) as small:
        assert client.get("/staff/").status_code == 200
    seed(app, 1900, seed_value=2)
    with counting_statements(app) as first_page:
        page = client.get("/staff/?view=all").text
    order = queue_order(app, view="all")
    with app.app_context():
        row = db.session.scalar(select(Submission).where(Submission.reference == order[1500]))
        deep_cursor = Cursor(row.queue_rank, row.created_at, row.id).encode()
    with counting_statements(app) as deep_page:
        deep = client.get(f"/staff/?view=all&after={deep_cursor}").text
    assert len(small) == len(first_page) == len(deep_page) <= 3
    size = app.config["STAFF_QUEUE_PAGE_SIZE"]
    assert references(page) == order[:size]
    assert references(deep) == order[1501:1501 + size]
    with counting_statements(app) as filtered:
        client.get(f"/staff/?status=new&status=contacted&after={deep_cursor}")
    assert len(filtered) <= 3
    for view in ("open", "mine", "unassigned", "follow_up"):
        with counting_statements(app) as viewed:
            assert client.get(f"/staff/?view={view}").status_code == 200
        assert len(viewed) <= 3, view


def test_counts_stop_at_the_limit_and_say_more_than(seeded):
    """Counting stops at STAFF_QUEUE_COUNT_LIMIT (1,000 by default): a bounded index range on
    every page instead of a count of the whole table."""
    client = staff_client(seeded)
    with seeded.app_context():
        urgent = db.session.scalar(select(func.count()).where(Submission.severity_rank == 0))
    assert 0 < urgent < 120
    seeded.config["STAFF_QUEUE_COUNT_LIMIT"] = 120
    page = client.get("/staff/?view=all").text
    assert "120 submissions" in page and f"{urgent} urgent" in page
    assert "Download these 120 as CSV" in page
    seeded.config["STAFF_QUEUE_COUNT_LIMIT"] = 119
    page = client.get("/staff/?view=all").text
    assert "More than 119 submissions" in page and "120 submissions" not in page
    assert "Download these as CSV" in page
    assert f"{urgent} urgent" in page
    seeded.config["STAFF_QUEUE_COUNT_LIMIT"] = urgent - 1
    page = client.get("/staff/?view=all&severity=urgent").text
    assert f"More than {urgent - 1} submissions match the filters" in page
    assert f"more than {urgent - 1} urgent" in page


def test_the_deep_page_query_is_an_index_range_scan(app, database):
    if database != "sqlite":
        pytest.skip("query plans are read on SQLite; PostgreSQL is measured by the benchmarks")
    seed(app, 300)
    client = staff_client(app)
    for view, index_name in (("all", "ix_submission_queue"),
                             ("open", "ix_submission_open_queue")):
        order = queue_order(app, view=view)
        with app.app_context():
            row = db.session.scalar(select(Submission)
                                    .where(Submission.reference == order[len(order) // 2]))
            cursor = Cursor(row.queue_rank, row.created_at, row.id).encode()
        with counting_statements(app) as statements:
            client.get(f"/staff/?view={view}&after={cursor}")
        rows_statement = next(s for s in statements if "UNION ALL" in s)
        with app.app_context():
            raw = db.engine.raw_connection()
            try:
                plan = " | ".join(r[3] for r in raw.cursor().execute(
                    "EXPLAIN QUERY PLAN " + rows_statement, rows_statement.parameters))
            finally:
                raw.close()
        index = rf"SEARCH submission USING (COVERING )?INDEX {index_name}"
        assert re.search(index + r" \(queue_rank=\? AND created_at>\?\)", plan), plan
        assert re.search(index + r" \(queue_rank>\?\)", plan), plan
        assert "SCAN submission" not in plan, plan


def test_a_damaged_cursor_shows_the_first_page(seeded):
    client = staff_client(seeded)
    first = references(client.get("/staff/").text)
    for token in ("garbage", "MS4x", "=" * 5, "A" * 200):
        response = client.get(f"/staff/?after={token}")
        assert response.status_code == 200
        assert references(response.text) == first


# --- rows ------------------------------------------------------------------------------------

def make_urgent(app, reference: str) -> None:
    with app.app_context():
        db.session.execute(update(Submission).where(Submission.reference == reference)
                           .values(urgent=True, severity_rank=0, queue_rank=0,
                                   highest_severity="urgent"))
        db.session.commit()


def row_of(page: str, reference: str) -> str:
    rows = re.findall(r"<tr class=\"row-[a-z]+\">.*?</tr>", page, re.S)
    return next(r for r in rows if f">{reference}<" in r)


def test_each_row_shows_reference_time_status_highest_flag_count_and_scores(seeded):
    client = staff_client(seeded)
    page = client.get("/staff/").text
    with seeded.app_context():
        sub = db.session.scalar(select(Submission).where(
            Submission.reference == references(page)[0]))
        row = row_of(page, sub.reference)
        assert sub.created_at.strftime("%Y-%m-%d %H:%M") in row
        assert {"new": "New", "in_review": "In review", "contacted": "Contacted",
                "consult_booked": "Consult booked", "not_proceeding": "Not proceeding",
                "closed": "Closed"}[sub.status] in row
        assert sub.flags[0]["rule_id"] in row
        assert f'data-label="Flags">{sub.flag_count}<' in row
        assert "PHQ-9" in row and str(sub.scores["phq9_total"]) in row
        assert f"{sub.first_name} {sub.last_name}" in html.unescape(row)


def test_urgent_rows_say_so_in_words_and_with_a_sign(seeded):
    client = staff_client(seeded)
    order = queue_order(seeded)
    make_urgent(seeded, order[-1])
    page = client.get("/staff/").text
    assert order[-1] in references(page)
    with seeded.app_context():
        urgent_refs = set(db.session.scalars(select(Submission.reference)
                                             .where(Submission.urgent.is_(True))))
    for reference in references(page):
        row = row_of(page, reference)
        is_urgent = "&#9888;" in row and ">Urgent</span>" in row
        assert is_urgent is (reference in urgent_refs), reference
    assert re.search(r"\d+ urgent</strong>", page)


# --- filters ---------------------------------------------------------------------------------

def shown(client, url: str) -> list[str]:
    return [ref for page in walk_pages(client, url) for ref in page]


def test_the_status_filter(seeded):
    client = staff_client(seeded)
    assert shown(client, "/staff/?status=closed") == queue_order(seeded, status="closed")
    assert queue_order(seeded, status="closed")


def test_the_highest_severity_filter(seeded):
    client = staff_client(seeded)
    for severity, rank in (("caution", 2), ("info", 3), ("none", 4)):
        assert shown(client, f"/staff/?severity={severity}") == queue_order(
            seeded, severity_rank=rank)


def test_the_date_filter_takes_whole_days_in_the_clinic_time_zone(seeded):
    client = staff_client(seeded)
    with seeded.app_context():
        day = db.session.scalar(select(Submission.created_at)
                                .order_by(Submission.created_at.desc())).date()
        expected = {r for r, at in db.session.execute(
            select(Submission.reference, Submission.created_at)) if at.date() == day}
    found = shown(client, f"/staff/?from={day}&to={day}")
    assert set(found) == expected and expected
    week = shown(client, f"/staff/?from={day - timedelta(days=6)}&to={day}")
    assert set(found) <= set(week)


def test_the_condition_filter(seeded):
    client = staff_client(seeded)
    with seeded.app_context():
        rows = db.session.execute(select(Submission.reference, Submission.conditions)).all()
    expected = {r for r, conditions in rows if "anxiety" in conditions.split(",")}
    assert set(shown(client, "/staff/?view=all&condition=anxiety")) == expected and expected


def test_filters_combine_and_unknown_values_are_ignored(seeded):
    client = staff_client(seeded)
    both = set(shown(client, "/staff/?status=new&condition=depression"))
    assert both <= set(queue_order(seeded, status="new"))
    assert shown(client, "/staff/?status=bogus&severity=nope&from=2026-13-45&condition=x") \
        == queue_order(seeded)


def test_filters_are_kept_in_the_page_links(seeded):
    client = staff_client(seeded)
    page = client.get("/staff/?severity=caution").text
    next_link = links(page, "next")
    if next_link:
        assert "severity=caution" in next_link



def chosen_in_filter_form(page: str) -> dict[str, str]:
    form = re.search(r'<form method="get"[^>]*class="filters".*?</form>', page, re.S).group(0)
    chosen = {}
    for name, options in re.findall(r'<select id="f-[a-z]+" name="([a-z]+)">(.*?)</select>',
                                    form, re.S):
        chosen.update((name, value) for value in re.findall(
            r'<option value="([^"]*)" selected', options))
    chosen.update((name, value) for name, value in re.findall(
        r'<input type="date" id="f-[a-z]+" name="([a-z]+)" value="([^"]+)"', form))
    checked = re.findall(r'<input type="checkbox" name="status" value="([a-z_]+)" checked>', form)
    if checked:
        chosen["status"] = ",".join(checked)
    return chosen


def test_the_filter_form_shows_the_filters_in_use_and_only_those(seeded):
    """The form is drawn once per combination of filters and kept: each page must still show
    its own choices (and the way to clear them only when there are any)."""
    client = staff_client(seeded)
    views = [
        ("/staff/?status=closed&severity=caution",
         {"status": "closed", "severity": "caution"}),
        ("/staff/?condition=depression&from=2026-01-02&to=2026-03-04",
         {"condition": "depression", "from": "2026-01-02", "to": "2026-03-04"}),
        ("/staff/?severity=none", {"severity": "none"}),
        ("/staff/", {}),
        ("/staff/?status=closed&severity=caution", {"status": "closed", "severity": "caution"}),
        ("/staff/?status=new&status=closed", {"status": "new,closed"}),
    ]
    for url, expected in views * 2:  # the second time from what was kept
        page = client.get(url).text
        assert chosen_in_filter_form(page) == expected, url
        assert ("Clear filters" in page) == bool(expected), url

# --- search ----------------------------------------------------------------------------------

def search(client, term: str, url: str = "/staff/"):
    return client.post(url, data={"csrf_token": page_token(client, "/staff/"), "q": term})


def a_person(app) -> Submission:
    with app.app_context():
        person = db.session.scalar(select(Submission).order_by(Submission.id))
        db.session.expunge(person)
        return person


@pytest.mark.parametrize("how", ["reference", "loose reference", "email", "last name",
                                 "first name", "full name"])
def test_search_by_reference_email_or_name(seeded, how):
    person = a_person(seeded)
    term = {
        "reference": person.reference,
        "loose reference": f"{person.reference[:4].lower()}-{person.reference[4:].lower()}",
        "email": person.email.upper(),
        "last name": person.last_name.lower(),
        "first name": person.first_name.upper(),
        "full name": f"  {person.first_name}   {person.last_name} ",
    }[how]
    response = search(staff_client(seeded), term)
    assert response.status_code == 200
    found = references(response.text)
    assert person.reference in found
    with seeded.app_context():
        for reference in found:
            other = db.session.scalar(select(Submission).where(Submission.reference == reference))
            words = term.lower().replace("-", "").split()
            assert all(word in other.search_text for word in words) \
                or reference == person.reference


def test_a_search_never_travels_in_a_url(seeded):
    person = a_person(seeded)
    client = staff_client(seeded)
    response = search(client, person.last_name, "/staff/?status=new")
    assert response.status_code == 200
    urls = re.findall(r'(?:href|action)="([^"]*)"', response.text)
    assert urls
    assert not [u for u in urls if person.last_name.lower() in html.unescape(u).lower()]
    assert f'value="{person.last_name}"' in html.unescape(response.text)  # in the form only


def test_a_search_in_the_query_string_is_ignored(seeded):
    person = a_person(seeded)
    client = staff_client(seeded)
    assert references(client.get(f"/staff/?q={person.last_name}").text) == \
        references(client.get("/staff/").text)


def test_search_results_page_by_post(seeded):
    seeded.config["STAFF_QUEUE_PAGE_SIZE"] = 2
    with seeded.app_context():
        db.session.execute(update(Submission).where(Submission.id <= 5)
                           .values(last_name="Sameperson", search_text="x sameperson"))
        db.session.commit()
    client = staff_client(seeded)
    first = search(client, "sameperson").text
    assert "5 submissions match the search" in first
    after = re.search(r'name="after" value="([^"]+)"', first).group(1)
    second = client.post("/staff/", data={"csrf_token": page_token(client, "/staff/"),
                                          "q": "sameperson", "after": after}).text
    assert len(references(first)) == len(references(second)) == 2
    assert not set(references(first)) & set(references(second))


def test_search_text_is_shown_escaped(seeded):
    client = staff_client(seeded)
    response = search(client, '"><script>alert(1)</script>')
    assert "<script>alert(1)</script>" not in response.text
    assert "No submissions match." in response.text


def test_names_are_shown_escaped_in_the_queue(seeded):
    with seeded.app_context():
        db.session.execute(update(Submission)
                           .where(Submission.reference == queue_order(seeded)[0])
                           .values(first_name="<img src=x onerror=alert(1)>"))
        db.session.commit()
    page = staff_client(seeded).get("/staff/").text
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_submissions_of_today_are_found_by_todays_date(app):
    seed(app, 5)
    now = datetime.now(UTC)  # one reading: two could fall either side of midnight
    with app.app_context():
        db.session.execute(update(Submission).values(created_at=now))
        db.session.commit()
    today = now.date()
    assert len(shown(staff_client(app), f"/staff/?view=all&from={today}&to={today}")) == 5


def test_the_queue_sql_is_parameterised(seeded):
    client = staff_client(seeded)
    with counting_statements(seeded) as statements:
        search(client, "o'brien")
    assert not [s for s in statements if "o'brien" in s.lower()]
    with seeded.app_context():
        assert db.session.execute(text("select count(*) from submission")).scalar() == 120


def test_a_page_shows_25_rows_unless_the_clinic_chooses_otherwise(app):
    seed(app, 30)
    client = staff_client(app)
    first = client.get("/staff/?view=all").text
    assert len(references(first)) == 25
    assert len(references(client.get(links(first, "next")).text)) == 5


def test_a_row_shows_its_stored_result_and_its_severity_without_the_rule_id_copy(seeded):
    """Each row shows the first flag's rule id and key scores of its stored result; a row whose
    copies are missing (stored by an older version during an upgrade) still shows its
    severity, never "No flags"."""
    client = staff_client(seeded)
    with seeded.app_context():
        urgent = db.session.scalars(select(Submission).where(Submission.severity_rank == 0)
                                    .order_by(Submission.id)).first()
        reference, rule_id = urgent.reference, urgent.flags[0]["rule_id"]
        phq9 = urgent.scores["phq9_total"]
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{reference}(?:(?!</tr>).)*</tr>",
                    client.get("/staff/?view=all").text, re.S).group(0)
    assert rule_id in row and "Urgent" in row
    assert phq9 is None or f"</span> {phq9} (" in row
    with seeded.app_context():
        db.session.execute(update(Submission).where(Submission.reference == reference)
                           .values(first_rule_id=None))
        db.session.commit()
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{reference}(?:(?!</tr>).)*</tr>",
                    client.get("/staff/?view=all").text, re.S).group(0)
    assert "Urgent" in row and rule_id not in row and "No flags" not in row


def test_a_searchs_counts_stop_at_the_limit_and_keep_every_urgent_match(seeded):
    """A search's two counts are taken from one pass over its matches (the first limit + 1 by
    rank): the urgent count is exact until it passes the limit itself."""
    client = staff_client(seeded)
    with seeded.app_context():
        urgent = db.session.scalar(select(func.count()).where(Submission.queue_rank <= 1))
    assert 0 < urgent < 119
    page = search(client, "@example").text  # every seeded email
    assert "120 submissions match the search" in page and f"{urgent} urgent" in page
    seeded.config["STAFF_QUEUE_COUNT_LIMIT"] = 119
    page = search(client, "@example").text
    assert "More than 119 submissions match the search" in page and f"{urgent} urgent" in page
    seeded.config["STAFF_QUEUE_COUNT_LIMIT"] = urgent
    page = search(client, "@example").text
    assert f"More than {urgent} submissions match the search" in page
    assert f"{urgent} urgent" in page and "more than" not in page.split("urgent")[0][-40:]
    seeded.config["STAFF_QUEUE_COUNT_LIMIT"] = urgent - 1
    page = search(client, "@example").text
    assert f"more than {urgent - 1} urgent" in page
