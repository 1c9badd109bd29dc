"""The patient flow in real Chromium: JavaScript on and off, the crisis interrupt, resume,
errors, keyboard use, text zoom, touch targets, no third-party requests, axe-core on every page.

Answers come from the design personas and are given the way a person gives them: labels are
clicked, text is typed, "Add an antidepressant" is pressed. The JavaScript-on walk-through saves
screenshots of the main pages at 390 px and 1280 px in test-artifacts/screenshots/ for a person
to look at; with SCREENSHOTS_FOR_DOCS=1 it also writes the README's
docs/screenshots/first-question.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest

from screener.extensions import db
from screener.models import Submission
from screener.questionnaire import QUESTIONS

from browser_support import ARTIFACTS, ROOT, new_context
from flow_helpers import page_of, personas, question_fields, with_substances_used

pytestmark = pytest.mark.browser

AXE = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PERSONAS = {p["persona"]: p["answers"] for p in personas()}
NEVER_SAID = re.compile(r"\b(eligible|eligibility|qualif(y|ies|ied)|approved)\b", re.I)

# What a person taps must be at least 24 x 24 CSS px (WCAG 2.2, 2.5.8).
TARGETS_UNDER_24PX = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, a.button, .help-now'))
  .filter(e => e.getClientRects().length > 0 && !e.closest('[aria-hidden="true"]'))
  .map(e => { const r = e.getBoundingClientRect();
              return {element: e.outerHTML.slice(0, 90), width: r.width, height: r.height}; })
  .filter(t => t.width < 24 || t.height < 24)"""

# Text at 200 % (a phone's text-size setting): nothing may make the page scroll sideways.
SIDEWAYS_AT_200_PERCENT_TEXT = """() => {
  const root = document.documentElement, before = root.style.fontSize;
  root.style.fontSize = '200%';
  const result = {scrollWidth: document.scrollingElement.scrollWidth,
                  innerWidth: window.innerWidth,
                  overflowing: Array.from(document.querySelectorAll('body *'))
                    .filter(e => !e.closest('[aria-hidden="true"]'))
                    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                                 || e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
                    .slice(-3).map(e => e.outerHTML.slice(0, 90))};
  root.style.fontSize = before;
  return result;
}"""


def persona(name: str) -> dict[str, Any]:
    """A persona's answers, with the substances they tick (the personas predate that question)."""
    if name not in PERSONAS:
        pytest.skip(f"persona {name} not in ../shared/design/personas.json")
    return with_substances_used(PERSONAS[name])


# --- checks on every page -----------------------------------------------------------------

def axe_report(page) -> str:
    """axe-core's report for the page (all rules axe runs by default), empty when clean."""
    results = AXE.run(page)
    return "" if results.violations_count == 0 else results.generate_report()


class NoScriptMirror:
    """axe-core and layout measurements need JavaScript. For a page seen with JavaScript off, the
    very HTML it received is loaded into a second page where scripting is on for the checks only
    and our own enhance.js is blocked, so the DOM is the one a person without JavaScript gets."""

    def __init__(self, browser, server) -> None:
        self.context = new_context(browser, server, javascript=True)
        self.context.route("**/static/js/**", lambda route: route.abort())
        self.page = self.context.new_page()

    def load(self, page):
        url, html = page.url, page.content()

        def same_url(candidate: str) -> bool:
            return candidate == url

        self.page.route(same_url, lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=html))
        try:
            self.page.goto(url)
        finally:
            self.page.unroute(same_url)
        return self.page


