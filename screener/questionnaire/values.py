"""Reading stored answers: one cleaned value per question id, or None when unanswered.

A value of the wrong type or out of range counts as unanswered; whole numbers may come as
int, as a float without fraction, or as a numeric string ("  2 "); bool is never a number.
Pure Python: the rules module and the web layer read answers through the same reader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from .definitions import QUESTIONNAIRE, QUESTIONS
from .model import Question

_INT_TEXT = re.compile(r"\s*[+-]?\d{1,9}\s*")
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def whole_number(value: Any) -> int | None:
    """An int from an int, a float without fraction or a numeric string; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _INT_TEXT.fullmatch(value):
        return int(value)
    return None


def _bounds(question: Question) -> tuple[int, int]:
    low = question.minimum if question.minimum is not None else -(10**9)
    high = question.maximum if question.maximum is not None else 10**9
    return low, high


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


_TRIAL_ALLOWED = {f.key: frozenset(f.values) for f in QUESTIONNAIRE.trial_fields}
_TRIAL_TEXT_LIMIT = {f.key: f.maximum or 10**6 for f in QUESTIONNAIRE.trial_fields}


def _trial_row(row: Any) -> dict[str, str | None]:
    if not isinstance(row, Mapping):
        return dict.fromkeys(_TRIAL_ALLOWED)
    cleaned: dict[str, str | None] = {}
    for key, allowed in _TRIAL_ALLOWED.items():
        value = row.get(key)
        if not isinstance(value, str):
            cleaned[key] = None
        elif allowed:
            cleaned[key] = value if value in allowed else None
        else:
            text = value.strip()
            cleaned[key] = text if 0 < len(text) <= _TRIAL_TEXT_LIMIT[key] else None
    return cleaned


def clean(question: Question, value: Any) -> Any:
    """The stored value as the rules read it, or None when it does not count as an answer."""
    if value is None:
        return None
    kind = question.kind
    if kind == "choice":
        return value if isinstance(value, str) and value in question.values else None
    if kind == "multi":
        if not isinstance(value, list | tuple):
            return None
        chosen = [v for v in question.values if v in value]  # definition order, no duplicates
        return chosen or None
    if kind == "int":
        low, high = _bounds(question)
        number = whole_number(value)
        return number if number is not None and low <= number <= high else None
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if kind in ("text", "longtext", "email", "phone"):
        if not isinstance(value, str):
            return None
        text = value.strip()
        return text if (question.minimum or 1) <= len(text) <= (question.maximum or 10**6) else None
    if kind == "date":
        parsed = parse_date(value)
        return parsed if parsed is not None and parsed >= EARLIEST_BIRTH_DATE else None
    if kind == "trials":
        if not isinstance(value, list | tuple) or len(value) > QUESTIONNAIRE.max_trials:
            return None
        return [_trial_row(row) for row in value]
    raise ValueError(f"unknown question kind {kind}")


class Answers:
    """Cleaned read access to a mapping of stored answers keyed by question id.

    Every known question is cleaned once, up front; `values` holds only the answered ones.
    Anything else in the mapping (unknown ids, keys that are not strings) is ignored."""

    def __init__(self, raw: Any) -> None:
        self.values: dict[str, Any] = {}
        if isinstance(raw, Answers):  # already cleaned
            self.values.update(raw.values)
            return
        if not isinstance(raw, Mapping):
            return
        for question_id, given in raw.items():
            # A key may be anything, even unhashable: only strings are looked up.
            question = QUESTIONS.get(question_id) if isinstance(question_id, str) else None
            value = None if question is None else clean(question, given)
            if value is not None:
                self.values[question_id] = value

    def get(self, question_id: str) -> Any:
        """The cleaned answer, or None when unanswered."""
        return self.values.get(question_id)

    def answered(self, question_id: str) -> bool:
        return question_id in self.values
