"""The dashboard in Debian's Chromium at desktop and phone (390 px) width, with and without
JavaScript: every chart drawn and named by its caption, nothing scrolling sideways, axe-core
clean, no other host contacted, and a printout; screenshots in test-artifacts/screenshots."""

from __future__ import annotations

import pytest

from screener.extensions import db
from screener.staff.seed import seed
from screener.staff.seed_drafts import seed_drafts

from browser_support import (
    ARTIFACTS,
    new_context,
    no_sideways_scroll,
    serious_violations,
    serve,
    staff_log_in,
)
from staff_helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def dashboard_site(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("dashboard-browser")) as server:
        with server.app.app_context():
            seed(200, seed_value=12)
            seed_drafts(200, seed_value=12)
            db.session.remove()
        yield server


def logged_in_dashboard(browser, server, width: int, height: int, javascript: bool = True):
    """A new account each time: a code is accepted once, and three log-ins in the same 30 s
    would run out of codes."""
    kind = "js" if javascript else "nojs"
    account = make_user(server.app, f"dashboard-{width}-{kind}@clinic.example", totp=True)
    context = new_context(browser, server, width=width, height=height, javascript=javascript)
    page = context.new_page()
    staff_log_in(page, account["email"], PASSWORD, account["totp_secret"])
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.wait_for_url("**/staff/dashboard")
    return context, page


@pytest.mark.parametrize("size", list(WIDTHS))
def test_the_dashboard_at_desktop_and_phone_width(browser, dashboard_site, size):
    width, height = WIDTHS[size]
    context, page = logged_in_dashboard(browser, dashboard_site, width, height)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert page.locator("h1").inner_text() == "Dashboard"
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 10
    for n in range(charts.count()):
        chart = charts.nth(n)
        caption = page.locator(f"#{chart.get_attribute('aria-labelledby')}")
        assert caption.inner_text().strip()
        box = chart.bounding_box()
        assert box and 0 < box["width"] <= width and box["height"] > 40
    page.screenshot(path=str(ARTIFACTS / f"staff-dashboard-{size}.png"), full_page=True)
    for figure in page.locator("figure.dash-figure").all():
        name = f"staff-dashboard-{size}-{figure.get_attribute('id')}.png"
        figure.screenshot(path=str(ARTIFACTS / name))
    wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(
        e => e.getBoundingClientRect().right > window.innerWidth + 1).map(
        e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)""")
    assert no_sideways_scroll(page), wide
    assert serious_violations(page) == []

    page.get_by_label("Last 7 days").check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/staff/dashboard?period=7*")
    assert "Last 7 days" in page.locator("input[name=period][checked]").evaluate(
        "e => e.parentElement.textContent")
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / f"staff-dashboard-{size}-print.png"), full_page=True)
    assert not page.locator(".dash-period").is_visible()
    assert context.request_log.foreign() == []
    context.close()


def test_the_dashboard_works_without_javascript(browser, dashboard_site):
    context, page = logged_in_dashboard(browser, dashboard_site, 390, 844, javascript=False)
    assert page.locator("svg.chart").count() == 10
    assert page.locator("table.dash-table").count() == 10
    with page.expect_download() as download:
        page.locator("#figure-stops .dash-download a").click()
    assert download.value.suggested_filename.startswith("dashboard-stops-")
    context.close()
