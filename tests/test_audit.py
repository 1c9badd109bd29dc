"""The audit log (security.md A.2.9, AC6): one row per action with who, what, which submission,
when and from where, never an answer; a hash chain that `flask audit verify` checks; an admin
page to read and filter it; no route that edits or deletes a row."""

from __future__ import annotations

import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text, update

from screener import create_app
from screener.extensions import db
from screener.models import AuditEvent, Submission
from screener.staff import audit

from flow_helpers import changed, csrf_token, personas
from staff_helpers import (
    first_reference,
    install_clock,
    make_user,
    post_form,
    seed,
    staff_client,
    submission,
    submit_answers,
)

CANARY = "Quokka7731"


def rows(app, **where) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(select(AuditEvent).filter_by(**where)
                                   .order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return found


def verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


@pytest.fixture
def seeded(app):
    install_clock(app)
    seed(app, 3)
    return app


def on_the_page(client, url: str) -> str:
    return csrf_token(client.get(url).text)


ACTIONS = {
    # action: (method, path after /staff/submissions/<ref>, form data)
    "view": ("GET", "", None),
    "print": ("GET", "/summary", None),
    "re_evaluate": ("GET", "/re-evaluate", None),
    "pdf": ("POST", "/summary.pdf", {"paper": "a4"}),
    "export_fhir": ("POST", "/fhir", {}),
    "note": ("POST", "/notes", {"body": "Left a voicemail."}),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_on_a_submission_writes_one_row_with_who_what_when_where(seeded, action):
    client = staff_client(seeded)
    reference = first_reference(client)
    sub = submission(seeded, reference)
    method, path, data = ACTIONS[action]
    url = f"/staff/submissions/{reference}{path}"
    token = on_the_page(client, f"/staff/submissions/{reference}")
    before = {r.id for r in rows(seeded)}
    started = datetime.now(UTC)
    response = client.open(url, method=method, data={"csrf_token": token, **(data or {})})
    assert response.status_code in (200, 303), (action, response.status_code)
    new = [r for r in rows(seeded) if r.id not in before]
    assert [r.action for r in new] == [action]
    row = new[0]
    assert row.user_id is not None and row.submission_id == sub.id
    assert row.reference == reference and row.client_ip == "127.0.0.1" and row.outcome == "ok"
    assert started - timedelta(seconds=1) <= row.at <= datetime.now(UTC)
    assert row.at.tzinfo is not None


def test_a_status_change_is_one_row_naming_both_statuses(seeded):
    client = staff_client(seeded)
    reference = first_reference(client)
    sub = submission(seeded, reference)
    wanted = "closed" if sub.status != "closed" else "contacted"
    post_form(client, f"/staff/submissions/{reference}",
              f"/staff/submissions/{reference}/status",
              {"status": wanted, "version": sub.version, "seen_status": sub.status})
    [row] = rows(seeded, action="status_change")
    assert (row.reference, row.detail) == (reference, f"{sub.status} -> {wanted}")


def test_no_audit_row_holds_an_answer_a_name_or_a_search(app):
    if not personas():
        pytest.skip("shared/design/personas.json not found")
    install_clock(app)
    reference = submit_answers(app, changed(
        first_name=CANARY, last_name=CANARY + "son", email=f"{CANARY.lower()}@example.org",
        anything_else=f"{CANARY} notes", reasons=["depression", "other"],
        reasons_other=f"{CANARY} other"))
    client = staff_client(app)
    client.get(f"/staff/submissions/{reference}")
    client.get(f"/staff/submissions/{reference}/summary")
    token = on_the_page(client, "/staff/")
    client.post(f"/staff/submissions/{reference}/fhir", data={"csrf_token": token})
    client.post(f"/staff/submissions/{reference}/summary.pdf", data={"csrf_token": token})
    client.post("/staff/export.csv", data={"csrf_token": token, "q": CANARY})
    post_form(client, f"/staff/submissions/{reference}",
              f"/staff/submissions/{reference}/notes", {"body": f"{CANARY} called back"})
    everything = " ".join(f"{r.detail} {r.reference} {r.client_ip} {r.outcome}"
                          for r in rows(app))
    assert reference in everything
    assert CANARY.lower() not in everything.lower()
    assert "with a search" in everything  # that a search was used, never what it was


def test_control_characters_never_reach_a_row(app):
    with app.test_request_context():
        audit.record("export_csv", detail="3 rows\r\nFAKE admin login ok\x1b[2J")
        db.session.commit()
    [row] = rows(app, action="export_csv")
    assert "\r" not in row.detail and "\n" not in row.detail and "\x1b" not in row.detail


def test_an_unknown_action_is_refused(app):
    with app.app_context(), pytest.raises(ValueError):
        audit.record("deleted_everything")


# --- the hash chain --------------------------------------------------------------------------

def test_every_row_points_at_the_one_before_and_verify_says_so(seeded):
    client = staff_client(seeded)
    reference = first_reference(client)
    for _ in range(3):
        client.get(f"/staff/submissions/{reference}")
    chain = rows(seeded)
    assert len(chain) >= 4  # a log-in and three views
    assert chain[0].previous_hash == ""
    for before, row in itertools.pairwise(chain):
        assert row.previous_hash == before.row_hash and len(row.row_hash) == 64
    result = verify(seeded)
    assert result.exit_code == 0, result.output
    assert f"intact: {len(chain)} entries" in result.output


@pytest.mark.parametrize("tamper", ["edit", "delete", "insert"])
def test_a_row_changed_in_the_database_breaks_the_chain_there(seeded, tamper):
    client = staff_client(seeded)
    reference = first_reference(client)
    for _ in range(4):
        client.get(f"/staff/submissions/{reference}")
    ids = [r.id for r in rows(seeded)]
    target = ids[len(ids) // 2]
    with seeded.app_context():
        if tamper == "edit":  # someone hides who looked
            db.session.execute(update(AuditEvent).where(AuditEvent.id == target)
                               .values(user_id=None))
            broken = target
        elif tamper == "delete":
            db.session.execute(delete(AuditEvent).where(AuditEvent.id == target))
            broken = ids[ids.index(target) + 1]
        else:  # a forged row at the end, made without the chain
            db.session.execute(text(
                "INSERT INTO audit_event (id, at, action, detail, client_ip, outcome, reference,"
                " previous_hash, row_hash) VALUES (:id, :at, 'view', '', '', 'ok', '', '', '')"),
                {"id": ids[-1] + 1, "at": datetime.now(UTC)})
            broken = ids[-1] + 1
        db.session.commit()
    result = verify(seeded)
    assert result.exit_code == 1
    assert f"broken at entry {broken}" in result.output


def test_simultaneous_writers_keep_one_chain(seeded):
    reference = first_reference(staff_client(seeded, email="first@clinic.example"))
    clients = [staff_client(seeded, email=f"desk{i}@clinic.example") for i in range(4)]

    def look(client):
        return [client.get(f"/staff/submissions/{reference}").status_code for _ in range(5)]

    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = [s for batch in pool.map(look, clients) for s in batch]
    assert statuses == [200] * 20
    chain = rows(seeded)
    assert len({r.previous_hash for r in chain}) == len(chain)  # no two rows share a parent
    assert verify(seeded).exit_code == 0


def test_the_migration_chains_rows_written_before_it(tmp_path):
    from flask_migrate import upgrade

    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}",
                              "TESTING": True})
    with application.app_context():
        upgrade(revision="0002_staff_area")
        db.session.execute(text(
            "INSERT INTO submission (id, reference, draft_id, answers, rulebook_version, "
            "rule_settings, scores, flags, missing_safety, severity_rank, urgent, crisis, "
            "flag_count, status, version, first_name, last_name, email, conditions, language, "
            "created_at, updated_at) VALUES (7, 'K7Q2M9XA', 'd', '{}', '1', '{}', '{}', '[]', "
            "'[]', 4, 0, 0, 0, 'new', 1, '', '', '', '', 'en', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00')"))
        for i, submission_id in enumerate((None, 7, 7)):
            db.session.execute(text(
                "INSERT INTO audit_event (at, user_id, action, submission_id, detail, client_ip,"
                " outcome, previous_hash, row_hash) VALUES (:at, NULL, 'view', :sid, '', "
                "'127.0.0.1', 'ok', '', '')"),
                {"at": f"2026-01-0{i + 1} 10:00:00.000000", "sid": submission_id})
        db.session.commit()
        upgrade()
        assert db.session.scalars(select(AuditEvent.reference).order_by(AuditEvent.id)
                                  ).all() == ["", "K7Q2M9XA", "K7Q2M9XA"]
        assert audit.verify_chain().intact and audit.verify_chain().rows == 3


