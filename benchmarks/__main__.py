"""`make bench` (`python -m benchmarks`): the performance budgets of issue 18, in the user's
terms, on SQLite and on PostgreSQL, each seeded with 100,000 submissions.

Each check prints PASS or FAIL with its figure; the exit status is 1 when any check fails.
`--quick` runs every check with fewer rounds and shorter crowds (for trying things; not for the
record). `--only queue,mine` runs only the named checks (see CHECKS; `--submissions N` seeds
fewer): for measuring one budget; such a run writes no report unless `--report PATH` is given.
A full run updates the results section of docs/performance.md (`--report PATH` writes
elsewhere, `--no-report` nowhere). The method is described there and in each module here.

Every server is gunicorn with the shipped gunicorn.conf.py (its worker count) and
SCREENER_CONFIG=production, behind an imagined proxy (PROXY_HOPS=1: each simulated person sends
an address of their own), with rate limits counted in Redis as in production; a database of its
own (a temporary SQLite file, or a fresh PostgreSQL database dropped at the end). Everything runs
on this machine and on 127.0.0.1 only; every phase is bounded in time, every server stopped.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, date, datetime
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchmarks import browser  # noqa: E402
from benchmarks.client import Client, second_factor_code, staff_log_in  # noqa: E402
from benchmarks.crowd import (  # noqa: E402
    LAST_NAMES,
    PATIENT_KINDS,
    STAFF_KINDS,
    Sample,
    crowd_in_process,
    run_crowd,
)
from benchmarks.machine import OtherLoad  # noqa: E402

from flow_helpers import form_fields, page_of, personas  # noqa: E402
from server_harness import (  # noqa: E402
    BIN,
    STAFF_TOTP_SECRET,
    add_staff_account,
    app_environment,
    gunicorn,
    migrate,
    postgres_database,
    sqlite_database,
)

REDIS = "redis://127.0.0.1:6379/0"
# "limit": the whole run's time limit in seconds (a watchdog; servers are still stopped).
FULL = {"limit": 3600, "seed": 100_000, "crowd": 120, "crowd50": 60, "saturation": 30, "warmup": 10,
        "walks": 3, "memory": 10_000, "queue_rounds": 100, "deep_page": 1000}
QUICK = {"limit": 1500, "seed": 30_000, "crowd": 30, "crowd50": 20, "saturation": 10, "warmup": 5,
         "walks": 1, "memory": 2_000, "queue_rounds": 30, "deep_page": 1000}
PATIENT_P95_MS, STAFF_P95_MS = 100, 150
# The groups of checks `--only` chooses from, in the order they run.
CHECKS = {
    "evaluate": "evaluate() median, in-process",
    "queue": "open-work queue: statements on page 1 and a deep page, deep vs page 1 time",
    "mine": "the Mine view of an account owning a share of the open cases: statements, p95",
    "search": "search POST, one at a time: statements, p95",
    "dashboard": "dashboard, last 90 days, p95",
    "weight": "patient page weight",
    "walks": "slow phone walks in Chromium",
    "crowd": "20 and 50 patients + 3 staff",
    "saturation": "no pauses, requests per second",
    "memory": "one worker's RSS over many requests",
}
REPORT = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


# --- small helpers ---------------------------------------------------------------------------

def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def rss_kb(pid: int) -> int:
    return int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))


def say(text: str) -> None:
    print(text, flush=True)


class Checks:
    def __init__(self) -> None:
        # (database, check, figure, budget, verdict)
        self.rows: list[tuple[str, str, str, str, str]] = []

    def check(self, database: str, name: str, figure: str, budget: str, passed: bool) -> None:
        verdict = "PASS" if passed else "FAIL"
        self.rows.append((database, name, figure, budget, verdict))
        say(f"{verdict}  [{database}] {name}: {figure} (budget {budget})")

    def info(self, database: str, name: str, figure: str) -> None:
        self.rows.append((database, name, figure, "information", "INFO"))
        say(f"INFO  [{database}] {name}: {figure}")

    @property
    def failed(self) -> list[tuple]:
        return [row for row in self.rows if row[4] == "FAIL"]


# --- in-process measurements -----------------------------------------------------------------

def evaluate_median_ms(batches: int = 15, number: int = 2000) -> float:
    """The median over batches of evaluate() on the longest persona's answers."""
    from screener.rules import evaluate

    answers = max((p["answers"] for p in personas()), key=len)
    as_of = date(2026, 1, 15)
    times = [timeit.timeit(lambda: evaluate(answers, as_of=as_of), number=number) / number * 1000
             for _ in range(batches)]
    return statistics.median(times)


