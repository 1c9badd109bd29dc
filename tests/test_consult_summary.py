"""The consult summary: the print view (paper, A4 and US Letter) and the same as a PDF made by
WeasyPrint. Page 1 holds everything a provider needs at a glance (who, why, scores, every flag,
the antidepressants tried), checked in the PDF's own page text for the heaviest personas; the
detail follows from page 2. Page 1 of each PDF is also drawn as a PNG in test-artifacts/summary/
for a person to look at."""

from __future__ import annotations

import html
import io
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pypdf
import pytest
import tinycss2
from sqlalchemy import select

from screener.extensions import db
from screener.models import AuditEvent
from screener.questionnaire import QUESTIONS
from screener.rules import SEVERITIES, evaluate
from screener.staff.summary import css_string, page_css

import browser_support
from browser_support import new_context, serious_violations, staff_log_in
from conftest import make_app
from flow_helpers import csrf_token, personas
from staff_helpers import (
    PASSWORD,
    install_clock,
    make_user,
    post_form,
    staff_client,
    submission,
    submit_answers,
)

pytestmark = pytest.mark.skipif(not personas(), reason="shared/design/personas.json not found")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "summary"
PAGE_POINTS = {"a4": (595, 842), "letter": (612, 792)}


def rich_answers() -> dict:
    """A person with a flag of every severity: the first persona with the urgent suicide answers
    of P09, the heart and kidney history of P19 and the liver answers of P13."""
    by_name = {p["persona"]: p["answers"] for p in personas()}
    answers = dict(by_name["P13"])
    for donor in ("P09", "P19"):
        answers.update({k: v for k, v in by_name[donor].items()
                        if by_name["P01"].get(k) != v and k != "date_of_birth"})
    answers.update(first_name="Zoë", last_name="O'Neil-Ngata")
    return answers


TRIALS = [  # six antidepressants, one named by the person, every outcome
    {"drug": "sertraline", "weeks": "gt8", "adherence": "as_prescribed", "outcome": "no_change",
     "current_episode": "yes"},
    {"drug": "escitalopram", "weeks": "6_8", "adherence": "mostly",
     "outcome": "some_improvement", "current_episode": "yes"},
    {"drug": "venlafaxine", "weeks": "gt8", "adherence": "as_prescribed",
     "outcome": "better_then_returned", "current_episode": "no"},
    {"drug": "bupropion", "weeks": "lt4", "adherence": "often_missed",
     "outcome": "stopped_side_effects", "current_episode": "yes"},
    {"drug": "other", "drug_other": "Agomelatine (Valdoxan, from abroad)", "weeks": "6_8",
     "adherence": "as_prescribed", "outcome": "no_change", "current_episode": "not_sure"},
    {"drug": "phenelzine", "weeks": "4_5", "adherence": "as_prescribed", "outcome": "no_change",
     "current_episode": "yes"},
]
TRIAL_NAMES = ["Sertraline (Zoloft)", "Escitalopram (Lexapro)", "Venlafaxine (Effexor)",
               "Bupropion (Wellbutrin)", "Agomelatine (Valdoxan, from abroad)",
               "Phenelzine (Nardil)"]
WHY = ("Sleep has been very poor for two years and I can no longer work full time; my GP "
       "suggested asking about ketamine after the last medicine stopped helping.")


def merged(base: str, donors: tuple[str, ...], **changes) -> dict:
    """A persona's answers with every answer in which the donors differ from P01 laid over."""
    by_name = {p["persona"]: p["answers"] for p in personas()}
    answers = dict(by_name[base])
    for donor in donors:
        answers.update({k: v for k, v in by_name[donor].items()
                        if by_name["P01"].get(k) != v and k != "ad_trials"})
    answers.update(reasons=["depression", "anxiety", "chronic_pain", "other"],
                   reasons_other=WHY, ad_trials=TRIALS, **changes)
    return answers


def sixty_five_today() -> str:
    """A date of birth that makes someone 65 on the day the tests run, with the 65th birthday
    four to five months past: the age is worked out from the real date when the answers are
    sent, and P19's fixed 1961-01-15 makes 66 from 15 January 2027."""
    birthday = (date.today() - timedelta(days=120)).replace(day=1)
    return birthday.replace(year=birthday.year - 65).isoformat()


