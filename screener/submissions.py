"""A submission built from a draft's answers and their rules result: the one mapping from a
result to the columns of `submission` (used by the patient's send, the staff's re-evaluation and
the demo data), and the codes a person reads out (references, resume codes)."""

from __future__ import annotations

import secrets
import unicodedata
from typing import Any

from .models import QUEUE_SCORES, SEVERITY_RANK, Submission, queue_rank
from .questionnaire import Answers
from .rules import Result

# Crockford's base32 without look-alikes: easy to read out and type on a phone.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 8


def random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


# Letters that Unicode does not split into a base letter and an accent.
LATIN_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l",
                               "þ": "th", "ı": "i"})


def plain_text(text: str) -> str:
    """Lower case without accents, spaces collapsed: "María Jensen-Økafor " ->
    "maria jensen-okafor"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(LATIN_LETTERS))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def phone_digits(text: str) -> str:
    """A phone number's digits however it was typed; a North American number without its
    country code, so that "+1 555 201 3344" and "(555) 201-3344" are the same."""
    digits = "".join(c for c in text if c.isdigit())[:20]
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def search_copies(reference: str, answers: dict[str, Any]) -> dict[str, str]:
    """Copies of a few answers for the staff queue's search, filters and the same person's
    other pre-screens."""
    first, last = answers.get("first_name") or "", answers.get("last_name") or ""
    email = (answers.get("email") or "").lower()
    phone = phone_digits(answers.get("phone") or "")
    birth = answers.get("date_of_birth") or ""
    name = plain_text(f"{first} {last}")
    return {
        "first_name": first, "last_name": last, "email": email,
        "conditions": ",".join(answers.get("reasons") or []),
        "search_text": f"{reference.lower()} {name} {plain_text(email)} #{phone}"[:600],
        "phone_digits": phone,
        "person_key": f"{name}|{birth}"[:240] if name and birth else "",
    }


def build_submission(draft: Any, result: Result) -> Submission:
    """A new Submission for `draft` (anything with `id`, `answers` and `language`)."""
    reference = random_code(REFERENCE_LENGTH)
    return Submission(
        reference=reference,
        draft_id=draft.id,
        answers=dict(draft.answers),
        rulebook_version=result.rulebook_version,
        rule_settings=result.settings.as_dict(),
        scores=result.scores,
        flags=[f.as_dict() for f in result.flags],
        missing_safety=list(result.missing_safety),
        highest_severity=result.highest_severity,
        severity_rank=SEVERITY_RANK[result.highest_severity],
        queue_rank=queue_rank(SEVERITY_RANK[result.highest_severity], result.urgent),
        urgent=result.urgent,
        crisis=result.crisis,
        flag_count=len(result.flags),
        first_rule_id=result.flags[0].rule_id if result.flags else None,
        **{key: result.scores[key] for key in QUEUE_SCORES},
        language=draft.language,
        **search_copies(reference, Answers(draft.answers)),
    )
