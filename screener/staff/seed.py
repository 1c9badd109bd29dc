"""Fake but realistic submissions for demos and load tests (`flask demo seed --count N`).

Each fake person is a persona (how depressed, anxious, traumatised, at risk; heart, substances,
medicines), answered question by question through the questionnaire's own skip logic, scored
by the real rulebook (`screener.rules.evaluate`) and stored through the patient side's own
`build_submission`, so the queue sees exactly what real submissions look like.

For speed, at most POOL_SIZE clinical profiles are generated and scored; every row then gets its
own name, contact details, date, status and reference, with a birth date that keeps the profile's
age on the day of submission (so the stored scores and flags stay true to the answers). Rows go
in with bulk INSERTs: 100,000 take well under a minute.

The intake team's work is seeded too (issue 21): a few people came back for a second pre-screen
(same name, birth date, email and phone), three (disabled) demo colleagues own some open cases,
and cases in contact have contact attempts and follow-up dates.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from ..extensions import db
from ..models import OPEN_STATUSES, ContactAttempt, Submission, User, utcnow
from ..questionnaire import QUESTIONNAIRE, QUESTIONS
from ..questionnaire.model import Question
from ..rules import Settings, evaluate
from ..submissions import CODE_ALPHABET, REFERENCE_LENGTH, build_submission, search_copies
from .accounts import hash_password

FIRST_NAMES = (
    "Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn",
    "Maria", "José", "Wei", "Aisha", "Fatima", "Olu", "Priya", "Arjun", "Chloé", "Zoë",
    "Mateo", "Sofia", "Liam", "Emma", "Noah", "Olivia", "Ethan", "Ava", "Lucas", "Mia",
    "Grace", "Henry", "Nora", "Owen", "Ruth", "Samuel", "Tara", "Victor", "Wendy", "Yusuf",
    "Kenji", "Hana", "Dmitri", "Anya", "Siobhán", "Seán", "Bao", "Linh", "Kwame", "Ama",
)
LAST_NAMES = (
    "Rivera", "Nguyen", "Smith", "Johnson", "Williams", "Brown", "Garcia", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Moore", "Jackson",
    "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker",
    "Young", "Allen", "King", "Wright", "Scott", "Patel", "Khan", "Chen", "Kim", "O'Brien",
    "Müller", "Novak", "Kowalski", "Okafor", "Mensah", "Haddad", "Cohen", "Silva", "Santos",
    "Tanaka", "Sato", "Ivanova", "Dubois", "Rossi", "Bianchi",
)
REASON_ODDS = {
    "depression": 0.82, "anxiety": 0.45, "ptsd": 0.2, "suicidal_thoughts": 0.1,
    "bipolar_depression": 0.07, "ocd": 0.06, "chronic_pain": 0.09, "substance_use": 0.05,
    "other": 0.05,
}
NO_VALUES = ("no", "none", "never", "not_difficult")
# Questions where most people answer "yes" (practical matters, care so far).
USUALLY_YES = frozenset({
    "ride_home", "no_driving_until_next_day", "can_stay_3_hours", "twice_weekly_possible",
    "self_pay_ok", "has_clinician_diagnosis", "has_referral", "psychotherapy_ever",
})
DEFAULT_SEED_DAYS = 365
POOL_SIZE = 5_000
REPEAT_ODDS = 0.02  # a person who comes back for another pre-screen
COLLEAGUES = ("sam.ortiz@demo.invalid", "priya.shah@demo.invalid", "kwame.mensah@demo.invalid")
MAX_CASES_WORKED = 5_000  # owners and contact logs for this many open cases at most
VALUES = {qid: q.values for qid, q in QUESTIONS.items()}


@dataclass(frozen=True, slots=True)
class Persona:
    depression: float  # 0 (none) to 3 (severe): the mean of PHQ-9 items
    anxiety: float
    trauma: float
    risk: float  # 0..1, how likely the suicide-risk answers are "yes"
    health: float  # 0..1, how likely a physical-health answer is not "none"
    substances: float  # 0..1


def _persona(rng: random.Random) -> Persona:
    depression = rng.choices((0.4, 1.2, 1.9, 2.6), weights=(10, 25, 35, 30))[0]
    return Persona(
        depression=depression,
        anxiety=rng.choice((0.3, 1.0, 1.8, 2.5)),
        trauma=rng.choice((0.5, 1.5, 2.5, 3.2)),
        risk=rng.choices((0.01, 0.1, 0.3), weights=(80, 15, 5))[0] * (0.5 + depression / 3),
        health=rng.choices((0.01, 0.05, 0.15), weights=(70, 22, 8))[0],
        substances=rng.choices((0.005, 0.05, 0.25), weights=(80, 15, 5))[0],
    )


def _item(rng: random.Random, mean: float, top: int) -> int:
    return max(0, min(top, round(rng.gauss(mean, 0.8))))


def _choice(question: Question, rng: random.Random, odds_not_no: float) -> str:
    values = VALUES[question.id]
    usual = ("yes",) if question.id in USUALLY_YES else NO_VALUES
    no = [v for v in values if v in usual]
    if no and rng.random() >= odds_not_no:
        return no[0]
    others = [v for v in values if v not in no] or list(values)
    return rng.choice(others)


def _multi(question: Question, rng: random.Random, odds: float) -> list[str]:
    exclusive = question.exclusive
    if exclusive and rng.random() >= odds:
        return [exclusive]
    values = VALUES[question.id]
    pool = [v for v in values if v not in (exclusive, "not_sure")]
    return sorted(rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 1, 2)))),
                  key=values.index)


def _trials(rng: random.Random, persona: Persona) -> list[dict[str, str]]:
    fields = {f.key: f.values for f in QUESTIONNAIRE.trial_fields}
    count = rng.choices((0, 1, 2, 3, 4), weights=(15, 25, 30, 20, 10))[0]
    rows = []
    for _ in range(count):
        row = {key: rng.choice(values) for key, values in fields.items() if values}
        if row["drug"] == "other":
            row["drug_other"] = rng.choice(("Agomelatine", "Vortioxetine", "Trazodone"))
        rows.append(row)
    return rows


def contact_details(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    tag = rng.randrange(10**6)
    return {
        "first_name": first,
        "last_name": last,
        "email": f"{first}.{last}.{tag}@example.org".lower().replace("'", ""),
        "phone": f"+1 555 01{rng.randrange(10)} {rng.randrange(10000):04d}",
    }


def birth_date_for_age(rng: random.Random, age: int, on: date) -> str:
    """A birth date that makes the person exactly `age` on the given day."""
    try:
        birthday = on.replace(year=on.year - age)
    except ValueError:  # 29 February
        birthday = on.replace(year=on.year - age, day=28)
    return (birthday - timedelta(days=rng.randrange(0, 360))).isoformat()


def random_answers(rng: random.Random, as_of: date) -> dict[str, Any]:
    """A complete, plausible set of answers, following the questionnaire's skip logic."""
    persona = _persona(rng)
    age = max(18, min(85, round(rng.gauss(42, 13))))
    height = max(140, min(205, round(rng.gauss(170, 9))))
    special: dict[str, Any] = {
        "consent_store": "yes",
        **contact_details(rng),
        "date_of_birth": birth_date_for_age(rng, age, as_of),
        "sex_at_birth": rng.choices(("female", "male", "intersex", "prefer_not"),
                                    weights=(60, 36, 1, 3))[0],
        "height_cm": height,
        "weight_kg": round(rng.gauss(27, 5) * (height / 100) ** 2) if rng.random() < 0.8
        else None,
        "reasons": [r for r, odds in REASON_ODDS.items() if rng.random() < odds] or
        ["depression"],
        "bp_unknown": rng.random() < 0.2,
        "bp_systolic": rng.choices((rng.randrange(100, 140), rng.randrange(140, 180),
                                    rng.randrange(180, 200)), weights=(80, 18, 2))[0],
        "ad_trials": _trials(rng, persona),
        "auditc_1": rng.choices(range(5), weights=(35, 35, 18, 8, 4))[0],
    }
    answers: dict[str, Any] = {}
    for question in QUESTIONS.values():
        condition = question.asked_when
        if condition is not None and not condition.holds(answers):  # a dict reads like Answers
            continue
        value = _answer(question, persona, rng, answers, special)
        if value is not None:
            answers[question.id] = value
    return answers


