"""The application factory: configuration, extensions, blueprints, headers, error pages."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from flask_babel import get_locale, gettext
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

import config as config_module

from . import hardening, languages, startup
from .extensions import babel, csrf, db, limiter, migrate
from .questionnaire.model import N_
from .startup import ConfigurationError

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("screener")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)


def build_app(config: Any = None) -> Flask:
    app = Flask(
        "screener",
        root_path=str(ROOT / "screener"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_module.selected())
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    _load_secret_key(app)
    _check_production(app)
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A local file cannot drop a connection: skip the per-checkout ping (one query less).
        options.pop("pool_pre_ping", None)
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # psycopg prepares a statement on its fifth run on a connection, and PostgreSQL may then
        # plan it once for every value: a search for a term found in most rows ("@example")
        # took 234-390 ms that way instead of 6 ms (p95 of a mix of searches at 100,000
        # submissions: 276 ms prepared, 16 ms not). Statements are planned for their values.
        options["connect_args"] = {"prepare_threshold": None,
                                   **(options.get("connect_args") or {})}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=languages.select_locale)

    from .patient import bp as patient_bp

    app.register_blueprint(patient_bp)
    # The staff area: login manager, config defaults, and its blueprint (with the one access
    # check of every /staff route).
    from .staff import init_app as init_staff

    init_staff(app)
    from . import cli

    cli.register(app)
    _register_headers(app)
    _register_errors(app)
    hardening.install(app)
    app.jinja_env.globals.update(clinic=_clinic(app))
    app.jinja_env.globals.update(get_locale=get_locale)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # Checks that need the database run before serving (`flask check`, gunicorn's master),
    # never here: a worker booting while the database is down must start (issue 19, item 1).
    startup.install(app)
    return app


def _load_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if app.config["PRODUCTION"]:
        raise ConfigurationError("SECRET_KEY must be set in production (32+ random bytes)")
    key_file = Path(app.instance_path) / "secret_key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _check_production(app: Flask) -> None:
    if not app.config["PRODUCTION"]:
        return
    key = app.config.get("SECRET_KEY") or ""
    if len(key) < 32 or "not-for-production" in key or key.startswith("dev"):
        raise ConfigurationError("SECRET_KEY is too short or a known default (32+ random bytes)")
    if app.debug:
        raise ConfigurationError("debug mode is not allowed in production")


def _clinic(app: Flask) -> dict[str, Any]:
    return {
        "name": app.config["CLINIC_NAME"],
        "phone": app.config["CLINIC_PHONE"],
        "email": app.config["CLINIC_EMAIL"],
        "hours": app.config["CLINIC_HOURS"],
        "crisis_resources": app.config["CRISIS_RESOURCES"],
    }


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL, a busy timeout and foreign keys on SQLite (security.md R9)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def _register_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["HSTS"] and request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response


ERROR_MESSAGES = {
    400: N_("Something in that request did not look right."),
    403: N_("You do not have access to this page."),
    404: N_("We could not find that page."),
    405: N_("That page cannot be used this way."),
    413: N_("That was more than we can accept in one go."),
    429: N_("Too many tries in a short time. Please wait a few minutes and try again."),
    500: N_("Something went wrong on our side."),
    503: N_("We could not reach our database just now. Please try again in a moment."),
}


def _register_errors(app: Flask) -> None:
    def render_error(code: int) -> tuple[str, int]:
        incident = secrets.token_hex(4)
        g.incident = incident
        message = gettext(ERROR_MESSAGES.get(code, ERROR_MESSAGES[500]))
        try:
            page = render_template("error.html", code=code, incident=incident, message=message)
        except Exception:  # the error page itself failed: still never show a traceback
            log.exception("incident %s: error page failed", incident)
            page = f"<!doctype html><title>Error</title><p>{code}, reference {incident}</p>"
        return page, code

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        body, code = render_error(error.code or 500)
        response = app.make_response((body, code))
        if code == 503:
            response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        body, code = render_error(500)
        # The incident id and the exception type only: never request data (PHI).
        log.error("incident %s: %s at %s", g.incident, type(error).__name__, request.endpoint)
        return body, code
