"""A shared or borrowed device: after sending, "Finish and clear this device" ends the
patient's session (and the printable copy with it), and the answers stop being shown on the
device 60 minutes after sending anyway; the reference stays (issue 19, item 4)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from screener.extensions import db
from screener.models import Submission

from flow_helpers import BASE, csrf_token, walk

FIRST_NAME = BASE.get("first_name", "")


def send(client) -> str:
    assert walk(client, BASE) == "/check"
    response = client.post("/submit", data={"csrf_token": csrf_token(client.get("/check").text)})
    assert response.status_code == 303
    page = client.get("/confirmation").text
    return re.search(r'class="reference">([0-9A-Z]+)<', page)[1]


def test_finish_and_clear_ends_the_session_and_the_printable_copy(client):
    reference = send(client)
    confirmation = client.get("/confirmation").text
    assert "Finish and clear this device" in confirmation
    assert FIRST_NAME in client.get("/confirmation/answers").text
    finished = client.post("/finish", data={"csrf_token": csrf_token(confirmation)})
    assert finished.status_code == 200
    assert reference in finished.text  # said once more, for talking to the clinic
    assert FIRST_NAME not in finished.text
    assert finished.headers["Cache-Control"] == "no-store"
    for url in ("/confirmation", "/confirmation/answers"):
        page = client.get(url)
        assert page.status_code == 404, url
        assert FIRST_NAME not in page.text and reference not in page.text


def test_finish_needs_the_form_token(client):
    send(client)
    assert client.post("/finish", data={}).status_code == 400
    assert client.get("/confirmation/answers").status_code == 200


def test_the_answers_are_no_longer_shown_an_hour_after_sending(app, client):
    reference = send(client)
    with app.app_context():
        submission = db.session.scalar(select(Submission))
        submission.created_at -= timedelta(minutes=59)
        db.session.commit()
    assert FIRST_NAME in client.get("/confirmation/answers").text  # 59 minutes: still there
    with app.app_context():
        submission = db.session.scalar(select(Submission))
        submission.created_at -= timedelta(minutes=2)
        db.session.commit()
    gone = client.get("/confirmation/answers")
    assert gone.status_code == 410
    assert FIRST_NAME not in gone.text and reference in gone.text
    confirmation = client.get("/confirmation").text
    assert reference in confirmation
    assert "/confirmation/answers" not in confirmation
    assert "Things to talk about with a provider" not in confirmation
