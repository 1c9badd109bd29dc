"""Helpers for driving the patient flow through the Flask test client."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict

from screener.patient.flow import PAGE_BY_KEY

PERSONAS_FILE = Path(__file__).resolve().parents[2] / "shared" / "design" / "personas.json"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def personas() -> list[dict[str, Any]]:
    return json.loads(PERSONAS_FILE.read_text()) if PERSONAS_FILE.exists() else []


BASE: dict[str, Any] = personas()[0]["answers"] if PERSONAS_FILE.exists() else {}


def changed(**changes: Any) -> dict[str, Any]:
    """A copy of the first persona's answers with some changed (None removes an answer)."""
    answers = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def page_of(url: str):
    parts = urlsplit(url).path.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "q":
        return PAGE_BY_KEY[f"{parts[1]}/{parts[2]}"]
    return None


def with_substances_used(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers with `substances_used` as a person ticks it: the substances whose last use
    is not "never", or "none" (the personas predate the question and give only last_use_*)."""
    last_use = {k.removeprefix("last_use_"): v for k, v in answers.items()
                if k.startswith("last_use_")}
    if "substances_used" in answers or not last_use:
        return answers
    used = [substance for substance, when in last_use.items() if when != "never"]
    return {**answers, "substances_used": used or ["none"]}


def form_fields(ref, answers: dict[str, Any], units: str = "us") -> list[tuple[str, str]]:
    """The form fields a person would send on this page for these answers (a height and a
    weight typed in `units`, the clinic's MEASUREMENT_UNITS)."""
    answers = with_substances_used(answers)
    fields: list[tuple[str, str]] = []
    for question in ref.page.questions:
        value = answers.get(question.id)
        if value is not None:
            fields += question_fields(question, value, units)
    return fields


def question_fields(question, value: Any, units: str = "us") -> list[tuple[str, str]]:
    """The (input name, text) pairs that give this answer to one question."""
    if question.kind == "trials":
        return [(f"{question.id}-{i}-{k}", str(v)) for i, row in enumerate(value)
                for k, v in row.items()]
    if question.kind == "multi":
        return [(question.id, v) for v in value]
    if question.kind == "bool":
        return [(question.id, "y")] if value else []
    if question.kind == "date":  # three boxes, as a person types them
        year, month, day = str(value).split("-")
        return [(f"{question.id}-month", str(int(month))),
                (f"{question.id}-day", str(int(day))), (f"{question.id}-year", year)]
    if question.measure and units == "us":  # what a person in the US types
        if question.measure == "height":
            feet, inches = divmod(round(value / 2.54), 12)
            return [(f"{question.id}-feet", str(feet)), (f"{question.id}-inches", str(inches))]
        return [(f"{question.id}-pounds", str(round(value / 0.45359237)))]
    return [(question.id, str(value))]


def units_of(client) -> str:
    """The units a person types a height and weight in at this client's clinic."""
    return client.application.config["MEASUREMENT_UNITS"]


def start(client) -> str:
    page = client.get("/")
    response = client.post("/", data={"csrf_token": csrf_token(page.text),
                                      "consent_store": "yes"})
    assert response.status_code == 303, response.text
    return response.headers["Location"]


def post_page(client, url: str, fields: list[tuple[str, str]], action: str = "continue"):
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    data = [("csrf_token", csrf_token(page.text)), ("action", action), *fields]
    return client.post(url, data=MultiDict(data))


def walk(client, answers: dict[str, Any], stop_at: str | None = None,
         max_pages: int = 40) -> str:
    """Answer every page from the start until the check page (or `stop_at`, a page key).
    Crisis help pages are passed through the way a person would (Continue)."""
    url = start(client)
    for _ in range(max_pages):
        if url.endswith("/help"):
            url = "/continue"
            url = client.get(url).headers["Location"]
            continue
        ref = page_of(url)
        if ref is None:
            return url
        if stop_at and ref.key == stop_at:
            return url
        response = post_page(client, url, form_fields(ref, answers, units_of(client)))
        assert response.status_code == 303, (url, response.status_code,
                                             re.findall(r'error-message".*?</p>', response.text,
                                                        re.S))
        url = response.headers["Location"]
    raise AssertionError("the flow did not reach the check page")


def session_payload(client) -> dict[str, Any]:
    """The decoded Flask session cookie of a test client (signed, not encrypted)."""
    import hashlib

    from itsdangerous import URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(
        client.application.secret_key, salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})
    return serializer.loads(client.get_cookie("session").value)