class Visit:
    """The checks run once on each distinct page a test sees (named for the report):
    axe-core, the "Need help now?" link, touch targets, and text at 200 % at the page's width.
    With `only`, just the named pages are checked (the others are covered by another test)."""

    def __init__(self, page, *, mirror: NoScriptMirror | None = None,
                 only: set[str] | None = None):
        self.page = page
        self.mirror = mirror
        self.only = only
        self.checked: list[str] = []

    def check(self, name: str) -> None:
        if name in self.checked or (self.only is not None and name not in self.only):
            return
        self.checked.append(name)
        target = self.mirror.load(self.page) if self.mirror else self.page
        report = axe_report(target)
        assert not report, f"axe-core on {name} ({self.page.url}):\n{report}"
        assert target.locator("a.help-now").count() == 1, f"no 'Need help now?' link on {name}"
        small = target.evaluate(TARGETS_UNDER_24PX)
        assert not small, f"touch targets under 24 px on {name}: {small}"
        zoom = target.evaluate(SIDEWAYS_AT_200_PERCENT_TEXT)
        assert zoom["scrollWidth"] <= zoom["innerWidth"] + 1, (
            f"{name} scrolls sideways with text at 200 % at {zoom['innerWidth']} px: {zoom}")


def screenshot(page, name: str) -> None:
    """Full-page screenshots at phone and desktop width, for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(size)


def assert_only_local_requests(*contexts) -> None:
    for context in contexts:
        assert context.request_log.urls, "no request was recorded"
        foreign = context.request_log.foreign()
        assert not foreign, f"requests to other hosts: {foreign}"


# --- acting like a person -----------------------------------------------------------------

def press(page, name: str) -> None:
    """Press a button (or follow a link) by its visible name, and wait for the next page."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).or_(
            page.get_by_role("link", name=name, exact=True)).first.click()


def go_back(page) -> None:
    """The page's own Back link (not the browser's)."""
    with page.expect_navigation():
        page.locator("a.back-link").click()


def choose(page, question_id: str, value: Any, *, checkbox: bool = False) -> None:
    """Click the label of a radio button, or of a checkbox that is not ticked yet."""
    option = f'input[name="{question_id}"][value="{value}"]'
    if checkbox and page.locator(option).is_checked():
        return
    page.locator(f".choice:has(> {option}) > label").click()


def add_antidepressants(page, rows: list[dict[str, str]]) -> None:
    """Press "Add an antidepressant" ("Add another antidepressant" once a row exists) for each
    row, then fill the row in."""
    for i, row in enumerate(rows):
        if page.locator(".trial-row").count() <= i:
            press(page, "Add another antidepressant" if i else "Add an antidepressant")
        assert page.locator(".trial-row").count() == i + 1
        for key, value in row.items():
            select = page.locator(f"select#ad_trials-{i}-{key}")
            if select.count():
                select.select_option(value)
            else:
                page.locator(f"#ad_trials-{i}-{key}").fill(value)


def answer_page(page, ref, answers: dict[str, Any]) -> set[str]:
    """Answer the questions of this page that the persona answered; returns their ids."""
    answered = set()
    for question in ref.page.questions:
        if question.id not in answers:
            continue
        value = answers[question.id]
        if question.kind == "trials":
            add_antidepressants(page, value)
        elif question.kind == "multi":
            for item in value:
                choose(page, question.id, item, checkbox=True)
        elif question.kind == "bool":
            if page.locator(f"#{question.id}").is_checked() != bool(value):
                page.locator(f'label[for="{question.id}"]').click()
        elif question.options:
            choose(page, question.id, value)
        else:  # one box, or several (a date of birth): each input's id is its name
            for name, text in question_fields(question, value):
                page.locator(f"#{name}").fill(text)
        answered.add(question.id)
    return answered


def begin(page, visit: Visit) -> None:
    page.goto("/")
    visit.check("start")
    choose(page, "consent_store", "yes")
    press(page, "Start")


def path_of(page) -> str:
    return urlsplit(page.url).path


def step_number(page) -> tuple[int, int]:
    text = page.locator(".progress").inner_text().strip()
    match = re.fullmatch(r"Step (\d+) of (\d+)", text)
    assert match, f"the progress indicator reads {text!r}"
    return int(match[1]), int(match[2])


