"""`make bench`: every hot path measured against its floor in one run; writes docs/performance.md.

Never part of `make test`: timings belong here, as ratios against floors measured in the same
run (machines differ and are noisy), their rounds interleaved, each page's rounds divided by the
rounds of its floor taken just before them and the median of those ratios reported. gunicorn
with the shipped configuration serves the app on 127.0.0.1 with a temporary SQLite database
seeded with 100,000 submissions; wrk makes the load (fixed durations and connection counts).
The floors are registered only when BENCHMARK=1: /bench/hello, and /bench/form (a Flask-WTF
form of ten radio questions: GET renders it from a template file, POST validates it and inserts
a row).

Exit status 1, with the reason, when a target is missed.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
import urllib.parse
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchmarks.load import Client, Run, median_run, wrk  # noqa: E402

from flow_helpers import form_fields, page_of, personas  # noqa: E402
from server_harness import (  # noqa: E402
    BIN,
    app_environment,
    gunicorn,
    migrate,
    postgres_database,
    sqlite_database,
)

SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "8"))
SEED = int(os.environ.get("BENCH_SUBMISSIONS", "100000"))
DEEP_PAGE = max(2, min(1000, SEED // 200))  # page 1,000 with the full seed (any page size)
MIXED_SECONDS = int(os.environ.get("BENCH_MIXED_SECONDS", "60"))
MEMORY_REQUESTS = int(os.environ.get("BENCH_MEMORY_REQUESTS", "10000"))
# A quick trial run can write elsewhere: BENCH_REPORT=/tmp/trial.md
REPORT = Path(os.environ.get("BENCH_REPORT", ROOT / "docs" / "performance.md"))


# --- setup -----------------------------------------------------------------------------------

def flask(env: dict[str, str], *args: str) -> str:
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True, timeout=900).stdout


def demo_login(env: dict[str, str]) -> tuple[str, str]:
    """The demo staff account's email and password, as `flask demo staff` prints them."""
    printed = flask(env, "demo", "staff")
    return (re.search(r"email:\s+(\S+)", printed).group(1),
            re.search(r"password:\s+(\S+)", printed).group(1))


def patient_at(base: str, stop_key: str) -> Client:
    """A patient client whose draft is complete up to the page `stop_key`."""
    answers = personas()[0]["answers"]
    client = Client(base)
    token = client.token("/")
    status, headers, _ = client.request("/", [("csrf_token", token), ("consent_store", "yes")])
    url = headers["Location"]
    while (ref := page_of(url)) is not None and ref.key != stop_key:
        token = client.token(url)
        status, headers, body = client.request(
            url, [("csrf_token", token), ("action", "continue"), *form_fields(ref, answers)])
        if status != 303:
            raise RuntimeError(f"setup walk stopped at {url} ({status})")
        url = headers["Location"]
    return client


def staff_client(base: str, email: str, password: str) -> Client:
    client = Client(base)
    token = client.token("/staff/login")
    status, headers, _ = client.request("/staff/login", [
        ("csrf_token", token), ("email", email), ("password", password), ("next", "")])
    if status != 303:
        raise RuntimeError(f"staff login failed ({status})")
    return client


# --- measurements ----------------------------------------------------------------------------

def interleaved(loads: dict[str, dict]) -> dict[str, list[Run]]:
    """Each load ROUNDS times, the rounds taken in turn (every endpoint once, then again): a
    machine that slows down or speeds up during the run then moves a page and its floor alike,
    instead of whichever block of rounds it happened to fall on. Returns every round of each
    load. A load's `headers` may be a function, called before each of its rounds (a cookie that
    a browser would have renewed meanwhile)."""
    rounds: dict[str, list[Run]] = {name: [] for name in loads}
    for _ in range(ROUNDS):
        for name, load in loads.items():
            headers = load.get("headers")
            rounds[name].append(wrk(seconds=SECONDS, **{
                **load, "headers": headers() if callable(headers) else headers}))
    return rounds


def evaluate_speed() -> dict[str, float]:
    from screener.rules import evaluate

    complete = max((p["answers"] for p in personas()), key=len)
    as_of = date(2026, 1, 15)

    def rules() -> None:
        evaluate(complete, as_of=as_of)

    def floor() -> None:
        json.loads(json.dumps(complete))

    # Batches of the two taken in turn, the median batch of each: a moment when the machine is
    # slower then falls on both, not on whichever was being timed.
    number, taken = 2000, {rules: [], floor: []}
    for _ in range(15):
        for call, times in taken.items():
            times.append(timeit.timeit(call, number=number) / number * 1000)
    return {"evaluate_ms": statistics.median(taken[rules]),
            "floor_ms": statistics.median(taken[floor])}