def heavy_answers() -> dict:
    """The heaviest realistic person: 65, a heart attack this year, on dialysis, glaucoma, an
    MAOI, a past attempt and thoughts of suicide now: 13 flags (one urgent) and six
    antidepressants, and a long answer to "tell us a little more"."""
    by_name = {p["persona"]: p["answers"] for p in personas()}
    return merged("P13", ("P03", "P11", "P15", "P09", "P27", "P19"),
                  si_now="yes", bladder=by_name["P25"]["bladder"],
                  date_of_birth=sixty_five_today())


def heaviest_answers() -> dict:
    """More than any one person is likely to have (17 flags): page 1 overflows on purpose."""
    answers = merged("P13", ("P07", "P09", "P19", "P11", "P15", "P27", "P25", "P23", "P03",
                             "P29", "P21", "P17"))
    by_name = {p["persona"]: p["answers"] for p in personas()}
    answers.update({k: v for k, v in by_name["P09"].items() if k.startswith("si_")})
    return answers


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def staff(app):
    install_clock(app)
    return staff_client(app)


@pytest.fixture
def rich(app, staff) -> str:
    reference = submit_answers(app, rich_answers())
    post_form(staff, f"/staff/submissions/{reference}", f"/staff/submissions/{reference}/notes",
              {"body": "Called on Monday; consult booked.\nAsked to bring BP readings."})
    return reference


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request, tmp_path_factory):
    """One rich submission per database for the tests that only read it (walking the whole
    questionnaire and logging staff in took seconds a test); the tests that count audit rows
    or change something make their own with `rich`."""
    for app in make_app(request.param, tmp_path_factory.mktemp("summary")):
        install_clock(app)
        staff = staff_client(app)
        reference = submit_answers(app, rich_answers())
        post_form(staff, f"/staff/submissions/{reference}",
                  f"/staff/submissions/{reference}/notes",
                  {"body": "Called on Monday; consult booked.\nAsked to bring BP readings."})
        yield SimpleNamespace(app=app, staff=staff, reference=reference,
                              database=request.param)


def summary_of(client, reference: str, **query) -> str:
    response = client.get(f"/staff/submissions/{reference}/summary", query_string=query)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.text


def test_the_submission_page_offers_the_summary_pdf_and_fhir_in_one_click(shared):
    staff, rich = shared.staff, shared.reference
    page = staff.get(f"/staff/submissions/{rich}").text
    assert f'href="/staff/submissions/{rich}/summary"' in page
    assert f'action="/staff/submissions/{rich}/summary.pdf"' in page
    assert f'action="/staff/submissions/{rich}/fhir"' in page


def test_the_summary_reads_who_why_scores_flags_trials_then_the_detail(shared):
    staff, rich = shared.staff, shared.reference
    page = summary_of(staff, rich)
    text = text_of(page)
    headings = [text_of(h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page)]
    assert headings[:2] == ["Why they came", "Scores"]
    assert re.fullmatch(r"\d+ flags, most severe first rulebook .*", headings[2])
    assert headings[3].startswith("Antidepressants tried")
    assert headings[4:] == ["Where each flag comes from", "Every answer", "Notes"]
    glance, detail = page.split('<div class="detail">')
    assert 'aria-label="Who"' in glance and 'class="trial-table"' in glance
    for words in ("Zoë O'Neil-Ngata", rich, "PHQ-9", "GAD-7", "AUDIT-C", "(severe)",
                  "Blood pressure category", "What would you like help with?", "Date of birth",
                  "(age "):
        assert words in text_of(glance), words
    assert "Asked to bring BP readings." in text_of(detail)
    assert "URGENT." in text  # in words, not only a colour


