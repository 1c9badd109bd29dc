"""Alerts on the staff side (issue 20): acknowledging an urgent submission (on its page and in
the queue), its alert history, and the admin's outbox with a test alert. The work is in
screener/alerts; registering the staff blueprint also sets up the alerts package."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from .. import alerts
from ..alerts.models import Alert
from ..alerts.outbox import (
    acknowledge,
    alert_for,
    history,
    outbox,
    queue_test_alert,
)
from ..extensions import db
from . import audit, bp
from .forms import EmptyForm
from .queue import by_reference


@bp.record_once
def _set_up_alerts(state: Any) -> None:
    alerts.init_app(state.app)
    state.app.add_template_global(alert_of)
    state.app.add_template_global(history, "alert_history")


def alert_of(submission_id: int) -> Alert | None:
    return alert_for(submission_id)


def _now():
    return current_app.config["ALERT_CLOCK"]()


@bp.route("/submissions/<reference>/acknowledge", methods=["POST"])
def acknowledge_alert(reference: str):
    if not EmptyForm().validate():
        abort(400)
    sub = by_reference(reference) or abort(404)
    alert = acknowledge(sub, current_user._get_current_object(), _now())
    if alert is None:
        flash(gettext("Someone had already acknowledged %(reference)s.", reference=sub.reference))
    else:
        minutes = alert.response_seconds // 60
        audit.record("alert_acknowledged", current_user.id, sub.id,
                     f"{minutes} min after arrival")
        db.session.commit()
        flash(gettext("Acknowledged %(reference)s: the escalation is stopped.",
                      reference=sub.reference))
    if request.form.get("back") == "queue":
        return redirect(url_for("staff.queue"), code=303)
    return redirect(url_for("staff.submission", reference=sub.reference), code=303)


@bp.route("/admin/outbox")
def outbox_page():
    return render_template("staff/outbox.html", lists=outbox(), form=EmptyForm())


@bp.route("/admin/outbox/test", methods=["POST"])
def send_test_alert():
    if not EmptyForm().validate():
        abort(400)
    queue_test_alert(_now())
    audit.record("alert_test", current_user.id)
    db.session.commit()
    flash(gettext("A test alert is queued. The alerts worker sends it within seconds."))
    return redirect(url_for("staff.outbox_page"), code=303)
