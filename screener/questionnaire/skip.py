"""The one place that decides whether a question is asked, given the answers so far."""

from __future__ import annotations

from .model import Question
from .values import Answers


def is_asked(question: Question, answers: Answers) -> bool:
    return question.asked_when is None or question.asked_when.holds(answers)
