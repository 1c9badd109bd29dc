"""The published personas of clinical.md section 9 (shared/design/personas.json).

Each persona's expected flags (after suppression), expected scores and expected crisis come from
the design file; the order of the flags is checked against rules.md (severity, then rulebook).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from rules_cases import (
    PERSONAS_JSON,
    assert_scores,
    evaluate,
    flag_ids,
    spec_order,
    spec_severity,
)


def _load() -> list[dict[str, Any]]:
    if not PERSONAS_JSON.is_file():
        return []
    return json.loads(PERSONAS_JSON.read_text(encoding="utf-8"))


PERSONAS = _load()
PARAMS = [pytest.param(p, id=p["persona"]) for p in PERSONAS] or [
    pytest.param(
        None,
        id="personas-missing",
        marks=pytest.mark.skip(reason=f"personas file not found: {PERSONAS_JSON}"),
    )
]


def _run(persona: dict[str, Any]):
    return evaluate(persona["answers"], as_of=date.fromisoformat(persona["as_of"]))


@pytest.mark.parametrize("persona", PARAMS)
def test_persona_flags(persona: dict[str, Any]):
    result = _run(persona)
    assert set(flag_ids(result)) == set(persona["expected_flags"])
    assert len(flag_ids(result)) == len(set(flag_ids(result))), "a flag fired twice"


@pytest.mark.parametrize("persona", PARAMS)
def test_persona_flag_order(persona: dict[str, Any]):
    result = _run(persona)
    assert flag_ids(result) == spec_order(persona["expected_flags"])


@pytest.mark.parametrize("persona", PARAMS)
def test_persona_scores(persona: dict[str, Any]):
    assert_scores(_run(persona), persona.get("expected_scores", {}))


@pytest.mark.parametrize("persona", PARAMS)
def test_persona_crisis(persona: dict[str, Any]):
    result = _run(persona)
    assert result.crisis is bool(persona.get("expected_crisis", False))


@pytest.mark.parametrize("persona", PARAMS)
def test_persona_highest_severity(persona: dict[str, Any]):
    expected = spec_order(persona["expected_flags"])
    result = _run(persona)
    assert result.highest_severity == (spec_severity(expected[0]) if expected else None)
    assert result.urgent is any(spec_severity(i) == "urgent" for i in expected)


def test_personas_file_is_the_published_half():
    if not PERSONAS:
        pytest.skip(f"personas file not found: {PERSONAS_JSON}")
    names = [p["persona"] for p in PERSONAS]
    assert len(names) == len(set(names))
    assert {"P01", "P09", "P19", "P29"} <= set(names)
