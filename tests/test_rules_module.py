"""The rules module as a module: purity, versioning, clinic settings, stored form, CLI."""

import json
import subprocess
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pytest

from screener.rules import RULEBOOK_VERSION, RULES, Settings, SettingsError, evaluate
from screener.rules.__main__ import main as rules_cli
from screener.rules.rulebook import fingerprint

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 1, 15)


def recorded_fingerprints() -> dict[str, str]:
    lines = (ROOT / "tests" / "rulebook_fingerprints.txt").read_text().splitlines()
    return dict(line.split() for line in lines if line.strip() and not line.startswith("#"))


def test_rule_changes_need_a_new_rulebook_version():
    recorded = recorded_fingerprints()
    assert RULEBOOK_VERSION in recorded, (
        f"RULEBOOK_VERSION {RULEBOOK_VERSION} has no recorded fingerprint: add the line "
        f"'{RULEBOOK_VERSION} {fingerprint()}' to tests/rulebook_fingerprints.txt"
    )
    assert recorded[RULEBOOK_VERSION] == fingerprint(), (
        "the rules changed but RULEBOOK_VERSION did not: bump it and record the new fingerprint"
    )


def test_fingerprint_changes_when_a_rule_changes(monkeypatch):
    from screener.rules import rulebook

    before = fingerprint()
    changed = rulebook.RULES[0].__class__(**{
        **{f: getattr(rulebook.RULES[0], f) for f in rulebook.Rule.__dataclass_fields__},
        "severity": "caution",
    })
    monkeypatch.setattr(rulebook, "RULES", (changed, *rulebook.RULES[1:]))
    assert fingerprint() != before


def test_rules_module_imports_no_flask_or_database():
    code = (
        "import sys, screener.rules; "
        "bad = [m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy', 'wtforms', 'psycopg') "
        "if m in sys.modules]; print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_result_records_version_and_settings():
    settings = Settings(min_trial_weeks=4)
    stored = evaluate({}, as_of=AS_OF, settings=settings).as_dict()
    assert stored["rulebook_version"] == RULEBOOK_VERSION
    assert stored["settings"]["min_trial_weeks"] == 4
    json.dumps(stored)  # storable as JSON


def test_default_settings_match_rules_md():
    assert Settings().as_dict() == {
        "older_adult_age": 65, "upper_age_limit": None, "min_trial_weeks": 6,
        "ketamine_pcp_window": "within_12_months", "stimulant_window": "within_3_months",
        "other_substance_window": "within_3_months", "cv_event_window_months": 6,
    }


@pytest.mark.parametrize("bad", [
    {"min_trial_weeks": 5}, {"stimulant_window": "last_week"}, {"older_adult_age": 12},
    {"upper_age_limit": 200},
])
def test_impossible_settings_are_refused(bad):
    with pytest.raises(SettingsError):
        Settings(**bad)


def test_unknown_setting_names_are_refused():
    with pytest.raises(SettingsError):
        Settings.from_dict({"min_trial_weeks": 6, "minimum_weeks": 4})


def depression_with_one_trial(weeks: str) -> dict:
    row = {"drug": "sertraline", "weeks": weeks, "adherence": "as_prescribed",
           "outcome": "no_change", "current_episode": "yes"}
    return {"reasons": ["depression"], "ad_trials": [row]}


def test_min_trial_weeks_setting_counts_shorter_trials():
    answers = depression_with_one_trial("4_5")
    assert evaluate(answers, as_of=AS_OF).scores["possibly_adequate_trials"] == 0
    four = evaluate(answers, as_of=AS_OF, settings=Settings(min_trial_weeks=4))
    assert four.scores["possibly_adequate_trials"] == 1


def test_stimulant_window_setting_moves_use_from_contraindication_to_caution():
    answers = {"last_use_cocaine_or_meth": "within_3_months"}
    assert evaluate(answers, as_of=AS_OF).flag_ids == ("CI-STIMULANT-RECENT",)
    narrow = evaluate(answers, as_of=AS_OF, settings=Settings(stimulant_window="within_30_days"))
    assert narrow.flag_ids == ("CAU-SUBSTANCE-OTHER",)


def test_ketamine_window_setting_narrows_recent_use():
    answers = {"last_use_ketamine_nonmedical": "within_12_months"}
    assert evaluate(answers, as_of=AS_OF).flag_ids == ("CI-KETAMINE-PCP-RECENT",)
    narrow = evaluate(answers, as_of=AS_OF,
                      settings=Settings(ketamine_pcp_window="within_3_months"))
    assert narrow.flag_ids == ("CAU-KETAMINE-PCP-PAST",)


def test_upper_age_limit_lowers_the_age_flag_and_tells_staff():
    answers = {"date_of_birth": "1964-01-01"}  # 62 on AS_OF
    assert evaluate(answers, as_of=AS_OF).flag_ids == ()
    capped = evaluate(answers, as_of=AS_OF, settings=Settings(upper_age_limit=60))
    assert capped.flag_ids == ("CAU-AGE-65-PLUS",)
    assert "upper age limit (60)" in capped.flags[0].staff_text
    assert "limit" not in capped.flags[0].patient_text


def test_cli_lists_every_rule(capsys):
    assert rules_cli(["list"]) == 0
    out = capsys.readouterr().out
    assert RULEBOOK_VERSION in out
    assert all(rule.id in out for rule in RULES)


def test_cli_evaluates_an_answers_file(tmp_path, capsys):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"si_now": "yes", "date_of_birth": "2000-01-15"}))
    assert rules_cli(["evaluate", str(path), "--as-of", "2026-01-15"]) == 0
    out = capsys.readouterr().out
    assert "URG-SI-NOW" in out
    assert "crisis: yes" in out
    assert "age                        26" in out