def walk_to_check(page, answers: dict[str, Any], visit: Visit, *,
                  before: Callable[[Any], None] | None = None,
                  after: Callable[[Any], None] | None = None,
                  help_after: str | None = None) -> set[str]:
    """Answer every page up to "Check your answers" and return the question ids answered.
    `before`/`after` see each page around answering it. With `help_after` (a page key) the
    crisis help page must come right after that page, and is passed the way a person would."""
    answered: set[str] = set()
    previous, position, help_seen = None, 0, False
    for _ in range(40):
        if path_of(page) == "/help":
            assert help_after is not None and previous == help_after, (
                f"the help page came after {previous}, expected after {help_after}")
            visit.check("help after the crisis interrupt")
            assert "988" in page.locator(".crisis-box").inner_text()
            help_seen = True
            press(page, "Continue the questions")
            continue
        ref = page_of(page.url)
        if ref is None:
            break
        assert ref.key != previous, f"{ref.key} was shown again after Continue"
        number, total = step_number(page)
        assert number == position + 1 and number <= total, (ref.key, number, total)
        visit.check(ref.key)
        if before:
            before(ref)
        answered |= answer_page(page, ref, answers)
        if after:
            after(ref)
        previous, position = ref.key, number
        press(page, "Continue")
    assert path_of(page) == "/check", f"the walk stopped at {page.url}"
    assert help_seen == (help_after is not None), "crisis interrupt: help page seen or not"
    return answered


def submission_count(server) -> int:
    with server.app.app_context():
        return db.session.query(Submission).count()


def stored_submission(server, reference: str) -> Submission:
    with server.app.app_context():
        submission = db.session.query(Submission).filter_by(reference=reference).one()
        db.session.expunge(submission)
        return submission


def send_and_confirm(page, visit: Visit, server, answers: dict[str, Any], answered: set[str],
                     *, double_click: bool = False) -> Submission:
    """From the check page: send, read the confirmation and open the copy of the answers.
    What the database holds must be exactly the persona's answers."""
    visit.check("check")
    assert page.locator(".answer-section h2").count() >= 10
    before = submission_count(server)
    send = page.get_by_role("button", name="Send my answers", exact=True)
    if double_click:
        # The second click aborts the first click's navigation; which of the two answers
        # first depends on the machine's load, so wait for where the page ends, not for one
        # navigation.
        send.dblclick()
        page.wait_for_function("() => location.pathname === '/confirmation'")
        page.wait_for_load_state()
    else:
        with page.expect_navigation(url=re.compile(r"/confirmation$")):
            send.click()
    visit.check("confirmation")
    assert submission_count(server) == before + 1, "one submission per person"
    text = page.locator("main").inner_text()
    assert not NEVER_SAID.search(text), f"the confirmation says {NEVER_SAID.search(text)[0]!r}"
    reference = page.locator(".reference").inner_text().strip()
    submission = stored_submission(server, reference)
    # "never" is stored, not asked, for each substance not ticked.
    not_ticked = {q.id for q in QUESTIONS.values()
                  if q.unasked_value is not None and answers.get(q.id) == q.unasked_value}
    unasked = {k for k in answers if k != "consent_store"} - not_ticked ^ answered
    assert not unasked, f"persona answers the browser never asked for, or extra: {unasked}"
    assert submission.answers == answers, "what was stored differs from what was entered"
    press(page, "See and print a copy of your answers")
    visit.check("my answers")
    assert reference in page.locator("main").inner_text()
    return submission


# --- the walk-throughs --------------------------------------------------------------------

