"""Clinic settings: the choices clinics make differently (clinical.md section 10, point 8).

The defaults are exactly what rules.md says; a stored result records the settings it ran with.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

# "within N" windows of the last_use_* answers, as sets of the values that fall inside them.
WINDOWS: dict[str, frozenset[str]] = {
    "within_30_days": frozenset({"within_30_days"}),
    "within_3_months": frozenset({"within_3_months", "within_30_days"}),
    "within_12_months": frozenset({"within_12_months", "within_3_months", "within_30_days"}),
}
EVER_USED = frozenset({"more_than_12_months", *WINDOWS["within_12_months"]})
# Weeks at the highest dose that count towards a possibly adequate trial, by minimum weeks.
TRIAL_WEEKS: dict[int, frozenset[str]] = {
    4: frozenset({"4_5", "6_8", "gt8"}),
    6: frozenset({"6_8", "gt8"}),
}


class SettingsError(ValueError):
    """A clinic setting has a value the rulebook cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    older_adult_age: int = 65  # CAU-AGE-65-PLUS fires from this age
    upper_age_limit: int | None = None  # a clinic's own cap, if any; noted on the age flag
    min_trial_weeks: int = 6  # 6 (MGH-ATRQ) or 4 (ATHF)
    ketamine_pcp_window: str = "within_12_months"  # CI-KETAMINE-PCP-RECENT look-back
    stimulant_window: str = "within_3_months"  # CI-STIMULANT-RECENT look-back
    other_substance_window: str = "within_3_months"  # CAU-SUBSTANCE-OTHER look-back
    cv_event_window_months: int = 6  # the window named in cv_event_within_6_months

    def __post_init__(self) -> None:
        for name in ("ketamine_pcp_window", "stimulant_window", "other_substance_window"):
            if getattr(self, name) not in WINDOWS:
                raise SettingsError(f"{name} must be one of {sorted(WINDOWS)}")
        if self.min_trial_weeks not in TRIAL_WEEKS:
            raise SettingsError(f"min_trial_weeks must be one of {sorted(TRIAL_WEEKS)}")
        if not 18 <= self.older_adult_age <= 120:
            raise SettingsError("older_adult_age must be between 18 and 120")
        if self.upper_age_limit is not None and not 18 <= self.upper_age_limit <= 120:
            raise SettingsError("upper_age_limit must be between 18 and 120, or None")
        if not 1 <= self.cv_event_window_months <= 24:
            raise SettingsError("cv_event_window_months must be between 1 and 24")

    @property
    def age_caution_from(self) -> int:
        """CAU-AGE-65-PLUS fires from this age: the older-adult age or a lower clinic cap."""
        if self.upper_age_limit is None:
            return self.older_adult_age
        return min(self.older_adult_age, self.upper_age_limit)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Settings:
        """Settings from a mapping (clinic configuration); unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise SettingsError(f"unknown clinic settings: {sorted(unknown)}")
        return cls(**values)


DEFAULT_SETTINGS = Settings()
