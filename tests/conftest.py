"""Shared fixtures: an application on SQLite and, when it answers, on PostgreSQL.

Every test that uses `app` (or `client`) runs on both databases, each test in its own
database (an SQLite file of its own, in /dev/shm where there is one, or a PostgreSQL schema that no
other test uses at the same time, its tables empty: this process's schemas are emptied after a
test and reused, dropped at the end).
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import settings

from screener import create_app
from screener.extensions import db

from hostile_count import SENT, shortfall
from server_harness import Database, postgres_database, sqlite_database
from staff_helpers import CHEAP_HASHER, PRODUCTION_HASHER, hashing_with

# The real-browser fixtures (one Playwright and one live server for the whole run).
pytest_plugins = ["browser_support"]

# In CI (`CI=true`) Hypothesis draws the same examples every run, so a run's result does not
# depend on the day's luck and a red run can be repeated; runs on a developer's machine keep
# drawing new ones, which is where a new example should be found.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_postgres_problem: list[str] = []


def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None (checked once per run)."""
    if not _postgres_problem:
        try:
            import psycopg

            plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(plain, connect_timeout=3) as connection:
                connection.execute("select 1")
            _postgres_problem.append("")
        except Exception as error:  # any failure means: skip, and say why
            _postgres_problem.append(f"PostgreSQL at {POSTGRES_URL} did not answer: {error}")
    return _postgres_problem[0] or None


REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_unavailable() -> str | None:
    """Why Redis cannot be used, or None."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as error:  # any failure means: skip, and say why
        return f"Redis at {REDIS_URL} did not answer: {error}"
    return None


# PostgreSQL schemas of this test process whose tables are made and empty, ready for the next
# test: making the tables costs about a second a test (40-odd DDL statements, each waiting for the
# server), emptying them a fortieth of that. Dropped when the run ends (`reused_databases`).
_empty_schemas: list[str] = []
# SQLite: the application commits with synchronous=FULL (an fsync each time), which on the test
# machines' disk costs more than most tests' own work; so each test's database file is kept in
# memory-backed /dev/shm when there is one (a test's second app on its tmp_path opens the same
# file), made as a copy of an empty one (made once per process: a copy takes a millisecond, making
# the tables a tenth of a second). The folder goes at the end (`reused_databases`).
_sqlite_folder: list[Path] = []
_sqlite_files: dict[Path, Path] = {}
_sqlite_numbers = itertools.count()


def sqlite_file(tmp_path: Path) -> Path:
    """The SQLite database of the test whose tmp_path this is: every table, no rows at first."""
    if tmp_path not in _sqlite_files:
        if not _sqlite_folder:
            memory = Path("/dev/shm")  # noqa: S108 (mkdtemp makes a private folder there)
            folder = Path(tempfile.mkdtemp(prefix="screener-tests-",
                                           dir=memory if memory.is_dir() else None))
            maker = create_app({"TESTING": True,
                                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'empty.db'}"})
            with maker.app_context():
                db.create_all()
                db.session.remove()
                db.engine.dispose()  # the last connection closed: no -wal file beside it
            _sqlite_folder.append(folder)
        path = _sqlite_folder[0] / f"test-{next(_sqlite_numbers)}.db"
        shutil.copyfile(_sqlite_folder[0] / "empty.db", path)
        _sqlite_files[tmp_path] = path
    return _sqlite_files[tmp_path]


def make_app(database: str, tmp_path, **overrides) -> Iterator[Flask]:
    config = {"TESTING": True, "RATELIMIT_ENABLED": False, "SERVER_NAME": None, **overrides}
    schema = None
    if database == "sqlite":
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{sqlite_file(tmp_path)}"
    else:
        problem = postgres_unavailable()
        if problem:
            pytest.skip(problem)
        schema = _empty_schemas.pop() if _empty_schemas else f"t_{secrets.token_hex(6)}"
        config["SQLALCHEMY_DATABASE_URI"] = POSTGRES_URL
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            # Commits without waiting for the disk (3-5 ms each on the test machines): what
            # other connections see is the same; only a crash of the server could lose them.
            "connect_args": {"options": f"-csearch_path={schema} -csynchronous_commit=off"},
        }
    application = create_app(config)
    with application.app_context():
        if schema:
            with db.engine.begin() as connection:
                connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        db.create_all()  # tables already there (a reused schema, a copied file) are left alone
    yield application
    with application.app_context():
        db.session.remove()
        if schema:
            if empty_the_tables():
                _empty_schemas.append(schema)
            else:
                with db.engine.begin() as connection:
                    connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        db.engine.dispose()


def empty_the_tables() -> bool:
    """Every row of the PostgreSQL schema's tables gone and its sequences back at 1, as in a schema
    just made; False when that could not be done."""
    try:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
            sequences = connection.exec_driver_sql(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = current_schema()").scalars().all()
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
            for name in sequences:
                connection.exec_driver_sql(f'ALTER SEQUENCE "{name}" RESTART')
    except Exception:  # any failure: the schema is dropped instead, as it was
        return False
    return True


@pytest.fixture(autouse=True)
def sqlite_file_of_the_test(request) -> Iterator[None]:
    """The test's SQLite file (made for its tmp_path) is deleted when the test is over, its apps
    gone: /dev/shm is memory."""
    yield
    path = _sqlite_files.pop(request.node.funcargs.get("tmp_path"), None)
    if path:
        for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
            (path.parent / name).unlink(missing_ok=True)


@pytest.fixture(scope="session", autouse=True)
def reused_databases() -> Iterator[None]:
    """The empty PostgreSQL schemas this process kept for reuse, and its SQLite files, are gone at
    the end."""
    yield
    for folder in _sqlite_folder:
        shutil.rmtree(folder, ignore_errors=True)
    _sqlite_folder.clear()
    _sqlite_files.clear()
    if _empty_schemas:
        import psycopg

        plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as connection:
            for schema in _empty_schemas:
                connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        _empty_schemas.clear()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Every test hashes passwords with a cheap argon2id (staff_helpers.py says why)."""
    with hashing_with(CHEAP_HASHER):
        yield