def test_full_flow_with_javascript(browser, live_server):
    """P01 (two antidepressants, a same-page condition) with JavaScript on; every page is
    checked and the main pages are photographed at phone and desktop width."""
    answers = persona("P01")
    context = new_context(browser, live_server, javascript=True)
    page = context.new_page()
    visit = Visit(page)
    page.goto("/")
    screenshot(page, "01-start")
    begin(page, visit)

    def before(ref) -> None:
        if ref.key == "about_you/1":
            screenshot(page, "02-about-you-1")
            if os.environ.get("SCREENSHOTS_FOR_DOCS"):
                docs = ROOT / "docs" / "screenshots"
                docs.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(docs / "first-question.png"), full_page=True)
        elif ref.key == "about_you/2":
            # A question that depends on an answer on the same page follows it at once.
            choose(page, "sex_at_birth", "male")
            assert page.locator("#q-can_become_pregnant").is_hidden()
            choose(page, "sex_at_birth", "female")
            assert page.locator("#q-can_become_pregnant").is_visible()
            # "Need help now?" works from any page and leads back to the questions.
            press(page, "Need help now?")
            assert path_of(page) == "/help"
            visit.check("help")
            assert "988" in page.locator(".crisis-box").inner_text()
            screenshot(page, "08-help")
            press(page, "Continue the questions")
            assert page_of(page.url).key == "about_you/2"
        elif ref.key == "phq9/1":
            # Continue without answering: an error summary, focused, linking to each question.
            press(page, "Continue")
            assert page_of(page.url).key == "phq9/1"
            assert page.title().startswith("Error:")
            assert page.evaluate("document.activeElement.classList.contains('error-summary')")
            links = page.locator(".error-summary a").evaluate_all("as => as.map(a => a.hash)")
            assert len(links) == 9
            for anchor in links:
                assert page.locator(anchor).count() == 1, f"error link {anchor} leads nowhere"
            visit.check("phq9/1 with errors")
            screenshot(page, "07-errors-phq9")
        elif ref.key == "safety/1":
            screenshot(page, "05-safety")

    def after(ref) -> None:
        if ref.key == "about_you/2":
            screenshot(page, "03-about-you-2")
        elif ref.key == "phq9/1":
            screenshot(page, "04-phq9")
        elif ref.key == "treatments/1":
            assert page.locator(".trial-row").count() == 2
            visit.check("treatments/1 with two antidepressants")
            screenshot(page, "06-treatments-two-rows")
        elif ref.key == "heart/1":
            screenshot(page, "06b-blood-pressure")

    answered = walk_to_check(page, answers, visit, before=before, after=after)
    screenshot(page, "09-check")
    send_and_confirm(page, visit, live_server, answers, answered)
    assert page.get_by_role("button", name="Print").is_visible()  # only with JavaScript
    go_back(page)
    screenshot(page, "10-confirmation")
    assert_only_local_requests(context)
    context.close()


def test_full_flow_without_javascript(browser, live_server):
    """P13 (blood pressure unknown: a checkbox that hides questions on its own page) with
    JavaScript off: skip logic on the server, "add another" as a submit button, a change link
    from the check page, and a double click on Send that still makes one submission."""
    answers = persona("P13")
    context = new_context(browser, live_server, javascript=False)
    page = context.new_page()
    mirror = NoScriptMirror(browser, live_server)
    visit = Visit(page, mirror=mirror)
    begin(page, visit)

    def before(ref) -> None:
        if ref.key == "heart/1":
            # Without JavaScript the dependent questions are all there, marked as such.
            assert page.locator("#q-bp_systolic").is_visible()
            assert page.locator("#q-bp_systolic .if-applies").is_visible()

    answered = walk_to_check(page, answers, visit, before=before)
    # Change one answer from the check page and come back to it.
    page.locator("#section-phq9 > summary").click()
    page.locator('a[href*="/q/phq9/1?return=check&answer=phq9_difficulty"]').click()
    page.wait_for_url(re.compile(r"/q/phq9/1\?return=check"))
    choose(page, "phq9_difficulty", "extremely")
    press(page, "Save and return to check your answers")
    assert path_of(page) == "/check"
    assert "Extremely difficult" in page.locator("main").inner_text()
    answers = {**answers, "phq9_difficulty": "extremely"}
    send_and_confirm(page, visit, live_server, answers, answered, double_click=True)
    assert page.get_by_role("button", name="Print").is_hidden()  # no JavaScript, no button
    # The browser's Back button to the check page: it is not shown again, nothing is resent.
    sent = submission_count(live_server)
    page.go_back()
    page.go_back()
    assert path_of(page) == "/confirmation"
    assert submission_count(live_server) == sent
    assert_only_local_requests(context, mirror.context)
    mirror.context.close()
    context.close()