def statement_counts(url: str, email: str, password: str,
                     pages: dict[str, str | tuple[str, dict]]) -> dict[str, int]:
    """SQL statements per page, counted in-process with a SQLAlchemy event (the second of two
    identical requests: nothing is left to warm). `pages`: name -> a path to GET, or a path and
    the form to POST there (its CSRF token is added)."""
    from sqlalchemy import event

    from screener import create_app
    from screener.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/staff/login").text).group(1)
    client.post("/staff/login", data={"csrf_token": token, "email": email,
                                      "password": password, "next": ""})
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/staff/login/code").text).group(1)
    client.post("/staff/login/code", data={
        "csrf_token": token, "code": second_factor_code(email, STAFF_TOTP_SECRET)})
    with app.app_context():
        counted: list[str] = []

        def count(path: str, data: dict | None = None) -> int:
            send = (lambda: client.post(path, data=data)) if data else (lambda: client.get(path))
            send()
            counted.clear()
            response = send()
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code}")
            return len(counted)

        def listener(*args):
            counted.append(args[2])

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            token = re.search(r'name="csrf_token" value="([^"]+)"',
                              client.get("/staff/").text).group(1)
            found = {}
            for name, page in pages.items():
                if isinstance(page, str):
                    found[name] = count(page)
                else:
                    found[name] = count(page[0], {"csrf_token": token, **page[1]})
            return found
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
            db.session.remove()
            db.engine.dispose()


def count_rows(url: str, table: str = "submission") -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608 (ours)
    finally:
        engine.dispose()


def give_cases(url: str, email: str) -> int:
    """The seeded owner with the most open cases hands them all to the account `email` (a
    coordinator with a full share of the open work: the seed's owners are disabled accounts
    nobody logs in as); returns how many open cases that account now owns."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            me = connection.scalar(text("SELECT id FROM user_account WHERE email = :e"),
                                   {"e": email})
            busiest = connection.scalar(text(
                "SELECT owner_id FROM submission WHERE owner_id IS NOT NULL AND status IN "
                "('new', 'in_review', 'contacted') GROUP BY owner_id "
                "ORDER BY count(*) DESC, owner_id LIMIT 1"))
            if busiest is not None:
                connection.execute(text("UPDATE submission SET owner_id = :me "
                                        "WHERE owner_id = :them"), {"me": me, "them": busiest})
            return connection.scalar(text(
                "SELECT count(*) FROM submission WHERE owner_id = :me AND status IN "
                "('new', 'in_review', 'contacted')"), {"me": me})
    finally:
        engine.dispose()


# --- over HTTP -------------------------------------------------------------------------------

def flask(env: dict[str, str], *args: str, timeout: int = 900) -> str:
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True, timeout=timeout).stdout


def staff_client(base: str, email: str, password: str) -> Client:
    client = Client(base)
    staff_log_in(client, email, password, STAFF_TOTP_SECRET)
    return client


def deep_queue_path(staff: Client, page: int) -> str:
    """The address of queue page `page`, found the way a person would: Next page, again."""
    path = "/staff/"
    for _ in range(page - 1):
        found = re.search(r'rel="next" href="([^"]+)"', staff.request(path).body)
        if not found:
            break
        path = found.group(1).replace("&amp;", "&")
    return path


def queue_times(staff: Client, deep_path: str, rounds: int) -> tuple[float, float]:
    """Medians (ms) of page 1 and the deep page, one request at a time, taken in turn."""
    first, deep = [], []
    for _ in range(rounds):
        for path, times in (("/staff/", first), (deep_path, deep)):
            response = staff.request(path)
            if response.status != 200:
                raise RuntimeError(f"{path}: {response.status}")
            times.append(response.ms)
    return statistics.median(first), statistics.median(deep)


def one_at_a_time_p95(staff: Client, requests: list[tuple[str, list | None]],
                      rounds: int) -> tuple[float, float]:
    """p95 and median (ms) of `requests` sent in turn, `rounds` times, one at a time (one round
    first, untimed). A POST's form gets a fresh CSRF token from the queue page."""
    token = staff.request("/staff/").token()
    times = []
    for n in range(rounds + 1):
        for path, data in requests:
            response = staff.request(path, None if data is None
                                     else [("csrf_token", token), *data])
            if response.status != 200:
                raise RuntimeError(f"{path}: {response.status}")
            if n:
                times.append(response.ms)
    return p95(times), statistics.median(times)


