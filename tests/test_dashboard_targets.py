"""The dashboard's target lines are the clinic's own settings, not numbers of the dashboard's."""

from __future__ import annotations

import pytest
from test_dashboard import PERIOD, board  # noqa: F401 (a fixture)


@pytest.mark.parametrize(("days", "shown"), [(2, "48.0 hours"), (3, "3.0 days")])
def test_the_contact_target_is_the_queue_s_contact_target_days(app, board, days, shown):  # noqa: F811
    app.config["CONTACT_TARGET_DAYS"] = days
    app.config["ALERT_ESCALATE_AFTER_MINUTES"] = 20
    page = board.get(f"/staff/dashboard?{PERIOD}").text
    assert ("Too few pre-screens (fewer than 5) had a response in this period to show a time. "
            f"The target is {shown}.") in page
    assert ("Too few pre-screens (fewer than 5) had a response in this period to show a time. "
            "The target is 20 minutes.") in page
    # The chart's clock and the queue's working hours are told apart on the page.
    assert "These times are on the clock, nights and weekends included" in page