def _answer(question: Question, persona: Persona, rng: random.Random,
            answers: dict[str, Any], special: dict[str, Any]) -> Any:
    qid = question.id
    if qid in special:
        return special[qid]
    if qid == "phq9_9":  # thoughts of death or self-harm follow the risk, not the mood
        return rng.choice((1, 1, 2, 3)) if rng.random() < persona.risk * 1.5 else 0
    if qid.startswith("phq9_") and question.kind == "int":
        return _item(rng, persona.depression, 3)
    if qid.startswith("gad7_"):
        return _item(rng, persona.anxiety, 3)
    if qid.startswith("pcl5_"):
        return _item(rng, persona.trauma, 4)
    if qid == "bp_diastolic":
        systolic = answers.get("bp_systolic") or 120
        return max(40, min(systolic - 20, round(systolic * 0.62 + rng.gauss(0, 6))))
    if question.kind == "int" and question.options:  # AUDIT-C 2 and 3
        return _item(rng, 0.6, len(question.options) - 1)
    if question.kind == "int":
        return None if question.optional else question.minimum
    if question.kind in ("text", "longtext", "email", "phone", "date"):
        return _free_text(question, rng)
    if question.kind == "bool":
        return rng.random() < 0.1
    if question.kind == "multi":
        return _multi(question, rng, persona.health)
    if question.kind == "choice":
        return _choice(question, rng, _odds(qid, persona))
    return None