def test_flags_come_most_severe_first_with_the_answers_behind_them(shared):
    app, staff, rich = shared.app, shared.staff, shared.reference
    page = summary_of(staff, rich)
    sub = submission(app, rich)
    rows = re.findall(r'<tr class="flag flag-([a-z]+)" data-rule="([A-Z0-9-]+)">(.*?)</tr>',
                      page, re.S)
    severities = [severity for severity, _, _ in rows]
    assert severities == sorted(severities, key=SEVERITIES.index)
    assert set(severities) == set(SEVERITIES)
    assert sorted(rule for _, rule, _ in rows) == sorted(f["rule_id"] for f in sub.flags)
    stored = {f["rule_id"]: f for f in sub.flags}
    for severity, rule_id, row in rows:
        flag, cells = stored[rule_id], html.unescape(row)
        assert f'<span class="severity">{severity.capitalize()}</span>' in cells  # a word
        assert flag["staff_text"] in cells
        for question_id in flag["because"]:  # the question in a few words, then the answer
            label = QUESTIONS[question_id].label
            short = label if len(label) <= 60 else label[:59].rsplit(" ", 1)[0]
            assert re.search(rf'<span class="question">{re.escape(short)}[^<]*</span> '
                             r"<strong>[^<]+</strong>", cells), (rule_id, question_id)


def test_the_antidepressants_tried_are_a_table_on_the_first_part(app, staff):
    reference = submit_answers(app, heavy_answers())
    page = summary_of(staff, reference)
    table = page.split('class="trial-table"')[1].split("</table>")[0]
    rows = [[text_of(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)]
    assert [row[1] for row in rows] == TRIAL_NAMES  # the person's order; their own name
    assert rows[0] == ["1", "Sertraline (Zoloft)", "More than 8 weeks", "Yes, as prescribed",
                       "No change", "Yes"]
    assert rows[4][2:] == ["6 to 8 weeks", "Yes, as prescribed", "No change", "Not sure"]
    sub = submission(app, reference)
    assert (f"{sub.scores['possibly_adequate_trials']} possibly adequate"
            in text_of(page.split('id="trials-title"')[1].split("</h2>")[0]))


def test_every_asked_answer_is_printed_by_section(shared):
    staff, rich = shared.staff, shared.reference
    text = text_of(summary_of(staff, rich))
    assert "1. About this pre-screen" in text and "14. Practical matters" in text
    assert "did not apply and w" in text  # skipped questions are counted, not listed
    assert "Kidney" in text or "kidney" in text


def test_the_print_view_is_made_for_paper(shared):
    staff, rich = shared.staff, shared.reference
    page = summary_of(staff, rich)
    assert 'class="staff-nav"' not in page  # no navigation chrome
    assert re.search(r'<nav class="toolbar"', page)  # screen only (see the stylesheet)
    for url in re.findall(r'(?:href|src|action)="([^"]+)"', page):
        assert url.startswith("/"), url  # same origin only: no fonts or scripts from elsewhere
    css = (ROOT / "static" / "css" / "summary.css").read_text()
    assert "@media print { .toolbar { display: none !important; } }" in css
    assert "break-inside: avoid" in css and "break-after: avoid" in css
    assert "@import" not in css and "url(" not in css
    assert re.search(r"color: (?!#000|#fff)", css.split("@media screen")[0]) is None


def test_the_type_is_small_but_legible():
    """Nothing on the sheet itself is smaller than 8.5 pt (the running footer in the page margin
    may be smaller), so a page that holds a dozen flags is still read without a glass."""
    css = (ROOT / "static" / "css" / "summary.css").read_text()
    rules = tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)
    sizes = []
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword == "page":
            continue  # the running header and footer
        text = tinycss2.serialize(rule.content or []) + tinycss2.serialize(rule.prelude)
        sizes += [float(size) for size in re.findall(
            r"font(?:-size)?:[^;]*?(\d+(?:\.\d+)?)pt", text)]
    assert len(sizes) > 10 and min(sizes) >= 8.5, sorted(sizes)


@pytest.mark.parametrize(("query", "size"), [({}, "letter"), ({"paper": "a4"}, "A4"),
                                             ({"paper": "letter"}, "letter"),
                                             ({"paper": "tabloid"}, "letter")])
def test_the_page_stylesheet_sets_the_paper_and_a_header_on_every_page(shared, query, size):
    staff, rich = shared.staff, shared.reference
    page = summary_of(staff, rich, **query)
    css_url = html.unescape(re.search(r'href="([^"]*summary-page\.css[^"]*)"', page).group(1))
    response = staff.get(css_url)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "no-store"
    css = response.text
    assert f"size: {size};" in css
    assert "@top-left" in css and "@top-right" in css and "counter(pages)" in css
    header = re.search(r"@top-left \{ content: (\"[^\"]*\")", css).group(1)
    assert rich in header and "Zo" in header