def dashboard_p95(staff: Client, rounds: int, workers: int) -> float:
    """The clinic's dashboard for the last 90 days, one request at a time. Untimed first: as
    many requests at once as there are gunicorn workers, twice, so that each worker has drawn
    it once (a worker's first dashboard compiles its template and statements, about 100 ms of
    CPU once after a start; the queue checks are warmed by their page walk in the same way)."""
    with ThreadPoolExecutor(workers) as pool:
        for _ in range(2):
            list(pool.map(lambda _: staff.request("/staff/dashboard?period=90"), range(workers)))
    times = []
    for _ in range(max(rounds, 5)):
        response = staff.request("/staff/dashboard?period=90")
        if response.status != 200:
            raise RuntimeError(f"dashboard: {response.status}")
        times.append(response.ms)
    return statistics.quantiles(times, n=20)[-1]


def patient_on(base: str, stop_key: str) -> Client:
    """A patient whose draft is answered up to the page `stop_key`."""
    answers = personas()[0]["answers"]
    client = Client(base)
    token = client.request("/").token()
    url = client.request("/", [("csrf_token", token), ("consent_store", "yes")]).location
    while (ref := page_of(url)) is not None and ref.key != stop_key:
        token = client.request(url).token()
        done = client.request(url, [("csrf_token", token), ("action", "continue"),
                                    *form_fields(ref, answers)])
        if done.status != 303:
            raise RuntimeError(f"setup walk stopped at {url} ({done.status})")
        url = done.location
    return client


def memory(env: dict[str, str], logs: Path, staff_login: tuple[str, str],
           requests: int) -> dict:
    """One worker, `requests` requests one after another (question page GET, valid and invalid
    POST, queue, submission page); its RSS after the first tenth and at the end."""
    with gunicorn(env, logs, workers=1) as server:
        patient = patient_on(server.url, "phq9/1")
        staff = staff_client(server.url, *staff_login)
        row = re.search(r'href="(/staff/submissions/[A-Z0-9]+)"',
                        staff.request("/staff/").body).group(1)
        token = patient.request("/q/phq9/1").token()
        answers = personas()[0]["answers"]
        valid = [("csrf_token", token), ("action", "continue"),
                 *form_fields(page_of("/q/phq9/1"), answers)]
        invalid = [("csrf_token", token), ("action", "continue")]
        plan = [(patient, "/q/phq9/1", None, 200), (patient, "/q/phq9/1", valid, 303),
                (patient, "/q/phq9/1", invalid, 200), (staff, "/staff/", None, 200),
                (staff, row, None, 200)]
        worker = server.worker_pids()[0]
        errors, warm = 0, 0
        for n in range(requests):
            client, path, data, expected = plan[n % len(plan)]
            errors += client.request(path, data).status != expected
            if n + 1 == requests // 10:
                warm = rss_kb(worker)
        return {"warm_kb": warm, "end_kb": rss_kb(worker), "errors": errors,
                "same_worker": server.worker_pids() == [worker]}