def _odds(question_id: str, persona: Persona) -> float:
    if question_id.startswith(("si_", "suicide_")):
        return persona.risk
    if question_id == "last_use_cannabis":
        return min(1.0, persona.substances * 6)
    if question_id.startswith("last_use_") or question_id == "substance_problem_self":
        return persona.substances
    return persona.health


def _free_text(question: Question, rng: random.Random) -> str | None:
    if question.optional and rng.random() < 0.7:
        return None
    return rng.choice(("Trouble sleeping for years.", "My therapist suggested asking about "
                       "this.", "Please call after 5 pm.", "Migraines now and then.",
                       "Sertraline 100 mg daily.", "Penicillin (rash)."))


def _status(rng: random.Random, age_days: float) -> str:
    if age_days < 2:
        return rng.choices(("new", "in_review"), weights=(80, 20))[0]
    if age_days < 14:
        return rng.choices(("new", "in_review", "contacted", "consult_booked", "not_proceeding"),
                           weights=(30, 25, 30, 10, 5))[0]
    return rng.choices(("new", "contacted", "consult_booked", "not_proceeding", "closed"),
                       weights=(5, 15, 20, 20, 40))[0]


COLUMNS = tuple(c.key for c in Submission.__table__.columns if c.key != "id")


def _profile(rng: random.Random, as_of: date, settings: Settings,
             answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """One scored clinical profile (new answers, or a person's earlier ones scored again on
    the day of their new pre-screen), as the columns of a submission."""
    answers = answers or random_answers(rng, as_of)
    result = evaluate(answers, as_of=as_of, settings=settings)
    draft = SimpleNamespace(id="", answers=answers, language="en")
    row = build_submission(draft, result)
    return {key: getattr(row, key) for key in COLUMNS}


def fake_rows(count: int, rng: random.Random, now: datetime, days: int,
              taken: set[str], settings: Settings) -> Iterator[dict[str, Any]]:
    profiles: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []  # earlier rows' answers, for people who come back
    for n in range(count):
        age_days = rng.random() ** 2 * days  # more recent submissions than old ones
        created = now - timedelta(days=age_days, seconds=rng.randrange(86400))
        if people and rng.random() < REPEAT_ODDS:
            # The same person again (name, birth date, email, phone and answers).
            row = _profile(rng, created.date(), settings, dict(rng.choice(people)))
        elif n < POOL_SIZE:
            profiles.append(_profile(rng, created.date(), settings))
            row = dict(profiles[-1])
        else:
            row = dict(rng.choice(profiles))
            contact = contact_details(rng)
            contact["date_of_birth"] = birth_date_for_age(rng, row["scores"]["age"],
                                                          created.date())
            row["answers"] = {**row["answers"], **contact}
        if len(people) < 1000:
            people.append(row["answers"])
        row.update(reference=_new_reference(rng, taken), status=_status(rng, age_days),
                   draft_id=f"seed-{rng.getrandbits(128):032x}", version=1,
                   created_at=created, updated_at=created)
        row.update(search_copies(row["reference"], row["answers"]))
        yield row


def _new_reference(rng: random.Random, taken: set[str]) -> str:
    while True:
        code = "".join(rng.choices(CODE_ALPHABET, k=REFERENCE_LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def seed(count: int, seed_value: int | None = None, days: int = DEFAULT_SEED_DAYS,
         settings: Settings | None = None, batch: int = 2000) -> float:
    """Insert `count` fake submissions; returns the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(seed_value)  # noqa: S311 (fake data, not secrets)
    taken = set(db.session.scalars(select(Submission.reference)))
    rows = fake_rows(count, rng, utcnow(), days, taken, settings or Settings())
    while True:
        chunk = [row for _, row in zip(range(batch), rows, strict=False)]
        if not chunk:
            break
        db.session.execute(insert(Submission), chunk)
        db.session.commit()
    _intake_work(rng, utcnow())
    _refresh_statistics()
    return time.perf_counter() - started


def _colleagues() -> list[int]:
    """Three demo colleagues who own cases. Their accounts are disabled (nobody can log in as
    them; the password is random and never shown) and not marked as demo accounts, so a
    benchmark may serve seeded data with the production settings."""
    ids = []
    for email in COLLEAGUES:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, role="staff", active=False, session_version=1,
                        password_hash=hash_password(secrets.token_urlsafe(18)))
            db.session.add(user)
            db.session.flush()
        ids.append(user.id)
    db.session.commit()
    return ids


CONTACT_PLANS = {  # what the contact log of a case in this status holds: outcomes, oldest first
    "new": ((), ("no_answer",)),
    "in_review": ((), ("left_message",), ("no_answer", "left_message")),
    "contacted": (("reached",), ("no_answer", "reached"), ("left_message", "reached")),
}


def _intake_work(rng: random.Random, now: datetime) -> None:
    """Owners, contact attempts and follow-up dates on some open cases."""
    colleagues = _colleagues()
    cases = db.session.execute(
        select(Submission.id, Submission.status, Submission.created_at)
        .where(Submission.status.in_(OPEN_STATUSES), Submission.owner_id.is_(None),
               Submission.last_contact_at.is_(None))
        .order_by(Submission.created_at.desc()).limit(MAX_CASES_WORKED)).all()
    attempts, changes = [], []
    for case in cases:
        if rng.random() < 0.35:
            continue  # still unassigned and untouched
        plan = rng.choice(CONTACT_PLANS[case.status])
        owner = rng.choice(colleagues)
        at = case.created_at
        for outcome in plan:
            at = min(now, at + timedelta(hours=rng.uniform(2, 30)))
            attempts.append({"submission_id": case.id, "user_id": owner, "created_at": at,
                             "channel": rng.choice(("phone", "phone", "text", "email")),
                             "outcome": outcome, "note": "", "follow_up_on": None})
        follow_up = (now.date() + timedelta(days=rng.randrange(-2, 6))
                     if (plan and plan[-1] != "reached") or rng.random() < 0.3 else None)
        if attempts and plan:
            attempts[-1]["follow_up_on"] = follow_up
        changes.append({"case_id": case.id, "owner": owner,
                        "contacted": at if plan else None, "follow_up": follow_up})
    if attempts:
        db.session.execute(insert(ContactAttempt), attempts)
    if changes:
        table = Submission.__table__
        db.session.execute(
            update(table).where(table.c.id == bindparam("case_id"))
            .values(owner_id=bindparam("owner"), last_contact_at=bindparam("contacted"),
                    follow_up_on=bindparam("follow_up")), changes)
    db.session.commit()


def _refresh_statistics() -> None:
    """Planner statistics (and PostgreSQL's visibility map, for index-only counts) for the
    new rows, instead of waiting for autovacuum."""
    command = "VACUUM ANALYZE submission" if db.engine.dialect.name == "postgresql" else (
        "ANALYZE submission")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(command)
