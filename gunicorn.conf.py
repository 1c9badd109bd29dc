"""The shipped gunicorn configuration (`gunicorn wsgi:app` reads it from this folder).

Workers: WEB_CONCURRENCY, default 2 per core plus 1. Sync workers need a buffering reverse
proxy (nginx, Caddy) in front for slow clients. The access log records the request line; no
page puts health information in a URL, so it holds none, and the one secret a URL carries (the
emailed resume link's code) is written as /resume/[code] (screener/access_log.py).

Start-up checks: the master runs `flask check` once, before it forks a worker (`on_starting`).
A database behind the code's migrations or (in production) holding a demo staff account stops
the start with the reason. A database that does not answer is only a warning: gunicorn starts,
the workers answer "please try again" (503) until it is back, and each production worker checks
for a demo account at its first request instead. Workers themselves never check at boot, so a
worker restarted during an outage starts instead of taking the server down (issue 19, item 1).
"""

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = 30
graceful_timeout = 30
keepalive = 5
accesslog = os.environ.get("ACCESS_LOG", "-")
logger_class = "screener.access_log.RedactingLogger"  # no resume code in the access log
errorlog = "-"
preload_app = False  # each worker opens its own database connections after the fork

CHECK_SECONDS = 60
UNREACHABLE_EXIT = 75  # screener/cli.py: the database did not answer


def on_starting(server):
    """`flask check` in a child process: the master imports none of the application, so a HUP
    still loads new code into new workers."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "check"]
    try:
        result = subprocess.run(command, cwd=Path(__file__).resolve().parent, check=False,  # noqa: S603
                                capture_output=True, text=True, timeout=CHECK_SECONDS)
    except subprocess.TimeoutExpired:
        server.log.warning("start-up checks: no answer from the database in %s s; serving "
                           "anyway (503 until it answers)", CHECK_SECONDS)
        return
    # The verdict is the last line: stdout when it passed, stderr (the Error: line) when not.
    said = (result.stdout if result.returncode == 0 else result.stderr or result.stdout)
    said = said.strip().splitlines()
    reason = said[-1] if said else f"exit status {result.returncode}"
    if result.returncode == 0:
        server.log.info("%s", reason)
    elif result.returncode == UNREACHABLE_EXIT:
        server.log.warning("start-up checks: %s; serving anyway (503 until it answers)", reason)
    else:
        raise RuntimeError(f"start-up checks failed (`flask check`): {reason}")
