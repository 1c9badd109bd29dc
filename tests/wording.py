"""The patient-wording check of rules.md ("Words patient-facing text never uses").

`forbidden_phrases(text)` returns the forbidden words found in a piece of patient-facing text
(empty list when it is clean). It is meant to be reused on rule texts, templates, flash messages,
form labels and translation catalogues. Matching is case-insensitive and on substrings, so
"Eligibility" and "contraindicated" are caught; the two fixed sentences that rules.md allows
("This is not a diagnosis", "a diagnosis from a clinician") are removed before the scan.

"you have" counts only when followed by a condition (rules.md); we treat "you have" / "you've" /
"you may have" (and similar) followed within a few words by a condition word as forbidden, unless
it is the reporting pattern the clinic uses ("you have told us about ..."), a question ("Do you
have ...?") or a condition clause ("If you have ...").
"""

from __future__ import annotations

import re

# Plain substrings, lower case; rules.md lists them. "contraindicat" is a stem on purpose.
FORBIDDEN_SUBSTRINGS: tuple[str, ...] = (
    "eligible",
    "eligibility",
    "ineligible",
    "qualify",
    "qualifies",
    "approved",
    "cleared",
    "candidate",
    "contraindicat",
    "diagnosis",
    "diagnose",
    "you are not suitable",
    "rejected",
)

# The only allowed uses of "diagnosis" (rules.md). Extend here if the contract adds one.
ALLOWED_PHRASES: tuple[str, ...] = (
    "this is not a diagnosis",
    "a diagnosis from a clinician",
)

# Words that make "you have ..." a statement that the person has a condition.
CONDITION_WORDS: tuple[str, ...] = (
    "depression",
    "depressed",
    "depressive",
    "anxiety",
    "anxious",
    "ptsd",
    "post-traumatic",
    "ocd",
    "obsessive",
    "bipolar",
    "mania",
    "manic",
    "hypomani",
    "schizo",
    "psychosis",
    "psychotic",
    "disorder",
    "condition",
    "illness",
    "disease",
    "syndrome",
    "trd",
    "treatment-resistant",
    "treatment resistant",
    "mdd",
    "gad",
    "hypertension",
    "high blood pressure",
    "glaucoma",
    "epilepsy",
    "dementia",
    "cirrhosis",
    "addiction",
    "addicted",
    "alcoholism",
    "alcoholic",
    "substance use",
    "aneurysm",
    "cystitis",
    "apnea",
    "apnoea",
    "insomnia",
    "adhd",
    "suicidal",
    "suicidality",
    "ideation",
    "a mental",
    "mental health problem",
)

# "you have told us ..." is the clinic's reporting pattern, not a statement about a condition.
REPORTING_WORDS: tuple[str, ...] = (
    "told",
    "said",
    "mentioned",
    "shared",
    "described",
    "reported",
    "answered",
    "selected",
    "chosen",
    "listed",
    "entered",
    "written",
)

_YOU_HAVE = re.compile(
    r"\byou(?:\s+(?:may|might|probably|likely|could|seem\s+to|appear\s+to))?"
    r"(?:\s+have|['\u2019]ve)(?:\s+got)?\b(?P<rest>[^.!?;:\n]*)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w'-]+")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
# "do you have ...", "if you have ...": a question or a condition clause, not a statement.
QUESTION_LEADS: tuple[str, ...] = ("do", "if", "whether", "when", "unless")


def _without_allowed(text: str) -> str:
    lowered = " ".join(text.lower().replace("\u2019", "'").split())
    lowered = lowered.replace("you're", "you are")
    for phrase in ALLOWED_PHRASES:
        lowered = lowered.replace(phrase, " ")
    return lowered


def _condition_after_you_have(text: str) -> bool:
    for sentence in _SENTENCE.findall(text):
        if sentence.rstrip().endswith("?"):
            continue  # "Do you have ...?" asks; it does not tell
        for match in _YOU_HAVE.finditer(sentence):
            before = _WORD.findall(sentence[: match.start()])
            if before and before[-1] in QUESTION_LEADS:
                continue  # "if you have glaucoma, ..."
            words = _WORD.findall(match.group("rest"))[:5]
            if not words or words[0] in REPORTING_WORDS:
                continue
            window = " ".join(words)
            if any(term in window for term in CONDITION_WORDS):
                return True
    return False


def forbidden_phrases(text: str) -> list[str]:
    """The forbidden words of rules.md found in `text`, in the order of FORBIDDEN_SUBSTRINGS."""
    cleaned = _without_allowed(text)
    found = [term for term in FORBIDDEN_SUBSTRINGS if term in cleaned]
    if _condition_after_you_have(cleaned):
        found.append("you have")
    return found


def definition_strings() -> list[str]:
    """Every patient-facing string of the questionnaire definitions."""
    from screener.questionnaire import QUESTIONNAIRE

    strings: list[str] = []
    for section in QUESTIONNAIRE.sections:
        strings += [section.title, section.why, section.intro, section.attribution]
        strings += [text for page in section.pages for text in (page.title, page.why)]
        for question in section.questions:
            strings += [question.label, question.hint, question.error, question.error_invalid,
                        *(o.label for o in question.options)]
    for spec in QUESTIONNAIRE.trial_fields:
        strings += [spec.label, spec.error, *(o.label for o in spec.options)]
    return [s for s in strings if s]


