"""The crisis help page and the urgent confirmation in real Chromium at 390 px, for a blood
pressure crisis and a suicide crisis, in English and Spanish (issue 20): axe-core passes, the
crisis buttons are full width and at least 44 px tall, the page never scrolls sideways, and the
first heading fits the reason. Screenshots go to test-artifacts/screenshots/alerts-*.png."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from browser_support import ARTIFACTS, new_context, no_sideways_scroll, serve
from flow_helpers import changed, csrf_token, personas, walk

pytestmark = pytest.mark.browser
AXE = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
BP_CRISIS = changed(bp_systolic=185, bp_diastolic=110, bp_symptoms_now=["none"])
FIRST_HEADING = {
    ("blood_pressure", "en", "help"): "Your blood pressure reading is very high",
    ("blood_pressure", "es", "help"): "Su lectura de presión arterial está muy alta",
    ("suicide", "en", "help"): "Help is available right now",
    ("suicide", "es", "help"): "Hay ayuda disponible ahora mismo",
    ("blood_pressure", "en", "confirmation"): "The clinic has been alerted",
    ("blood_pressure", "es", "confirmation"): "Hemos avisado a la clínica",
    ("suicide", "en", "confirmation"): "The clinic has been alerted",
    ("suicide", "es", "confirmation"): "Hemos avisado a la clínica",
}
BUTTONS = """() => Array.from(document.querySelectorAll('a.crisis-button')).map(b => {
  const r = b.getBoundingClientRect(), box = b.closest('section').getBoundingClientRect();
  return {text: b.textContent.trim(), width: r.width, height: r.height, boxWidth: box.width}; })"""


def suicide_answers() -> dict:
    return next(p["answers"] for p in personas() if "URG-SI-NOW" in p["expected_flags"])


# Friday 11:00 and Saturday 21:00 in Chicago (standard time, UTC-6).
OPEN_AND_CLOSED = {"open": datetime(2026, 12, 4, 17, 0, tzinfo=UTC),
                   "closed": datetime(2026, 12, 6, 3, 0, tzinfo=UTC)}
STATE_SAID = {"en": {"open": "It is open now", "closed": "It is closed now"},
              "es": {"open": "Ahora está abierta", "closed": "Ahora está cerrada"}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serve(tmp_path_factory.mktemp("alerts-browser")) as live:
        live.app.config.update(CLINIC_HOURS="Mo-Fr 09:00-17:00; Sa 10:00-13:00",
                               CLINIC_TIMEZONE="America/Chicago")
        yield live


def look(page, name: str, expected_heading: str) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
    assert page.locator("h1").first.inner_text().strip() == expected_heading
    buttons = page.evaluate(BUTTONS)
    assert len(buttons) >= 4, buttons
    for button in buttons:  # full width of their box, big enough to hit
        assert button["height"] >= 44 and button["width"] >= button["boxWidth"] - 40, button
    assert no_sideways_scroll(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"alerts-{name}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", ["blood_pressure", "suicide"])
def test_help_and_confirmation_at_390_px(browser, server, kind, language):
    person = server.app.test_client()  # answers through HTTP, then the browser takes the cookie
    if language == "es":
        start = person.get("/")
        person.post("/language", data={"csrf_token": csrf_token(start.text), "language": "es",
                                       "next": "/"})
    walk(person, BP_CRISIS if kind == "blood_pressure" else suicide_answers())
    context = new_context(browser, server, width=390, height=844)
    try:
        context.add_cookies([{"name": "session", "value": person.get_cookie("session").value,
                              "url": server.url}])
        page = context.new_page()
        page.goto("/help")
        look(page, f"help-{kind}-{language}", FIRST_HEADING[(kind, language, "help")])
        person.post("/submit", data={"csrf_token": csrf_token(person.get("/check").text)})
        context.add_cookies([{"name": "session", "value": person.get_cookie("session").value,
                              "url": server.url}])
        # The confirmation says whether the clinic is open now: both ways, whatever the time
        # of day the tests run (the real clock showed one of them, by chance).
        for state, moment in OPEN_AND_CLOSED.items():
            server.app.config["ALERT_CLOCK"] = lambda moment=moment: moment
            page.goto("/confirmation")
            assert STATE_SAID[language][state] in page.locator("main").inner_text()
            look(page, f"confirmation-{kind}-{language}-{state}",
                 FIRST_HEADING[(kind, language, "confirmation")])
        assert context.request_log.foreign() == []
    finally:
        context.close()