def test_cli_reports_an_unreadable_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(SystemExit) as exit_info:
        rules_cli(["evaluate", str(path)])
    assert exit_info.value.code == 2


def test_a_result_does_not_depend_on_the_evaluations_before_it():
    """Each person's result is the one they get alone, whoever was evaluated before."""
    from rules_cases import PERSONAS_JSON

    if not PERSONAS_JSON.is_file():
        pytest.skip(f"personas file not found: {PERSONAS_JSON}")
    people = [p["answers"] for p in json.loads(PERSONAS_JSON.read_text(encoding="utf-8"))]
    alone = [evaluate(answers, as_of=AS_OF).as_dict() for answers in people]
    for answers, expected in zip(reversed(people), reversed(alone), strict=True):
        assert evaluate(answers, as_of=AS_OF).as_dict() == expected


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2)])
def test_a_flag_names_its_own_reasons_whatever_was_evaluated_before(order):
    """The same rule fired by different answers, one person after another, in any order."""
    people = [
        ({"si_intent_past_month": "yes"}, ("si_intent_past_month",)),
        ({"si_plan_past_month": "yes"}, ("si_plan_past_month",)),
        ({"si_intent_past_month": "yes", "si_plan_past_month": "yes"},
         ("si_intent_past_month", "si_plan_past_month")),
    ]
    for index in order:
        answers, because = people[index]
        flag = next(f for f in evaluate(answers, as_of=AS_OF).flags
                    if f.rule_id == "URG-SI-INTENT-PLAN")
        assert flag.because == because


class _OddMapping(Mapping):
    """A mapping whose keys include ones no dict could hold (unhashable) and non-strings."""

    def __init__(self, items):
        self._items = items

    def __getitem__(self, key):
        return next(value for k, value in self._items if k == key)

    def __iter__(self):
        return (key for key, _ in self._items)

    def __len__(self):
        return len(self._items)


def test_keys_that_are_not_question_ids_are_ignored_even_unhashable_ones():
    odd = _OddMapping([(["si_now"], "yes"), (("si_now",), "yes"), (1, "yes"), ("si_now", "yes")])
    result = evaluate(odd, as_of=AS_OF)
    assert [f.rule_id for f in result.flags][:1] == ["URG-SI-NOW"]
    assert evaluate(_OddMapping([(["si_now"], "yes")]), as_of=AS_OF).flags == ()


def test_the_clinic_pages_source_reads_as_a_clinic_would_say_it():
    from screener.rules import SOURCES

    assert SOURCES["S-SEEDS"].title == "Patient information pages of ketamine clinics"
