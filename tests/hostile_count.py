"""How many generated hostile requests a run sent, per kind (the hypothesis tests of
tests/test_patient_hostile_input.py and tests/test_staff_hostile_input.py add to SENT).

`make test` runs the suite on two processes (pytest-xdist), so no single test sees the whole
count: each worker hands its counts to the controller when it finishes (conftest.py), and the
controller fails the run when a whole run sent fewer than REQUIRED_TOTAL."""

from __future__ import annotations

import os
from collections import Counter

SENT: Counter[str] = Counter()
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "2500"))
REQUIRED_TOTAL = 10_000 if EXAMPLES >= 2500 else 4 * EXAMPLES
# Counted only when both modules ran (a run of a few chosen tests sends fewer, rightly).
BOTH_MODULES = ("questionnaire pages", "staff and other forms, sqlite")


def shortfall(sent: Counter[str], chosen: bool) -> str | None:
    """Why the run's count fails, or None (also None when the count does not apply)."""
    if chosen or not all(sent[kind] for kind in BOTH_MODULES):
        return None
    total = sum(sent.values())
    if total >= REQUIRED_TOTAL:
        return None
    return f"only {total:,} hostile requests were sent, fewer than {REQUIRED_TOTAL:,}: {dict(sent)}"
