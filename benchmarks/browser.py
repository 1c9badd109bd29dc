"""Real Chromium (Debian's, driven by Playwright over CDP): the page weight, and page-to-page
times on an emulated slow phone network.

Weight: the first question page loaded with the cache off, every request it makes counted with
its body and headers as received, and every host other than the server's reported.

Times: a fresh browser (empty cache, no cookies) per walk, with the network emulated through
CDP (Network.emulateNetworkConditions: 150 ms latency, 1.6 Mbit/s down, 750 kbit/s up) and the
CPU slowed four times (Emulation.setCPUThrottlingRate). The first page is the start page opened
by its address; each step after it is a click on the page's button (Start, Continue, Send my
answers) until the next page has loaded, timed by the browser itself: from the click event
(its moment kept in sessionStorage, which survives the navigation) to the end of the next page's
load event (Navigation Timing), both on the browser's clock. The first page is timed from the
navigation's start to the end of its load event. The wall clock around Playwright's click is
kept beside it: longer, because Playwright checks the button over CDP before it clicks, which a
person does not wait for. A page's answers are filled in before the clock starts."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-gpu", "--no-first-run"]
SLOW_PHONE = {"offline": False, "latency": 150,
              "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
CPU_SLOWDOWN = 4
TIMEOUT_MS = 20_000

FILL = """(fields) => {
  const form = document.querySelector('main form[method="post"]') ||
               document.querySelector('form[method="post"]');
  for (const [name, value] of fields) {
    const named = [...form.elements].filter((e) => e.name === name);
    const choice = named.find((e) => (e.type === 'radio' || e.type === 'checkbox')
                                     && e.value === value);
    if (choice) { choice.checked = true; continue; }
    const other = named.find((e) => e.type !== 'radio' && e.type !== 'checkbox');
    if (other) { other.value = value; continue; }
    const hidden = document.createElement('input');  // no such field on this page as drawn
    hidden.type = 'hidden'; hidden.name = name; hidden.value = value;
    form.appendChild(hidden);
  }
}"""
START = 'form[method="post"]:has(input[name="consent_store"]) button[type="submit"]'
CONTINUE = '.actions button[name="action"][value="continue"]'
SEND = 'form[action$="/submit"] button[type="submit"]'


@dataclass
class Walks:
    first_page_ms: list[float] = field(default_factory=list)
    steps_ms: list[float] = field(default_factory=list)
    steps_wall_ms: list[float] = field(default_factory=list)  # with Playwright's own overhead
    foreign: list[str] = field(default_factory=list)
    sent: int = 0

    def step(self, loaded: float, wall: float) -> None:
        self.steps_ms.append(loaded)
        self.steps_wall_ms.append(wall)


def _throttle(context, page) -> None:
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_PHONE)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})


LOADED = "() => { const n = performance.getEntriesByType('navigation')[0]; " \
         "return n && n.loadEventEnd > 0 ? performance.timeOrigin + n.loadEventEnd : 0; }"
# The click's moment, kept across the navigation (sessionStorage survives it in the same tab),
# on the same clock as the next page's performance.timeOrigin: the browser's epoch time.
MARK_CLICK = """() => document.addEventListener('click', () => sessionStorage.setItem(
  'benchClickAt', String(performance.timeOrigin + performance.now())), {capture: true})"""
CLICKED = "() => Number(sessionStorage.getItem('benchClickAt'))"


def _loaded_at(page) -> float:
    """The end of the current page's load event, in the browser's epoch milliseconds."""
    return float(page.wait_for_function(LOADED, timeout=TIMEOUT_MS).json_value())


def _first_page(page, url: str) -> float:
    """From the navigation's start to the end of the load event (Navigation Timing)."""
    page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
    return _loaded_at(page) - page.evaluate("() => performance.timeOrigin")


def _click_and_wait(page, selector: str) -> tuple[float, float]:
    """(the click to the end of the next page's load event, as the browser timed it; the wall
    clock around Playwright's click) in ms."""
    page.evaluate(MARK_CLICK)
    started = time.perf_counter()
    with page.expect_navigation(wait_until="load", timeout=TIMEOUT_MS):
        page.locator(selector).first.click(timeout=TIMEOUT_MS)
    wall = (time.perf_counter() - started) * 1000
    return _loaded_at(page) - page.evaluate(CLICKED), wall


def page_weight(base: str) -> dict:
    """Bytes and requests of the first question page (the one Start leads to) with all its
    assets, loaded again with the cache off in the same fresh browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            # A draft to see the page with: start one the way a person does.
            page.goto(base + "/")
            page.locator('input[name="consent_store"][value="yes"]').check()
            with page.expect_navigation():
                page.locator(START).first.click()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            seen: list = []
            page.on("requestfinished", lambda request: seen.append(request))
            page.reload(wait_until="load")
            page.wait_for_timeout(300)  # anything a script fetches after the load event
            host = urlsplit(base).netloc
            total = 0
            for request in seen:
                sizes = request.sizes()
                total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            return {"bytes": total, "requests": len(seen),
                    "foreign": [r.url for r in seen if urlsplit(r.url).netloc != host],
                    "urls": [urlsplit(r.url).path for r in seen]}
        finally:
            browser.close()


def walk(base: str, answers: dict, page_of: Callable, form_fields: Callable, walks: int,
         send: bool = True) -> Walks:
    """`walks` whole questionnaires on the slow phone, each in a fresh browser context."""
    from playwright.sync_api import sync_playwright

    result = Walks()
    host = urlsplit(base).netloc
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for _ in range(walks):
                context = browser.new_context(viewport={"width": 390, "height": 844})
                context.on("request", lambda r: urlsplit(r.url).netloc not in (host, "")
                           and urlsplit(r.url).scheme not in ("data", "about", "blob")
                           and result.foreign.append(r.url))
                page = context.new_page()
                page.set_default_timeout(TIMEOUT_MS)
                _throttle(context, page)
                result.first_page_ms.append(_first_page(page, base + "/"))
                page.evaluate(FILL, [["consent_store", "yes"]])
                result.step(*_click_and_wait(page, START))
                for _ in range(80):
                    path = urlsplit(page.url).path
                    if path.endswith("/help"):
                        page.goto(base + "/continue", wait_until="load")
                        continue
                    if path == "/check":
                        if send:
                            result.step(*_click_and_wait(page, SEND))
                            result.sent += urlsplit(page.url).path == "/confirmation"
                        break
                    ref = page_of(path)
                    if ref is None:
                        raise RuntimeError(f"the browser walk got lost at {page.url}")
                    page.evaluate(FILL, [list(f) for f in form_fields(ref, answers)])
                    result.step(*_click_and_wait(page, CONTINUE))
                else:
                    raise RuntimeError("the browser walk did not reach the check page")
                context.close()
        finally:
            browser.close()
    return result
