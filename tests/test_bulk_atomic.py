"""The queue's bulk change (docs/intake.md, Bulk actions) with a new status and a new owner: each
ticked row gets both or neither, the page reports each row as it was saved, and the audit rows
match. The owner change is made to fail in the middle of the request: the chosen colleague's
account is disabled (`flask users disable`) or someone changes the row, from another thread
just before the application's UPDATE of a submission."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select, update

from screener.extensions import db
from screener.models import AuditEvent, Submission, User

from flow_helpers import personas
from staff_helpers import (
    audit_actions,
    just_before,
    make_user,
    page_token,
    seed,
    staff_client,
    submission,
)

pytestmark = pytest.mark.skipif(not personas(), reason="shared/design/personas.json not found")


def picks_on(page: str) -> dict[str, str]:
    values = re.findall(r'name="pick" value="([^"]+)"', page)
    return {value.split(":")[0]: value for value in values}


def flashes(client) -> str:
    page = client.get("/staff/?view=all").text
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def row_audit(app, reference: str) -> list[str]:
    return audit_actions(app, submission_id=submission(app, reference).id)


def bulk_detail(app) -> str:
    with app.app_context():
        return db.session.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "bulk_change"))


@pytest.fixture
def cases(app):
    """Three open cases nobody owns, as the queue shows them, and a logged-in staff member."""
    seed(app, 8)
    with app.app_context():
        db.session.execute(update(Submission).values(status="new", owner_id=None))
        db.session.commit()
    client = staff_client(app)
    picks = dict(list(picks_on(client.get("/staff/").text).items())[:3])
    assert len(picks) == 3
    return client, picks


def test_a_colleague_disabled_during_the_change_leaves_every_row_whole(app, cases):
    client, picks = cases
    colleague = make_user(app, "colleague@clinic.example")
    token = page_token(client, "/staff/")
    before = {reference: submission(app, reference) for reference in picks}

    def disable():
        result = app.test_cli_runner().invoke(args=["users", "disable", colleague["email"]])
        assert result.exit_code == 0, result.output

    # The bulk form checked the colleague's account; it is disabled a moment later, before
    # the request writes anything (on SQLite a write would hold the database's one write lock).
    with just_before(app, ("INSERT", "UPDATE", "DELETE"), disable) as seen:
        response = client.post("/staff/bulk", data={
            "csrf_token": token, "status": "in_review", "owner": str(colleague["id"]),
            "pick": list(picks.values()), "back": "/staff/"})
    assert seen and response.status_code == 303
    with app.app_context():
        assert db.session.get(User, colleague["id"]).active is False
    for reference, was in before.items():
        now = submission(app, reference)
        assert (now.status, now.owner_id, now.version) == ("new", None, was.version), reference
        assert not {"status_change", "owner_change"} & set(row_audit(app, reference))
    words = flashes(client)
    assert "0 changed." in words
    assert ("Not changed, because the chosen colleague's account was disabled meanwhile: "
            + ", ".join(picks)) in words
    assert "someone else changed them" not in words
    assert bulk_detail(app).startswith("0 changed, 3 refused")


def test_a_row_changed_between_its_status_and_its_owner_is_reported_as_saved(app, cases):
    client, picks = cases
    colleague = make_user(app, "colleague@clinic.example")
    other = make_user(app, "other@clinic.example")
    first = next(iter(picks))
    token = page_token(client, "/staff/")

    def take_the_first():  # someone gives the first case to another colleague
        with app.app_context():
            db.session.execute(update(Submission).where(Submission.reference == first)
                               .values(owner_id=other["id"], version=Submission.version + 1))
            db.session.commit()

    # Before the request's second UPDATE of a submission: with a status saved on its own, that
    # is between the first row's status and its owner.
    with just_before(app, "UPDATE SUBMISSION", take_the_first, nth=2) as seen:
        response = client.post("/staff/bulk", data={
            "csrf_token": token, "status": "in_review", "owner": str(colleague["id"]),
            "pick": list(picks.values()), "back": "/staff/"})
    assert len(seen) >= 2 and response.status_code == 303
    words = flashes(client)
    changed = int(re.search(r"(\d+) changed\.", words).group(1))
    refused = re.search(r"Not changed, because someone else changed them since: ([0-9A-Z, ]+)\.",
                        words)
    refused = refused.group(1).split(", ") if refused else []
    assert changed + len(refused) == 3
    for reference in picks:
        now, actions = submission(app, reference), row_audit(app, reference)
        if reference in refused:  # neither change: the status is the one before
            assert now.status == "new", reference
            assert not {"status_change", "owner_change"} & set(actions), reference
        else:  # both changes, each audit-logged (the other person may have come after)
            assert now.status == "in_review", reference
            assert {"status_change", "owner_change"} <= set(actions), reference
            if reference != first:
                assert now.owner_id == colleague["id"]
    assert bulk_detail(app).startswith(f"{changed} changed, {len(refused)} refused")
