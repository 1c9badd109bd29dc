"""The access log of the shipped gunicorn configuration holds no resume code: the emailed link
/resume/<code> is written as /resume/[code] in the request line and in the Referer."""

from __future__ import annotations

import time
import urllib.request

import pytest

from screener.access_log import redact

from server_harness import app_environment, gunicorn, migrate, sqlite_database

CODE = "QZ9K4-CANRY-7M2XW-P0TQR-ZZ8KD-4HN2B"


def test_a_resume_link_is_written_without_its_code():
    assert redact(f"GET /resume/{CODE} HTTP/1.1") == "GET /resume/[code] HTTP/1.1"
    assert redact(f"https://clinic.example/resume/{CODE}?x=1") == (
        "https://clinic.example/resume/[code]?x=1")
    assert redact("POST /resume HTTP/1.1") == "POST /resume HTTP/1.1"
    assert redact(None) is None


@pytest.mark.server
def test_the_served_access_log_holds_no_resume_code(tmp_path):
    database = sqlite_database(tmp_path)
    env = app_environment(database)
    migrate(env)
    with gunicorn(env, tmp_path / "logs", workers=1) as server:
        request = urllib.request.Request(f"{server.url}/resume/{CODE}",  # noqa: S310
                                         headers={"Referer": f"{server.url}/resume/{CODE}"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            assert response.status == 200
            assert CODE in response.read().decode()  # the page itself has it, for its button
        deadline = time.monotonic() + 10
        while "/resume/[code]" not in server.access_log.read_text() and (
                time.monotonic() < deadline):
            time.sleep(0.2)
        log = server.access_log.read_text()
    assert "/resume/[code]" in log
    assert CODE not in log and "CANRY" not in log
