"""The shipped gunicorn configuration (`gunicorn wsgi:app` reads it from this folder).

Workers: WEB_CONCURRENCY, default 2 per core plus 1. Sync workers need a buffering reverse
proxy (nginx, Caddy) in front for slow clients. The access log records the request line; no
page puts health information in a URL, so it holds none."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = 30
graceful_timeout = 30
keepalive = 5
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = "-"
preload_app = False  # each worker opens its own database connections after the fork
