"""The crowd: simulated patients filling in whole questionnaires and staff working the queue,
each in a thread of their own, each pausing between requests (1 s in the budget), for a fixed
time. Every request is timed and kept as a Sample; anything but the expected answer is an error.

A patient: the start page, consent, then every question page (GET it, pause, POST it; about one
page in six is first sent empty, as a person who misses a question would, and comes back with
its errors), the check page, send, the confirmation page; then a new visit from a new address.
The GET after a 303 is sent at once (a browser follows the redirect itself); the pause falls
between one page's answer and the next action. A person with a crisis page in their way goes on
the way the page offers (/continue).

A staff member: the queue's first page, its next page, a search (POST: a last name or a
reference), and a submission page, round and round."""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .client import Client, Response, staff_log_in

# The bench's staff accounts' second factor (tests/server_harness.py add_staff_account).
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (a bench account)

PATIENT_KINDS = ("patient GET", "patient POST valid", "patient POST invalid", "send")
STAFF_KINDS = ("queue", "search", "submission")
LAST_NAMES = ("Rivera", "Nguyen", "Smith", "Garcia", "Patel", "Okafor", "Tanaka", "Dubois")
MAX_PAGES = 80  # a questionnaire is about 30 pages; more means the walk is lost


@dataclass(frozen=True, slots=True)
class Sample:
    kind: str
    at: float  # time.monotonic() when the request was sent
    ms: float
    ok: bool
    detail: str = ""  # what went wrong, for the report


class Recorder:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.sends = 0  # submissions accepted (303 to the confirmation page)
        self._lock = threading.Lock()

    def add(self, kind: str, response: Response, ok: bool, path: str = "") -> None:
        detail = "" if ok else f"{response.status} {path}"
        sample = Sample(kind, time.monotonic() - response.ms / 1000, response.ms, ok, detail)
        with self._lock:
            self.samples.append(sample)

    def failed(self, kind: str, error: BaseException, path: str) -> None:
        with self._lock:
            self.samples.append(Sample(kind, time.monotonic(), 0.0, False,
                                       f"{type(error).__name__} {path}"))


class Lost(Exception):
    """The walk met an answer it cannot go on from; the visit starts again."""


class Person:
    def __init__(self, base: str, record: Recorder, deadline: float, pause: float,
                 rng: random.Random) -> None:
        self.base, self.record, self.deadline, self.pause = base, record, deadline, pause
        self.rng = rng

    def wait(self) -> None:
        if time.monotonic() + self.pause >= self.deadline:
            raise TimeoutError  # the run is over
        time.sleep(self.pause)

    def send(self, client: Client, kind: str, path: str, data=None,
             expect: tuple[int, ...] = (200,)) -> Response:
        try:
            response = client.request(path, data)
        except OSError as error:
            self.record.failed(kind, error, path)
            raise Lost from error
        ok = response.status in expect
        self.record.add(kind, response, ok, path)
        if not ok:
            raise Lost
        return response

    def run(self) -> None:
        time.sleep(self.rng.random() * max(self.pause, 0.05))  # not all in step
        while time.monotonic() < self.deadline:
            try:
                self.visit()
            except TimeoutError:
                return
            except Lost:
                if self.pause == 0:
                    time.sleep(0.05)  # no tight loop when the server refuses

    def visit(self) -> None:
        raise NotImplementedError


