"""Reading stored answers: one cleaned value per question id, or None when unanswered.

A value of the wrong type or out of range counts as unanswered; whole numbers may come as
int, as a float without fraction, or as a numeric string ("  2 "); bool is never a number.
Pure Python: the rules module and the web layer read answers through the same reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
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


def _number_cleaner(question: Question) -> Callable[[Any], int | None]:
    low, high = _bounds(question)

    def clean_number(value: Any) -> int | None:
        number = whole_number(value)
        return number if number is not None and low <= number <= high else None

    return clean_number


def _choice_cleaner(question: Question) -> Callable[[Any], str | None]:
    allowed = frozenset(question.values)
    return lambda value: value if isinstance(value, str) and value in allowed else None


def _multi_cleaner(question: Question) -> Callable[[Any], list[str] | None]:
    allowed = question.values

    def clean_multi(value: Any) -> list[str] | None:
        if not isinstance(value, list | tuple):
            return None
        chosen = [v for v in allowed if v in value]  # in definition order, no duplicates
        return chosen or None

    return clean_multi


def _text_cleaner(question: Question) -> Callable[[Any], str | None]:
    low = question.minimum or 1
    high = question.maximum or 10**6

    def clean_text(value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        text = value.strip()
        return text if low <= len(text) <= high else None

    return clean_text


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


def _date_cleaner(question: Question) -> Callable[[Any], date | None]:
    def clean_date(value: Any) -> date | None:
        parsed = parse_date(value)
        return parsed if parsed is not None and parsed >= EARLIEST_BIRTH_DATE else None

    return clean_date


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


def _trials_cleaner(question: Question) -> Callable[[Any], list | None]:
    def clean_trials(value: Any) -> list[dict[str, str | None]] | None:
        if not isinstance(value, list | tuple) or len(value) > QUESTIONNAIRE.max_trials:
            return None
        return [_trial_row(row) for row in value]

    return clean_trials


_CLEANER_FOR_KIND: dict[str, Callable[[Question], Callable[[Any], Any]]] = {
    "choice": _choice_cleaner,
    "multi": _multi_cleaner,
    "int": _number_cleaner,
    "bool": lambda q: lambda value: value if isinstance(value, bool) else None,
    "text": _text_cleaner,
    "longtext": _text_cleaner,
    "email": _text_cleaner,
    "phone": _text_cleaner,
    "date": _date_cleaner,
    "trials": _trials_cleaner,
}
CLEANERS: dict[str, Callable[[Any], Any]] = {
    qid: _CLEANER_FOR_KIND[q.kind](q) for qid, q in QUESTIONS.items()
}


def clean(question: Question, value: Any) -> Any:
    """The stored value as the rules read it, or None when it does not count as an answer."""
    return None if value is None else CLEANERS[question.id](value)


# The two commonest kinds, cleaned inline by Answers (a call per answer was a third of the
# rules' time): a choice's allowed values, and a whole number's range. Same results as CLEANERS.
_CHOICES: dict[str, frozenset[str]] = {
    qid: frozenset(q.values) for qid, q in QUESTIONS.items() if q.kind == "choice"}
_RANGES: dict[str, tuple[int, int]] = {
    qid: _bounds(q) for qid, q in QUESTIONS.items() if q.kind == "int"}


class Answers:
    """Cleaned read access to a mapping of stored answers keyed by question id.

    Every known question is cleaned once, up front; `values` holds only the answered ones."""

    __slots__ = ("get", "values")

    def __init__(self, raw: Any) -> None:
        if type(raw) is Answers:  # already cleaned: share its values (they are never changed)
            values = raw.values
        else:
            values = {}
            if isinstance(raw, Mapping):
                choices_of, range_of, cleaner_of = _CHOICES.get, _RANGES.get, CLEANERS.get
                for question_id, given in raw.items():
                    if given is None or not isinstance(question_id, str):
                        continue  # (a mapping's key may even be unhashable: never looked up)
                    allowed = choices_of(question_id)
                    if allowed is not None:
                        if isinstance(given, str) and given in allowed:
                            values[question_id] = given
                        continue
                    bounds = range_of(question_id)
                    if bounds is not None and type(given) is int:  # not bool, not a subclass
                        if bounds[0] <= given <= bounds[1]:
                            values[question_id] = given
                        continue
                    cleaner = cleaner_of(question_id)
                    if cleaner is None:
                        continue
                    value = cleaner(given)
                    if value is not None:
                        values[question_id] = value
        self.values = values
        # get(question_id): the cleaned answer or None. The dict's own method: the rules read
        # answers about seventy times per evaluation.
        self.get: Callable[[str], Any] = values.get

    @classmethod
    def replacing(cls, base: Answers, question_ids: frozenset[str], given: Mapping) -> Answers:
        """Answers(merged), where merged is base's answers without `question_ids` followed by
        `given` (answers to those questions). Each answer is cleaned on its own, so base's
        cleaned values are kept and only `given` is cleaned."""
        values = {k: v for k, v in base.values.items() if k not in question_ids}
        values.update(cls(given).values)
        made = cls.__new__(cls)
        made.values = values
        made.get = values.get
        return made

    def answered(self, question_id: str) -> bool:
        return question_id in self.values