def test_crisis_interrupt_shows_help_next_then_goes_on(browser, live_server):
    """P09 answers "Yes" to thoughts of killing themselves right now: the very next page is the
    help page with 988; they go on, and the confirmation shows the crisis resources again."""
    answers = persona("P09")
    assert answers["si_now"] == "yes"
    context = new_context(browser, live_server, javascript=True)
    page = context.new_page()
    # The pages this walk shares with the others are checked there.
    visit = Visit(page, only={"safety/2", "help after the crisis interrupt", "confirmation"})
    begin(page, visit)
    answered = walk_to_check(page, answers, visit, help_after="safety/2")
    submission = send_and_confirm(page, visit, live_server, answers, answered)
    assert submission.urgent and submission.crisis
    go_back(page)
    crisis = page.locator(".crisis-box")
    assert crisis.is_visible() and "988" in crisis.inner_text()
    assert page.locator('a[href="tel:988"]').count() >= 1
    assert_only_local_requests(context)
    context.close()


# --- single pages ---------------------------------------------------------------------------

def test_resume_code_restores_answers_on_another_device(browser, live_server):
    answers = persona("P01")
    first = new_context(browser, live_server, javascript=True)
    page = first.new_page()
    visit = Visit(page)
    begin(page, visit)
    answer_page(page, page_of(page.url), answers)
    press(page, "Save and finish later")
    visit.check("resume code shown")
    code = page.locator(".resume-code").inner_text().strip()
    assert len(code) >= 20

    other = new_context(browser, live_server, javascript=True, width=1280, height=900)
    page = other.new_page()
    visit = Visit(page)
    page.goto("/")
    press(page, "I have a resume code")
    visit.check("resume")
    page.locator("#resume_code").fill("ABCDE-12345-FGHJK-67890-MNPQR-STVWX")
    press(page, "Continue")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    visit.check("resume with an unknown code")
    page.locator("#resume_code").fill(code.lower())
    press(page, "Continue")
    assert page_of(page.url).key == "about_you/2", "resume goes to the first unanswered page"
    go_back(page)
    assert page_of(page.url).key == "about_you/1"
    for question_id in ("first_name", "last_name", "email", "phone"):
        assert page.locator(f"#{question_id}").input_value() == str(answers[question_id])
    year, month, day = answers["date_of_birth"].split("-")
    assert [page.locator(f"#date_of_birth-{part}").input_value()
            for part in ("month", "day", "year")] == [str(int(month)), str(int(day)), year]
    assert page.locator(f'input[name="preferred_contact"][value="{answers["preferred_contact"]}"]'
                        ).is_checked()
    assert_only_local_requests(first, other)
    first.close()
    other.close()


def test_errors_keep_what_was_typed_and_are_tied_to_fields(browser, live_server):
    context = new_context(browser, live_server, javascript=True)
    page = context.new_page()
    visit = Visit(page)
    begin(page, visit)
    page.locator("#first_name").fill("Alex")
    page.locator("#email").fill("alex@")
    press(page, "Continue")
    assert page_of(page.url).key == "about_you/1"
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    visit.check("about_you/1 with errors")
    assert page.locator("#first_name").input_value() == "Alex"
    email = page.locator("#email")
    assert email.input_value() == "alex@"
    assert email.get_attribute("aria-invalid") == "true"
    assert "email-error" in email.get_attribute("aria-describedby").split()
    assert "name@example.com" in page.locator("#email-error").inner_text()
    # The summary's link leads to the field.
    page.locator('.error-summary a[href="#email"]').click()
    assert page.url.endswith("#email")
    assert_only_local_requests(context)
    context.close()