@pytest.fixture
def production_hashing() -> Iterator[None]:
    """The application's own argon2id parameters for this test."""
    with hashing_with(PRODUCTION_HASHER):
        yield


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request) -> str:
    return request.param


@pytest.fixture
def app(database, tmp_path) -> Iterator[Flask]:
    yield from make_app(database, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(params=["sqlite", "postgresql"])
def served_database(request, tmp_path) -> Iterator[Database]:
    """A database of its own for the processes a test starts (`flask db`, gunicorn): a SQLite
    file, or a fresh PostgreSQL database that is dropped afterwards."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
        return
    problem = postgres_unavailable()
    if problem:
        pytest.skip(problem)
    made = postgres_database()
    try:
        yield made
    finally:
        made.drop()


# --- the order of the run ------------------------------------------------------------------------

# The slowest files first (--durations of a whole run), each kept in one piece so that its module
# fixtures are set up once per process: pytest-xdist hands the rest out as the processes free up,
# so neither is left running one long file at the end while the other has nothing to do. The other
# files keep their order.
SLOW_FILES_FIRST = (
    "test_staff_hostile_input.py", "test_server_postgres.py", "test_server_startup.py",
    "test_browser_patient.py", "test_send_race.py", "test_hostile_bodies.py",
    "test_server_sqlite.py", "test_browser_spanish.py", "test_dashboard_browser.py",
    "test_alerts_delivery.py", "test_migrations.py", "test_patient_hostile_input.py",
    "test_access_and_limits.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: files stay whole


# --- the run's hostile-request count, added up across pytest-xdist workers -------------------

_problems: list[str] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workeroutput"):  # an xdist worker: hand the counts to the controller
        config.workeroutput["hostile_sent"] = dict(SENT)
        return
    problem = shortfall(SENT, chosen=bool(config.getoption("-k") or config.getoption("-m")))
    if problem:
        _problems.append(problem)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """An xdist worker finished: add its hostile-request counts to the run's."""
    SENT.update(getattr(node, "workeroutput", {}).get("hostile_sent", {}))


def pytest_terminal_summary(terminalreporter) -> None:
    if SENT:
        terminalreporter.write_line(f"hostile requests this run: {sum(SENT.values()):,} "
                                    f"{dict(SENT)}")
    for problem in _problems:
        terminalreporter.write_line(f"FAILED (hostile-input volume): {problem}", red=True)
