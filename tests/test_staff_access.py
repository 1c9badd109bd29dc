"""Access control over every staff route, generated from the URL map (security.md A.2.3, A.2.5):
routes added later are covered without editing this file."""

from __future__ import annotations

import re

import pytest

from screener.models import AuditEvent, Note, Submission
from screener.staff import ADMIN_PREFIX, PUBLIC_ENDPOINTS

from conftest import make_app
from staff_helpers import (
    first_reference,
    install_clock,
    make_user,
    page_token,
    row_count,
    seed,
    staff_client,
)

EXAMPLE_ARGS = {"reference": "ABCD2345", "user_id": 1}


def staff_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("staff."):
            yield rule


def example_url(rule, **args) -> str:
    values = {name: args.get(name, EXAMPLE_ARGS[name]) for name in rule.arguments}
    return rule.build(values)[1]


def test_the_map_has_staff_and_admin_routes(app):
    rules = list(staff_rules(app))
    assert len(rules) >= 10
    assert any(rule.rule.startswith(ADMIN_PREFIX) for rule in rules)
    assert all(rule.rule.startswith("/staff/") for rule in rules)


def test_every_staff_route_sends_an_anonymous_visitor_to_the_login(app, client):
    token = page_token(client)
    checked = 0
    for rule in staff_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = example_url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/staff/login"), (method, url)
            checked += 1
    assert checked >= 12


def test_the_login_steps_are_the_only_public_staff_pages(app, client):
    assert client.get("/staff/login").status_code == 200
    # The code and set-up steps need a password first.
    assert client.get("/staff/login/code").headers["Location"] == "/staff/login"
    assert client.get("/staff/login/two-step-setup").headers["Location"] == "/staff/login"
    assert {"staff.login", "staff.login_code", "staff.login_setup"} == PUBLIC_ENDPOINTS


def test_staff_get_403_on_every_admin_route_and_admins_do_not(app):
    install_clock(app)
    staff = staff_client(app, "staff")
    admin = staff_client(app, "admin")
    bystander = make_user(app, "bystander@clinic.example")  # whose sessions may be ended
    token = page_token(staff, "/staff/")
    admin_token = page_token(admin, "/staff/")
    admin_rules = [r for r in staff_rules(app) if r.rule.startswith(ADMIN_PREFIX)]
    assert admin_rules
    for rule in admin_rules:
        url = example_url(rule, user_id=bystander["id"])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            denied = staff.open(url, method=method, data={"csrf_token": token})
            assert denied.status_code == 403, (method, url)
            allowed = admin.open(url, method=method, data={"csrf_token": admin_token})
            assert allowed.status_code in (200, 303), (method, url, allowed.status_code)


def test_staff_can_use_every_other_route(app):
    seed(app, 3)
    client = staff_client(app)
    reference = first_reference(client)
    for rule in staff_rules(app):
        if rule.rule.startswith(ADMIN_PREFIX) or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        if "GET" in rule.methods:
            response = client.get(example_url(rule, reference=reference))
            assert response.status_code in (200, 302), (rule.rule, response.status_code)


def test_a_denied_page_shows_nothing_about_anyone(app):
    seed(app, 5)
    install_clock(app)
    staff = staff_client(app)
    queue = staff.get("/staff/").text
    names = set(re.findall(r'data-label="Name">([^<]+)<', queue))
    assert names
    denied = staff.get("/staff/admin/users")
    assert denied.status_code == 403
    assert not [name for name in names if name.strip() in denied.text]
    anonymous = app.test_client().get(f"/staff/submissions/{first_reference(staff)}")
    assert not [name for name in names if name.strip() in anonymous.text]


def test_every_staff_post_without_a_csrf_token_is_refused_and_changes_nothing(app):
    seed(app, 3)
    install_clock(app)
    client = staff_client(app, "admin")
    reference = first_reference(client)
    before = [row_count(app, model) for model in (Note, AuditEvent, Submission)]
    posts = 0
    for rule in staff_rules(app):
        if "POST" not in rule.methods:
            continue
        url = example_url(rule, reference=reference, user_id=1)
        response = client.post(url, data={"body": "a note", "status": "closed", "version": 1,
                                          "seen_status": "new", "q": "x"})
        assert response.status_code == 400, (url, response.status_code)
        posts += 1
    assert posts >= 8
    assert [row_count(app, model) for model in (Note, AuditEvent, Submission)] == before


def test_an_expired_note_form_shows_the_typed_note_again(app):
    seed(app, 2)
    client = staff_client(app)
    reference = first_reference(client)
    response = client.post(f"/staff/submissions/{reference}/notes",
                           data={"csrf_token": "expired", "body": "Called, no answer."})
    assert response.status_code == 400
    assert "Not saved" in response.text
    assert "Called, no answer." in response.text


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_every_staff_page_says_no_store_and_has_a_visible_log_out(app, role):
    seed(app, 2)
    install_clock(app)
    client = staff_client(app, role)
    reference = first_reference(client)
    for rule in staff_rules(app):
        if "GET" not in rule.methods or rule.endpoint in PUBLIC_ENDPOINTS or (
                role == "staff" and rule.rule.startswith(ADMIN_PREFIX)):
            continue
        response = client.get(example_url(rule, reference=reference), follow_redirects=True)
        assert response.status_code == 200, rule.rule
        assert response.request.path.startswith("/staff/"), rule.rule
        assert response.headers["Cache-Control"] == "no-store", rule.rule
        if response.mimetype != "text/html":  # the summary's page CSS, FHIR JSON
            continue
        assert re.search(r'<form method="post" action="/staff/logout"[^>]*>\s*<input type='
                         r'"hidden" name="csrf_token" value="[^"]+">\s*<button type="submit"'
                         r'[^>]*>Log out</button>', response.text), rule.rule
        assert "Need help now?" not in response.text  # the patient's crisis link
        assert 'style="' not in response.text and "<script>" not in response.text


@pytest.mark.parametrize("first", ["admin", "staff"])
def test_the_navigation_shows_admin_links_to_admins_only(app, first):
    """The navigation is drawn once per kind of user and kept: whichever is drawn first, the
    other kind never gets its version, and each sees its own email."""
    clients = {}
    for role in (first, "staff" if first == "admin" else "admin"):
        clients[role] = staff_client(app, role=role)
        nav = re.search(r'<nav class="staff-nav".*?</nav>', clients[role].get("/staff/").text,
                        re.S).group(0)
        assert ('href="/staff/admin/users"' in nav) == (role == "admin"), role
        assert ('href="/staff/admin/audit"' in nav) == (role == "admin"), role
        assert f"{role}@clinic.example</a>" in nav


def test_two_apps_in_one_process_each_show_their_own_clinic_name(tmp_path):
    """A clinic group may serve two clinics from one process: nothing drawn for one app (its
    name in the header and footer) may show in the other's pages, whichever is asked first."""
    for folder in ("north", "south"):
        (tmp_path / folder).mkdir()
    north = make_app("sqlite", tmp_path / "north", CLINIC_NAME="North Street Clinic")
    south = make_app("sqlite", tmp_path / "south", CLINIC_NAME="South Bay Clinic")
    apps = {"North Street Clinic": next(north), "South Bay Clinic": next(south)}
    names = list(apps)
    for _ in range(2):
        for name, other in (names, names[::-1]):
            page = apps[name].test_client().get("/staff/login")
            assert page.status_code == 200
            assert f"Staff area of {name}." in page.text
            assert other not in page.text
    for started in (north, south):
        next(started, None)  # the fixture's clean-up
