"""The lines of the security checklist (../shared/design/security.md Part A) that no other test
file proves, and the check that docs/security.md names a real test (or a reason) for every
line: HTTPS POSTs with a same-origin Referer, outbound links, browser storage, files that must
not be served, Clear-Site-Data, debug mode, side-effect-free GETs, form parts, key rotation."""

from __future__ import annotations

import ast
import hashlib
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import MultiDict

from screener import create_app
from screener.extensions import db
from screener.models import Draft, Note, Submission, User
from screener.patient.flow import PAGE_BY_KEY

from conftest import make_app
from flow_helpers import BASE, csrf_token, form_fields, post_page, walk
from staff_helpers import install_clock, log_in, make_user, staff_client, submit_answers

ROOT = Path(__file__).resolve().parents[1]
CHECKLIST = ROOT.parent / "shared" / "design" / "security.md"
DOCS = ROOT / "docs" / "security.md"
pytestmark = pytest.mark.skipif(not BASE, reason="shared/design/personas.json not found")


def test_https_posts_with_a_same_origin_referer_pass_the_csrf_check(app):
    """Referrer-Policy is same-origin, not no-referrer: Flask-WTF checks the Referer of HTTPS
    POSTs (WTF_CSRF_SSL_STRICT), so forms keep working behind TLS (H4)."""
    client = app.test_client()
    base = "https://clinic.example"
    token = csrf_token(client.get("/resume", base_url=base).text)
    data = {"csrf_token": token, "resume_code": "NOT-A-CODE"}
    same_origin = client.post("/resume", base_url=base, data=data,
                              headers={"Referer": f"{base}/resume"})
    assert same_origin.status_code == 404 and "could not find" in same_origin.text
    elsewhere = client.post("/resume", base_url=base, data=data,
                            headers={"Referer": "https://evil.example/"})
    assert elsewhere.status_code == 400


def test_links_to_other_sites_carry_noopener_noreferrer(app):
    install_clock(app)
    reference = submit_answers(app, BASE)
    staff = staff_client(app)
    pages = [app.test_client().get(url).text for url in ("/", "/help", "/resume")]
    pages += [staff.get(url).text for url in ("/staff/rules", f"/staff/submissions/{reference}")]
    outbound = 0
    for page in pages:
        for tag in re.findall(r'<a\s[^>]*href="https?://[^"]*"[^>]*>', page):
            outbound += 1
            rel = re.search(r'rel="([^"]*)"', tag)
            assert rel and {"noopener", "noreferrer"} <= set(rel[1].split()), tag
    assert outbound > 0  # the rules page links its sources


def test_our_scripts_keep_nothing_in_browser_storage():
    for script in (ROOT / "static").rglob("*.js"):
        text = script.read_text()
        for storage in ("localStorage", "sessionStorage", "indexedDB", "document.cookie"):
            assert storage not in text, (script.name, storage)


@pytest.mark.parametrize("path", ["/.git/HEAD", "/.git/config", "/static/", "/static/css/",
                                  "/instance/secret_key", "/static/../config.py",
                                  "/static/%2e%2e/config.py", "/wsgi.py", "/.env"])
def test_no_source_secret_or_directory_listing_is_served(client, path):
    response = client.get(path)
    assert response.status_code == 404, path
    assert "SECRET" not in response.text and "Index of" not in response.text


def test_log_out_clears_the_browsers_copy_of_the_site(app):
    install_clock(app)
    staff = staff_client(app)
    token = csrf_token(staff.get("/staff/account").text)
    response = staff.post("/staff/logout", data={"csrf_token": token})
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'


def test_refused_requests_are_logged_without_what_was_sent(app, caplog, monkeypatch):
    """L4: a staff member on an admin page, a form without its token."""
    # Alembic's fileConfig (a migration test run earlier in-process) disables other loggers.
    monkeypatch.setattr(logging.getLogger("screener"), "disabled", False)
    install_clock(app)
    staff = staff_client(app)
    caplog.set_level(logging.WARNING, logger="screener")
    assert staff.get("/staff/admin/users").status_code == 403
    assert staff.post("/staff/", data={"q": "Secret Searchname"}).status_code == 400
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("refused 403 GET at staff.users (staff user ") for line in lines)
    assert any(line.startswith("refused 400 POST at staff.queue") for line in lines)
    assert not [line for line in lines if "Searchname" in line]


