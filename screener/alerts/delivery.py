"""What an alert says and how it leaves: mail over SMTP (STARTTLS and a log-in), an HTTPS POST
of a small JSON body, or the console when no SMTP_URL is set (`make run`).

An alert says only that a pre-screen arrived, when, its reference, and a link into the staff
area (which asks for a log-in): no name, no answer, no score, no flag, no condition. The staff
read alerts in English, like the rest of the mail a clinic's systems send them.
"""

from __future__ import annotations

import ipaddress
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, TextIO
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from .outbox import Outgoing, recipients

SUBJECTS = {
    ("alert", "urgent"): "Urgent pre-screen {reference}: please acknowledge",
    ("alert", "submission"): "New pre-screen {reference}",
    ("escalation", "urgent"): "Not yet acknowledged: urgent pre-screen {reference}",
    ("test", "test"): "Test alert from the pre-screen",
}
EVENTS = {"alert": "pre_screen_arrived", "escalation": "not_acknowledged", "test": "test"}


class DeliveryError(Exception):
    """A send failed; the text (the server's answer, never the message) goes to the outbox."""


@dataclass(frozen=True, slots=True)
class Text:
    subject: str
    body: str
    link: str


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") + f" ({zone})"


def compose(message: Outgoing, config: Any) -> Text:
    base = config["PUBLIC_URL"].rstrip("/")
    link = (f"{base}/staff/submissions/{message.reference}" if message.reference
            else f"{base}/staff/admin/outbox")
    arrived = _local(message.arrived_at, config["CLINIC_TIMEZONE"])
    minutes = config["ALERT_ESCALATE_AFTER_MINUTES"]
    subject = SUBJECTS.get((message.purpose, message.kind), SUBJECTS[("alert", "urgent")])
    if message.purpose == "test":
        lines = ["This is a test alert from the pre-screen. It is about no one.",
                 f"Sent at {arrived}.", f"The outbox (staff log-in needed): {link}"]
    elif message.purpose == "escalation":
        lines = [f"An urgent pre-screen arrived at {arrived} and no one has acknowledged it.",
                 f"Reference: {message.reference}",
                 f"Open it (staff log-in needed): {link}",
                 "Please make sure someone acts on it now, and acknowledge it on its page."]
    elif message.kind == "urgent":
        lines = [f"An urgent pre-screen arrived at {arrived}.",
                 f"Reference: {message.reference}",
                 f"Open it (staff log-in needed): {link}",
                 "Please acknowledge it on its page. If no one does within "
                 f"{minutes} minutes, the escalation list is alerted."]
    else:
        lines = [f"A pre-screen arrived at {arrived}.", f"Reference: {message.reference}",
                 f"Open it (staff log-in needed): {link}"]
    lines += ["", f"{config['CLINIC_NAME']}. This message holds no health information.",
              f"Alert id: {message.message_id}"]
    return Text(subject.format(reference=message.reference), "\n".join(lines) + "\n", link)


# --- mail ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    security: str  # "starttls", "tls" or "none" (a relay on this machine)
    username: str
    password: str
    cafile: str | None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def smtp_server(url: str) -> SmtpServer:
    """smtp://user:password@host:587 (STARTTLS, required), smtps://...:465 (TLS), or
    smtp+plain://127.0.0.1:25 (no TLS: a relay on this machine only). ?cafile=/path trusts a
    private certificate authority."""
    parts = urlsplit(url)
    security = {"smtp": "starttls", "smtps": "tls", "smtp+plain": "none"}.get(parts.scheme)
    if security is None or not parts.hostname:
        raise DeliveryError("SMTP_URL must look like smtp://user:password@host:587")
    if security == "none" and not _loopback(parts.hostname):
        raise DeliveryError("smtp+plain:// is for a relay on this machine only (127.0.0.1)")
    cafile = parse_qs(parts.query).get("cafile", [None])[0]
    port = parts.port or {"starttls": 587, "tls": 465, "none": 25}[security]
    return SmtpServer(parts.hostname, port, security, unquote(parts.username or ""),
                      unquote(parts.password or ""), cafile)


def mail(message: Outgoing, text: Text, config: Any, now: datetime) -> EmailMessage:
    sender = config["MAIL_FROM"]
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(recipients(config, message.purpose))
    email["Subject"] = text.subject
    email["Date"] = format_datetime(now)
    email["Message-ID"] = f"<{message.message_id}@{sender.rpartition('@')[2] or 'localhost'}>"
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(text.body)
    return email


def send_mail(email: EmailMessage, server: SmtpServer, timeout: float) -> None:
    if not email["To"]:
        raise DeliveryError("no recipients: set ALERT_EMAILS")
    context = ssl.create_default_context(cafile=server.cafile)
    try:
        if server.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout,
                                                    context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        with client:
            client.ehlo()
            if server.security == "starttls":
                if not client.has_extn("starttls"):
                    raise DeliveryError("the mail server does not offer STARTTLS")
                client.starttls(context=context)
                client.ehlo()
            if server.username:
                client.login(server.username, server.password)
            client.send_message(email)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(describe(error)) from error


def describe(error: BaseException) -> str:
    """The failure in one line for the outbox page: its type and the server's answer."""
    detail = " ".join(str(error).split())
    return f"{type(error).__name__}: {detail}"[:300] if detail else type(error).__name__


# --- webhook ---------------------------------------------------------------------------------

def webhook_body(message: Outgoing, text: Text) -> bytes:
    """Small JSON; `text` is what chat tools (Slack, Teams, Mattermost) show as it is."""
    body = {
        "id": message.message_id,
        "event": EVENTS.get(message.purpose, "pre_screen_arrived"),
        "urgent": message.kind == "urgent",
        "reference": message.reference,
        "arrived_at": message.arrived_at.isoformat(timespec="seconds"),
        "url": text.link,
        "text": f"{text.subject}. {text.link}",
    }
    return json.dumps(body).encode()


def check_webhook_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname or "")):
        return url
    raise DeliveryError("ALERT_WEBHOOK_URL must be https:// (http:// only to this machine)")


def post_webhook(url: str, message: Outgoing, text: Text, timeout: float) -> None:
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked just above)
        check_webhook_url(url), data=webhook_body(message, text), method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": message.message_id,
                 "User-Agent": "prescreen-alerts"})
    try:
        # The scheme was checked above: https, or http to this machine only.
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
            status = response.status
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"HTTP {error.code} from the webhook") from error
    except OSError as error:
        raise DeliveryError(describe(error)) from error
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from the webhook")


# --- the console (no SMTP_URL) ---------------------------------------------------------------

def print_alert(email: EmailMessage, out: TextIO) -> None:
    out.write("\n=== alert (no SMTP_URL set: printed, not mailed) ===\n")
    out.write(email.as_string())
    out.write("=== end of alert ===\n")
    out.flush()


def deliver(message: Outgoing, config: Any, now: datetime, console: TextIO) -> None:
    """Send one claimed message; DeliveryError when it did not go."""
    text = compose(message, config)
    timeout = config["ALERT_SEND_TIMEOUT_SECONDS"]
    if message.channel == "webhook":
        post_webhook(config["ALERT_WEBHOOK_URL"], message, text, timeout)
        return
    email = mail(message, text, config, now)
    if not config["SMTP_URL"]:
        print_alert(email, console)
        return
    send_mail(email, smtp_server(config["SMTP_URL"]), timeout)