# --- the admin page --------------------------------------------------------------------------

def test_admins_read_the_log_newest_first(seeded):
    staff = staff_client(seeded)
    reference = first_reference(staff)
    staff.get(f"/staff/submissions/{reference}")
    admin = staff_client(seeded, "admin")
    page = admin.get("/staff/admin/audit")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    body = page.text
    assert 'href="/staff/admin/audit"' in admin.get("/staff/").text  # in the admin's menu
    newest, view = body.split("<tbody>")[1].split("</tr>")[:2]
    assert "<code>login</code>" in newest and "admin@clinic.example" in newest
    assert "<code>view</code>" in view and "staff@clinic.example" in view
    assert f'href="/staff/submissions/{reference}"' in view


def test_the_log_filters_by_person_action_reference_and_day(seeded):
    staff = staff_client(seeded)
    references = [first_reference(staff)]
    staff.get(f"/staff/submissions/{references[0]}")
    other = make_user(seeded, "other@clinic.example")
    admin = staff_client(seeded, "admin")
    with seeded.app_context():
        second = db.session.scalars(select(Submission.reference)
                                    .where(Submission.reference != references[0])).first()
    staff.get(f"/staff/submissions/{second}/summary")

    def shown(**query) -> list[tuple[str, str]]:
        body = admin.get("/staff/admin/audit", query_string=query).text
        table = body.split("<tbody>")[1]
        return re.findall(r"<code>([a-z_]+)</code></td>\s*<td[^>]*>(?:<a[^>]*>)?([0-9A-Z]*)", table)

    assert {a for a, _ in shown(action="view")} == {"view"}
    assert shown(reference=references[0].lower()) == [("view", references[0])]
    assert shown(reference=second) == [("print", second)]
    assert shown(user=str(other["id"])) == []
    staff_id = rows(seeded, action="print")[0].user_id
    assert {a for a, _ in shown(user=str(staff_id))} == {"login", "view", "print"}
    today = datetime.now(UTC).date()
    assert shown(**{"from": (today + timedelta(days=2)).isoformat()}) == []
    assert len(shown(**{"from": (today - timedelta(days=1)).isoformat()})) >= 3
    assert shown(action="no_such") != []  # an unknown action is ignored, not an error
    assert shown(reference="'; drop table") == []