def saturation(base: str, staff: list[tuple[str, str]], seconds: int) -> tuple[float, list]:
    """No pauses: two load processes (the GIL would cap one), each 8 patients and one staff
    member, for `seconds`. Returns requests per second answered and the samples."""
    context = get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        answers = [p["answers"] for p in personas()]
        jobs = [pool.submit(crowd_in_process, base, 8, [staff[n]], seconds, answers, page_of,
                            form_fields, 50 + n)
                for n in range(2)]
        results = [job.result(timeout=seconds + 120) for job in jobs]
    samples = [s for taken, _ in results for s in taken]
    ok = [s for s in samples if s.ok]
    span = (max(s.at for s in ok) - min(s.at for s in ok)) if len(ok) > 1 else seconds
    return len(ok) / max(span, 1e-9), samples


def summarise(samples: list[Sample], start: float, warmup: float) -> dict[str, dict]:
    """Per kind: count, p50, p95, max (ms) after the warm-up; errors over the whole run."""
    table = {}
    for kind in (*PATIENT_KINDS, *STAFF_KINDS):
        mine = [s for s in samples if s.kind == kind]
        timed = sorted(s.ms for s in mine if s.ok and s.at >= start + warmup)
        table[kind] = {"n": len(timed), "p50": statistics.median(timed) if timed else float("nan"),
                       "p95": p95(timed), "max": timed[-1] if timed else float("nan"),
                       "errors": sum(not s.ok for s in mine),
                       "detail": sorted({s.detail for s in mine if not s.ok})[:5]}
    return table


# --- one database ----------------------------------------------------------------------------

def bench_database(kind: str, plan: dict, checks: Checks, out: dict) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    database = sqlite_database(folder) if kind == "SQLite" else postgres_database()
    try:
        _bench_database(kind, database, folder, plan, checks, out)
    finally:
        database.drop()
        shutil.rmtree(folder, ignore_errors=True)


