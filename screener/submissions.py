"""A submission built from a draft's answers and their rules result: the one mapping from a
result to the columns of `submission` (used by the patient's send, the staff's re-evaluation and
the demo data), and the codes a person reads out (references, resume codes)."""

from __future__ import annotations

import secrets
from typing import Any

from .models import QUEUE_SCORES, SEVERITY_RANK, Submission
from .questionnaire import Answers
from .rules import Result

# Crockford's base32 without look-alikes: easy to read out and type on a phone.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 8


def random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _search_copies(answers: Answers) -> dict[str, str]:
    """Copies of a few answers for the staff queue's search and filters."""
    return {
        "first_name": answers.get("first_name") or "",
        "last_name": answers.get("last_name") or "",
        "email": (answers.get("email") or "").lower(),
        "conditions": ",".join(answers.get("reasons") or []),
    }


def build_submission(draft: Any, result: Result) -> Submission:
    """A new Submission for `draft` (anything with `id`, `answers` and `language`)."""
    return Submission(
        reference=random_code(REFERENCE_LENGTH),
        draft_id=draft.id,
        answers=dict(draft.answers),
        rulebook_version=result.rulebook_version,
        rule_settings=result.settings.as_dict(),
        scores=result.scores,
        flags=[f.as_dict() for f in result.flags],
        missing_safety=list(result.missing_safety),
        highest_severity=result.highest_severity,
        severity_rank=SEVERITY_RANK[result.highest_severity],
        urgent=result.urgent,
        crisis=result.crisis,
        flag_count=len(result.flags),
        first_rule_id=result.flags[0].rule_id if result.flags else None,
        **{key: result.scores[key] for key in QUEUE_SCORES},
        language=draft.language,
        **_search_copies(Answers(draft.answers)),
    )
