"""The migrations, run with `flask db` as an operator runs them, on SQLite and PostgreSQL: they
build the schema the models describe, and 0004 fills the queue's columns of existing rows from
each stored result."""

from __future__ import annotations

import subprocess
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import MetaData, Table, create_engine, select

from screener.models import QUEUE_SCORES, Submission
from screener.patient.drafts import build_submission
from screener.rules import evaluate

from rules_cases import AS_OF
from server_harness import BIN, ROOT, Database, app_environment

pytestmark = [
    pytest.mark.server,
    # Reflection skips the expression index on lower(last_name); this test reads no index.
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
]
QUEUE_COLUMNS = ("first_rule_id", *QUEUE_SCORES)
# Before 0004: flags and scores only in the JSON of the stored result.
PEOPLE = [
    {"si_now": "yes", "bp_systolic": 150, "bp_diastolic": 85,
     **{f"phq9_{i}": 2 for i in range(1, 10)}, **{f"gad7_{i}": 1 for i in range(1, 8)}},
    {"ride_home": "no"},  # one info flag, no scores
    {},  # no flags at all
]


def flask_db(database: Database, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", *args], cwd=ROOT,
                          env=app_environment(database), capture_output=True, text=True,
                          timeout=120)


def stored_row(answers: dict, as_of: date) -> dict:
    """The columns of a submission as the app stores it, defaults filled in."""
    result = evaluate(answers, as_of=as_of)
    draft = SimpleNamespace(id=f"draft-{len(answers)}", answers=answers, language="en")
    made = build_submission(draft, result)
    values = {}
    for column in Submission.__table__.columns:
        if column.key == "id":
            continue
        value = getattr(made, column.key)
        if value is None and column.default is not None:
            value = column.default.arg(None) if callable(column.default.arg) else column.default.arg
        values[column.key] = value
    return {**values, "version": 1}


def test_the_migrations_build_the_schema_of_the_models(served_database):
    upgraded = flask_db(served_database, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    checked = flask_db(served_database, "check")  # Alembic compares the models with the database
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr


def test_upgrading_fills_the_queue_columns_of_stored_submissions(served_database):
    assert flask_db(served_database, "upgrade", "0003_audit_chain").returncode == 0
    engine = create_engine(served_database.url)
    try:
        table = Table("submission", MetaData(), autoload_with=engine)
        assert "first_rule_id" not in table.c
        rows = [stored_row(answers, AS_OF) for answers in PEOPLE]
        with engine.begin() as connection:
            connection.execute(table.insert(), [
                {key: value for key, value in row.items() if key in table.c} for row in rows])
        upgraded = flask_db(served_database, "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        table = Table("submission", MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            found = connection.execute(
                select(*(table.c[name] for name in QUEUE_COLUMNS)).order_by(table.c.id)).all()
    finally:
        engine.dispose()
    expected = [tuple(row[name] for name in QUEUE_COLUMNS) for row in rows]
    assert [tuple(row) for row in found] == expected
    assert expected[0][0] == "URG-SI-NOW" and expected[0][1] == 18  # the cases differ
    assert expected[1][0] == "INF-LOGISTICS" and expected[1][1] is None
    assert expected[2] == (None,) * len(QUEUE_COLUMNS)


def submission_indexes(database: Database) -> list[tuple]:
    """Each index of the submission table as the database states it (directions and
    expressions included, which Alembic's comparison does not look at)."""
    sql = ("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'submission'"
           " ORDER BY name" if database.url.startswith("sqlite") else
           "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'submission'"
           " ORDER BY indexname")
    engine = create_engine(database.url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql)]
    finally:
        engine.dispose()


def test_downgrading_and_upgrading_again_keeps_every_index(served_database):
    assert flask_db(served_database, "upgrade").returncode == 0
    before = submission_indexes(served_database)
    # the open work's partial indexes (batch mode would lose them)
    assert any("WHERE" in (definition or "") for _, definition in before)
    for step in (("downgrade", "0003_audit_chain"), ("upgrade",)):
        done = flask_db(served_database, *step)
        assert done.returncode == 0, done.stderr
    assert submission_indexes(served_database) == before
