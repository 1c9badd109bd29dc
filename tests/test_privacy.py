"""No health information in logs, URLs, cookies or other people's pages."""

from __future__ import annotations

import copy
import logging

import pytest

from screener.questionnaire import QUESTIONS

from flow_helpers import csrf_token, personas, session_payload, walk

BASE = copy.deepcopy(personas()[0]["answers"]) if personas() else {}
CANARY = "Qx7Canary"
pytestmark = pytest.mark.skipif(not BASE, reason="shared/design/personas.json not found")


def canary_answers() -> dict:
    answers = copy.deepcopy(BASE)
    answers.update(reasons=["depression", "other"], reasons_other=f"{CANARY} reason")
    for qid, question in QUESTIONS.items():
        if question.kind in ("text", "longtext") and qid != "consent_store":
            answers[qid] = f"{CANARY}{qid}"[:question.maximum or 100]
    answers["email"] = f"{CANARY.lower()}@example.org"
    return answers


def test_canary_never_reaches_logs_urls_cookies_or_other_browsers(app, caplog):
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    seen_urls: list[str] = []
    original_open = client.open

    def recording_open(*args, **kwargs):
        response = original_open(*args, **kwargs)
        seen_urls.append(str(args[0] if args else kwargs.get("path")))
        seen_urls.append(response.headers.get("Location", ""))
        seen_urls.extend(response.headers.getlist("Set-Cookie"))
        return response

    client.open = recording_open
    assert walk(client, canary_answers()) == "/check"
    check = client.get("/check")
    assert CANARY in check.text  # the person's own page shows it
    client.post("/submit", data={"csrf_token": csrf_token(check.text)})
    assert CANARY in client.get("/confirmation/answers").text
    client.get("/q/not-a-page/9")  # an error page on the way

    leaks = [url for url in seen_urls if CANARY.lower() in url.lower()]
    assert leaks == []
    assert CANARY.lower() not in repr(session_payload(client)).lower()
    assert [r.getMessage() for r in caplog.records if CANARY.lower() in r.getMessage().lower()
            ] == []

    stranger = app.test_client()
    for url in ("/", "/check", "/confirmation", "/confirmation/answers", "/q/about_you/1",
                "/help", "/continue"):
        assert CANARY.lower() not in stranger.get(url).text.lower(), url
