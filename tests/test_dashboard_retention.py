"""The dashboard's history outlives a retention purge: the days of the drafts a purge deletes
are counted before they go (counts only; no person is kept)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from screener.extensions import db
from screener.models import DashboardMark, Draft

from staff_helpers import staff_client


def started_in(client, day) -> list[str]:
    """The arrivals table's row for the week holding `day` (UTC, the clinic's zone here)."""
    query = f"period=dates&from={day:%Y-%m-%d}&to={day:%Y-%m-%d}"
    response = client.get(f"/staff/dashboard/numbers.csv?figure=arrivals&{query}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))[1]


def test_drafts_purged_before_the_dashboard_counted_their_day_are_still_counted(app):
    client = staff_client(app)
    now = datetime.now(UTC)
    day = (now - timedelta(days=60)).replace(hour=12, minute=0, second=0, microsecond=0)
    client.get("/staff/dashboard")  # the dashboard has been looked at before...
    with app.app_context():
        mark = db.session.scalar(select(DashboardMark))
        mark.refreshed_at = day - timedelta(days=1)  # ...last 61 days ago
        for n in range(7):  # 7 questionnaires started that day and left unsent
            db.session.add(Draft(id=f"left-{n}", answers={}, pages_done=[], crisis_shown=[],
                                 language="en", device="phone", last_page="mood",
                                 created_at=day, updated_at=day,
                                 expires_at=day + timedelta(days=14)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["retention", "purge", "--older-than", "30"])
    assert result.exit_code == 0, result.output
    assert "7 expired unsent drafts" in result.output
    with app.app_context():
        assert db.session.scalar(select(Draft.id)) is None  # the drafts are gone
    row = started_in(client, day.date())
    assert row[1:3] == ["7", "0"], row  # started 7, sent 0