def test_a_hostile_name_cannot_leave_the_css_string(app):
    hostile = 'Ann"; } body { display: none } @page { size: 1in; } /*\n\\'
    sub = SimpleNamespace(first_name=hostile, last_name="<b>", reference="K7Q2M9XA",
                          answers={"date_of_birth": "1980-03-04"})
    with app.test_request_context():
        css = page_css(sub, "a4", received="2026-01-15 10:00", printed="2026-01-20 09:00",
                       printed_by="staff@clinic.example")
    rules = tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)
    assert len(rules) == 1 and rules[0].type == "at-rule" and rules[0].lower_at_keyword == "page"
    boxes = [t.lower_value for t in rules[0].content if t.type == "at-keyword"]
    assert boxes == ["top-left", "top-right", "bottom-left"]
    assert css_string(hostile).count('"') == 2
    parsed = tinycss2.parse_one_component_value(css_string(hostile))
    assert parsed.type == "string" and parsed.value == hostile.replace("\n", "")


def test_the_summary_view_is_audited_with_the_paper_and_no_answers(app, staff, rich):
    summary_of(staff, rich, paper="a4")
    sub = submission(app, rich)
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "print")).all()
    assert [(r.submission_id, r.reference, r.detail) for r in rows] == [
        (sub.id, rich, "summary, paper a4")]


def test_the_page_stylesheet_naming_the_person_is_audited(app, staff, rich):
    """summary-page.css carries the name, date of birth and the printing user: fetching it is
    a view of the person's data, with its own audit row (issue 19, item 7)."""
    sub = submission(app, rich)
    assert staff.get(f"/staff/submissions/{rich}/summary-page.css?paper=a4").status_code == 200
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "print_stylesheet")).all()
        user_ids = {r.user_id for r in rows}
    assert [(r.submission_id, r.reference, r.detail) for r in rows] == [
        (sub.id, rich, "summary header, paper a4")]
    assert len(user_ids) == 1 and None not in user_ids


def test_a_summary_of_nobody_is_404(staff):
    assert staff.get("/staff/submissions/ZZZZ9999/summary").status_code == 404


# --- the PDF ---------------------------------------------------------------------------------

def pdf_of(client, reference: str, paper: str):
    page = client.get(f"/staff/submissions/{reference}/summary?paper={paper}")
    return client.post(f"/staff/submissions/{reference}/summary.pdf",
                       data={"csrf_token": csrf_token(page.text), "paper": paper})


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_pdf_holds_the_reference_and_every_flag_on_the_chosen_paper(shared, paper):
    app, staff, rich = shared.app, shared.staff, shared.reference
    database = shared.database
    response = pdf_of(staff, rich, paper)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="summary-{rich}.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 2  # every answer starts on a page of its own
    for page in reader.pages:
        width, height = (round(float(v)) for v in (page.mediabox.width, page.mediabox.height))
        assert (width, height) == PAGE_POINTS[paper]
    pages = [page.extract_text() for page in reader.pages]
    everything = "\n".join(pages)
    sub = submission(app, rich)
    for flag in sub.flags:
        assert squeezed(flag["staff_text"]) in squeezed(pages[0]), flag["rule_id"]
        assert flag["rule_id"] in everything  # with its sources, after page 1
    for number, text in enumerate(pages, 1):
        assert rich in text, f"page {number} has no reference in its header"
        assert f"page {number} of {len(pages)}" in text
    assert "Asked to bring BP readings." in everything
    assert "Zoë" not in str(reader.metadata)  # the file's title names no one
    if database == "sqlite":
        save_first_page(response.data, f"summary-{paper}.png")


def squeezed(text: str) -> str:
    """Text with ligatures undone ("ﬁ" -> "fi") and no white space at all: a line break in
    the PDF, wherever the table wrapped a cell, is not a difference."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page of a PDF (pypdf reads the page's own text drawing operations)."""
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


# --- page 1 at a glance, for the heaviest personas ----------------------------------------------

