"""How the staff pages are drawn, in Chromium at a desktop (1280 px) and a phone (390 px) width:
no word cut in two inside a table cell ("Unassig|ned", "sam.orti|z@demo", "print_styleshe|et"),
and nothing wider than a phone's window."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from screener.extensions import db
from screener.models import Submission
from screener.staff.seed import seed as demo_seed

from browser_support import ARTIFACTS, new_context, no_sideways_scroll, serve, staff_log_in
from staff_helpers import PASSWORD, make_user

# The words of the cells under `selector` that are drawn over two lines with the break inside
# the word: a line may end after a space, a hyphen, "@", "." or "/", nowhere else.
BROKEN_WORDS = """selector => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent, range = document.createRange();
      let previous = null;
      for (let i = 0; i < text.length; i++) {
        range.setStart(node, i); range.setEnd(node, i + 1);
        const box = range.getBoundingClientRect();
        if (/\\s/.test(text[i]) || box.width === 0) { previous = null; continue; }
        if (previous && box.top > previous.top + previous.height / 2
            && !"-@./".includes(text[i - 1])) {
          const start = text.lastIndexOf(" ", i) + 1, end = text.indexOf(" ", i);
          broken.push(text.slice(start, end < 0 ? undefined : end));
        }
        previous = box;
      }
    }
  }
  return broken;
}"""


def broken_words(page, selector: str) -> list[str]:
    page.wait_for_load_state("load")
    return page.evaluate(BROKEN_WORDS, selector)


@pytest.fixture(scope="module")
def layout_site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("layout-browser")) as server:
        with server.app.app_context():
            demo_seed(60, seed_value=21)
            server.reference = db.session.scalars(
                select(Submission.reference).order_by(Submission.id)).first()
            db.session.remove()
        server.staff = make_user(server.app, "intake.coordinator.long-name@clinic.example",
                                 totp=True)
        server.admin = make_user(server.app, "layout.administrator-of-the-clinic@clinic.example",
                                 role="admin", totp=True)
        yield server


@pytest.fixture(scope="module")
def sessions():
    """One logged-in browser context per account and width: each log-in types a new two-step
    code, and the server accepts only the current step's and the next one's."""
    made: dict = {}
    yield made
    for context in made.values():
        context.close()


def logged_in(browser, site, sessions, who: str, width: int):
    if (who, width) not in sessions:
        context = new_context(browser, site, width=width, height=900 if width > 500 else 844)
        page = context.new_page()
        account = getattr(site, who)
        staff_log_in(page, account["email"], PASSWORD, account["totp_secret"])
        page.close()
        sessions[who, width] = context
    return sessions[who, width].new_page()


@pytest.mark.browser
def test_queue_cells_keep_their_words_whole_at_1280_px(browser, layout_site, sessions):
    page = logged_in(browser, layout_site, sessions, "staff", 1280)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for view in ("open", "unassigned", "all"):
        page.goto(f"/staff/?view={view}")
        assert page.locator("table.queue td.owner").count() > 0
        assert broken_words(page, "table.queue td") == [], view
        assert no_sideways_scroll(page)
        page.screenshot(path=str(ARTIFACTS / f"staff-layout-queue-{view}-1280.png"),
                        full_page=True)
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_audit_log_fits_and_keeps_its_words_whole(browser, layout_site, sessions, width):
    page = logged_in(browser, layout_site, sessions, "admin", width)
    page.goto(f"/staff/submissions/{layout_site.reference}/summary")  # print entries
    page.goto("/staff/admin/audit")
    assert page.locator("table.audit-table code", has_text="print_stylesheet").count() > 0
    assert no_sideways_scroll(page)
    assert broken_words(page, "table.audit-table td") == []
    page.screenshot(path=str(ARTIFACTS / f"staff-layout-audit-{width}.png"), full_page=True)
    page.close()


@pytest.mark.browser
def test_the_consult_summary_fits_a_phone(browser, layout_site, sessions):
    page = logged_in(browser, layout_site, sessions, "staff", 390)
    page.goto(f"/staff/submissions/{layout_site.reference}/summary")
    assert no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "staff-layout-summary-390.png"), full_page=True)
    page.close()


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


@pytest.mark.browser
def test_the_submission_and_assign_pages_keep_their_spacing_at_1280_px(browser, layout_site,
                                                                       sessions):
    with layout_site.app.app_context():
        urgent = db.session.scalars(select(Submission.reference)
                                    .where(Submission.urgent.is_(True))).first()
        db.session.remove()
    page = logged_in(browser, layout_site, sessions, "staff", 1280)
    page.goto(f"/staff/submissions/{urgent}")
    # The Alert section's Acknowledge button sat on the Status box's border (0 px apart).
    button, status = box(page, ".alert-box .acknowledge-button"), box(page, ".status-box")
    assert status["y"] - (button["y"] + button["height"]) >= 12
    # A contact attempt with a problem is said at the top of the page too, linked to a field.
    page.evaluate("document.querySelector('#contact-note').removeAttribute('maxlength')")
    page.fill("#contact-note", "x" * 2001)
    page.get_by_role("button", name="Log contact attempt").click()
    summary = page.locator(".error-summary")
    assert "Check the contact attempt" in summary.inner_text()
    target = summary.locator("a").first.get_attribute("href")
    assert page.locator(target).count() == 1
    assert page.title().startswith("Error:")
    page.screenshot(path=str(ARTIFACTS / "staff-layout-contact-error-1280.png"), full_page=True)
    # One case's Assign page: the list is not stretched across the page, the button not on it.
    page.goto(f"/staff/submissions/{urgent}/assign")
    select_box, save = box(page, "#owner"), box(page, "form:has(#owner) button")
    assert select_box["width"] < 640
    assert save["y"] - (select_box["y"] + select_box["height"]) >= 8
    page.close()


@pytest.mark.browser
def test_a_date_range_wraps_as_one_at_1280_px(browser, layout_site, sessions):
    page = logged_in(browser, layout_site, sessions, "admin", 1280)
    for url, start, end in (("/staff/", "#f-from", "#f-to"),
                            ("/staff/admin/audit", "#a-from", "#a-to")):
        page.goto(url)
        assert box(page, start)["y"] == box(page, end)["y"], url
    page.close()


@pytest.mark.browser
def test_phone_pages_give_their_values_room(browser, layout_site, sessions):
    page = logged_in(browser, layout_site, sessions, "staff", 390)
    page.goto("/staff/account")  # "intake.coordinator.lo|ng-name" beside an 11rem label
    assert broken_words(page, ".facts dd") == []
    page.goto("/staff/rules")
    # A rule's wording beside an 11rem label ran one or two words a line.
    assert box(page, ".rule .facts dd")["width"] > 250
    # An empty view offers nothing to download or tick ("Download these 0 as CSV").
    page.goto("/staff/?view=mine")
    assert page.locator("table.queue tbody input[name=pick]").count() == 0
    assert page.locator(".export-form, #bulk").count() == 0
    page.close()
