"""The whole patient flow in Spanish, in real Chromium, with axe-core on every page.

A person switches to Español with the header's button and answers every page (the PCL-5 pages
too), sees a validation error, the help page, a resume code, the check page, the confirmation and
the copy of the answers. Every page must: be `<html lang="es">`, pass axe-core, show no English
interface text, and fit a 390 px phone without text cut off or pushed sideways by the longer
Spanish words. Full-page screenshots at 390 px go to test-artifacts/screenshots/es/ for a person
to look at.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_spanish import GAD7_OFFICIAL, OFFICIAL_STEM, PHQ9_OFFICIAL, compile_catalogues

from screener.extensions import db
from screener.models import Submission

from flow_helpers import changed, page_of, question_fields, with_substances_used
from wording import forbidden_phrases_es

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "screenshots" / "es"
PHONE = {"width": 390, "height": 844}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-gpu"]

compile_catalogues()  # (again, cheap) before any live server answers a Spanish request

# English interface text that must not appear on a Spanish page (the language switch's
# "English" button is the one English word that belongs there).
ENGLISH_LEFTOVERS = re.compile(
    r"\b(Continue|Back|Need help now|Why we ask|Step \d+ of|Save and finish later|There is a "
    r"problem|Choose an answer|Check your answers|Send my answers|This is not a diagnosis|"
    r"Not at all|Several days|Yes|Not sure)\b")

# Text that does not fit: an element wider than the screen, or a box whose content is wider
# than the box and is clipped (overflow other than visible).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!e.getClientRects().length
        || e.closest('.visually-hidden, .skip-link, [aria-hidden="true"]')) continue;
    const r = e.getBoundingClientRect();
    if (r.right <= 0) continue;  // placed wholly off-screen on purpose, not cut off
    const style = getComputedStyle(e);
    if (r.right > width + 1 || r.left < -1)
      out.push({why: 'outside the screen', right: r.right, html: e.outerHTML.slice(0, 120)});
    else if (style.overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1
             && !['INPUT', 'TEXTAREA', 'SELECT', 'HTML', 'BODY'].includes(e.tagName))
      out.push({why: 'clipped', scroll: e.scrollWidth, client: e.clientWidth,
                html: e.outerHTML.slice(0, 120)});
  }
  return {scrollWidth: document.scrollingElement.scrollWidth, width, out: out.slice(0, 5)};
}"""

# Words that do not fit on one line of their box and are broken in the middle by overflow-wrap.
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const box = node.parentElement;
    if (box.closest('.visually-hidden, [aria-hidden="true"]')
        || box.getBoundingClientRect().right <= 0) continue;  // not shown to anyone
    for (const m of node.textContent.matchAll(/[\\p{L}\\p{N}]{8,}/gu)) {
      const range = document.createRange();
      range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return broken;
}"""


# --- the server (browser_support's when it is there) and a Chromium of our own ---------------

def with_chromium(work: Callable[[Any], None]) -> None:
    """Run `work(chromium)` with a Playwright of its own, in a thread of its own.

    Playwright's sync API allows one running instance per thread, and another browser test
    module keeps its session-wide instance open; a thread of our own never collides with it.
    A failure inside is raised again here, in the test."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with sync_api.sync_playwright() as playwright:
                chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                      args=CHROMIUM_ARGS)
                try:
                    work(chromium)
                finally:
                    chromium.close()
        except BaseException as error:  # raised again in the test's own thread
            failures.append(error)

    thread = threading.Thread(target=run, name="chromium-es", daemon=True)
    thread.start()
    thread.join(timeout=600)
    assert not thread.is_alive(), "the Spanish walk-through did not finish within 10 minutes"
    if failures:
        raise failures[0]


# --- a person, in Spanish ---------------------------------------------------------------------

ANSWERS = with_substances_used(changed(
    reasons=["depression", "ptsd"],  # so the two PCL-5 pages are shown too
    ride_home="no", phq9_9=1, si_now="no",  # things to talk about, and crisis resources
    **{f"pcl5_{i}": i % 5 for i in range(1, 21)},
))


class SpanishVisit:
    """Checks every distinct page once and keeps a numbered screenshot of it."""

    def __init__(self, page) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.page, self.axe = page, Axe()
        self.seen: list[str] = []
        self.problems: list[str] = []
        SHOTS.mkdir(parents=True, exist_ok=True)
        for old in SHOTS.glob("*.png"):
            old.unlink()

    def check(self, name: str) -> None:
        if name in self.seen:
            return
        self.seen.append(name)
        page = self.page
        assert page.locator("html").get_attribute("lang") == "es", f"{name} is not lang=es"
        results = self.axe.run(page)
        assert results.violations_count == 0, (
            f"axe-core on {name} ({page.url}):\n{results.generate_report()}")
        text = page.locator("main").inner_text() + "\n" + page.locator(
            "footer").inner_text() + "\n" + page.title()
        leftovers = ENGLISH_LEFTOVERS.findall(text)
        assert not leftovers, f"English on the Spanish page {name}: {leftovers}"
        assert forbidden_phrases_es(text) == [], (name, forbidden_phrases_es(text))
        assert page.get_by_role("link", name="¿Necesita ayuda ahora?").count() == 1
        layout = page.evaluate(OVERFLOW)
        assert layout["scrollWidth"] <= layout["width"] + 1 and not layout["out"], (
            f"{name} does not fit 390 px: {layout}")
        broken = page.evaluate(BROKEN_WORDS)
        if broken:  # reported, not fatal: a long word broken across lines is still readable
            self.problems.append(f"{name}: words broken across lines: {broken}")
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
        page.screenshot(path=str(SHOTS / f"{len(self.seen):02d}-{slug}.png"), full_page=True)


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).or_(
            page.get_by_role("link", name=name, exact=True)).first.click()


