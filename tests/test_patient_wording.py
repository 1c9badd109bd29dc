"""Patient-facing text never diagnoses and never says eligible, qualify, approved, "you have".

Scans every patient template, every question definition, every form message, every rule's
patient wording, every message catalogue, and the text of every page of a full walk-through.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from screener.questionnaire import forms as question_forms

from flow_helpers import csrf_token, personas, walk
from wording import definition_strings, forbidden_phrases

ROOT = Path(__file__).resolve().parents[1]
PATIENT_TEMPLATES = sorted(
    [*(ROOT / "templates" / "patient").glob("*.html"), *(ROOT / "templates" / "macros").glob(
        "*.html"), ROOT / "templates" / "base.html", ROOT / "templates" / "error.html"])


@pytest.mark.parametrize("path", PATIENT_TEMPLATES, ids=lambda p: p.name)
def test_patient_templates(path):
    text = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)
    assert forbidden_phrases(text) == []


def test_question_definitions():
    found = {s: forbidden_phrases(s) for s in definition_strings()}
    assert {s: f for s, f in found.items() if f} == {}


def test_form_messages():
    messages = [*re.findall(r'(?:lazy_)?gettext\(\s*"([^"]+)"', Path(question_forms.__file__)
                            .read_text())]
    assert messages and all(forbidden_phrases(m) == [] for m in messages)


def test_message_catalogues():
    for catalogue in (ROOT / "translations").glob("*/LC_MESSAGES/*.po"):
        translated = re.findall(r'^msgstr "(.*)"$', catalogue.read_text(), flags=re.M)
        assert [t for t in translated if forbidden_phrases(t)] == [], catalogue


@pytest.mark.skipif(not personas(), reason="shared/design/personas.json not found")
def test_every_page_of_a_walk_through(client):
    flagged = max(personas(), key=lambda p: len(p["expected_flags"]))
    seen: list[str] = []

    def visible_text(html: str) -> str:
        body = html.split("<body", 1)[1]
        return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", body,
                                             flags=re.S))

    url = walk(client, flagged["answers"])
    for page_url in ["/", "/help", "/resume", url]:
        seen.append(visible_text(client.get(page_url).text))
    check = client.get("/check")
    client.post("/submit", data={"csrf_token": csrf_token(check.text)})
    for page_url in ["/confirmation", "/confirmation/answers"]:
        seen.append(visible_text(client.get(page_url).text))
    assert [forbidden_phrases(text) for text in seen] == [[] for _ in seen]