def statement_counts(database_url: str, email: str, password: str,
                     deep_page: int = DEEP_PAGE) -> dict[str, int]:
    """SQL statements per staff queue page and per submission page, in-process."""
    from sqlalchemy import event, select

    from screener import create_app
    from screener.extensions import db
    from screener.models import Submission

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    page = client.get("/staff/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/staff/login", data={"csrf_token": token, "email": email,
                                      "password": password, "next": ""})
    with app.app_context():
        reference = db.session.scalar(select(Submission.reference).limit(1))
        counted: list[str] = []
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: counted.append(args[2]))

        def count(url: str) -> int:
            client.get(url)  # warm
            counted.clear()
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return len(counted)

        return {"queue": count("/staff/"),
                "queue_deep": count("/staff/?after=" + deep_cursor(app, deep_page)),
                "submission": count(f"/staff/submissions/{reference}")}


def postgres_statement_counts() -> dict[str, int] | str:
    """The same counts on PostgreSQL (production's database, where the audit log's advisory
    lock is one more statement), on a database of its own seeded with a few hundred rows: the
    counts do not depend on the row count. The reason instead when the server does not answer."""
    try:
        database = postgres_database()
    except Exception as error:  # any failure to reach it is reported, not fatal
        return f"PostgreSQL did not answer ({type(error).__name__})"
    try:
        env = app_environment(database)
        migrate(env)
        flask(env, "demo", "seed", "--count", "300")
        return statement_counts(database.url, *demo_login(env), deep_page=10)
    finally:
        database.drop()


def deep_cursor(app, page_number: int) -> str:
    """The cursor that opens queue page `page_number`: the last row of the page before."""
    from sqlalchemy import select

    from screener.extensions import db
    from screener.models import Submission
    from screener.staff.queue import Cursor

    size = app.config["STAFF_QUEUE_PAGE_SIZE"]
    with app.app_context():
        row = db.session.execute(
            select(Submission.severity_rank, Submission.created_at, Submission.id)
            .order_by(Submission.severity_rank, Submission.created_at.desc(),
                      Submission.id.desc())
            .offset((page_number - 1) * size - 1).limit(1)).one()
        return Cursor.of(row).encode()


def page_weight(base: str, client: Client) -> dict[str, int]:
    status, _, html = client.request("/q/phq9/1")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    sizes = [len(html.encode())]
    for asset in assets:
        sizes.append(len(client.request(asset)[2].encode()))
    offsite = re.findall(r'(?:href|src)="(?:https?:)?//', html)
    fonts = re.findall(r"@font-face|\.woff2?|fonts\.googleapis", html)
    return {"bytes": sum(sizes), "requests": len(sizes), "offsite": len(offsite),
            "fonts": len(fonts)}


def rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))


MIXED_LUA = """
local paths = %(paths)s
local i = 0
local n = 0
local limit = %(limit)d
request = function()
  i = i %% #paths + 1
  local p = paths[i]
  return wrk.format(p[1], p[2], p[3], p[4])
end
response = function(status, headers, body)
  n = n + 1
  if limit > 0 and n >= limit then wrk.thread:stop() end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%f\\n", summary.requests,
    e.connect + e.read + e.write + e.timeout + e.status, latency:percentile(99) / 1000))
end
"""


def mixed_requests(patient: Client, staff: Client, reference: str) -> list[tuple]:
    token = patient.token("/q/phq9/1")
    answers = personas()[0]["answers"]
    valid = urllib.parse.urlencode([("csrf_token", token), ("action", "continue"),
                                    *form_fields(page_of("/q/phq9/1"), answers)])
    patient_headers = {"Cookie": patient.cookie_header(),
                       "Content-Type": "application/x-www-form-urlencoded"}
    staff_headers = {"Cookie": staff.cookie_header()}
    return [("GET", "/q/phq9/1", patient_headers, None),
            ("POST", "/q/phq9/1", patient_headers, valid),
            ("GET", "/help", {}, None),
            ("GET", "/staff/", staff_headers, None),
            ("GET", f"/staff/submissions/{reference}", staff_headers, None),
            ("GET", "/q/gad7/1", patient_headers, None)]


