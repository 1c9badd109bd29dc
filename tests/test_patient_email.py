"""Optional mail to the person (issue 22): with SMTP_URL set, the link to go on with the answers
(works once, bound to the draft, rate-limited) and a confirmation with the reference; neither
holds an answer, a flag or a score. Without mail, neither is offered. A real SMTP server on
loopback (aiosmtpd) receives the messages."""

from __future__ import annotations

import email
import re
import socket
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from conftest import make_app
from flow_helpers import BASE, changed, csrf_token, post_page, walk

pytestmark = pytest.mark.skipif(not BASE, reason="shared/design/personas.json not found")
CANARY = "Zebulon-Canary"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it so
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture
def inbox():
    box = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.url = f"smtp+plain://127.0.0.1:{port}"
    yield box
    controller.stop()


@pytest.fixture
def mail_app(tmp_path, inbox):
    yield from make_app("sqlite", tmp_path, SMTP_URL=inbox.url, MAIL_FROM="clinic@clinic.example",
                        PUBLIC_URL="https://prescreen.example")


def save_for_later(client, answers):
    url = walk(client, answers, stop_at="reasons/1")
    return post_page(client, url, [], action="later")


def test_the_link_by_email_works_once_and_holds_no_answer(mail_app, inbox):
    client = mail_app.test_client()
    shown = save_for_later(client, changed(first_name=CANARY))
    assert 'action="/save-for-later/email"' in shown.text
    assert 'value="alex@example.org"' in shown.text  # the address they gave, to confirm
    sent = client.post("/save-for-later/email", data={"csrf_token": csrf_token(shown.text),
                                                      "email": "alex@example.org"})
    assert sent.status_code == 200 and "alex@example.org" in sent.text
    [message] = inbox.messages
    assert message["To"] == "alex@example.org"
    body = message.get_content()
    link = re.search(r"https://prescreen\.example(/resume/[\w-]+)", body)[1]
    words = body.replace(link, "")  # the code is random letters: "PHQ" may be among them
    assert CANARY not in words and "Rivera" not in words and "PHQ" not in words

    other = mail_app.test_client()  # another device
    page = other.get(link)
    assert page.status_code == 200 and 'name="once" value="1"' in page.text
    code = re.search(r'name="resume_code" value="([^"]+)"', page.text)[1]
    opened = other.post("/resume", data={"csrf_token": csrf_token(page.text),
                                         "resume_code": code, "once": "1"})
    assert opened.status_code == 303 and opened.headers["Location"] == "/q/reasons/1"
    assert CANARY in other.get("/q/about_you/1").text
    again = mail_app.test_client()
    page = again.get(link)
    used = again.post("/resume", data={"csrf_token": csrf_token(page.text),
                                       "resume_code": code, "once": "1"})
    assert used.status_code == 404  # single use


def test_asking_for_the_link_is_rate_limited(tmp_path, inbox):
    for app in make_app("sqlite", tmp_path, SMTP_URL=inbox.url, RATELIMIT_ENABLED=True,
                        RATELIMIT_RESUME_EMAIL="2 per hour", RATELIMIT_NEW_DRAFT="100 per hour"):
        client = app.test_client()
        shown = save_for_later(client, BASE)
        statuses = [client.post("/save-for-later/email",
                                data={"csrf_token": csrf_token(shown.text),
                                      "email": "alex@example.org"}).status_code
                    for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert len(inbox.messages) == 2


def test_a_wrong_address_is_a_message_by_the_field(mail_app, inbox):
    client = mail_app.test_client()
    shown = save_for_later(client, BASE)
    response = client.post("/save-for-later/email", data={"csrf_token": csrf_token(shown.text),
                                                          "email": "alex@"})
    assert response.status_code == 400
    assert "<title>Error:" in response.text
    assert re.search(r'class="error-message" id="email-error">.*name@example.com', response.text,
                     re.S)
    assert 'href="#email"' in response.text
    assert inbox.messages == []


def test_the_confirmation_email_has_the_reference_and_no_answer_or_flag(mail_app, inbox):
    client = mail_app.test_client()
    walk(client, changed(first_name=CANARY, ride_home="no"))
    check = client.get("/check")
    assert 'name="email_confirmation"' in check.text
    client.post("/submit", data={"csrf_token": csrf_token(check.text),
                                 "email_confirmation": "y"})
    client.post("/submit", data={"csrf_token": csrf_token(check.text),
                                 "email_confirmation": "y"})  # a double click: one email
    reference = re.search(r'class="reference">([^<]+)<', client.get("/confirmation").text)[1]
    mails = [m for m in inbox.messages if m["To"] == "alex@example.org"]
    assert len(mails) == 1
    body = mails[0].get_content()
    assert reference in body and "What happens next" in body
    assert CANARY not in body and "ride home" not in body.lower() and "INF-" not in body


def test_without_mail_nothing_is_offered(client):
    shown = save_for_later(client, BASE)
    assert "save-for-later/email" not in shown.text
    walk(client, BASE)
    assert "email_confirmation" not in client.get("/check").text
    assert client.post("/save-for-later/email").status_code in (302, 400)
