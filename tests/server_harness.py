"""Real servers for load, fault and scale-out tests and for `make bench`: gunicorn serving the
app on 127.0.0.1 with its own database (a temporary SQLite file, or a fresh PostgreSQL database
that is dropped afterwards), every process bounded in time and stopped at the end; and a
loopback relay to PostgreSQL that a test cuts and restores to make a database outage without
stopping the machine's PostgreSQL (other tests use it)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Database:
    url: str
    name: str = ""

    def drop(self) -> None:
        if self.name:
            import psycopg

            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
                connection.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (self.name,))
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}"')


def sqlite_database(folder: Path) -> Database:
    return Database(f"sqlite:///{folder / 'served.db'}")


def postgres_database() -> Database:
    import psycopg

    name = f"screener_{secrets.token_hex(5)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return Database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name)


PRODUCTION_SECRET_KEY = "harness-" + "k" * 40


def app_environment(database: Database, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCREENER_")}
    env.update({
        "DATABASE_URL": database.url,
        "SECRET_KEY": PRODUCTION_SECRET_KEY,
        "SCREENER_CONFIG": "development",
        "PYTHONPATH": str(ROOT),
        **extra,
    })
    return env


def production_environment(database: Database, **extra: str) -> dict[str, str]:
    """SCREENER_CONFIG=production, as a clinic runs it (served over plain HTTP on loopback: the
    browsers of tests/http_browser.py send the Secure `__Host-session` cookie back anyway)."""
    return app_environment(database, SCREENER_CONFIG="production", **extra)


def session_of(browser: Any, secret_key: str = PRODUCTION_SECRET_KEY) -> dict[str, Any]:
    """The Flask session in a browser's cookie jar, in production (`__Host-session`) or not."""
    from types import SimpleNamespace

    from http_browser import session_of as read_session

    name = "__Host-session" if "__Host-session" in browser.cookies else "session"
    return read_session(SimpleNamespace(cookies={"session": browser.cookies[name]}), secret_key)


def migrate(env: dict[str, str]) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    access_log: Path
    error_log: Path
    extra_args: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                             text=True, check=False).stdout
        return [int(pid) for pid in out.split()]

    def kill_a_worker(self) -> int:
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def wait_until_up(url: str, seconds: float = 180) -> None:
    """Until /help answers 200. Generous, a bound and no speed check: gunicorn's master first
    runs `flask check` (a Python start of its own); a loaded test machine took 20 s for it and
    the first workers, and at load average 13 on 2 cores a server's set-up with its migration
    took 60 s (of the former 90)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/help", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up in {seconds} s")


def gunicorn_command(port: int, access_log: Path, error_log: Path, workers: int | None = 2,
                     extra_args: tuple[str, ...] = ()) -> list[str]:
    return [
        str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}", *(["--workers", str(workers)] if workers else []),
        "--access-logfile", str(access_log), "--error-logfile", str(error_log),
        "--access-logformat", '%(h)s "%(r)s" %(s)s "%(f)s" "%(a)s"',
        "--graceful-timeout", "5", "--timeout", "30", *extra_args, "wsgi:app",
    ]


@contextmanager
def gunicorn(env: dict[str, str], logs: Path, workers: int | None = 2,
             extra_args: tuple[str, ...] = (), wait: bool = True) -> Iterator[Server]:
    """gunicorn wsgi:app with the shipped gunicorn.conf.py on a free port; the access log
    records the full request line. workers=None: as many as the shipped configuration starts
    (2 per core plus 1). wait=False: yield at once, without waiting for a 200 from /help."""
    port = free_port()
    logs.mkdir(parents=True, exist_ok=True)
    access_log, error_log = logs / f"access-{port}.log", logs / f"error-{port}.log"
    command = gunicorn_command(port, access_log, error_log, workers, extra_args)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    server = Server(port, process, access_log, error_log, list(extra_args))
    try:
        if wait:
            wait_until_up(server.url)
        yield server
    finally:
        server.stop()


STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the test account's second factor
_last_step: dict[str, int] = {}  # each code is accepted once per account


def staff_log_in(browser: Any, password: str, email: str = "staff@clinic.example",
                 secret: str = STAFF_TOTP_SECRET) -> int:
    """Log in through the pages: the password, then a code when the password was right (the
    next step's code when this step's was used already). Returns the last status."""
    import pyotp

    token = browser.get("/staff/login").token()
    reply = browser.post("/staff/login", [("csrf_token", token), ("email", email),
                                          ("password", password), ("next", "")])
    if reply.status != 303 or not reply.location.endswith("/staff/login/code"):
        return reply.status
    totp = pyotp.TOTP(secret)
    step = max(totp.timecode(datetime.now(UTC)), _last_step.get(secret, -1) + 1)
    _last_step[secret] = step
    page = browser.get("/staff/login/code")
    return browser.post("/staff/login/code", [("csrf_token", page.token()),
                                              ("code", totp.generate_otp(step))]).status


def add_staff_account(url: str, password: str, email: str = "staff@clinic.example") -> list:
    """A staff account with its second factor (STAFF_TOTP_SECRET) in the served database (made
    in-process, its password hashed as the served application hashes it); returns the app's URL
    rules."""
    from screener import create_app
    from screener.extensions import db
    from screener.models import User

    from staff_helpers import PRODUCTION_HASHER

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        db.session.add(User(email=email, role="staff", active=True,
                            password_hash=PRODUCTION_HASHER.hash(password), session_version=1,
                            totp_secret=STAFF_TOTP_SECRET))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return list(app.url_map.iter_rules())


def first_answer(url: str, seconds: float, want: int | None = None) -> int:
    """The status of /help within `seconds`: the first answer, or the first `want` (0: no
    answer at all; else the last status seen)."""
    import http.client
    from urllib.parse import urlsplit

    address = urlsplit(url)
    deadline = time.monotonic() + seconds
    status = 0
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=5)
        try:
            connection.request("GET", "/help")
            status = connection.getresponse().status
            if want is None or status == want:
                return status
        except (OSError, http.client.HTTPException):
            pass
        finally:
            connection.close()
        time.sleep(0.3)
    return status


@contextmanager
def postgres_behind_a_relay() -> Iterator[tuple[Database, Relay]]:
    """A fresh PostgreSQL database and a Relay to the server (the app is given
    `Database(relay.url_for(database))`); both gone at the end."""
    database = postgres_database()
    relay = Relay(5432)
    try:
        yield database, relay
    finally:
        relay.close()
        database.drop()


class Relay:
    """A TCP relay on 127.0.0.1 to another loopback port (PostgreSQL). `cut()` closes every
    connection through it and refuses new ones, as a stopped database does; `restore()` listens
    again on the same port. Its threads end with their sockets."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.restore()

    def url_for(self, database: Database) -> str:
        return database.url.replace(f"@{self.target[0]}:{self.target[1]}/",
                                    f"@127.0.0.1:{self.port}/")

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            doomed = [s for s in (self._listener, *self._open) if s is not None]
            self._listener, self._open = None, set()
        for sock in doomed:
            _close(sock)

    close = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # cut: the listener was shut down
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    _close(client)
                    _close(upstream)
                    return
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open -= {source, sink}
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept() or recv()
    sock.close()
