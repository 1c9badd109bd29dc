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
    Suppression,
)
from .scores import compute_scores
from .settings import DEFAULT_SETTINGS, Settings
from .triggers import Case

SAFETY_QUESTIONS = tuple(q for q in QUESTIONS.values() if q.safety)
_SAFETY = tuple((q.id, q) for q in SAFETY_QUESTIONS)
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_RULE_RANK = {r.id: (_SEVERITY_RANK[r.severity], i) for i, r in enumerate(RULES)}


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
    if rule.staff_note is None:
        # A flag depends only on its rule and its reasons, and it is frozen: the same one is
        # shared by every result that has it (about a tenth of evaluate()'s time).
        key = (rule.id, because)
        flag = _FLAGS.get(key)
        if flag is None:
            if len(_FLAGS) >= _MAX_FLAGS:
                _FLAGS.clear()
            flag = _FLAGS[key] = Flag(rule.id, rule.severity, rule.patient_text,
                                      rule.staff_text, rule.sources, _in_question_order(because))
        return flag
    return Flag(rule.id, rule.severity, rule.patient_text, rule.staff_text + rule.staff_note(case),
                rule.sources, _in_question_order(because))


_FLAGS: dict[tuple[str, tuple[str, ...]], Flag] = {}
_MAX_FLAGS = 4096  # distinct (rule, reasons) pairs are few; the bound is for safety


# The suppressions each rule can trigger (a rule in their `by`), so that only the fired rules'
# own suppressions are looked at.
_SUPPRESSIONS_OF: dict[str, tuple[Suppression, ...]] = {
    rule_id: tuple(s for s in SUPPRESSIONS if rule_id in s.by)
    for rule_id in {rule_id for s in SUPPRESSIONS for rule_id in s.by}
}


def _suppressed(fired: dict[str, tuple[str, ...]]) -> set[str]:
    hidden: set[str] = set()
    for rule_id in _SUPPRESSIONS_OF.keys() & fired.keys():
        for suppression in _SUPPRESSIONS_OF[rule_id]:
            limit = suppression.only_if_because_within
            for target in suppression.hides:
                because = fired.get(target)
                if because is not None and (not limit or all(q in limit for q in because)):
                    hidden.add(target)
    return hidden


def missing_safety(answers: Answers) -> tuple[str, ...]:
    """Safety questions that the skip logic asks but that are unanswered."""
    given = answers.get
    return tuple(  # the cheap test first: most safety questions are answered
        q_id for q_id, q in _SAFETY if given(q_id) is None and is_asked(q, answers)
    )


def evaluate(answers: Mapping[str, Any] | Any, as_of: date | None = None,
             settings: Settings | None = None) -> Result:
    """Scores, flags (after family suppression, by severity then rulebook order) and the
    safety questions still unanswered. `answers` may be partial; it is never modified."""
    settings = settings or DEFAULT_SETTINGS
    as_of = as_of or date.today()
    reader = Answers(answers)
    case = Case(reader, compute_scores(reader, as_of, settings), settings, as_of)
    fired: dict[str, tuple[str, ...]] = {}  # filled in display order
    for rule_id, test in _TESTS:
        because = test(case)
        if because:
            fired[rule_id] = because
    hidden = _suppressed(fired) if len(fired) > 1 else ()
    flags = tuple(_flag(_RULES_BY_ID[rule_id], because, case)
                  for rule_id, because in fired.items() if rule_id not in hidden)
    return Result(
        flags=flags,
        scores=case.scores,
        missing_safety=missing_safety(reader),
        crisis=any(rule_id in fired for rule_id in CRISIS_RULES),
        settings=settings,
    )


_RULES_BY_ID = {r.id: r for r in RULES}
# The tests in display order (severity, then rulebook order), so the flags need no sorting; each
# as its bound __call__, which Python calls faster than the trigger object itself.
_TESTS = tuple((r.id, r.test.__call__) for r in sorted(RULES, key=lambda r: _RULE_RANK[r.id]))