@pytest.fixture(scope="module")
def heavy_case(tmp_path_factory):
    """Both heavy persons' summaries as PDFs, made once for the module (a PDF takes about a
    second): {(case, paper): page texts}, and each case's stored flags. The layout does not
    depend on the database, so one SQLite app is enough."""
    making = make_app("sqlite", tmp_path_factory.mktemp("heavy-summary"),
                      CLINIC_TIMEZONE="America/Chicago")
    app = next(making)
    install_clock(app)
    client = staff_client(app)
    found = SimpleNamespace(pages={}, flags={})
    for case, answers in (("heavy", heavy_answers()), ("heaviest", heaviest_answers())):
        reference = submit_answers(app, answers)
        found.flags[case] = submission(app, reference).flags
        for paper in ("a4", "letter"):
            response = pdf_of(client, reference, paper)
            assert response.status_code == 200
            found.pages[case, paper] = page_texts(response.data)
            if case == "heavy":
                save_first_page(response.data, f"summary-heavy-{paper}.png")
    yield found
    next(making, None)


def test_the_heaviest_persons_are_heavy(heavy_case):
    assert len(heavy_case.flags["heavy"]) >= 12
    assert {f["severity"] for f in heavy_case.flags["heavy"]} == {
        "urgent", "contraindication", "caution", "info"}
    assert len(heavy_case.flags["heaviest"]) >= 16


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_page_1_holds_every_flag_and_the_trials_of_the_heaviest_realistic_person(heavy_case,
                                                                                 paper):
    """Who, why, scores, every flag (severity in words, the staff wording, the answers behind
    it) and every antidepressant tried: all on page 1; the detail only from page 2."""
    pages = heavy_case.pages["heavy", paper]
    first = squeezed(pages[0])
    for words in ("Alex Rivera", "Date of birth", "(age 65)", "Why they came", WHY, "PHQ-9",
                  "25 (severe)", "Blood pressure category", "URGENT"):
        assert squeezed(words) in first, words
    # when the answers came, in the clinic's time zone, saying which
    assert re.search(r"received \d{4}-\d\d-\d\d \d\d:\d\d C[SD]T", " ".join(pages[0].split()))
    for flag in heavy_case.flags["heavy"]:
        assert squeezed(flag["staff_text"]) in first, (paper, flag["rule_id"])
    for severity in ("URGENT", "CONTRAINDICATION", "CAUTION", "INFO"):
        assert severity in pages[0]  # as a word, in capitals
    assert "Are you having thoughts of killing yourself right now? Yes" in " ".join(
        pages[0].split())  # an answer behind a flag
    for name in TRIAL_NAMES:
        assert squeezed(name) in first, (paper, name)
    assert "I stopped because of side effects" in " ".join(pages[0].split())
    for detail in ("Where each flag comes from", "Every answer", "Notes"):
        assert squeezed(detail) not in first, detail
        assert any(squeezed(detail) in squeezed(text) for text in pages[1:]), detail


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_when_page_1_overflows_the_flags_and_trials_still_come_before_the_detail(heavy_case,
                                                                                 paper):
    """17 flags do not fit one page: the table flows on (its heading repeated), and the
    detail starts on a page of its own after the last trial."""
    pages = [squeezed(text) for text in heavy_case.pages["heaviest", paper]]

    def page_of(words: str) -> int:
        return next(i for i, text in enumerate(pages) if squeezed(words) in text)

    flags = heavy_case.flags["heaviest"]
    assert page_of(flags[0]["staff_text"]) == 0
    glance = [page_of(flag["staff_text"]) for flag in flags] + [
        page_of(name) for name in TRIAL_NAMES]
    sources = page_of("Where each flag comes from")
    assert max(glance) < sources < page_of("Every answer")
    assert squeezed("Where each flag comes from") not in "".join(pages[:max(glance) + 1])
    for first, last, heading in (
            (flags[0]["staff_text"], flags[-1]["staff_text"], "Severity What to look at"),
            (TRIAL_NAMES[0], TRIAL_NAMES[-1], "# Medicine Weeks at top dose")):
        if page_of(last) > page_of(first):  # the table flowed on: its heading row repeats
            assert squeezed(heading) in pages[page_of(last)], heading


def save_first_page(pdf: bytes, name: str) -> None:
    """Page 1 as an image at 100 dpi, for a person to look at."""
    import pypdfium2

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(pdf)
    try:
        document[0].render(scale=100 / 72).to_pil().save(ARTIFACTS / name)
    finally:
        document.close()