def _bench_database(name: str, database, folder: Path, plan: dict, checks: Checks,
                    out: dict) -> None:
    setup_env = app_environment(database)
    migrate(setup_env)
    started = time.perf_counter()
    flask(setup_env, "demo", "seed", "--count", str(plan["seed"]), "--seed", "18")
    out["seed_seconds"] = time.perf_counter() - started
    say(f"[{name}] {plan['seed']:,} submissions seeded in {out['seed_seconds']:.0f} s")
    seeded = count_rows(database.url)
    accounts = [(f"bench{n}@clinic.example", secrets.token_urlsafe(18)) for n in range(6)]
    for email, password in accounts:
        add_staff_account(database.url, password, email=email)

    redis = _redis_ok()
    env = app_environment(
        database, SCREENER_CONFIG="production", PROXY_HOPS="1",
        RATELIMIT_STORAGE_URI=REDIS if redis else "memory://",
        RATELIMIT_KEY_PREFIX=f"bench-{secrets.token_hex(4)}-",
        SECRET_KEY=secrets.token_urlsafe(48))
    out["rate_limit_storage"] = "Redis" if redis else "memory:// (Redis did not answer)"
    want = plan["only"].__contains__
    mine_owned = give_cases(database.url, accounts[0][0])
    sends = 0
    with gunicorn(env, folder / "logs", workers=None) as server:
        base = server.url
        out["workers"] = len(server.worker_pids())
        staff = staff_client(base, *accounts[0])
        pages: dict = {}
        if want("queue"):
            say(f"[{name}] finding queue page {plan['deep_page']:,} (Next page, again)")
            deep_path = deep_queue_path(staff, plan["deep_page"])
            pages |= {"queue": "/staff/", "queue_deep": deep_path}
        if want("mine"):
            mine_next = re.search(r'rel="next" href="([^"]+)"',
                                  staff.request("/staff/?view=mine").body)
            mine_next = mine_next.group(1).replace("&amp;", "&") if mine_next else None
            pages |= {"mine": "/staff/?view=mine"}
        if want("search"):
            pages |= {"search": ("/staff/", {"q": "Rivera"})}
        if want("queue") or want("search"):
            row = re.search(r'href="(/staff/submissions/[A-Z0-9]+)"',
                            staff.request("/staff/").body).group(1)
            pages |= {"submission": row}
        counts = statement_counts(database.url, *accounts[0], pages) if pages else {}
        out["statements"] = counts
        if want("queue"):
            checks.check(name, "SQL statements, queue page 1", str(counts["queue"]), "<= 3",
                         counts["queue"] <= 3)
            checks.check(name, f"SQL statements, queue page {plan['deep_page']:,}",
                         str(counts["queue_deep"]), "<= 3", counts["queue_deep"] <= 3)
            first, deep = queue_times(staff, deep_path, plan["queue_rounds"])
            out["queue_ms"] = (first, deep)
            checks.check(name, f"queue page {plan['deep_page']:,} vs page 1 (median, one at a "
                         "time)", f"{deep:.1f} / {first:.1f} ms = {deep / first:.0%}",
                         "<= 120 %", deep <= 1.2 * first)
        if want("mine"):
            checks.check(name, "SQL statements, Mine page 1", str(counts["mine"]), "<= 3",
                         counts["mine"] <= 3)
            paths = [("/staff/?view=mine", None)] + ([(mine_next, None)] if mine_next else [])
            high, middle = one_at_a_time_p95(staff, paths, plan["queue_rounds"])
            out["mine_ms"] = (high, middle)
            checks.check(name, f"Mine ({mine_owned:,} open cases owned), pages 1 and 2, p95 "
                         "one at a time", f"{high:.1f} ms (median {middle:.1f})",
                         f"<= {STAFF_P95_MS} ms", mine_owned > 0 and high <= STAFF_P95_MS)
        if want("search"):
            checks.check(name, "SQL statements, search POST", str(counts["search"]), "<= 3",
                         counts["search"] <= 3)
            # What a coordinator types: a last name, a whole name, a reference read out over
            # the phone, a phone number three ways (the seed's are +1 555 01x xxxx), part of an
            # email.
            reference = re.search(r'href="/staff/submissions/([A-Z0-9]+)"',
                                  staff.request("/staff/?view=all").body).group(1).lower()
            terms = [*LAST_NAMES, "Maria Garcia", f"{reference[:4]}-{reference[4:]}",
                     "(555) 013-4821", "5550134821", "+1 555 013 4821", "garcia."]
            high, middle = one_at_a_time_p95(
                staff, [("/staff/", [("q", term)]) for term in terms],
                max(plan["queue_rounds"] // len(terms), 5))
            out["search_ms"] = (high, middle)
            checks.check(name, f"search POST ({len(terms)} terms), p95 one at a time",
                         f"{high:.1f} ms (median {middle:.1f})", f"<= {STAFF_P95_MS} ms",
                         high <= STAFF_P95_MS)
            # A term in nearly every row (every seeded email ends in @example.org): for the
            # record, not judged.
            high, middle = one_at_a_time_p95(staff, [("/staff/", [("q", "@example")])], 5)
            checks.info(name, "search POST for a term in every submission ('@example'), one "
                        "at a time", f"p95 {high:.1f} ms (median {middle:.1f})")
        if want("queue") or want("search"):
            checks.info(name, "SQL statements, submission page", str(counts["submission"]))
        if want("dashboard"):
            dashboard = dashboard_p95(staff, plan["queue_rounds"] // 4, out["workers"] or 1)
            out["dashboard_ms"] = dashboard
            drafts = count_rows(database.url, "draft")
            checks.check(name, f"dashboard, last 90 days ({drafts:,} drafts), p95 one at a "
                         "time", f"{dashboard:.1f} ms", "<= 300 ms", dashboard <= 300)

        if want("weight"):
            weight = browser.page_weight(base)
            out["weight"] = weight
            checks.check(name, "patient page with all its assets",
                         f"{weight['bytes'] / 1024:.1f} KB, {weight['requests']} requests, "
                         f"{len(weight['foreign'])} to other hosts "
                         f"({', '.join(weight['urls'])})",
                         "<= 30 KB, <= 4, 0", weight["bytes"] <= 30 * 1024
                         and weight["requests"] <= 4 and not weight["foreign"])
        if want("walks"):
            other = OtherLoad(database.name)
            walks = browser.walk(base, personas()[0]["answers"], page_of, form_fields,
                                 plan["walks"])
            out["walks_other_cores"] = other.cores
            say(f"[{name}] other processes used {out['walks_other_cores']:.1f} cores meanwhile")
            sends += walks.sent
            out["walks"] = {"first": walks.first_page_ms, "steps": walks.steps_ms,
                            "wall": walks.steps_wall_ms, "foreign": walks.foreign}
            first_page = statistics.median(walks.first_page_ms)
            step = statistics.median(walks.steps_ms)
            checks.check(name, "slow phone: first page (median of walks)",
                         f"{first_page:.0f} ms (each: "
                         + ", ".join(f"{t:.0f}" for t in walks.first_page_ms) + ")",
                         "<= 1000 ms", first_page <= 1000)
            checks.check(name, "slow phone: Continue to next page loaded, median",
                         f"{step:.0f} ms "
                         f"(p90 {statistics.quantiles(walks.steps_ms, n=10)[8]:.0f}, "
                         f"{len(walks.steps_ms)} steps; wall clock around Playwright's click "
                         f"{statistics.median(walks.steps_wall_ms):.0f})", "<= 800 ms",
                         step <= 800)
            checks.check(name, "browser requests to other hosts", str(len(walks.foreign)), "0",
                         not walks.foreign)

        if want("crowd"):
            answers = [p["answers"] for p in personas()]
            for patients, seconds, judged in ((20, plan["crowd"], True),
                                              (50, plan["crowd50"], False)):
                load_before = load_average()
                say(f"[{name}] crowd: {patients} patients + 3 staff for {seconds} s "
                    f"(load average {load_before})")
                start, other = time.monotonic(), OtherLoad(database.name)
                record = run_crowd(base, patients, accounts[1:4], seconds, 1.0, answers,
                                   page_of, form_fields, seed=patients)
                sends += record.sends
                table = summarise(record.samples, start, plan["warmup"])
                out[f"crowd{patients}"] = {"table": table, "sends": record.sends,
                                           "requests": len(record.samples), "seconds": seconds,
                                           "load": (load_before, load_average()),
                                           "other_cores": other.cores}
                say(f"[{name}] other processes used "
                    f"{out[f'crowd{patients}']['other_cores']:.1f} cores meanwhile")
                for kind, row in table.items():
                    budget = PATIENT_P95_MS if kind in PATIENT_KINDS else STAFF_P95_MS
                    figure = (f"p95 {row['p95']:.1f} ms (p50 {row['p50']:.1f}, max "
                              f"{row['max']:.0f}, n {row['n']})")
                    if judged:
                        checks.check(name, f"crowd {patients}: {kind}", figure,
                                     f"<= {budget} ms", row["n"] > 0 and row["p95"] <= budget)
                    else:
                        checks.info(name, f"crowd {patients}: {kind}", figure)
                errors = sum(row["errors"] for row in table.values())
                details = sorted({d for row in table.values() for d in row["detail"]})[:5]
                if judged:
                    checks.check(name, f"crowd {patients}: errors",
                                 f"{errors} {details or ''}", "0", errors == 0)
                else:
                    checks.info(name, f"crowd {patients}: errors", f"{errors} {details or ''}")
        if want("saturation"):
            say(f"[{name}] saturation: 2 x (8 patients + 1 staff), no pauses, "
                f"{plan['saturation']} s (load average {load_average()})")
            other = OtherLoad(database.name)
            throughput, samples = saturation(base, accounts[4:6], plan["saturation"])
            other_cores = other.cores
            sends += sum(s.kind == "send" and s.ok for s in samples)
            ok = [s.ms for s in samples if s.ok]
            out["saturation"] = {"rps": throughput, "p95": p95(ok),
                                 "errors": sum(not s.ok for s in samples),
                                 "other_cores": other_cores}
            checks.info(name, "saturation throughput",
                        f"{throughput:.0f} requests/s (p95 {p95(ok):.0f} ms, "
                        f"{out['saturation']['errors']} errors; other processes used "
                        f"{other_cores:.1f} cores meanwhile)")
        locked = server.error_log.read_text().count("database is locked")
        out["locked"] = locked

    if {"walks", "crowd", "saturation"} & plan["only"]:
        stored = count_rows(database.url) - seeded
        checks.check(name, "every accepted send stored", f"{sends} accepted, {stored} stored",
                     "equal", stored == sends)
    if locked:
        checks.info(name, "'database is locked' in the error log", str(locked))

    if want("memory"):
        say(f"[{name}] memory: one worker, {plan['memory']:,} requests")
        mem = memory(env, folder / "logs-memory", accounts[0], plan["memory"])
        out["memory"] = mem
        checks.check(name, f"worker RSS after {plan['memory'] // 10:,} / {plan['memory']:,} "
                     "requests", f"{mem['warm_kb'] / 1024:.1f} / {mem['end_kb'] / 1024:.1f} MB, "
                     f"{mem['errors']} errors", "growth <= 10 %, 0 errors",
                     mem["end_kb"] <= 1.1 * mem["warm_kb"] and not mem["errors"]
                     and mem["same_worker"])


def _redis_ok() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_timeout=2).ping())
    except Exception:  # any failure: fall back, and say so
        return False


# --- the report ------------------------------------------------------------------------------

def report(plan: dict, quick: bool, checks: Checks, results: dict, evaluate_ms: float,
           minutes: float) -> str:
    from importlib.metadata import version

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    only = "" if plan["only"] == set(CHECKS) else f" (only {', '.join(sorted(plan['only']))})"
    lines = [
        "## Latest run", "",
        f"Run of {stamp}{' (quick mode)' if quick else ''}"
        f"{only}, {minutes:.0f} min: "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Flask {version('flask')}, gunicorn {version('gunicorn')}, "
        f"SQLAlchemy {version('sqlalchemy')}, commit {_commit()}.",
        "",
        f"**{'Every budget met.' if not checks.failed else f'{len(checks.failed)} FAILED.'}**",
        "",
        "| database | check | figure | budget | |", "|---|---|---|---|---|",
    ]
    lines += [f"| {d} | {c} | {f} | {b} | {v} |" for d, c, f, b, v in checks.rows]
    for name, out in results.items():
        if "crowd20" not in out:
            continue
        lines += ["", f"### {name} in detail", "",
                  f"{plan['seed']:,} submissions seeded in {out['seed_seconds']:.0f} s; "
                  f"{out['workers']} gunicorn workers; rate limits in {out['rate_limit_storage']}."]
        for patients in (20, 50):
            crowd = out[f"crowd{patients}"]
            lines += ["", f"{patients} patients + 3 staff, {crowd['seconds']} s "
                      f"({crowd['requests']} requests, {crowd['sends']} questionnaires sent; "
                      f"load average {crowd['load'][0]} before, {crowd['load'][1]} after; "
                      f"other processes used {crowd['other_cores']:.1f} of the "
                      f"{os.cpu_count()} cores meanwhile; the first {plan['warmup']} s not "
                      "timed):", "",
                      "| request | n | p50 ms | p95 ms | max ms | errors |",
                      "|---|---|---|---|---|---|"]
            lines += [f"| {kind} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.0f} "
                      f"| {r['errors']} |" for kind, r in crowd["table"].items()]
        walks = out["walks"]
        lines += ["", f"Slow phone (other processes used {out['walks_other_cores']:.1f} cores "
                  "meanwhile), each step in ms, browser figure (wall clock): "
                  + ", ".join(f"{t:.0f} ({w:.0f})" for t, w in zip(walks["steps"],
                                                                   walks["wall"], strict=True))
                  + "."]
    if evaluate_ms == evaluate_ms:  # not NaN: measured
        lines += ["", f"`evaluate()` median: {evaluate_ms:.3f} ms."]
    return "\n".join(lines) + "\n"


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=False,
                          capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def write_report(path: Path, text: str) -> None:
    block = f"{BEGIN}\n{text}{END}\n"
    old = path.read_text() if path.exists() else "# Performance\n\n"
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END) + 1:]
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new)


