"""The contact form says what its follow-up date does: an attempt's date replaces the case's,
and an attempt logged without one leaves the case with no follow-up."""

from __future__ import annotations

from datetime import date, timedelta

from test_staff_intake import log_attempt, person, submission

from staff_helpers import staff_client, submit_answers


def hint(client, reference: str) -> str:
    page = client.get(f"/staff/submissions/{reference}").text
    start = page.index('id="follow_up_on-hint"')
    return page[page.index(">", start) + 1:page.index("</p>", start)]


def test_the_form_says_the_next_date_replaces_the_case_s_and_empty_means_none(app):
    reference = submit_answers(app, person())
    client = staff_client(app)
    assert hint(client, reference) == "Empty: none planned."
    later = (date.today() + timedelta(days=3)).isoformat()
    assert log_attempt(client, reference, follow_up_on=later).status_code == 303
    assert hint(client, reference) == f"Replaces the follow-up of {later}; empty: none planned."
    assert log_attempt(client, reference).status_code == 303  # no date: as the form says
    assert submission(app, reference).follow_up_on is None
    assert hint(client, reference) == "Empty: none planned."
