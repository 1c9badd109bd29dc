"""`flask alerts work` (the worker, its own process in production) and `flask alerts test`."""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from .outbox import queue_test_alert
from .worker import run_once, work

alerts = AppGroup("alerts", help="Urgent-submission alerts: the worker and a test alert.")


@alerts.command("work")
@click.option("--once", is_flag=True, help="One pass, then exit.")
def work_command(once: bool) -> None:
    """Send queued alerts (mail, webhook), retry failures, escalate unacknowledged ones."""
    config = current_app.config
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not config["SMTP_URL"]:
        click.echo("alerts: no SMTP_URL set, mail alerts are printed here instead", err=True)
    if not config["SMTP_URL"] and not config["ALERT_WEBHOOK_URL"] and config["PRODUCTION"]:
        click.echo("alerts: WARNING no SMTP_URL and no ALERT_WEBHOOK_URL: nobody is alerted",
                   err=True)
    if once:
        run_once(config, config["ALERT_CLOCK"]())
        return
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())  # finish the message in hand
    click.echo("alerts: worker started", err=True)
    work(config, config["ALERT_CLOCK"], stop, config["ALERT_POLL_SECONDS"])
    click.echo("alerts: worker stopped", err=True)


@alerts.command("test")
def test_command() -> None:
    """Queue a test alert (about no one) to every alert address and the webhook."""
    alert = queue_test_alert(current_app.config["ALERT_CLOCK"]())
    db.session.commit()
    click.echo(f"Test alert queued ({len(alert.messages)} message(s)); "
               "`flask alerts work` sends it.")