class Patient(Person):
    def __init__(self, *args, answers: list[dict], page_of: Callable, form_fields: Callable,
                 invalid_share: float = 1 / 6) -> None:
        super().__init__(*args)
        self.all_answers, self.page_of, self.form_fields = answers, page_of, form_fields
        self.invalid_share = invalid_share

    def get(self, client: Client, path: str) -> Response:
        return self.send(client, "patient GET", path)

    def visit(self) -> None:
        answers = self.rng.choice(self.all_answers)
        client = Client(self.base)
        page = self.get(client, "/")
        self.wait()
        done = self.send(client, "patient POST valid", "/",
                         [("csrf_token", page.token()), ("consent_store", "yes")], (303,))
        url = done.location
        page = self.get(client, url)
        for _ in range(MAX_PAGES):
            if url.endswith("/help"):  # a crisis page: go on the way it offers
                self.wait()
                url = self.send(client, "patient GET", "/continue", expect=(302, 303)).location
                page = self.get(client, url)
                continue
            if url.endswith("/check"):
                self.wait()
                sent = self.send(client, "send", "/submit", [("csrf_token", page.token())],
                                 (303,))
                self.get(client, sent.location)
                with self.record._lock:
                    self.record.sends += 1
                self.wait()
                return
            ref = self.page_of(url)
            if ref is None:
                raise Lost
            token = page.token()
            self.wait()
            if self.rng.random() < self.invalid_share:
                empty = self.send(client, "patient POST invalid", url,
                                  [("csrf_token", token), ("action", "continue")], (200, 303))
                if empty.status == 200:  # the page again, with its errors
                    token = empty.token()
                    self.wait()
                else:  # nothing was required on this page: it went through
                    url = empty.location
                    page = self.get(client, url)
                    continue
            saved = self.send(client, "patient POST valid", url,
                              [("csrf_token", token), ("action", "continue"),
                               *self.form_fields(ref, answers)], (303,))
            url = saved.location
            page = self.get(client, url)
        raise Lost


NEXT_PAGE = re.compile(r'rel="next" href="([^"]+)"')
ROW = re.compile(r'href="(/staff/submissions/[A-Z0-9]+)"')


class Staff(Person):
    def __init__(self, *args, email: str, password: str) -> None:
        super().__init__(*args)
        self.email, self.password = email, password
        self.client: Client | None = None

    def log_in(self) -> Client:
        client = Client(self.base)
        staff_log_in(client, self.email, self.password, STAFF_TOTP_SECRET)
        return client

    def visit(self) -> None:
        if self.client is None:
            self.client = self.log_in()
        client = self.client
        queue = self.send(client, "queue", "/staff/")
        self.wait()
        if match := NEXT_PAGE.search(queue.body):
            queue = self.send(client, "queue", match.group(1).replace("&amp;", "&"))
            self.wait()
        rows = ROW.findall(queue.body)
        term = (self.rng.choice(LAST_NAMES) if self.rng.random() < 0.5 or not rows
                else rows[self.rng.randrange(len(rows))].rsplit("/", 1)[1])
        found = self.send(client, "search", "/staff/",
                          [("csrf_token", queue.token()), ("q", term)])
        self.wait()
        rows = ROW.findall(found.body) or rows
        if rows:
            self.send(client, "submission", self.rng.choice(rows))
            self.wait()


def run_crowd(base: str, patients: int, staff: list[tuple[str, str]], seconds: float,
              pause: float, answers: list[dict], page_of: Callable, form_fields: Callable,
              seed: int = 1) -> Recorder:
    """`patients` patients and one staff member per (email, password) for `seconds` seconds.
    Every thread stops at the deadline (a request in flight ends within the client's timeout)."""
    record = Recorder()
    deadline = time.monotonic() + seconds
    people: list[Person] = [
        Patient(base, record, deadline, pause, random.Random(seed * 1000 + n),  # noqa: S311
                answers=answers, page_of=page_of, form_fields=form_fields)
        for n in range(patients)]
    people += [Staff(base, record, deadline, pause, random.Random(seed * 1000 + 900 + n),  # noqa: S311
                     email=email, password=password)
               for n, (email, password) in enumerate(staff)]
    threads = [threading.Thread(target=person.run, daemon=True) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return record


def crowd_in_process(base: str, patients: int, staff: list[tuple[str, str]], seconds: float,
                     answers: list[dict], page_of: Callable, form_fields: Callable,
                     seed: int) -> tuple[list[Sample], int]:
    """run_crowd without pauses, in a process of its own (what a process pool can call)."""
    record = run_crowd(base, patients, staff, seconds, 0.0, answers, page_of, form_fields, seed)
    return record.samples, record.sends
