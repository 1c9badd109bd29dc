"""Load with wrk against a running server, and a tiny cookie-keeping HTTP client for setup."""

from __future__ import annotations

import http.cookiejar
import re
import statistics
import subprocess
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # we want to see each 303
        return None


class Client:
    """A browser-like client: keeps cookies, does not follow redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: list[tuple[str, str]] | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            response = self.opener.open(self.base + path, body, timeout=30)
            return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def token(self, path: str) -> str:
        status, _, html = self.request(path)
        match = CSRF.search(html)
        if not match:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return match.group(1)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


@dataclass
class Run:
    requests_per_second: float
    p95_ms: float
    p99_ms: float
    errors: int  # responses outside 2xx/3xx plus socket errors


LUA = """
local body = %(body)s
local method = %(method)s
local headers = {%(headers)s}
request = function()
  return wrk.format(method, nil, headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%f %%f %%f %%d\\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def _lua_string(value: str | None) -> str:
    if value is None:
        return "nil"
    return "[==[" + value + "]==]"


def wrk(url: str, seconds: int, connections: int = 16, threads: int = 2, method: str = "GET",
        body: str | None = None, headers: dict[str, str] | None = None) -> Run:
    headers = dict(headers or {})
    if body is not None:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    script = LUA % {
        "body": _lua_string(body), "method": _lua_string(method),
        "headers": ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}"
                             for k, v in headers.items()),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        done = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
             "--timeout", "10s", "-s", handle.name, url],
            capture_output=True, text=True, timeout=seconds + 60, check=True)
    finally:
        Path(handle.name).unlink()
    match = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+)", done.stdout)
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}\n{script}")
    rps, p95, p99, errors = match.groups()
    return Run(float(rps), float(p95), float(p99), int(errors))


def median_run(runs: list[Run]) -> Run:
    return Run(statistics.median(r.requests_per_second for r in runs),
               statistics.median(r.p95_ms for r in runs),
               statistics.median(r.p99_ms for r in runs), sum(r.errors for r in runs))
