"""Hostile request bodies on every route of the URL map (issue 19, item 5; security.md V4):
what no form of ours sends (a file part, JSON, a raw body, odd content types) never gets a 5xx.
File parts, JSON and bodies of any type but the two form encodings are refused with a 400 and
the application's own error page, before the form-token check or any form reads them; the
odd-but-form cases are answered without a 5xx.

Four visitors send them: an anonymous one, a patient half-way through the questionnaire, staff
and an admin (logged in through the pages: tests/staff_helpers.py), each with a valid form
token of their own, so a body reaches as far as it can."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest

from flow_helpers import BASE, csrf_token, walk
from hostile_count import SENT
from staff_helpers import staff_client, submit_answers

pytestmark = pytest.mark.skipif(not BASE, reason="shared/design/personas.json not found")

LAST = ("staff.logout",)  # sent last: a log-out that went through would end the staff session


def example_path(rule: Any, reference: str) -> str:
    args = {"section_id": "about_you", "number": 1, "reference": reference, "user_id": 1,
            "filename": "css/site.css"}
    return rule.build({name: args.get(name, "x") for name in rule.arguments})[1]


def field_names(client: Any, paths: list[str]) -> set[str]:
    """Every form field name on the pages a visitor can open."""
    names: set[str] = set()
    for path in paths:
        page = client.get(path)
        if page.status_code == 200 and page.mimetype == "text/html":
            names |= set(re.findall(r'name="([^"]+)"', text_of(page)))
    return names - {"csrf_token"}


def refused_bodies(token: str, names: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Bodies no form of ours sends: each must be a 400 with the error page on a POST."""
    def files() -> dict[str, Any]:
        return {name: (io.BytesIO(b"<script>x</script>"), "answers.txt", "text/plain")
                for name in sorted(names)}

    yield "a file part in every field", {"data": {"csrf_token": token, **files()},
                                         "content_type": "multipart/form-data"}
    yield "one file part of another name", {
        "data": {"csrf_token": token, "upload": (io.BytesIO(b"\x00" * 64), "a.bin")},
        "content_type": "multipart/form-data"}
    header = {"X-CSRFToken": token}
    yield "a JSON object", {"json": {"csrf_token": token, **{n: {"x": [1]} for n in names}},
                            "headers": header}
    yield "a JSON list", {"data": "[1, 2, 3]", "content_type": "application/json",
                          "headers": header}
    yield "broken JSON", {"data": "{\"csrf_token\": ", "content_type": "application/json",
                          "headers": header}
    yield "raw bytes", {"data": b"\x00\xff\xfe" * 100, "content_type": "application/octet-stream",
                        "headers": header}
    yield "a form as text/plain", {"data": f"csrf_token={token}", "content_type": "text/plain"}
    yield "XML", {"data": "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
                  "content_type": "application/xml", "headers": header}
    yield "a body without a content type", {"data": f"csrf_token={token}".encode(),
                                            "headers": header}


def odd_form_bodies(token: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Odd bodies that still claim a form encoding: any answer but a 5xx."""
    yield "multipart without a boundary", {"data": b"--x\r\n\r\n",
                                           "content_type": "multipart/form-data"}
    yield "multipart with a boundary that never comes", {
        "data": b"garbage\r\n" * 20, "content_type": "multipart/form-data; boundary=zz"}
    yield "multipart cut short", {
        "data": (b"--zz\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
                 + token.encode()),
        "content_type": "multipart/form-data; boundary=zz"}
    yield "urlencoded bytes that are not UTF-8", {
        "data": b"csrf_token=" + token.encode() + b"&%ff%fe=\xff\xfe&\xc0=%c0",
        "content_type": "application/x-www-form-urlencoded"}
    yield "urlencoded in UTF-16", {
        "data": f"csrf_token={token}&q=x".encode("utf-16"),
        "content_type": "application/x-www-form-urlencoded; charset=utf-16"}


@pytest.fixture
def visitors(app) -> dict[str, Any]:
    reference = submit_answers(app, BASE)
    patient = app.test_client()
    assert walk(patient, BASE, stop_at="about_you/2").startswith("/q/")
    return {"anonymous": app.test_client(), "patient": patient,
            "staff": staff_client(app), "admin": staff_client(app, role="admin"),
            "reference": reference}


def token_of(client: Any, staff: bool) -> str:
    return csrf_token(client.get("/staff/" if staff else "/resume").text)


def text_of(response: Any) -> str:
    return response.get_data().decode("utf-8", "replace")


def is_error_page(response: Any) -> bool:
    return 'class="incident"' in text_of(response) and "Error 400" in text_of(response)


def test_bodies_no_form_sends_are_refused_everywhere(app, visitors):
    reference = visitors.pop("reference")
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint in LAST, r.rule))
    paths = [example_path(rule, reference) for rule in rules
             if "GET" in rule.methods and rule.endpoint != "static"]
    problems: list[str] = []
    sent = 0
    for name, client in visitors.items():
        staff = name in ("staff", "admin")
        names = field_names(client, paths)
        for rule in rules:
            path = example_path(rule, reference)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                token = token_of(client, staff)
                cases = [*((label, request, True) for label, request in
                           refused_bodies(token, names)),
                         *((label, request, False) for label, request in odd_form_bodies(token)
                           if rule.endpoint not in LAST)]  # a form with a token may log out
                for label, request, refused in cases:
                    response = client.open(path, method=method, **request)
                    sent += 1
                    what = f"{name} {method} {path} with {label}: {response.status_code}"
                    assert "Traceback" not in text_of(response), what
                    if response.status_code >= 500 or (
                            refused and method != "GET"
                            and not (response.status_code == 400 and is_error_page(response))):
                        problems.append(what)
        if staff and client.get("/staff/").status_code != 200:
            problems.append(f"{name} was logged out by a body that should have been refused")
    SENT["hostile bodies"] += sent
    assert problems == [], "\n".join(problems[:40])
    assert sent >= 4 * len(rules) * 10

