"""The order of pages, skip logic applied to whole pages, and merging a page into the answers.

No Flask here: these functions take answers and return decisions, so they are tested directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..questionnaire import QUESTIONNAIRE, QUESTIONS, Answers, is_asked
from ..questionnaire.model import Page, Question, Section


@dataclass(frozen=True, slots=True)
class PageRef:
    section: Section
    number: int  # 1-based within the section
    page: Page
    key: str = field(init=False, compare=False)
    question_ids: frozenset[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:  # made once: pages are fixed, and these are read often
        object.__setattr__(self, "key", f"{self.section.id}/{self.number}")
        object.__setattr__(self, "question_ids", frozenset(q.id for q in self.page.questions))


STEP_PAGES: tuple[PageRef, ...] = tuple(
    PageRef(section, number, page)
    for section in QUESTIONNAIRE.sections[1:]  # section 1 is the start page
    for number, page in enumerate(section.pages, 1)
)
PAGE_BY_KEY = {ref.key: ref for ref in STEP_PAGES}
CONSENT_ID = QUESTIONNAIRE.sections[0].questions[0].id


def depends_on_same_page(question: Question, ref: PageRef) -> bool:
    """True when the question's condition reads an answer given on the same page; such a
    question is always rendered (JavaScript may hide it) and decided when the page is saved."""
    return question.asked_when is not None and any(
        qid in ref.question_ids for qid in question.asked_when.questions)


def shown_questions(ref: PageRef, answers: Answers) -> list[Question]:
    return [q for q in ref.page.questions
            if depends_on_same_page(q, ref) or is_asked(q, answers)]


def page_applies(ref: PageRef, answers: Answers) -> bool:
    return any(is_asked(q, answers) for q in ref.page.questions)


def applicable_pages(answers: Answers) -> list[PageRef]:
    return [ref for ref in STEP_PAGES if page_applies(ref, answers)]


def missing_required(ref: PageRef, answers: Answers) -> list[Question]:
    return [q for q in ref.page.questions
            if not q.optional and is_asked(q, answers) and not answers.answered(q.id)]


def page_complete(ref: PageRef, answers: Answers, pages_done: list[str]) -> bool:
    return ref.key in pages_done and not missing_required(ref, answers)


def first_incomplete(answers: Answers, pages_done: list[str],
                     pages: list[PageRef] | None = None) -> PageRef | None:
    return next((ref for ref in (pages or applicable_pages(answers))
                 if not page_complete(ref, answers, pages_done)), None)


def may_visit(ref: PageRef, answers: Answers, pages_done: list[str],
              pages: list[PageRef] | None = None) -> bool:
    """Pages are filled in order: a page is open once every applicable page before it is done."""
    for earlier in pages or applicable_pages(answers):
        if earlier.key == ref.key:
            return True
        if not page_complete(earlier, answers, pages_done):
            return False
    return False  # the page does not apply to these answers


def neighbours(ref: PageRef, pages: list[PageRef]) -> tuple[PageRef | None, PageRef | None]:
    """The applicable pages before and after this one (`pages`: applicable_pages(...))."""
    keys = [p.key for p in pages]
    if ref.key not in keys:
        return None, None
    i = keys.index(ref.key)
    return (pages[i - 1] if i > 0 else None), (pages[i + 1] if i + 1 < len(pages) else None)


def progress(ref: PageRef, pages: list[PageRef]) -> tuple[int, int]:
    """("Step n of total") counting only the pages that apply."""
    keys = [p.key for p in pages]
    return (keys.index(ref.key) + 1 if ref.key in keys else 0), len(keys)


def prune(answers: dict[str, Any]) -> dict[str, Any]:
    """Remove answers to questions that are no longer asked (repeatedly, for chains such as
    sex at birth -> could become pregnant -> pregnant). A question with an `unasked_value`
    holds it instead, once the answers its condition reads are given; when it is asked, that
    value (never offered) is no answer."""
    kept = dict(answers)
    while True:
        reader = Answers(kept)
        changed = False
        for qid, question in QUESTIONS.items():
            asked = is_asked(question, reader)
            if asked:
                wanted = None if kept.get(qid) in question.unoffered else kept.get(qid)
            elif question.unasked_value is not None and all(
                    reader.answered(q) for q in question.asked_when.questions):
                wanted = question.unasked_value
            else:
                wanted = None
            if wanted is None and qid in kept:
                del kept[qid]
                changed = True
            elif wanted is not None and kept.get(qid) != wanted:
                kept[qid] = wanted
                changed = True
        if not changed:
            return kept


def merge_page(saved: dict[str, Any], ref: PageRef, posted: dict[str, Any]) -> dict[str, Any]:
    """The answers after saving this page: the page's answers replace what was saved for it,
    unanswered ones are not stored, and anything no longer asked is removed."""
    merged = {k: v for k, v in saved.items() if k not in ref.question_ids}
    merged.update({k: v for k, v in posted.items()
                   if k in ref.question_ids and v is not None and v != ""})
    return prune(merged)