def test_keyboard_only(browser, live_server):
    """Tab to a radio, Space and arrows to choose, Enter to submit; then type a page in."""
    context = new_context(browser, live_server, javascript=True, locale="en-US")
    page = context.new_page()
    page.goto("/")
    keyboard = page.keyboard

    def tab_to(selector: str, limit: int = 40) -> None:
        for _ in range(limit):
            keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches('{selector}')"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    def focus_is_visible() -> bool:
        return page.evaluate("getComputedStyle(document.activeElement).outlineStyle !== 'none'")

    tab_to("#consent_store-0")
    assert focus_is_visible()
    keyboard.press("Space")
    assert page.locator("#consent_store-0").is_checked()
    keyboard.press("ArrowDown")
    assert page.locator("#consent_store-1").is_checked()
    keyboard.press("ArrowUp")
    assert page.locator("#consent_store-0").is_checked()
    with page.expect_navigation():
        keyboard.press("Enter")
    assert page_of(page.url).key == "about_you/1"

    answers = persona("P01")
    for question_id in ("first_name", "last_name"):
        tab_to(f"#{question_id}")
        assert focus_is_visible()
        keyboard.type(answers[question_id])
    tab_to("#date_of_birth-month")  # month, day, year: the US order in English
    year, month, day = answers["date_of_birth"].split("-")
    for i, typed in enumerate((month, day, year)):
        if i:
            keyboard.press("Tab")
        assert focus_is_visible()
        keyboard.type(typed)
    for question_id in ("email", "phone"):
        tab_to(f"#{question_id}")
        keyboard.type(answers[question_id])
    tab_to('[name="preferred_contact"]')
    for _ in range(4):
        if page.evaluate("document.activeElement.value") == answers["preferred_contact"]:
            break
        keyboard.press("ArrowDown")
    keyboard.press("Space")
    with page.expect_navigation():
        keyboard.press("Enter")
    assert page_of(page.url).key == "about_you/2", page.locator(".error-summary").all_inner_texts()
    assert_only_local_requests(context)
    context.close()


def test_enter_in_a_text_field_of_the_antidepressant_page_continues(browser, live_server):
    answers = persona("P01")
    context = new_context(browser, live_server, javascript=True)
    page = context.new_page()
    begin(page, Visit(page, only=set()))
    while (ref := page_of(page.url)).key != "treatments/1":
        answer_page(page, ref, answers)
        press(page, "Continue")
    answer_page(page, ref, answers)
    with page.expect_navigation():
        page.locator("#ad_trials-1-drug_other").press("Enter")
    rows = page.locator(".trial-row").count()
    context.close()
    assert page_of(page.url).key == "treatments/2", f"still on {page.url} with {rows} rows"


@contextmanager
def person(browser, server, javascript: bool, checked: set[str]):
    """A person at the start page with JavaScript on or off; the pages named in `checked` are
    checked (axe-core ...) when the test calls visit.check. Yields (page, visit)."""
    context = new_context(browser, server, javascript=javascript)
    mirror = None if javascript else NoScriptMirror(browser, server)
    page = context.new_page()
    visit = Visit(page, mirror=mirror, only=checked)
    try:
        begin(page, visit)
        yield page, visit
        assert_only_local_requests(context, *([mirror.context] if mirror else []))
    finally:
        if mirror:
            mirror.context.close()
        context.close()


def walk_until(page, answers: dict[str, Any], key: str | None = None) -> None:
    """Answer and continue until the page `key` (or, without one, the check page)."""
    while (ref := page_of(page.url)) is not None and ref.key != key:
        answer_page(page, ref, answers)
        press(page, "Continue")
    assert key or urlsplit(page.url).path == "/check", page.url


def latest_draft_answers(server) -> dict[str, Any]:
    from screener.models import Draft

    with server.app.app_context():
        return db.session.query(Draft).order_by(Draft.updated_at.desc()).first().answers


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_date_of_birth_and_us_units_in_chromium(browser, live_server, javascript):
    """The date of birth in three boxes (month first in US English) and a height and weight in
    feet, inches and pounds: a wrong box is named and marked, and the stored answers are the
    same ISO date, centimetres and kilograms as before."""
    answers = persona("P01")
    with person(browser, live_server, javascript, {"date without a year",
                                                   "feet and inches wrong"}) as (page, visit):
        check_date_and_units(page, visit, answers, live_server)


