"""Every patient-facing string is marked for translation, so a language is a catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

import config
from screener.questionnaire import QUESTIONNAIRE
from screener.questionnaire.definitions import ANTIDEPRESSANTS
from screener.rules import RULES

from wording import definition_strings

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}


def extracted() -> set[str]:
    method_map = [("screener/**.py", "python"), ("config.py", "python"),
                  ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=KEYWORDS):
        found.update(message if isinstance(message, tuple) else (message,))
    return found


def test_every_question_string_and_rule_wording_is_in_the_catalogue():
    catalogue = extracted()
    wanted = set(definition_strings()) | {r.patient_text for r in RULES}
    wanted |= {o.label for f in QUESTIONNAIRE.trial_fields for o in f.options}
    wanted |= {v for resource in config.US_CRISIS_RESOURCES
               for k, v in resource.items() if k in ("name", "how")}
    wanted -= set(ANTIDEPRESSANTS)  # generic drug names are the same in every language
    assert sorted(wanted - catalogue) == []


def test_templates_have_no_untranslated_sentences():
    """A crude guard: text between tags in patient templates goes through _()."""
    import re

    for path in [*(ROOT / "templates" / "patient").glob("*.html"),
                 ROOT / "templates" / "base.html"]:
        text = re.sub(r"\{[{%#].*?[}%#]\}", "", path.read_text(), flags=re.S)
        bare = [t.strip() for t in re.findall(r">([^<>]+)<", text)
                if re.search(r"[A-Za-z]{3,}", t)]
        assert bare == [], (path.name, bare)
