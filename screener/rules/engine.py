"""evaluate(): answers in, scores and flags out. Pure: no I/O, never raises on any mapping."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..questionnaire import QUESTION_ORDER, QUESTIONS, Answers, is_asked
from .rulebook import (
    CRISIS_RULES,
    RULEBOOK_VERSION,
    RULES,
    SEVERITIES,
    SUPPRESSIONS,
    Rule,
)
from .scores import compute_scores
from .settings import DEFAULT_SETTINGS, Settings
from .triggers import Case

SAFETY_QUESTIONS = tuple(q for q in QUESTIONS.values() if q.safety)


@dataclass(frozen=True, slots=True)
class Flag:
    rule_id: str
    severity: str
    patient_text: str
    staff_text: str
    sources: tuple[str, ...]
    because: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id, "severity": self.severity,
            "patient_text": self.patient_text, "staff_text": self.staff_text,
            "sources": list(self.sources), "because": list(self.because),
        }


@dataclass(frozen=True, slots=True)
class Result:
    flags: tuple[Flag, ...]
    scores: dict[str, Any]
    missing_safety: tuple[str, ...]
    crisis: bool
    settings: Settings = field(default=DEFAULT_SETTINGS)
    rulebook_version: str = RULEBOOK_VERSION

    @property
    def urgent(self) -> bool:
        return bool(self.flags) and self.flags[0].severity == "urgent"

    @property
    def highest_severity(self) -> str | None:
        return self.flags[0].severity if self.flags else None

    @property
    def flag_ids(self) -> tuple[str, ...]:
        return tuple(f.rule_id for f in self.flags)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for storage, with the version and settings that produced it."""
        return {
            "rulebook_version": self.rulebook_version,
            "settings": self.settings.as_dict(),
            "flags": [f.as_dict() for f in self.flags],
            "scores": dict(self.scores),
            "urgent": self.urgent,
            "highest_severity": self.highest_severity,
            "crisis": self.crisis,
            "missing_safety": list(self.missing_safety),
        }


def _in_question_order(ids: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(ids), key=QUESTION_ORDER.__getitem__))


def _flag(rule: Rule, because: tuple[str, ...], case: Case) -> Flag:
    staff_text = rule.staff_text + (rule.staff_note(case) if rule.staff_note else "")
    return Flag(rule.id, rule.severity, rule.patient_text, staff_text, rule.sources,
                _in_question_order(because))


def _suppressed(fired: dict[str, tuple[str, ...]]) -> set[str]:
    """The rules hidden by family suppression: a suppression applies when one of its `by`
    rules fired, and (if it has `only_if_because_within`) every reason of the hidden rule is
    among those questions."""
    hidden: set[str] = set()
    for suppression in SUPPRESSIONS:
        if not any(rule_id in fired for rule_id in suppression.by):
            continue
        limit = suppression.only_if_because_within
        for target in suppression.hides:
            because = fired.get(target)
            if because is not None and (not limit or all(q in limit for q in because)):
                hidden.add(target)
    return hidden


def missing_safety(answers: Answers) -> tuple[str, ...]:
    """Safety questions that the skip logic asks but that are unanswered."""
    return tuple(q.id for q in SAFETY_QUESTIONS
                 if is_asked(q, answers) and not answers.answered(q.id))


# Flags are shown by severity first, then in the rulebook's order.
DISPLAY_ORDER = {rule.id: (SEVERITIES.index(rule.severity), position)
                 for position, rule in enumerate(RULES)}


def evaluate(answers: Mapping[str, Any] | Any, as_of: date | None = None,
             settings: Settings | None = None) -> Result:
    """Scores, flags (after family suppression, by severity then rulebook order) and the
    safety questions still unanswered. `answers` may be partial; it is never modified."""
    settings = settings or DEFAULT_SETTINGS
    as_of = as_of or date.today()
    reader = Answers(answers)
    case = Case(reader, compute_scores(reader, as_of, settings), settings, as_of)
    fired: dict[str, tuple[str, ...]] = {}
    for rule in RULES:
        because = rule.test(case)
        if because:
            fired[rule.id] = because
    hidden = _suppressed(fired)
    shown = sorted((rule for rule in RULES if rule.id in fired and rule.id not in hidden),
                   key=lambda rule: DISPLAY_ORDER[rule.id])
    return Result(
        flags=tuple(_flag(rule, fired[rule.id], case) for rule in shown),
        scores=case.scores,
        missing_safety=missing_safety(reader),
        crisis=any(rule_id in fired for rule_id in CRISIS_RULES),
        settings=settings,
    )
