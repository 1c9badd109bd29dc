"""A small browser-like HTTP client for the load generator: keeps its cookies, never follows a
redirect by itself, times every request, and speaks only to 127.0.0.1.

Each simulated person has an address of their own (X-Forwarded-For, honoured because the
benchmark runs the app with PROXY_HOPS=1 as behind nginx), so the per-address rate limits see
a crowd of people, not one machine, and X-Forwarded-Proto: https, as the proxy would send."""

from __future__ import annotations

import http.client
import itertools
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TIMEOUT = 30  # seconds: a request that takes longer is an error, never a hang

_addresses = itertools.count(1)
_addresses_lock = threading.Lock()


def new_address() -> str:
    """A fresh client address (10.x.y.z), one per simulated visit."""
    with _addresses_lock:
        n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255 or 1}"


@dataclass
class Response:
    status: int
    location: str
    body: str
    ms: float  # from sending the request to the last byte of the body

    def token(self) -> str:
        match = CSRF.search(self.body)
        if not match:
            raise RuntimeError(f"no CSRF token in a {self.status} response")
        return match.group(1)


class Client:
    def __init__(self, base: str, address: str | None = None) -> None:
        parts = urllib.parse.urlsplit(base)
        if parts.hostname != "127.0.0.1":
            raise ValueError("the load generator speaks to 127.0.0.1 only")
        self.host, self.port = parts.hostname, parts.port
        self.address = address or new_address()
        self.cookies: dict[str, str] = {}

    def request(self, path: str, data: list[tuple[str, str]] | None = None) -> Response:
        headers = {"X-Forwarded-For": self.address, "X-Forwarded-Proto": "https",
                   "User-Agent": "screener-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # As a browser sends it (Flask-WTF checks it on HTTPS: the proxy said https).
            headers["Referer"] = f"https://{self.host}:{self.port}{path}"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            started = time.perf_counter()
            connection.request("POST" if data is not None else "GET", path, body, headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            ms = (time.perf_counter() - started) * 1000
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or ():
            self._keep(header)
        location = response.headers.get("Location", "")
        if location.startswith(("http://", "https://")):
            location = urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl()
        return Response(response.status, location, text, ms)

    def _keep(self, header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        attributes = attributes.lower()
        if "max-age=0" in attributes or "expires=thu, 01 jan 1970" in attributes:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value


# --- staff log-in: every account has a second factor ----------------------------------------
_used_steps: dict[str, int] = {}  # per account: the server accepts each code once
_steps_lock = threading.Lock()


def second_factor_code(email: str, secret: str) -> str:
    """A code this account has not used yet: this step's, else the next one (accepted one step
    ahead), else wait for a new step."""
    import pyotp

    totp = pyotp.TOTP(secret)
    with _steps_lock:
        while True:
            now = totp.timecode(datetime.now(UTC))
            step = max(now, _used_steps.get(email, -1) + 1)
            if step <= now + 1:
                _used_steps[email] = step
                return totp.generate_otp(step)
            time.sleep(1)


def staff_log_in(client: Client, email: str, password: str, secret: str) -> None:
    """The log-in page, then the code page, as a person does."""
    token = client.request("/staff/login").token()
    done = client.request("/staff/login", [("csrf_token", token), ("email", email),
                                           ("password", password), ("next", "")])
    if done.status != 303 or not done.location.endswith("/staff/login/code"):
        raise RuntimeError(f"staff log-in failed ({done.status} {done.location})")
    token = client.request("/staff/login/code").token()
    done = client.request("/staff/login/code", [("csrf_token", token),
                                                ("code", second_factor_code(email, secret))])
    if done.status != 303:
        raise RuntimeError(f"staff code refused ({done.status})")
