"""Start-up checks that need the database (issue 19, items 1 and 10).

They run once before serving: `flask check` (the deployment runs it after `flask db upgrade`)
and gunicorn's master (`on_starting` in gunicorn.conf.py runs `flask check` before it forks a
worker). They never run in a worker's boot, so a worker that restarts while the database is
down starts and answers 503 until the database is back, instead of exiting and taking the
master down with it. In production each worker also refuses to serve while a demo staff account
exists, checked at its first request (a database failure there is the usual 503, never a crash).
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import ServiceUnavailable

from .extensions import db

log = logging.getLogger("screener")
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class ConfigurationError(RuntimeError):
    """The configuration is not safe to run with."""


class DatabaseUnreachable(ConfigurationError):
    """The database did not answer: nothing is known about it yet."""


DEMO_ACCOUNT = ("a demo staff account exists; remove it (`flask users disable ...`) before "
                "running in production")


def check(app: Flask) -> None:
    """Raise DatabaseUnreachable, or ConfigurationError when the database is behind the code's
    migrations or (in production) holds a demo staff account."""
    try:
        check_migrated(app)
        if app.config["PRODUCTION"]:
            refuse_demo_accounts(app)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()  # no open connection for a forked process to share


def check_migrated(app: Flask) -> None:
    """The database answers and is at the migrations' head revision(s)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    expected = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                current = set(MigrationContext.configure(connection).get_current_heads())
        except (OperationalError, InterfaceError) as error:
            raise DatabaseUnreachable(
                f"the database did not answer ({type(getattr(error, 'orig', error)).__name__})"
            ) from error
    if current != expected:
        raise ConfigurationError(
            f"the database is not migrated (at {', '.join(sorted(current)) or 'nothing'}, "
            f"the code needs {', '.join(sorted(expected))}): run `flask db upgrade`")


def refuse_demo_accounts(app: Flask) -> None:
    """ConfigurationError while a demo staff account exists (ASVS 5.0 V6.3.2: no default
    accounts); meant for production."""
    with app.app_context():
        if demo_account_exists():
            raise ConfigurationError(DEMO_ACCOUNT)


def demo_account_exists() -> bool:
    from .models import User

    return db.session.scalar(select(User.id).filter_by(is_demo=True).limit(1)) is not None


def install(app: Flask) -> None:
    """Production: each worker checks for a demo account at its first request (until the check
    has passed once), so a demo account is refused even when the database was down while
    gunicorn's master checked."""
    if not app.config["PRODUCTION"]:
        return
    passed: list[bool] = []  # this app's own state: two apps in a process never share it

    @app.before_request
    def refuse_demo_accounts() -> None:
        if passed:
            return
        # A database that does not answer raises here: the usual 503 page (hardening.py).
        if demo_account_exists():
            log.error("refusing to serve: %s", DEMO_ACCOUNT)
            raise ServiceUnavailable()
        passed.append(True)
