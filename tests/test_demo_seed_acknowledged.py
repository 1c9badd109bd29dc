"""The demo data's acknowledged urgent cases look acknowledged in the queue, as in the app."""

from __future__ import annotations

import re

from sqlalchemy import select

from screener.alerts.models import Alert
from screener.extensions import db
from screener.models import Submission

from staff_helpers import seed, staff_client


def test_a_seeded_acknowledged_urgent_case_has_no_acknowledge_button_in_the_queue(app):
    seed(app, 120, seed_value=5)
    with app.app_context():
        acknowledged = set(db.session.scalars(
            select(Submission.reference).join(Alert, Alert.submission_id == Submission.id)
            .where(Submission.urgent, Alert.acknowledged_at.is_not(None))))
        waiting = set(db.session.scalars(select(Submission.reference).where(
            Submission.urgent, Submission.reference.not_in(acknowledged))))
    assert acknowledged  # the demo acknowledged some urgent cases
    page = staff_client(app).get("/staff/?view=all").text
    buttons = set(re.findall(r'Acknowledge<span class="visually-hidden"> ([0-9A-Z]+)</span>',
                             page))
    shown = set(re.findall(r'href="/staff/submissions/([0-9A-Z]+)"', page))
    assert buttons & acknowledged == set()
    assert buttons == waiting & shown
    # Unacknowledged urgent rows come first, then the acknowledged ones.
    order = list(dict.fromkeys(re.findall(r'href="/staff/submissions/([0-9A-Z]+)"', page)))
    first_acknowledged = min(order.index(ref) for ref in acknowledged & shown)
    assert all(order.index(ref) < first_acknowledged for ref in waiting & shown)
    # The alert history names who acknowledged it: one of the demo colleagues.
    case = staff_client(app, email="reader@clinic.example").get(
        f"/staff/submissions/{sorted(acknowledged)[0]}").text
    assert "acknowledged by unknown" not in case and "@demo.invalid" in case.split(
        "acknowledged by", 1)[1].split("</li>", 1)[0]
