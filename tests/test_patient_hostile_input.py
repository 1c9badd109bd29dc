"""Hostile input on every patient page: arbitrary, malicious and malformed values never cause a
server error, every rejection comes with a message next to a field, nothing invalid is stored,
and whatever was typed comes back escaped.

Runs on SQLite only (the database layer is covered both ways elsewhere); the number of generated
requests is set by HOSTILE_EXAMPLES (default 2,500 here, more in the staff forms' test).
"""

from __future__ import annotations

import copy
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from screener.extensions import db
from screener.models import Draft
from screener.patient.flow import STEP_PAGES
from screener.questionnaire import QUESTIONNAIRE, QUESTIONS
from screener.questionnaire.values import clean

from conftest import make_app
from flow_helpers import csrf_token, personas, question_fields, walk
from hostile_count import EXAMPLES, SENT

BASE = copy.deepcopy(personas()[0]["answers"]) if personas() else {}
pytestmark = pytest.mark.skipif(not BASE, reason="shared/design/personas.json not found")

NASTY = [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
    "'; DROP TABLE submission; --", "\x00", "\r\nSet-Cookie: a=b", "\u202e\u0301", "𝕏" * 50,
    "=HYPERLINK(\"http://x\")", "-1", "1e9", "0x10", " 7 ", "", " ", "NaN", "None", "[]",
    "yes", "no", "none", "other", "9" * 40, "ｙｅｓ", "e\u0301", "²", "٣", "1²", "1" * 4301,
]
text = st.one_of(st.sampled_from(NASTY), st.text(max_size=60),
                 st.text(min_size=2000, max_size=2100), st.integers(-10**6, 10**6).map(str))


@st.composite
def page_posts(draw):
    """A page and a list of (name, value) pairs a hostile client might send for it."""
    ref = draw(st.sampled_from(STEP_PAGES))
    fields: list[tuple[str, str]] = []
    for question in ref.page.questions:
        mode = draw(st.sampled_from(["valid", "junk", "missing", "twice", "forged"]))
        valid = [o.value for o in question.options] or [str(BASE.get(question.id, "x"))]
        boxes = question_fields(question, BASE[question.id]) if question.kind == "date" or (
            question.measure and question.id in BASE) else []
        if boxes:  # several boxes (a date; feet and inches): each valid, junk, missing or twice
            for name, good in boxes:
                how = draw(st.sampled_from(["valid", "junk", "missing", "twice"]))
                if how != "missing":
                    fields.append((name, good if how == "valid" else draw(text)))
                if how == "twice":
                    fields.append((name, draw(text)))
        elif question.kind == "trials":
            for row in range(draw(st.integers(0, 3))):
                for spec in QUESTIONNAIRE.trial_fields:
                    options = [o.value for o in spec.options] or ["name"]
                    value = draw(st.one_of(st.sampled_from(options), text))
                    fields.append((f"{question.id}-{row}-{spec.key}", value))
            if draw(st.booleans()):
                fields.append((f"{question.id}-{draw(st.integers(-5, 99))}-drug", draw(text)))
        elif mode == "valid":
            fields.append((question.id, draw(st.sampled_from(valid))))
        elif mode == "junk":
            fields.append((question.id, draw(text)))
        elif mode == "twice":
            fields += [(question.id, draw(st.sampled_from(valid))), (question.id, draw(text))]
        elif mode == "forged":
            fields.append((question.id, draw(st.sampled_from(["maybe", "YES", "4", "-1"]))))
    if draw(st.booleans()):
        fields.append((draw(st.sampled_from(["status", "urgent", "add_trial", "remove_trial",
                                             "action", "ad_trials-0", "si_now"])), draw(text)))
    return ref, fields


@pytest.fixture(scope="module")
def walked_app(tmp_path_factory):
    for application in make_app("sqlite", tmp_path_factory.mktemp("hostile")):
        client = application.test_client()
        assert walk(client, BASE) == "/check"
        yield application, client


def stored_values_are_valid(app) -> None:
    with app.app_context():
        answers = db.session.scalars(select(Draft)).one().answers
    for qid, value in answers.items():
        assert qid in QUESTIONS, qid
        cleaned = clean(QUESTIONS[qid], value)
        assert cleaned is not None, (qid, value)
        kind = QUESTIONS[qid].kind
        if kind == "date":
            assert cleaned.isoformat() == value, (qid, value)
        elif kind != "trials":
            assert cleaned == value, (qid, value)


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(post=page_posts())
def test_hostile_posts_never_break_the_flow(walked_app, post):
    app, client = walked_app
    ref, fields = post
    url = f"/q/{ref.section.id}/{ref.number}"
    page = client.get(url)
    SENT["questionnaire pages"] += 1
    assert page.status_code in (200, 302), page.status_code
    if page.status_code == 302:
        return  # the page does not apply to the answers as they now stand
    response = client.post(url, data=MultiDict([("csrf_token", csrf_token(page.text)), *fields]))
    SENT["questionnaire pages"] += 1
    assert response.status_code in (200, 303, 413), response.status_code
    if response.status_code == 200 and "add_trial" not in dict(fields) and (
            "remove_trial" not in dict(fields)):
        assert 'class="error-message"' in response.text
        assert 'class="error-summary"' in response.text
    body = response.text
    assert "<script>alert(1)</script>" not in body
    assert '"><img src=x onerror' not in body
    assert not re.search(r'href="javascript:', body)
    stored_values_are_valid(app)