def check_date_and_units(page, visit, answers, live_server) -> None:
    assert page.locator(".part-inputs input").evaluate_all(
        "inputs => inputs.map(i => i.id)") == [
        "date_of_birth-month", "date_of_birth-day", "date_of_birth-year"]
    answer_page(page, page_of(page.url), answers)
    page.locator("#date_of_birth-year").fill("")
    press(page, "Continue")
    assert page.title().startswith("Error:")
    summary = page.locator(".error-summary a")
    assert summary.all_inner_texts() == ["Date of birth must include a year"]
    assert page.locator("#date_of_birth-year").get_attribute("aria-invalid") == "true"
    assert page.locator("#date_of_birth-month").get_attribute("aria-invalid") is None
    visit.check("date without a year")
    summary.click()
    assert page.evaluate("document.activeElement.id") == "date_of_birth-year"
    page.keyboard.type(answers["date_of_birth"][:4])
    press(page, "Continue")
    assert page_of(page.url).key == "about_you/2"
    answer_page(page, page_of(page.url), answers)
    assert page.locator("#height_cm-feet").input_value() == "5"
    page.locator("#height_cm-inches").fill("13")
    page.locator("#weight_kg-pounds").fill("165")
    press(page, "Continue")
    assert page.locator(".error-summary a").all_inner_texts() == [
        "Enter your height in feet and inches, like 5 feet 9 inches"]
    assert page.locator("#height_cm-inches").input_value() == "13"  # kept as typed
    visit.check("feet and inches wrong")
    page.locator("#height_cm-inches").fill("9")
    press(page, "Continue")
    assert page_of(page.url).key == "reasons/1"
    stored = latest_draft_answers(live_server)
    assert {k: stored[k] for k in ("date_of_birth", "height_cm", "weight_kg")} == {
        k: answers[k] for k in ("date_of_birth", "height_cm", "weight_kg")}


# Heights at 390 px for P01 (who used no drug), measured on the code before issue 22 (1206138).
BEFORE_PX = {"substances": 3360, "check": 11375}


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_substances_in_two_steps_in_chromium(browser, live_server, javascript):
    """"Have you ever used any of these?" first; "when" only for what was ticked, without
    "Never"; "never" stored for the rest. For someone who used nothing the page is at most half
    as tall as the old one with 40 radio buttons."""
    answers = persona("P01")
    with person(browser, live_server, javascript, {"substances/2", "substances/3"}) as (
            page, visit):
        check_substances(page, visit, answers, live_server, javascript)


def check_substances(page, visit, answers, live_server, javascript: bool) -> None:
    walk_until(page, answers, "substances/2")
    visit.check("substances/2")
    assert page_height(page) <= BEFORE_PX["substances"] / 2, page_height(page)
    choose(page, "substances_used", "cannabis", checkbox=True)
    choose(page, "substances_used", "none", checkbox=True)
    if javascript:  # "None of these" unticks the others at once
        assert not page.locator('input[name="substances_used"][value="cannabis"]').is_checked()
        choose(page, "substances_used", "cannabis", checkbox=True)
        assert not page.locator('input[name="substances_used"][value="none"]').is_checked()
    else:
        press(page, "Continue")
        assert page.locator(".error-summary a").all_inner_texts() == [
            "Choose “None of these” on its own, or the options that apply"]
        page.locator('.choice:has(> input[value="none"]) > label').click()  # untick
    press(page, "Continue")
    assert page_of(page.url).key == "substances/3"
    visit.check("substances/3")
    assert page.locator('input[name^="last_use_"]').evaluate_all(
        "inputs => [...new Set(inputs.map(i => i.name))]") == ["last_use_cannabis"]
    assert page.locator('input[value="never"]').count() == 0
    choose(page, "last_use_cannabis", "within_3_months")
    press(page, "Continue")
    assert page_of(page.url).key == "medicines/1"
    stored = latest_draft_answers(live_server)
    assert stored["substances_used"] == ["cannabis"]
    assert stored["last_use_cannabis"] == "within_3_months"
    assert {k: v for k, v in stored.items() if k.startswith("last_use_") and k != (
        "last_use_cannabis")} == {k: "never" for k in answers if k.startswith("last_use_")
                                  and k != "last_use_cannabis"}


IN_VIEW = """id => { const r = document.getElementById(id).getBoundingClientRect();
                     return r.top >= -1 && r.bottom <= window.innerHeight + 1; }"""


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_check_page_changes_one_answer_and_comes_back_to_it(browser, live_server, javascript):
    """Check your answers: folded sections (at most half the old height at 390 px), a Change
    link on every answer that opens its page at that question and comes back to that row."""
    answers = persona("P01")
    with person(browser, live_server, javascript, {"check, folded",
                                                   "check, about you changed"}) as (page, visit):
        check_change_links(page, visit, answers, javascript)