# --- main ------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, shorter crowds")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default both)")
    parser.add_argument("--report", type=Path, default=None,
                        help="where to write the results (default: docs/performance.md after "
                             "a full run; nowhere after --quick)")
    parser.add_argument("--no-report", action="store_true")
    parser.add_argument("--only", default="",
                        help="comma-separated checks to run (default all): "
                             + ", ".join(CHECKS) + "; writes no report unless --report")
    parser.add_argument("--submissions", type=int, default=None,
                        help="how many submissions to seed (default 100,000; 30,000 with "
                             "--quick; also BENCH_SUBMISSIONS)")
    args = parser.parse_args(argv)
    only = {c.strip().lower() for c in args.only.split(",") if c.strip()} or set(CHECKS)
    if unknown := only - set(CHECKS):
        parser.error(f"unknown check(s) {', '.join(sorted(unknown))}; choose from "
                     + ", ".join(CHECKS))
    plan = dict(QUICK if args.quick else FULL)
    plan["only"] = only
    plan["seed"] = args.submissions or int(os.environ.get("BENCH_SUBMISSIONS", plan["seed"]))
    plan["deep_page"] = max(2, min(plan["deep_page"], plan["seed"] // 25 - 1))
    if {"weight", "walks"} & only and not browser.CHROMIUM.exists():
        say(f"{browser.CHROMIUM} is missing: `make chromium` installs Debian's Chromium.")
        return 2
    began = time.perf_counter()
    checks = Checks()

    def overtime(*_):
        raise TimeoutError(f"the run took more than {plan['limit']} s")

    signal.signal(signal.SIGALRM, overtime)
    signal.alarm(plan["limit"])
    say(f"load average at the start: {load_average()}")
    evaluate_ms = float("nan")
    if "evaluate" in only:
        evaluate_ms = evaluate_median_ms(batches=5 if args.quick else 15)
        checks.check("-", "evaluate() median", f"{evaluate_ms:.3f} ms", "<= 0.2 ms",
                     evaluate_ms <= 0.2)
    results: dict[str, dict] = {}
    databases = [d.strip().lower() for d in args.databases.split(",") if d.strip()]
    if only == {"evaluate"}:
        databases = []
    for key in databases:
        name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[key]
        results[name] = {}
        try:
            bench_database(name, plan, checks, results[name])
        except Exception as error:  # reported, and counted as a failure
            checks.check(name, "the run", f"stopped: {type(error).__name__}: {error}"[:300],
                         "completes", False)
            if isinstance(error, TimeoutError):
                break
    signal.alarm(0)
    minutes = (time.perf_counter() - began) / 60
    text = report(plan, args.quick, checks, results, evaluate_ms, minutes)
    partial = args.quick or only != set(CHECKS)
    target = args.report or (None if partial else REPORT)
    if target and not args.no_report:
        write_report(target, text)
        say(f"results written to {target}")
    say(f"{len(checks.failed)} of {sum(v != 'INFO' for *_, v in checks.rows)} checks failed; "
        f"{minutes:.1f} min")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