def run_mixed(base: str, requests: list[tuple], seconds: int, connections: int,
              limit: int = 0) -> tuple[int, int, float]:
    def lua_value(value):
        if value is None:
            return "nil"
        if isinstance(value, dict):
            return "{" + ", ".join(f"[ {lua_value(k)} ] = {lua_value(v)}"
                                   for k, v in value.items()) + "}"
        return "[==[" + str(value) + "]==]"

    paths = "{" + ", ".join("{" + ", ".join(lua_value(part) for part in entry) + "}"
                            for entry in requests) + "}"
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(MIXED_LUA % {"paths": paths, "limit": limit})
    threads = 1 if limit else 2
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d",
                          f"{seconds}s", "--timeout", "10s", "-s", str(script), base],
                         capture_output=True, text=True, timeout=seconds + 60,
                         check=True).stdout
    script.unlink()
    total, errors, p99 = re.search(r"RESULT (\d+) (\d+) (\S+)", out).groups()
    return int(total), int(errors), float(p99)


def sequential_mixed(patient: Client, staff: Client, reference: str, count: int) -> int:
    """`count` mixed requests one after another (exact counts, for the memory figures);
    returns how many were answered outside 2xx/3xx."""
    token = patient.token("/q/phq9/1")
    fields = [("csrf_token", token), ("action", "continue"),
              *form_fields(page_of("/q/phq9/1"), personas()[0]["answers"])]
    plan = [(patient, "/q/phq9/1", None), (patient, "/q/phq9/1", fields), (patient, "/help", None),
            (staff, "/staff/", None), (staff, f"/staff/submissions/{reference}", None)]
    errors = 0
    for i in range(count):
        client, path, data = plan[i % len(plan)]
        status = client.request(path, data)[0]
        errors += not 200 <= status < 400
    return errors


def full_flows(base: str, count: int, results: list[bool]) -> None:
    """Whole questionnaires sent while the mixed load runs: each must be stored."""
    for _ in range(count):
        client = patient_at(base, stop_key="__end__")
        token = client.token("/check")
        status, headers, _ = client.request("/submit", [("csrf_token", token)])
        results.append(status == 303 and headers.get("Location", "").endswith("/confirmation"))


# --- the run ---------------------------------------------------------------------------------

