"""The queue and the submission page in Debian's Chromium at desktop and tablet width: nothing
cut off or scrolling sideways, urgent rows marked in words, no other host contacted, axe-core
clean; screenshots in test-artifacts/screenshots for a person to look at."""

from __future__ import annotations

import pytest

from screener.extensions import db
from screener.staff.seed import seed

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


@pytest.fixture(scope="module")
def staff_server(tmp_path_factory):
    """A server and database of their own for the staff pages (the shared Chromium is used)."""
    with serve(tmp_path_factory.mktemp("staff-browser")) as server:
        yield server

WIDTHS = {"desktop": (1280, 900), "tablet": (820, 1180), "phone": (390, 844)}


@pytest.fixture(scope="module")
def staff_site(staff_server):
    with staff_server.app.app_context():
        seed(60, seed_value=11)
        db.session.remove()
    return staff_server


def logged_in_page(browser, server, width: int, height: int):
    context = new_context(browser, server, width=width, height=height)
    page = context.new_page()
    # An account of its own for each page: a code is accepted once, so several log-ins of one
    # account within 30 seconds would have to wait for new codes.
    account = make_user(server.app, f"browser-{width}x{height}@clinic.example", totp=True)
    staff_log_in(page, account["email"], PASSWORD, account["totp_secret"])
    return context, page


@pytest.mark.parametrize("size", list(WIDTHS))
def test_the_queue_and_a_submission_at_desktop_tablet_and_phone_width(browser, staff_site, size):
    width, height = WIDTHS[size]
    context, page = logged_in_page(browser, staff_site, width, height)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    assert page.locator("h1").inner_text() == "Review queue"
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.get_by_role("link", name="Open").get_attribute("aria-current") == "page"
    page.screenshot(path=str(ARTIFACTS / f"staff-queue-open-{size}.png"), full_page=True)
    assert no_sideways_scroll(page) and serious_violations(page) == []
    page.goto("/staff/?view=all")
    first_row = page.locator("table.queue tbody tr").first
    if "row-urgent" in (first_row.get_attribute("class") or ""):
        assert "URGENT" in first_row.inner_text().upper()
    assert page.locator("table.queue tbody tr").count() == 25  # a page of the queue
    assert no_sideways_scroll(page)
    assert serious_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / f"staff-queue-{size}.png"))

    page.locator("a.reference-link").first.click()
    page.wait_for_url("**/staff/submissions/*")
    assert page.get_by_role("heading", name="Every answer").is_visible()
    assert page.get_by_role("button", name="Save status").is_visible()
    assert page.get_by_role("button", name="Log contact attempt").is_visible()
    assert no_sideways_scroll(page)
    assert serious_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / f"staff-submission-{size}.png"), full_page=True)

    assert context.request_log.foreign() == []
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_log_in_page_draws_the_password_box_like_the_email_box(browser, staff_site, size):
    width, height = WIDTHS[size]
    context = new_context(browser, staff_site, width=width, height=height)
    page = context.new_page()
    page.goto("/staff/login")
    email, password = (page.locator(box).bounding_box() for box in ("#email", "#password"))
    assert (round(password["width"]), round(password["height"])) == (
        round(email["width"]), round(email["height"])), (email, password)
    assert serious_violations(page) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"staff-login-{size}.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_accounts_page_at_desktop_and_phone_width(browser, staff_site, size):
    width, height = WIDTHS[size]
    context = new_context(browser, staff_site, width=width, height=height)
    page = context.new_page()
    account = make_user(staff_site.app, f"admin-{size}@clinic.example", role="admin", totp=True)
    staff_log_in(page, account["email"], PASSWORD, account["totp_secret"])
    page.goto("/staff/admin/users")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"staff-accounts-{size}.png"), full_page=True)
    assert no_sideways_scroll(page)
    assert serious_violations(page) == []
    context.close()