def choose(page, question_id: str, value: Any) -> None:
    option = page.locator(f'input[name="{question_id}"][value="{value}"]')
    assert option.count() == 1, f"no option {value!r} for {question_id} on {page.url}"
    if not option.is_checked():
        page.locator(f'label[for="{option.get_attribute("id")}"]').click()
    assert option.is_checked()


def answer(page, ref, answers: dict[str, Any]) -> None:
    for question in ref.page.questions:
        if question.id not in answers:
            continue
        value = answers[question.id]
        if question.kind == "trials":
            for i, row in enumerate(value):
                if page.locator(".trial-row").count() <= i:
                    press(page, "Agregar otro antidepresivo" if i else "Agregar un antidepresivo")
                for key, item in row.items():
                    selector = f"#ad_trials-{i}-{key}"
                    if page.locator(f"select{selector}").count():
                        page.locator(selector).select_option(item)
                    else:
                        page.locator(selector).fill(item)
        elif question.kind == "multi":
            for item in value:
                choose(page, question.id, item)
        elif question.kind == "bool":
            if page.locator(f"#{question.id}").is_checked() != bool(value):
                page.locator(f'label[for="{question.id}"]').click()
        elif question.options:
            choose(page, question.id, value)
        else:  # one box, or several (a date of birth): each input's id is its name
            for name, text in question_fields(question, value):
                page.locator(f"#{name}").fill(text)


def path_of(page) -> str:
    return urlsplit(page.url).path


def test_the_whole_flow_in_spanish_in_chromium(live_server):
    with_chromium(lambda chromium: walk_in_spanish(chromium, live_server))


def walk_in_spanish(browser, live_server) -> None:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE,
                                  locale="en-US")  # an English browser: the person switches
    context.set_default_timeout(10_000)
    page = context.new_page()
    visit = SpanishVisit(page)

    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.get_by_role("button", name="Español").click()
    visit.check("inicio")
    assert "Tratamiento con ketamina y esketamina" in page.locator("h1").inner_text()
    press(page, "Empezar")  # without consent: the error, in Spanish
    assert "Hay un problema" in page.locator(".error-summary").inner_text()
    visit.check("inicio con error")
    choose(page, "consent_store", "yes")
    press(page, "Empezar")

    keys = []
    for _ in range(40):
        ref = page_of(page.url)
        if ref is None:
            break
        keys.append(ref.key)
        visit.check(ref.key)
        main = page.locator("main").inner_text()
        assert re.search(r"Paso \d+ de \d+", main)
        if ref.key == "phq9/1":
            assert OFFICIAL_STEM in main and PHQ9_OFFICIAL[8] in main
            press(page, "Continuar")  # nothing answered: every error in Spanish
            assert page.title().startswith("Error:")
            assert "Hay un problema" in page.locator(".error-summary").inner_text()
            visit.check("phq9/1 con errores")
        elif ref.key == "gad7/1":
            assert GAD7_OFFICIAL[6] in main
        elif ref.key == "about_you/2":
            page.get_by_role("link", name="¿Necesita ayuda ahora?").click()
            page.wait_for_url(re.compile(r"/help$"))
            visit.check("ayuda")
            crisis = page.locator(".crisis-box").inner_text()
            assert "marque 2 para español" in crisis and "911" in crisis
            press(page, "Continuar con las preguntas")
            assert page_of(page.url).key == "about_you/2"
        answer(page, ref, ANSWERS)
        if ref.key == "treatments/1":
            visit.check("treatments/1 con dos antidepresivos")
        press(page, "Continuar")
    assert path_of(page) == "/check", page.url
    assert {"pcl5/1", "pcl5/2", "safety/2", "treatments/1", "practical/1"} <= set(keys)

    visit.check("revisar")
    press(page, "Guardar y terminar después")
    visit.check("código para continuar")
    assert page.locator(".resume-code").inner_text().strip()
    press(page, "Seguir con las preguntas ahora")
    assert path_of(page) == "/check"

    with page.expect_navigation(url=re.compile(r"/confirmation$")):
        page.get_by_role("button", name="Enviar mis respuestas", exact=True).click()
    visit.check("confirmación")
    main = page.locator("main").inner_text()
    assert "Temas para hablar con un profesional de la salud" in main
    assert "Las visitas de tratamiento requieren que alguien le lleve a casa" in main
    assert "marque 2 para español" in main
    reference = page.locator(".reference").inner_text().strip()

    press(page, "Ver e imprimir una copia de sus respuestas")
    visit.check("copia de sus respuestas")
    assert reference in page.locator("main").inner_text()
    page.emulate_media(media="print")
    page.screenshot(path=str(SHOTS / "99-copia-impresa.png"), full_page=True)
    page.emulate_media(media="screen")

    page.goto("/resume")
    visit.check("continuar con su código")
    page.goto("/pagina-que-no-existe")
    visit.check("error 404")
    assert "No pudimos encontrar esa página." in page.locator("main").inner_text()

    with live_server.app.app_context():
        stored = db.session.query(Submission).filter_by(reference=reference).one()
        assert stored.language == "es"
        assert stored.answers == ANSWERS  # option values: the same as in English
    context.close()
    assert not visit.problems, "\n".join(visit.problems)
