"""What keeps hostile input, a lost database and a proxy in front from hurting anyone
(security.md A.2.6, A.2.12, A.7 R8/R10; tests/test_staff_hostile_input.py, test_server_*.py).

- NUL characters are dropped from every query and form value before any view sees them: no
  keyboard types one, and PostgreSQL cannot store one in a text column (a login, a search or a
  name with "\\x00" in it used to end in a 500 there).
- A database that is gone for a moment (a restarted or terminated connection, a database that
  refuses connections, SQLite busy past its timeout) is a 503 "please try again" page with
  Retry-After, never a 500; a questionnaire page sent at that moment comes back with everything
  the person typed (the other pages are already saved).
- Only what our forms send is read: a urlencoded or multipart body of text fields. A file part,
  JSON or any other body on a POST is a 400 with the error page, before the form-token check or
  any form sees it (Flask-WTF hands files and JSON to the form's text fields: a 500 before).
- A body the server cannot read (malformed chunked encoding) is a 400, not a 500.
- Refused requests (400, 403, 429...) are logged: status, endpoint, staff user id; no values.
- `PROXY_HOPS` (default 0) is the number of trusted reverse proxies in front of the app; only
  then are X-Forwarded-For and X-Forwarded-Proto believed (rate-limit keys, HTTPS, HSTS).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Request, current_app, request, session
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest, ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import db

log = logging.getLogger("screener")
REFUSALS = frozenset({400, 401, 403, 405, 413, 429})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})  # Flask-WTF reads these

try:  # gunicorn raises these from wsgi.input for a body it cannot parse
    from gunicorn.http.errors import ParseException as BodyParseError
except ImportError:  # served by another server
    BodyParseError = ()  # type: ignore[assignment,misc]


def _without_nul(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) else value


class CleanParameters(ImmutableMultiDict):
    """Query and form values (and names) without NUL characters."""

    def __init__(self, mapping: Any = None) -> None:
        if mapping is not None and not isinstance(mapping, MultiDict | dict):
            mapping = [(_without_nul(key), _without_nul(value)) for key, value in mapping]
        super().__init__(mapping)


class CleanRequest(Request):
    parameter_storage_class = CleanParameters


def refuse_what_no_form_sends() -> None:
    """A 400 for a body none of our forms sends: a file part, JSON, any other content type."""
    if request.method not in BODY_METHODS:
        return
    has_body = request.content_length or "chunked" in request.headers.get(
        "Transfer-Encoding", "").lower()
    if has_body and request.mimetype not in FORM_TYPES:
        raise BadRequest()
    if request.mimetype == "multipart/form-data" and request.files:
        raise BadRequest()


class ReadableBody:
    """wsgi.input, where the server's "cannot parse this body" is a 400 (BadRequest)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def read(self, *size: Any) -> bytes:
        try:
            return self.stream.read(*size)
        except BodyParseError as error:
            raise BadRequest() from error

    def readline(self, *size: Any) -> bytes:
        try:
            return self.stream.readline(*size)
        except BodyParseError as error:
            raise BadRequest() from error

    def __iter__(self) -> Any:
        return iter(self.readline, b"")


class ChunkedBodyErrors:
    """WSGI middleware: a chunked body's parse errors become a 400 (they were a 500)."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            environ["wsgi.input"] = ReadableBody(environ["wsgi.input"])
        return self.wsgi_app(environ, start_response)


def install(app: Flask) -> None:
    app.request_class = CleanRequest
    app.wsgi_app = ChunkedBodyErrors(app.wsgi_app)  # type: ignore[method-assign]
    # First of all before-request functions: before the form-token check reads the form.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_what_no_form_sends)
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    if app.config.get("PRODUCTION") and app.config.get("RATELIMIT_ENABLED", True) and str(
            app.config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory://"):
        log.warning("RATELIMIT_STORAGE_URI is memory://: every gunicorn worker and every app "
                    "server counts on its own, so the login and resume-code limits are "
                    "multiplied. Set RATELIMIT_STORAGE_URI=redis://... (docs/operations.md).")

    @app.after_request
    def log_refusals(response):
        """Refused requests (a missing or expired form token, no access, too many tries, too
        large) leave a log line with what was refused and by whom, never with what was sent
        (security.md L4)."""
        if response.status_code in REFUSALS:
            user = str(session.get("_user_id") or "").partition(":")[0] or "-"
            log.warning("refused %s %s at %s (staff user %s)", response.status_code,
                        request.method, request.endpoint or "-", user)
        return response

    @app.teardown_appcontext  # runs before Flask-SQLAlchemy's own (registered earlier)
    def close_session(error: BaseException | None) -> None:
        """A connection ended by the server after the response was made (a restart, or
        pg_terminate_backend) fails the closing ROLLBACK; the response stands, the broken
        connection is dropped from the pool, and the next request opens a new one."""
        try:
            db.session.remove()
        except SQLAlchemyError as lost:
            log.warning("database connection lost at the end of a request: %s",
                        type(getattr(lost, "orig", lost)).__name__)
            db.session.registry.clear()

    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)


def database_unavailable(error: SQLAlchemyError):
    """A 503 "please try again" page with Retry-After, never a 500."""
    roll_back()
    # The kind of failure only: the exception text holds SQL parameters (answers).
    log.warning("database unavailable at %s: %s", request.endpoint,
                type(getattr(error, "orig", error)).__name__)
    return current_app.handle_http_exception(ServiceUnavailable())


def roll_back() -> None:
    """Roll back, or drop the session when even that fails (the connection is gone)."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.registry.clear()