def test_debug_mode_is_refused_in_production(monkeypatch):
    from screener.app import ConfigurationError

    monkeypatch.setenv("SCREENER_CONFIG", "production")
    with pytest.raises(ConfigurationError, match="debug"):
        create_app({"SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "DEBUG": True})


def snapshot(app) -> tuple:
    with app.app_context():
        counts = tuple(db.session.scalar(select(func.count()).select_from(model))
                       for model in (Draft, Submission, Note, User))
        drafts = sorted((d.id, repr(d.answers), repr(d.pages_done), d.resume_code_hash or "")
                        for d in db.session.scalars(select(Draft)))
        statuses = sorted((s.reference, s.status, s.version)
                          for s in db.session.scalars(select(Submission)))
    digest = hashlib.sha256(repr((drafts, statuses)).encode()).hexdigest()
    return counts, digest


def test_get_requests_change_nothing_but_the_audit_trail(app):
    """Every GET route of the URL map, for every kind of visitor: no row added or changed
    (audit rows of staff views excepted) (C2)."""
    install_clock(app)
    reference = submit_answers(app, BASE)
    halfway = app.test_client()
    walk(halfway, BASE, stop_at="phq9/1")
    visitors = [app.test_client(), halfway, staff_client(app), staff_client(app, "admin")]
    args = {"section_id": "about_you", "number": 1, "reference": reference, "user_id": 1,
            "filename": "css/site.css"}
    before = snapshot(app)
    requested = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = rule.build({name: args.get(name, "x") for name in rule.arguments})[1]
        for visitor in visitors:
            assert visitor.get(url).status_code < 500, url
            requested += 1
    assert snapshot(app) == before
    assert requested >= 4 * 20


def test_sqlite_is_set_up_for_several_workers(tmp_path):
    """R9: WAL, a busy timeout, foreign keys, durable commits."""
    for app in make_app("sqlite", tmp_path):
        with app.app_context(), db.engine.connect() as connection:
            pragma = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                      for name in ("journal_mode", "busy_timeout", "foreign_keys",
                                   "synchronous")}
    assert pragma == {"journal_mode": "wal", "busy_timeout": 5000, "foreign_keys": 1,
                      "synchronous": 2}


def test_a_bottom_blood_pressure_number_above_the_top_one_gets_a_message(client):
    """V2: a cross-field check is a message on the page, never a crash or a stored pair."""
    answers = dict(BASE, bp_systolic=110, bp_diastolic=130)
    url = walk(client, answers, stop_at="heart/1")
    page = post_page(client, url, form_fields(PAGE_BY_KEY["heart/1"], answers))
    assert page.status_code == 200
    assert "bottom number must be lower than the top number" in page.text
    assert 'value="130"' in page.text


def database_gone(*args, **kwargs):
    raise OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))


@pytest.mark.parametrize("where", ["loading the draft", "after loading it"])
def test_a_database_failure_anywhere_in_a_page_keeps_the_typed_values(app, client, monkeypatch,
                                                                      where):
    """R8 beyond the save itself (test_patient_saving.py covers the commit): a 503 page with
    Retry-After and the values typed, never a 500."""
    url = walk(client, BASE, stop_at="about_you/1")
    token = csrf_token(client.get(url).text)
    typed = dict(BASE, first_name="Typed-Name", last_name="Kept-Too")
    if where == "loading the draft":
        monkeypatch.setattr("screener.patient.routes.load_draft", database_gone)
    else:
        monkeypatch.setattr("screener.patient.routes.read_page", database_gone)
    response = client.post(url, data=MultiDict([("csrf_token", token),
                                                *form_fields(PAGE_BY_KEY["about_you/1"], typed)]))
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert 'value="Typed-Name"' in response.text and 'value="Kept-Too"' in response.text
    assert "press Continue again" in response.text
    if where == "loading the draft":  # any other page: the plain "please try again" page
        other = client.get("/check")
        assert other.status_code == 503 and other.headers["Retry-After"] == "30"
    monkeypatch.undo()
    with app.app_context():
        assert "Typed-Name" not in repr(db.session.scalars(select(Draft.answers)).all())


