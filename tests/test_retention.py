"""`flask retention purge --older-than DAYS [--submissions] [--dry-run]` (security.md D7):
deletes expired unsent drafts and sent drafts older than DAYS, and old submissions with their
notes only when asked; reports counts; is audited; never touches anything newer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from screener.extensions import db
from screener.models import AuditEvent, Draft, Note, Submission, utcnow

from flow_helpers import personas, start
from staff_helpers import install_clock, post_form, staff_client, submit_answers

pytestmark = pytest.mark.skipif(not personas(), reason="shared/design/personas.json not found")


def purge(app, *args: str):
    return app.test_cli_runner().invoke(args=["retention", "purge", *args])


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def age(app, model, ids, days: float, **columns) -> None:
    """Move rows back in time (explicit values: the `updated_at` default does not apply)."""
    moment = utcnow() - timedelta(days=days)
    with app.app_context():
        db.session.execute(update(model).where(model.id.in_(ids))
                           .values(**{c: moment for c in columns}))
        db.session.commit()


@pytest.fixture
def world(app):
    """Old and new data of every kind: drafts unsent (expired or not), sent drafts, submissions
    with notes."""
    install_clock(app)
    staff = staff_client(app)
    answers = personas()[0]["answers"]
    references = [submit_answers(app, answers) for _ in range(3)]
    for reference in references:
        post_form(staff, f"/staff/submissions/{reference}",
                  f"/staff/submissions/{reference}/notes", {"body": "Called."})
    for _ in range(4):
        start(app.test_client())
    with app.app_context():
        subs = {s.reference: s.id for s in db.session.scalars(select(Submission))}
        unsent = db.session.scalars(select(Draft.id).where(Draft.submission_id.is_(None))).all()
    old, new = subs[references[0]], subs[references[1]]
    ancient = subs[references[2]]
    age(app, Submission, [old], 40, created_at=True)
    age(app, Submission, [ancient], 400, created_at=True)
    with app.app_context():
        sent = dict(db.session.execute(select(Draft.submission_id, Draft.id)
                                       .where(Draft.submission_id.is_not(None))).all())
    age(app, Draft, [sent[old]], 40, updated_at=True)
    age(app, Draft, [sent[ancient]], 400, updated_at=True)
    # Unsent: expired long ago; expired lately (saved 20 days ago); alive but old; fresh.
    age(app, Draft, unsent[:1], 60, updated_at=True, expires_at=True)
    age(app, Draft, unsent[1:2], 20, updated_at=True)
    age(app, Draft, unsent[1:2], 6, expires_at=True)
    age(app, Draft, unsent[2:3], 45, updated_at=True)
    with app.app_context():
        db.session.execute(update(Draft).where(Draft.id == unsent[2])
                           .values(expires_at=utcnow() + timedelta(days=3)))
        db.session.commit()
    staff.get(f"/staff/submissions/{references[0]}")  # an audit row about the old submission
    return {"app": app, "old": old, "new": new, "ancient": ancient, "unsent": unsent,
            "references": references}


def test_drafts_go_submissions_stay_without_the_flag(world):
    app = world["app"]
    result = purge(app, "--older-than", "30")
    assert result.exit_code == 0, result.output
    assert "Deleted 1 expired unsent drafts, 2 sent drafts, 0 submissions (0 notes)" in (
        result.output)
    assert "Submissions are kept" in result.output
    remaining = set(world["unsent"][1:])  # expired lately, alive, fresh: all stay
    with app.app_context():
        assert set(db.session.scalars(select(Draft.id).where(Draft.submission_id.is_(None)))
                   ) == remaining
    assert count(app, Draft, Draft.submission_id.is_not(None)) == 1  # the new one's
    assert count(app, Submission) == 3 and count(app, Note) == 3


def test_with_the_flag_old_submissions_go_with_their_notes_and_nothing_newer(world):
    app = world["app"]
    result = purge(app, "--older-than", "30", "--submissions")
    assert result.exit_code == 0, result.output
    assert "2 submissions (2 notes)" in result.output
    with app.app_context():
        assert db.session.scalars(select(Submission.id)).all() == [world["new"]]
        assert db.session.scalars(select(Note.submission_id)).all() == [world["new"]]
    assert count(app, Draft, Draft.submission_id == world["new"]) == 1


def test_a_longer_period_keeps_more_and_a_second_run_deletes_nothing_more(world):
    app = world["app"]
    assert "1 submissions (1 notes)" in purge(app, "--older-than", "365", "--submissions").output
    assert count(app, Submission) == 2
    assert "1 submissions (1 notes)" in purge(app, "--older-than", "30", "--submissions").output
    again = purge(app, "--older-than", "30", "--submissions")
    assert "Deleted 0 expired unsent drafts, 0 sent drafts, 0 submissions (0 notes)" in (
        again.output)
    assert count(app, Submission) == 1


def test_the_purge_is_audited_and_the_log_still_names_what_was_deleted(world):
    app = world["app"]
    purge(app, "--older-than", "30", "--submissions")
    with app.app_context():
        [row] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "purge")).all()
        assert row.user_id is None and row.client_ip == "cli"
        assert row.detail.startswith("older than 30 days (before ")
        assert "2 submissions (2 notes)" in row.detail
        viewed = db.session.scalars(select(AuditEvent.reference).where(
            AuditEvent.action == "view", AuditEvent.submission_id == world["old"])).all()
        assert viewed and set(viewed) == {world["references"][0]}
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
    page = staff_client(app, "admin").get("/staff/admin/audit").text
    assert f"{world['references'][0]} <span class=\"hint\">(deleted)</span>" in page


def test_a_dry_run_counts_and_deletes_nothing(world):
    app = world["app"]
    before = [count(app, m) for m in (Draft, Submission, Note, AuditEvent)]
    result = purge(app, "--older-than", "30", "--submissions", "--dry-run")
    assert result.exit_code == 0
    assert ("Would delete 1 expired unsent drafts, 2 sent drafts, 2 submissions (2 notes)"
            in result.output)
    assert [count(app, m) for m in (Draft, Submission, Note, AuditEvent)] == before


@pytest.mark.parametrize("args", [[], ["--older-than", "0"], ["--older-than", "-5"],
                                  ["--older-than", "soon"]])
def test_the_period_is_required_and_at_least_a_day(app, args):
    start(app.test_client())
    result = purge(app, *args)
    assert result.exit_code == 2
    assert count(app, Draft) == 1 and count(app, AuditEvent) == 0
