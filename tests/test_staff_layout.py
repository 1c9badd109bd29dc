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
        server.staff = make_user(server.app, "layout.staff-member@clinic.example", totp=True)
        server.admin = make_user(server.app, "layout.administrator-of-the-clinic@clinic.example",
                                 role="admin", totp=True)
        yield server


def logged_in(browser, site, who: str, width: int):
    context = new_context(browser, site, width=width, height=900 if width > 500 else 844)
    page = context.new_page()
    account = getattr(site, who)
    staff_log_in(page, account["email"], PASSWORD, account["totp_secret"])
    return context, page


@pytest.mark.browser
def test_queue_cells_keep_their_words_whole_at_1280_px(browser, layout_site):
    context, page = logged_in(browser, layout_site, "staff", 1280)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for view in ("open", "unassigned", "all"):
        page.goto(f"/staff/?view={view}")
        assert page.locator("table.queue td.owner").count() > 0
        assert broken_words(page, "table.queue td") == [], view
        assert no_sideways_scroll(page)
        page.screenshot(path=str(ARTIFACTS / f"staff-layout-queue-{view}-1280.png"),
                        full_page=True)
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_audit_log_fits_and_keeps_its_words_whole(browser, layout_site, width):
    context, page = logged_in(browser, layout_site, "admin", width)
    page.goto(f"/staff/submissions/{layout_site.reference}/summary")  # print entries
    page.goto("/staff/admin/audit")
    assert page.locator("table.audit-table code", has_text="print_stylesheet").count() > 0
    assert no_sideways_scroll(page)
    assert broken_words(page, "table.audit-table td") == []
    page.screenshot(path=str(ARTIFACTS / f"staff-layout-audit-{width}.png"), full_page=True)
    context.close()


@pytest.mark.browser
def test_the_consult_summary_fits_a_phone(browser, layout_site):
    context, page = logged_in(browser, layout_site, "staff", 390)
    page.goto(f"/staff/submissions/{layout_site.reference}/summary")
    assert no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "staff-layout-summary-390.png"), full_page=True)
    context.close()