def test_more_form_parts_than_allowed_are_refused(client, app):
    limit = app.config["MAX_FORM_PARTS"]
    token = csrf_token(client.get("/resume").text)
    boundary = "x" * 16
    parts = [("csrf_token", token)] + [(f"f{i}", "1") for i in range(limit + 1)]
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   f"{value}\r\n" for name, value in parts) + f"--{boundary}--\r\n"
    response = client.post("/resume", data=body.encode(),
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413


def test_a_rotated_secret_key_keeps_patients_and_staff_where_they_were(tmp_path):
    """Rotation (docs/operations.md): the new SECRET_KEY with the old one in
    SECRET_KEY_FALLBACKS opens the sessions signed before; without it they end (E4)."""
    old_key, new_key = "old-" + "a" * 60, "new-" + "b" * 60
    for app in make_app("sqlite", tmp_path, SECRET_KEY=old_key):
        install_clock(app)
        patient = app.test_client()
        next_page = walk(patient, BASE, stop_at="phq9/1")
        staff = log_in(app, make_user(app, "rotation@clinic.example"))
        cookies = {"patient": patient.get_cookie("session").value,
                   "staff": staff.get_cookie("session").value}
    for fallbacks, kept in (([old_key], True), ([], False)):
        for app in make_app("sqlite", tmp_path, SECRET_KEY=new_key,
                            SECRET_KEY_FALLBACKS=fallbacks):
            install_clock(app)
            patient, staff = app.test_client(), app.test_client()
            patient.set_cookie("session", cookies["patient"])
            staff.set_cookie("session", cookies["staff"])
            resumed = patient.get("/continue").headers["Location"]
            assert (resumed == next_page) == kept
            assert (staff.get("/staff/").status_code == 200) == kept


# --- docs/security.md ---------------------------------------------------------------------------

def checklist_ids() -> list[str]:
    """The requirement ids of Part A (H1, S1, C1, U1, AC1, V1, O1, D1, L1, E1, X1, N1, P1, R1)."""
    part_a = CHECKLIST.read_text().split("# Part B")[0]
    return re.findall(r"^\| ((?:AC|[HSCUVODLEXNPR])\d+) \|", part_a, re.M)


def referenced_tests(text: str) -> list[tuple[str, str]]:
    return re.findall(r"(tests/test_\w+\.py)::(test_\w+)", text)


def test_docs_security_md_answers_every_line_of_the_checklist():
    if not CHECKLIST.exists():
        pytest.skip(f"{CHECKLIST} not found")
    docs = DOCS.read_text()
    rows = dict(re.findall(r"^\| ((?:AC|[HSCUVODLEXNPR])\d+) \|(.*)$", docs, re.M))
    ids = checklist_ids()
    assert len(ids) >= 90
    missing = [i for i in ids if i not in rows]
    assert missing == [], missing
    for requirement in ids:  # each line names a test or says why none applies
        row = rows[requirement]
        assert referenced_tests(row) or re.search(r"not applicable|n/a|deployment|documented",
                                                  row, re.I), requirement


def test_every_test_named_in_docs_security_md_exists():
    found = referenced_tests(DOCS.read_text())
    assert len(found) >= 100
    defined: dict[str, set[str]] = {}
    for path, name in found:
        if path not in defined:
            tree = ast.parse((ROOT / path).read_text())
            defined[path] = {node.name for node in ast.walk(tree)
                             if isinstance(node, ast.FunctionDef)}
        assert name in defined[path], f"{path}::{name}"


def test_docs_operations_md_covers_backups_restore_keys_proxies_and_redis():
    text = (ROOT / "docs" / "operations.md").read_text()
    for needed in ("pg_dump", ".backup", "restore", "retention", "SECRET_KEY_FALLBACKS",
                   "PROXY_HOPS", "RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX", "nginx",
                   "X-Forwarded-For", "upstream", "encrypt", "restore drill"):
        assert needed.lower() in text.lower(), needed
