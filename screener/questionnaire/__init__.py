"""The questionnaire, defined once as data (`definitions`), and what reads it directly."""

from .definitions import QUESTION_ORDER, QUESTIONNAIRE, QUESTIONS, SECTION_OF
from .model import N_, Option, Page, Question, Section
from .skip import is_asked
from .values import Answers

__all__ = [
    "N_", "QUESTIONNAIRE", "QUESTIONS", "QUESTION_ORDER", "SECTION_OF", "Answers", "Option",
    "Page", "Question", "Section", "is_asked",
]