def check_change_links(page, visit, answers, javascript: bool) -> None:
    walk_until(page, answers)
    visit.check("check, folded")
    assert page_height(page) <= BEFORE_PX["check"] / 2, page_height(page)
    assert page.locator("details.answer-section[open]").count() == 0
    page.locator("#section-about_you > summary").click()
    rows = page.locator("#section-about_you .answer-row")
    assert rows.count() == rows.locator("a", has_text="Change").count() >= 10
    link = page.get_by_role("link", name="Change Date of birth", exact=True)
    with page.expect_navigation():
        link.click()
    assert page_of(page.url).key == "about_you/1" and page.url.endswith("#date_of_birth-month")
    if javascript:
        assert page.evaluate("document.activeElement.id") == "date_of_birth-month"
    assert page.evaluate(IN_VIEW, "date_of_birth-month")
    page.locator("#date_of_birth-month").fill("1")
    press(page, "Save and return to check your answers")
    assert urlsplit(page.url).path == "/check" and page.url.endswith("#answer-date_of_birth")
    assert page.locator("#section-about_you").get_attribute("open") is not None
    assert page.evaluate(IN_VIEW, "answer-date_of_birth")
    assert "January 16, 1983" in page.locator("#answer-date_of_birth").inner_text()
    visit.check("check, about you changed")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_resume_code_has_a_copy_button_with_javascript(browser, live_server, javascript):
    context = new_context(browser, live_server, javascript=javascript)
    if javascript:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    begin(page, Visit(page, only=set()))
    press(page, "Save and finish later")
    code = page.locator(".resume-code").inner_text().strip()
    button = page.get_by_role("button", name="Copy the code", exact=True)
    if javascript:
        button.click()
        assert page.evaluate("navigator.clipboard.readText()") == code
        assert "Copied" in page.locator(".copy-status").inner_text()
        assert not axe_report(page)
    else:
        assert button.count() == 0  # hidden: nothing to press without JavaScript
    context.close()


def test_the_email_pages_in_chromium(browser, tmp_path):
    """With mail (SMTP_URL): the resume code page's email form (and its error), the "we sent
    you a link" page, the link's page and the check page's confirmation box pass axe-core."""
    import socket
    import threading

    from aiosmtpd.controller import Controller
    from werkzeug.serving import make_server

    from screener import create_app

    from browser_support import LiveServer

    class Inbox:
        bodies: list[str] = []

        async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it so
            self.bodies.append(envelope.content.decode())
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(Inbox(), hostname="127.0.0.1", port=port)
    smtp.start()
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False, "SERVER_NAME": None,
                      "SECRET_KEY": "browser-tests-secret-key-not-for-production-0123456789",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'mail.db'}",
                      "SMTP_URL": f"smtp+plain://127.0.0.1:{port}", "PUBLIC_URL": "http://x"})
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    try:
        answers = persona("P01")
        context = new_context(browser, live, javascript=True)
        page = context.new_page()
        visit = Visit(page)
        begin(page, visit)
        answer_page(page, page_of(page.url), answers)
        press(page, "Save and finish later")
        visit.check("resume code with the email form")
        page.locator("#email").fill("alex@")
        press(page, "Email me a link")
        assert page.title().startswith("Error:")
        visit.check("email form with an error")
        page.locator("#email").fill("alex@example.org")
        press(page, "Email me a link")
        visit.check("we sent you a link")
        link = re.search(r"http://x(/resume/[\w-]+)", Inbox.bodies[-1])[1]
        page.goto(link)
        visit.check("the emailed link")
        press(page, "Continue your answers")
        assert page_of(page.url).key == "about_you/2"
        walk_until(page, answers)
        visit.check("check with the confirmation box")
        assert page.locator("#email_confirmation").is_visible()
        assert_only_local_requests(context)
        context.close()
    finally:
        server.shutdown()
        smtp.stop()
        with app.app_context():
            db.engine.dispose()