def test_the_log_pages_by_id(app):
    install_clock(app)
    with app.test_request_context():
        for i in range(130):
            audit.record("export_csv", detail=f"row {i}")
        db.session.commit()
    admin = staff_client(app, "admin")
    first = admin.get("/staff/admin/audit", query_string={"action": "export_csv"}).text
    assert first.count("<code>export_csv</code>") == 100
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "action=export_csv" in older
    second = admin.get(older).text
    assert second.count("<code>export_csv</code>") == 30
    assert "row 0<" in second and "row 129<" in first
    assert 'rel="next"' not in second


def test_reading_the_log_is_logged(app):
    install_clock(app)
    admin = staff_client(app, "admin")
    admin.get("/staff/admin/audit", query_string={"action": "view"})
    [row] = rows(app, action="audit_view")
    assert row.detail == "action=view" and row.user_id is not None


def test_staff_cannot_read_the_log_and_visitors_are_sent_to_the_login(seeded):
    staff = staff_client(seeded)
    denied = staff.get("/staff/admin/audit")
    assert denied.status_code == 403
    assert "<code>login</code>" not in denied.text and "staff@clinic.example" not in denied.text
    assert 'href="/staff/admin/audit"' not in staff.get("/staff/").text
    visitor = seeded.test_client().get("/staff/admin/audit")
    assert visitor.status_code == 302 and "/staff/login" in visitor.headers["Location"]


# --- nothing edits or deletes a row ----------------------------------------------------------

def test_no_route_can_change_or_delete_audit_rows(app):
    methods = {m for rule in app.url_map.iter_rules() for m in rule.methods}
    assert not methods & {"PUT", "PATCH", "DELETE"}
    audit_rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule]
    assert [r.rule for r in audit_rules] == ["/staff/admin/audit"]
    assert audit_rules[0].methods - {"HEAD", "OPTIONS"} == {"GET"}


def test_sending_every_staff_form_leaves_earlier_rows_as_they_were(seeded):
    admin = staff_client(seeded, "admin")
    reference = first_reference(admin)
    sub = submission(seeded, reference)
    bystander = make_user(seeded, "bystander@clinic.example")
    token = on_the_page(admin, "/staff/")
    before = {r.id: (r.at, r.action, r.detail, r.user_id, r.row_hash) for r in rows(seeded)}
    posts = sorted((r for r in seeded.url_map.iter_rules()
                    if r.endpoint.startswith("staff.") and "POST" in r.methods),
                   key=lambda r: r.endpoint == "staff.logout")  # log out last
    for rule in posts:
        url = rule.build({"reference": reference, "user_id": bystander["id"]})[1]
        admin.post(url, data={"csrf_token": token, "body": "note", "status": "closed",
                              "version": sub.version, "seen_status": sub.status,
                              "paper": "a4", "email": "x", "password": "y", "code": "1"})
    after = {r.id: (r.at, r.action, r.detail, r.user_id, r.row_hash) for r in rows(seeded)}
    assert {key: after.get(key) for key in before} == before
    assert len(after) > len(before)
    assert verify(seeded).exit_code == 0
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == len(after)
