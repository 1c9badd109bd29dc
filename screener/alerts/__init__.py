"""Alerts: an urgent pre-screen reaches a person within minutes, with nothing about the person on
the wire (issue 20).

- `outbox.queue_alerts(submission)` writes the alert and its outbox rows in the transaction that
  stores the submission; `flask alerts work` (worker.py) sends them by mail (delivery.py, SMTP
  with STARTTLS and a log-in) and webhook, retries with back-off, and escalates alerts no one
  acknowledged in time. Staff acknowledge on the submission page (screener/staff/alerts.py).
- `hours.py` reads CLINIC_HOURS; `pages.py` words the patient's help and confirmation pages.

`init_app` sets the defaults below (each from the environment) and adds the `flask alerts`
commands and the template helpers; the staff blueprint calls it when it is registered.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from ..models import utcnow


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


DEFAULTS: dict[str, Any] = {
    # smtp://user:password@mail.example:587 (STARTTLS), smtps://... (TLS from the start),
    # smtp+plain://127.0.0.1:25 (a relay on this machine only). Unset: alerts go to the console.
    "SMTP_URL": os.environ.get("SMTP_URL", ""),
    "MAIL_FROM": os.environ.get("MAIL_FROM", "prescreen-alerts@localhost"),
    "ALERT_EMAILS": os.environ.get("ALERT_EMAILS", ""),  # comma-separated
    "ESCALATION_EMAILS": os.environ.get("ESCALATION_EMAILS", ""),  # empty: ALERT_EMAILS again
    "ALERT_WEBHOOK_URL": os.environ.get("ALERT_WEBHOOK_URL", ""),  # https:// (or loopback)
    "ALERT_ESCALATE_AFTER_MINUTES": int(os.environ.get("ALERT_ESCALATE_AFTER_MINUTES", "30")),
    # Also alert (without escalation) for every submission, not only urgent ones.
    "ALERT_EVERY_SUBMISSION": _flag("ALERT_EVERY_SUBMISSION"),
    # The address staff open the link in an alert at, e.g. https://prescreen.clinic.example
    "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
    "CLINIC_TIMEZONE": os.environ.get("CLINIC_TIMEZONE", "UTC"),
    "ALERT_CLOCK": utcnow,  # tests pass their own clock
    # A worker's claim on a message lasts this long; a send gives up well before it ends.
    "ALERT_CLAIM_SECONDS": int(os.environ.get("ALERT_CLAIM_SECONDS", "120")),
    "ALERT_SEND_TIMEOUT_SECONDS": int(os.environ.get("ALERT_SEND_TIMEOUT_SECONDS", "20")),
    "ALERT_POLL_SECONDS": float(os.environ.get("ALERT_POLL_SECONDS", "2")),
}


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    if app.config["ALERT_CLAIM_SECONDS"] <= 2 * app.config["ALERT_SEND_TIMEOUT_SECONDS"]:
        raise ValueError("ALERT_CLAIM_SECONDS must be more than twice ALERT_SEND_TIMEOUT_SECONDS")
    from . import cli, pages

    app.cli.add_command(cli.alerts)
    app.add_template_global(pages.crisis_buttons)
    app.add_template_global(pages.crisis_kinds)
    app.add_template_global(pages.opening_hours, "clinic_opening_hours")
