"""The rulebook of the pre-screen (shared/design/rules.md): pure Python, no Flask, no database.

    from screener.rules import evaluate, RULES, RULEBOOK_VERSION, SEVERITIES
    result = evaluate(answers, as_of=date(2026, 1, 15))
"""

from .engine import Flag, Result, evaluate, missing_safety
from .rulebook import CRISIS_RULES, RULEBOOK_VERSION, RULES, RULES_BY_ID, SEVERITIES, SUICIDE_FAMILY
from .scores import SCORE_KEYS
from .settings import DEFAULT_SETTINGS, Settings, SettingsError
from .sources import SOURCES, Source

__all__ = [
    "CRISIS_RULES", "DEFAULT_SETTINGS", "RULEBOOK_VERSION", "RULES", "RULES_BY_ID", "SCORE_KEYS",
    "SEVERITIES", "SOURCES", "SUICIDE_FAMILY", "Flag", "Result", "Settings", "SettingsError",
    "Source", "evaluate", "missing_safety",
]
