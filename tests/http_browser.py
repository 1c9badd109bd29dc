"""Plain HTTP clients for the server tests: a browser with a cookie jar that does not follow
redirects, and a person who answers the questionnaire through it the way people do when a
server has a bad moment (press the button again after a "please try again" page or a broken
connection), recording every page the server acknowledged with a 303."""

from __future__ import annotations

import hashlib
import html
import http.client
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

from itsdangerous import URLSafeTimedSerializer

from screener.questionnaire import QUESTIONS

from flow_helpers import CSRF, form_fields, page_of

TRY_AGAIN_STATUSES = (503,)
CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, TimeoutError, OSError)


@dataclass
class Reply:
    status: int
    headers: dict[str, list[str]]
    body: str

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""

    @property
    def location(self) -> str:
        return self.header("Location")

    def token(self) -> str:
        match = CSRF.search(self.body)
        assert match, f"no CSRF token on the page ({self.status})"
        return match.group(1)


class Browser:
    """One browser: its cookies, and every request line and response it saw."""

    def __init__(self, base_url: str, forwarded_for: str | None = None) -> None:
        self.base_url = base_url
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}
        self.forwarded_for = forwarded_for
        self.seen: list[tuple[str, str, Reply]] = []  # (method, path, reply)

    def request(self, method: str, path: str, fields: list[tuple[str, str]] | None = None,
                timeout: float = 15, base_url: str | None = None) -> Reply:
        host, port = (self.host, self.port)
        if base_url:
            parts = urlsplit(base_url)
            host, port = parts.hostname or host, parts.port or port
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            collected: dict[str, list[str]] = {}
            for name, value in response.getheaders():
                collected.setdefault(name.lower(), []).append(value)
            reply = Reply(response.status, collected, raw.decode("utf-8", "replace"))
        finally:
            connection.close()
        for cookie_header in reply.headers.get("set-cookie", []):
            self._take_cookie(cookie_header)
        self.seen.append((method, path, reply))
        return reply

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, fields: list[tuple[str, str]], **kwargs: Any) -> Reply:
        return self.request("POST", path, fields, **kwargs)

    def _take_cookie(self, header: str) -> None:
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            gone = morsel["max-age"] == "0" or "1970" in morsel["expires"]
            if gone or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


def session_of(browser: Browser, secret_key: str) -> dict[str, Any]:
    """The Flask session cookie's contents (signed, not encrypted)."""
    serializer = URLSafeTimedSerializer(
        secret_key, salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})
    return serializer.loads(browser.cookies["session"])


class GaveUp(AssertionError):
    """The person could not finish before the deadline."""


@dataclass
class Person:
    """Someone answering the questionnaire through a browser, pressing again when asked."""

    browser: Browser
    answers: dict[str, Any]
    deadline: float
    think: float = 0.0
    acknowledged: list[str] = field(default_factory=list)  # page keys answered with a 303
    try_again_pages: int = 0
    broken_connections: int = 0
    statuses: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reference: str = ""

    def _send(self, method: str, path: str, fields: list | None = None,
              expect: tuple[int, ...] = (200,)) -> Reply:
        """One press of a button or one page load, repeated while the server asks for it."""
        while True:
            if time.monotonic() > self.deadline:
                raise GaveUp(f"{method} {path}: still failing at the deadline")
            try:
                reply = self.browser.request(method, path, fields)
            except CONNECTION_ERRORS:
                self.broken_connections += 1
                time.sleep(0.2)
                continue
            self.statuses.append(reply.status)
            if reply.status in expect:
                return reply
            if reply.status in TRY_AGAIN_STATUSES:
                self.try_again_pages += 1
                self._check_try_again(path, fields, reply)
                time.sleep(0.25)
                continue
            self.problems.append(f"{method} {path}: {reply.status}")
            raise AssertionError(f"{method} {path}: unexpected {reply.status}")

    def _check_try_again(self, path: str, fields: list | None, reply: Reply) -> None:
        """A "please try again" page that keeps what the person typed."""
        text = html.unescape(reply.body).lower()
        if "try again" not in text and "again in a moment" not in text:
            self.problems.append(f"{path}: 503 without a try-again message")
        if reply.header("Retry-After") == "":
            self.problems.append(f"{path}: 503 without Retry-After")
        if fields and page_of(path) is not None:
            typed = [value for name, value in fields if name in TYPED and value]
            missing = [value for value in typed if f'value="{html.escape(value)}"' not in reply.body
                       and html.escape(value) not in reply.body]
            if missing:
                self.problems.append(f"{path}: 503 page lost {missing}")

    def fill_in(self) -> str:
        """From the start page to the confirmation; returns the reference."""
        start = self._send("GET", "/")
        reply = self._send("POST", "/", [("csrf_token", start.token()), ("consent_store", "yes")],
                           expect=(303,))
        url = reply.location
        for _ in range(60):
            if url.endswith("/help"):
                url = self._send("GET", "/continue", expect=(302,)).location
                continue
            ref = page_of(url)
            if ref is None:
                break
            page = self._send("GET", url)
            time.sleep(self.think)
            fields = [("csrf_token", page.token()), ("action", "continue"),
                      *form_fields(ref, self.answers)]
            reply = self._send("POST", url, fields, expect=(303,))
            self.acknowledged.append(ref.key)
            url = reply.location
        assert urlsplit(url).path == "/check", url
        check = self._send("GET", "/check")
        self._send("POST", "/submit", [("csrf_token", check.token())], expect=(303,))
        confirmation = self._send("GET", "/confirmation")
        match = re.search(r'class="reference">([0-9A-Z]+)<', confirmation.body)
        assert match, "no reference on the confirmation page"
        self.reference = match.group(1)
        return self.reference


# What a person types (rather than chooses): these must come back on a "please try again" page.
TYPED = {q.id for q in QUESTIONS.values()
         if q.kind in ("text", "longtext", "email", "phone", "date") or (
             q.kind == "int" and not q.options)}