# --- Spanish (translations/es) ------------------------------------------------------------------
# The same contract for the Spanish catalogue. Stems, lower case, matched on substrings after the
# allowed sentences are removed: "elegib" catches elegible/elegibilidad, "calific" catches
# califica/calificar/calificación, "contraindic" catches contraindicado/contraindicación.
FORBIDDEN_SUBSTRINGS_ES: tuple[str, ...] = (
    "elegib",
    "calific",
    "aprobad",
    "aprobar",
    "aprueb",
    "contraindic",
    "candidat",
    "rechazad",
    "diagnóstic",
    "diagnosti",
    "no es adecuado para usted",
    "no es adecuada para usted",
    "cumple los requisitos",
    "cumple con los requisitos",
    "reúne los requisitos",
    "idóne",
)
# Whole words only ("apto" would otherwise match "adaptó" or "capturado").
FORBIDDEN_WORDS_ES: tuple[str, ...] = ("apto", "apta", "aptos", "aptas")

# The fixed Spanish of the two English sentences rules.md allows; nothing else may say
# "diagnóstico". Every msgstr whose msgid contains an allowed English sentence must contain the
# matching Spanish one (tests/test_spanish.py).
ALLOWED_PHRASES_ES: dict[str, str] = {
    "this is not a diagnosis": "esto no es un diagnóstico",
    "a diagnosis from a clinician": "un diagnóstico de un profesional clínico",
}

CONDITION_WORDS_ES: tuple[str, ...] = (
    "depresi",
    "deprimid",
    "ansiedad",
    "ansios",
    "tept",
    "estrés postraumático",
    "toc",
    "obsesiv",
    "bipolar",
    "manía",
    "maníac",
    "hipomaní",
    "esquizo",
    "psicosis",
    "psicótic",
    "trastorno",
    "condición",
    "enfermedad",
    "síndrome",
    "resistente al tratamiento",
    "hipertensi",
    "presión alta",
    "presión arterial alta",
    "glaucoma",
    "epilepsia",
    "demencia",
    "cirrosis",
    "adicción",
    "adict",
    "alcoholismo",
    "alcohólic",
    "aneurisma",
    "apnea",
    "insomnio",
    "tdah",
    "suicid",
    "ideación",
    "problema de salud mental",
    "enfermedad mental",
)
# "Nos dijo que tiene ..." reports the person's own words, like "you have told us".
REPORTING_LEADS_ES: tuple[str, ...] = (
    "dijo que", "contó que", "mencionó que", "indicó que", "respondió que", "escribió que",
)
# "Si tiene ..." is a condition clause, not a statement.
CONDITION_LEADS_ES: tuple[str, ...] = ("si", "cuando", "aunque")

_TIENE = re.compile(
    r"\b(?:usted\s+(?:tiene|padece|sufre|presenta|es|está)|tiene|padece|sufre|presenta)\b"
    r"(?P<rest>[^.!?;:\n]*)",
    re.IGNORECASE,
)
_SENTENCE_ES = re.compile(r"[^.!?\n]+[.!?]*")
_WORD_ES = re.compile(r"[\w'-]+")


def _without_allowed_es(text: str) -> str:
    lowered = " ".join(text.lower().split())
    for phrase in ALLOWED_PHRASES_ES.values():
        lowered = lowered.replace(phrase, " ")
    return lowered


def _term_pattern(term: str) -> str:
    """A stem matches at a word start; short words ("toc", "tept") only as whole words."""
    return rf"\b{re.escape(term)}\b" if len(term) <= 4 else rf"\b{re.escape(term)}"


def _condition_after_tiene(text: str) -> bool:
    for sentence in _SENTENCE_ES.findall(text):
        if "¿" in sentence or sentence.rstrip().endswith("?"):
            continue  # "¿Tiene ...?" asks; it does not tell
        for match in _TIENE.finditer(sentence):
            before = sentence[: match.start()]
            words_before = _WORD_ES.findall(before)
            if words_before and words_before[-1] in CONDITION_LEADS_ES:
                continue  # "si (usted) tiene glaucoma, ..."
            if any(" ".join(words_before[-2:]) == lead for lead in REPORTING_LEADS_ES):
                continue
            window = " ".join(_WORD_ES.findall(match.group("rest"))[:5])
            if any(re.search(_term_pattern(term), window) for term in CONDITION_WORDS_ES):
                return True
    return False


def forbidden_phrases_es(text: str) -> list[str]:
    """The forbidden words of rules.md, in Spanish, found in `text` (empty list when clean).

    Also catches the English words (a string left untranslated, or copied into the Spanish)."""
    cleaned = _without_allowed_es(text)
    found = [term for term in FORBIDDEN_SUBSTRINGS_ES if term in cleaned]
    found += [w for w in FORBIDDEN_WORDS_ES if re.search(rf"\b{w}\b", cleaned)]
    found += [t for t in forbidden_phrases(text) if t not in found]
    if _condition_after_tiene(cleaned):
        found.append("usted tiene")
    return found