def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk); `make bench` installs it.")
        return 2
    # In-process first, on a quiet machine (seeding 100,000 rows leaves the disk busy for a
    # while afterwards).
    rules = evaluate_speed()
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    database = sqlite_database(folder)
    env = app_environment(database, BENCHMARK="1")
    migrate(env)
    started = time.perf_counter()
    flask(env, "demo", "seed", "--count", str(SEED))
    seed_seconds = time.perf_counter() - started
    email, password = demo_login(env)
    results: dict[str, object] = {"seed_seconds": seed_seconds}

    results["rules"] = rules
    results["statements"] = statement_counts(database.url, email, password)
    results["statements_postgresql"] = postgres_statement_counts()

    with gunicorn(env, folder / "logs", workers=None) as server:  # the shipped worker count
        base = server.url
        patient = patient_at(base, "phq9/1")
        token = patient.token("/q/phq9/1")
        answers = personas()[0]["answers"]
        fields = form_fields(page_of("/q/phq9/1"), answers)
        cookie = {"Cookie": patient.cookie_header()}
        valid = urllib.parse.urlencode([("csrf_token", token), ("action", "continue"), *fields])
        invalid = urllib.parse.urlencode(
            [("csrf_token", token), ("action", "continue"),
             *[f for f in fields if f[0] != "phq9_3"]])
        bare = Client(base)
        bare_token = bare.token("/bench/form")
        bare_cookie = {"Cookie": bare.cookie_header()}
        bare_body = urllib.parse.urlencode(
            [("csrf_token", bare_token), *[(f"q{i}", "1") for i in range(1, 11)]])
        staff = staff_client(base, email, password)

        def staff_cookie() -> dict[str, str]:
            """The staff session as a browser holds it. The server renews the cookie's "last
            seen" time once it is 30 s old, and a browser keeps the renewed cookie; wrk sends
            one cookie throughout, and a stale one would be signed again on every request,
            which no browser causes. So each round starts with the cookie the server last
            gave (with rounds of a few seconds, under 30 s old until the round ends)."""
            staff.request("/staff/")
            return {"Cookie": staff.cookie_header()}

        from screener import create_app

        deep = deep_cursor(create_app({"SQLALCHEMY_DATABASE_URI": database.url}), DEEP_PAGE)
        loads = {  # each page soon after its floor (see ratio())
            "hello": dict(url=base + "/bench/hello"),
            "bare_get": dict(url=base + "/bench/form", headers=bare_cookie),
            "step_get": dict(url=base + "/q/phq9/1", headers=cookie),
            "step_post_invalid": dict(url=base + "/q/phq9/1", method="POST", body=invalid,
                                      headers=cookie),
            "bare_post": dict(url=base + "/bench/form", method="POST", body=bare_body,
                              headers=bare_cookie),
            "step_post": dict(url=base + "/q/phq9/1", method="POST", body=valid,
                              headers=cookie),
            "queue_first": dict(url=base + "/staff/", headers=staff_cookie),
            "queue_deep": dict(url=base + "/staff/?after=" + deep, headers=staff_cookie),
        }
        rounds = interleaved(loads)
        results["runs"] = {name: vars(median_run(taken)) for name, taken in rounds.items()}
        results["rounds"] = {name: [run.requests_per_second for run in taken]
                             for name, taken in rounds.items()}
        results["weight"] = page_weight(base, patient)

        reference = re.search(r'/staff/submissions/([A-Z0-9]+)"',
                              staff.request("/staff/")[2]).group(1)
        mixed = mixed_requests(patient, staff, reference)
        accepted: list[bool] = []
        flows = threading.Thread(target=full_flows, args=(base, 20, accepted))
        flows.start()
        total, errors, p99 = run_mixed(base, mixed, MIXED_SECONDS, 16)
        flows.join(timeout=120)
        locked = server.error_log.read_text().count("database is locked")
        results["mixed"] = {"requests": total, "errors": errors, "p99_ms": p99,
                            "locked": locked, "flows_sent": len(accepted),
                            "flows_accepted": sum(accepted)}

    with gunicorn(env, folder / "logs-memory", workers=1) as server:
        patient = patient_at(server.url, "phq9/1")
        staff = staff_client(server.url, email, password)
        worker = server.worker_pids()[0]
        first = sequential_mixed(patient, staff, reference, MEMORY_REQUESTS // 10)
        after_first = rss_kb(worker)
        sequential_mixed(patient, staff, reference, MEMORY_REQUESTS - MEMORY_REQUESTS // 10)
        results["memory"] = {"after_1000_kb": after_first, "after_10000_kb": rss_kb(worker),
                             "same_worker": server.worker_pids() == [worker],
                             "errors": first}

    results["stored_submissions"] = count_submissions(database.url) - SEED
    failures = judge(results)
    write_report(results, failures)
    database.drop()
    shutil.rmtree(folder, ignore_errors=True)
    for failure in failures:
        print("MISSED:", failure)
    return 1 if failures else 0


def count_submissions(url: str) -> int:
    import sqlite3

    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return connection.execute("select count(*) from submission").fetchone()[0]


def ratio(results: dict, name: str, floor: str) -> float:
    """The median of the round-by-round ratios: each round of a page is divided by the round of
    its floor taken moments before it (a pause or burst of the shared machine that lasts a few
    seconds then moves one pair of rounds, not the ratio)."""
    rounds = results["rounds"]
    return statistics.median(page / base for page, base in
                             zip(rounds[name], rounds[floor], strict=True))


TARGETS = [
    ("question page GET vs bare Flask-WTF page", lambda r: ratio(r, "step_get", "bare_get"), 0.9),
    ("valid step POST vs bare POST", lambda r: ratio(r, "step_post", "bare_post"), 0.9),
    ("invalid step POST vs bare page GET",
     lambda r: ratio(r, "step_post_invalid", "bare_get"), 0.8),
    ("queue page 1,000 vs page 1", lambda r: ratio(r, "queue_deep", "queue_first"), 0.8),
]


def judge(r: dict) -> list[str]:
    failures = [f"{name}: {check(r):.2f} < {target}" for name, check, target in TARGETS
                if check(r) < target]
    if r["runs"]["queue_first"]["p95_ms"] > 50:
        failures.append(f"queue first page p95 {r['runs']['queue_first']['p95_ms']:.1f} ms > 50")
    for database, counts in (("SQLite", r["statements"]),
                             ("PostgreSQL", r["statements_postgresql"])):
        if isinstance(counts, str):  # not measured: the report says why
            continue
        for page, limit in (("queue", 3), ("queue_deep", 3), ("submission", 6)):
            if counts[page] > limit:
                failures.append(f"{page}: {counts[page]} SQL statements on {database} > {limit}")
    if r["rules"]["evaluate_ms"] > 0.1:
        failures.append(f"evaluate() median {r['rules']['evaluate_ms']:.3f} ms > 0.1")
    weight = r["weight"]
    if weight["bytes"] > 30 * 1024 or weight["requests"] > 4 or weight["offsite"] or \
            weight["fonts"]:
        failures.append(f"patient page weight {weight}")
    mixed = r["mixed"]
    memory = r["memory"]
    if not memory["same_worker"] or memory["errors"] or \
            memory["after_10000_kb"] > 1.1 * memory["after_1000_kb"]:
        failures.append(f"memory {memory}")
    if mixed["errors"] or mixed["locked"] or mixed["flows_accepted"] != mixed["flows_sent"]:
        failures.append(f"mixed load {mixed}")
    if r["stored_submissions"] != mixed["flows_accepted"]:
        failures.append(f"{mixed['flows_accepted']} submissions accepted but "
                        f"{r['stored_submissions']} stored")
    return failures


def statement_line(counts: dict[str, int] | str) -> str:
    if isinstance(counts, str):
        return counts
    return f"{counts['queue']} / {counts['queue_deep']} / {counts['submission']}"


def write_report(r: dict, failures: list[str]) -> None:
    from importlib.metadata import version

    runs = r["runs"]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        ("Question page GET (PHQ-9)", f"{ratio(r, 'step_get', 'bare_get'):.0%} of bare GET",
         ">= 90 %"),
        ("Valid step POST (save, 303)", f"{ratio(r, 'step_post', 'bare_post'):.0%} of bare POST",
         ">= 90 %"),
        ("Invalid step POST (re-render)",
         f"{ratio(r, 'step_post_invalid', 'bare_get'):.0%} of bare GET", ">= 80 %"),
        ("Staff queue, first page, p95 (100,000 rows, 16 connections)",
         f"{runs['queue_first']['p95_ms']:.1f} ms", "<= 50 ms"),
        ("Staff queue page 1,000 vs page 1", f"{ratio(r, 'queue_deep', 'queue_first'):.0%}",
         ">= 80 %"),
        ("SQL statements: queue page / page 1,000 / submission page (SQLite; PostgreSQL)",
         f"{statement_line(r['statements'])}; {statement_line(r['statements_postgresql'])}",
         "<= 3 / 3 / 6"),
        ("`evaluate()` median", f"{r['rules']['evaluate_ms']:.3f} ms "
         f"({r['rules']['evaluate_ms'] / r['rules']['floor_ms']:.1f}x a JSON round trip)",
         "<= 0.1 ms"),
        ("Patient page with its assets", f"{r['weight']['bytes'] / 1024:.1f} KB, "
         f"{r['weight']['requests']} requests, {r['weight']['offsite']} off-site, "
         f"{r['weight']['fonts']} fonts", "<= 30 KB, <= 4, 0, 0"),
        ("Worker memory after 1,000 / 10,000 mixed requests",
         f"{r['memory']['after_1000_kb'] / 1024:.1f} / "
         f"{r['memory']['after_10000_kb'] / 1024:.1f} MB", "growth < 10 %"),
        ("60 s mixed load (16 connections) + 20 full questionnaires",
         f"{r['mixed']['requests']} requests, {r['mixed']['errors']} errors, "
         f"{r['mixed']['locked']} locked, {r['mixed']['flows_accepted']}/"
         f"{r['mixed']['flows_sent']} sent, {r['stored_submissions']} stored", "0, 0, all"),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    raw = "\n".join(f"| {name} | {run['requests_per_second']:.0f} | {run['p95_ms']:.1f} | "
                    f"{run['p99_ms']:.1f} | {run['errors']} |" for name, run in runs.items())
    cpu = os.cpu_count()
    header = (
        f"## Run of {stamp}\n\n"
        f"{platform.machine()}, {cpu} cores, Python {platform.python_version()}, "
        f"Flask {version('flask')}, gunicorn {version('gunicorn')} (shipped "
        f"gunicorn.conf.py), SQLite, wrk {SECONDS} s x {ROUNDS} rounds, 16 connections; "
        f"{SEED:,} submissions seeded in {r['seed_seconds']:.0f} s.\n\n"
        f"**{'All targets met.' if not failures else 'Missed: ' + '; '.join(failures)}**\n\n"
        "| measure | result | target |\n|---|---|---|\n" + table + "\n\n"
        "| endpoint | requests/s | p95 ms | p99 ms | errors |\n|---|---|---|---|---|\n"
        + raw + "\n"
    )
    intro, history = _split_report()
    REPORT.write_text(intro + "\n" + header + ("\n" + history if history else ""))


INTRO = """# Performance

Written by `make bench` (benchmarks/). Each run is added at the top; older runs stay below so
that a regression is visible. Every speed figure is a ratio against a floor measured in the same
run, because machines differ and are noisy. See benchmarks/__main__.py for the method.
"""


def _split_report() -> tuple[str, str]:
    if not REPORT.exists():
        return INTRO, ""
    text = REPORT.read_text()
    runs = text.find("## Run of ")
    return INTRO, (text[runs:] if runs >= 0 else "")


if __name__ == "__main__":
    sys.exit(main())
