"""Fixtures for the real-browser tests: the app on a real HTTP port, and Debian's Chromium.

Registered once for the whole run by conftest.py (`pytest_plugins`), so every browser test
module shares one Playwright instance: Playwright's sync API allows only one per thread.
Playwright's own browser download cannot work here, so the system Chromium is launched; when it
is missing the tests are skipped with the reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from screener import create_app
from screener.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"


@dataclass
class LiveServer:
    url: str  # http://127.0.0.1:port, no trailing slash
    app: object

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The application on 127.0.0.1 and a free port (see `serve`)."""
    with serve(tmp_path_factory.mktemp("browser-db")) as server:
        yield server


@contextmanager
def serve(folder: Path) -> Iterator[LiveServer]:
    """The application on 127.0.0.1 and a free port, in a background thread, on a fresh SQLite
    file (a file, not :memory:, because the server answers from several threads)."""
    database = folder / "browser.db"
    app = create_app({
        "TESTING": True,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "SECRET_KEY": "browser-tests-secret-key-not-for-production-0123456789",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
    })
    with app.app_context():
        db.create_all()
    # One line per request on stderr would bury a failure's message.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (headless)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); "
                    "Playwright's own browser download cannot be used here")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class RequestLog:
    """Every request a browser context made, to prove no other host is ever contacted."""

    allowed_netloc: str
    urls: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)

    def record(self, request) -> None:
        self.urls.append(request.url)
        self.methods.append(request.method)

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, u in zip(self.methods, self.urls, strict=True)
                   if m == method and urlsplit(u).path == path)

    def foreign(self) -> list[str]:
        return [u for u in self.urls
                if urlsplit(u).scheme not in ("data", "about", "blob")
                and urlsplit(u).netloc != self.allowed_netloc]


def new_context(browser, server: LiveServer, *, javascript: bool = True, width: int = 390,
                height: int = 844, **options):
    """A fresh browser context (own cookies) whose requests are logged in `context.request_log`."""
    context = browser.new_context(
        base_url=server.url, java_script_enabled=javascript,
        viewport={"width": width, "height": height}, **options)
    context.set_default_timeout(10_000)
    log = RequestLog(server.netloc)
    context.on("request", log.record)
    context.request_log = log
    return context


_last_step: dict[str, int] = {}  # per secret: a code is accepted once


def staff_log_in(page, email: str, password: str, totp_secret: str) -> None:
    """Log a staff account in through the log-in and code pages, as a person would (every
    account has two-step verification). A second log-in within 30 seconds types the next
    step's code, which the server accepts one step ahead."""
    import pyotp

    totp = pyotp.TOTP(totp_secret)
    step = max(totp.timecode(datetime.now(UTC)), _last_step.get(totp_secret, -1) + 1)
    _last_step[totp_secret] = step
    page.goto("/staff/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/login/code")
    page.fill("#code", totp.generate_otp(step))
    page.click("form:has(#code) button[type=submit]")
    page.wait_for_url("**/staff/")


_WIDER_THAN_THE_WINDOW = """() => [...document.querySelectorAll("body *")]
    .filter(element => element.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(0, 12)
    .map(element => `${element.tagName.toLowerCase()}.${element.className} ends at ` +
                    `${Math.round(element.getBoundingClientRect().right)} px`)"""


def no_sideways_scroll(page) -> bool:
    """Nothing on the page is wider than the window (no scrolling sideways on a phone).

    Measured once the page has loaded (its stylesheets applied), and again a moment later
    before saying no, so a busy machine cannot catch a page half-built; what sticks out is
    printed with a failure. (No timers in the page: they never run with JavaScript off.)"""
    page.wait_for_load_state("load")
    fits = "document.scrollingElement.scrollWidth <= window.innerWidth"
    if page.evaluate(fits):
        return True
    page.wait_for_timeout(300)
    if page.evaluate(fits):
        return True
    print(f"wider than the window at {page.url}:", *page.evaluate(_WIDER_THAN_THE_WINDOW),
          sep="\n  ")
    return False


def serious_violations(page) -> list[str]:
    """What axe-core finds on the page at impact serious or critical, as "id: help"."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]
