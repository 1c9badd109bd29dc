"""Real servers for load, fault and scale-out tests and for `make bench`: gunicorn serving the
app on 127.0.0.1 with its own database (a temporary SQLite file, or a fresh PostgreSQL database
that is dropped afterwards), every process bounded in time and stopped at the end."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

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


def app_environment(database: Database, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCREENER_")}
    env.update({
        "DATABASE_URL": database.url,
        "SECRET_KEY": "harness-" + "k" * 40,
        "SCREENER_CONFIG": "development",
        "PYTHONPATH": str(ROOT),
        **extra,
    })
    return env


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


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/help", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up in {seconds} s")


@contextmanager
def gunicorn(env: dict[str, str], logs: Path, workers: int | None = 2,
             extra_args: tuple[str, ...] = ()) -> Iterator[Server]:
    """gunicorn wsgi:app on a free port; the access log records the full request line.
    workers=None: as many as the shipped gunicorn.conf.py starts (2 per core plus 1)."""
    port = free_port()
    logs.mkdir(parents=True, exist_ok=True)
    access_log, error_log = logs / f"access-{port}.log", logs / f"error-{port}.log"
    command = [
        str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}", *(["--workers", str(workers)] if workers else []),
        "--access-logfile", str(access_log), "--error-logfile", str(error_log),
        "--access-logformat", '%(h)s "%(r)s" %(s)s "%(f)s" "%(a)s"',
        "--graceful-timeout", "5", "--timeout", "30", *extra_args, "wsgi:app",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    server = Server(port, process, access_log, error_log, list(extra_args))
    try:
        wait_until_up(server.url)
        yield server
    finally:
        server.stop()


def add_staff_account(url: str, password: str, email: str = "staff@clinic.example") -> list:
    """A staff account in the served database (made in-process); returns the app's URL rules."""
    from screener import create_app
    from screener.extensions import db
    from screener.models import User
    from screener.staff.accounts import hash_password

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        db.session.add(User(email=email, role="staff", active=True,
                            password_hash=hash_password(password), session_version=1))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return list(app.url_map.iter_rules())