def test_the_pdf_download_is_audited_and_needs_a_csrf_token(app, staff, rich):
    assert staff.post(f"/staff/submissions/{rich}/summary.pdf", data={"paper": "a4"}
                      ).status_code == 400
    assert staff.get(f"/staff/submissions/{rich}/summary.pdf").status_code == 405
    with app.app_context():
        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pdf")).all()
    assert pdf_of(staff, rich, "letter").status_code == 200
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pdf")).all()
    assert [(r.reference, r.detail, r.outcome) for r in rows] == [
        (rich, "summary PDF, paper letter", "ok")]


def test_admins_print_too_and_visitors_are_sent_to_the_login(app, rich):
    admin = staff_client(app, "admin")
    assert pdf_of(admin, rich, "a4").status_code == 200
    visitor = app.test_client()
    for url in (f"/staff/submissions/{rich}/summary",
                f"/staff/submissions/{rich}/summary-page.css"):
        response = visitor.get(url)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_a_person_without_flags_or_notes_still_gets_a_summary(app, staff):
    answers = next(p["answers"] for p in personas() if not evaluate(p["answers"]).flags) if any(
        not evaluate(p["answers"]).flags for p in personas()) else personas()[0]["answers"]
    reference = submit_answers(app, answers)
    text = text_of(summary_of(staff, reference))
    assert "No notes." in text


# --- the print view in Chromium --------------------------------------------------------------

# The shared live server under a name of our own; a Playwright of our own in a thread of its own
# (the sync API allows one per thread, and another browser module keeps its own open).
summary_server = browser_support.live_server


def in_chromium(work):
    """`work(chromium)` with Debian's Chromium, run in a fresh thread; its result or error."""
    if not browser_support.CHROMIUM.exists():
        pytest.skip(f"{browser_support.CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")

    def run():
        with sync_api.sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(browser_support.CHROMIUM),
                                                  args=browser_support.CHROMIUM_ARGS)
            try:
                return work(chromium)
            finally:
                chromium.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.mark.browser
def test_chromium_prints_the_summary_with_the_header_on_every_page(summary_server):
    """The browser's own print of the HTML, for the heaviest realistic person, on A4 and on
    Letter: paper size from the page stylesheet, the running header on every page, every flag
    and every antidepressant on page 1 and the detail after it, the toolbar not printed;
    axe-clean and same-origin on screen, at desktop width and at 390 px."""

    server = summary_server
    account = make_user(server.app, "summary-browser@clinic.example", totp=True)
    reference = submit_answers(server.app, heavy_answers())
    flags = submission(server.app, reference).flags

    def print_it(chromium):
        context = new_context(chromium, server, width=1280, height=900)
        page = context.new_page()
        staff_log_in(page, account["email"], PASSWORD, account["totp_secret"])
        pdfs = {}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for paper in ("a4", "letter"):
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"/staff/submissions/{reference}/summary?paper={paper}")
            assert page.get_by_role("button", name="Print").is_visible()  # shown by summary.js
            for width in (1280, 390):
                page.set_viewport_size({"width": width, "height": 900})
                assert serious_violations(page) == [], width
                page.screenshot(path=str(ARTIFACTS / f"summary-screen-{width}-{paper}.png"))
            pdfs[paper] = page.pdf(prefer_css_page_size=True)
        context.close()
        assert context.request_log.foreign() == []
        return pdfs

    for paper, pdf in in_chromium(print_it).items():
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        texts = [p.extract_text() for p in reader.pages]
        assert len(texts) >= 2
        for number, (pdf_page, text) in enumerate(zip(reader.pages, texts, strict=True), 1):
            size = (round(float(pdf_page.mediabox.width)), round(float(pdf_page.mediabox.height)))
            assert size == PAGE_POINTS[paper]
            assert reference in text and f"page {number} of {len(texts)}" in text
        first = squeezed(texts[0])
        for flag in flags:
            assert squeezed(flag["staff_text"]) in first, (paper, flag["rule_id"])
        for name in TRIAL_NAMES:
            assert squeezed(name) in first, (paper, name)
        for detail in ("Where each flag comes from", "Every answer"):
            assert squeezed(detail) not in first, (paper, detail)
        assert "Download PDF" not in "".join(texts)  # the toolbar is for the screen only
        save_first_page(pdf, f"summary-chromium-{paper}.png")
