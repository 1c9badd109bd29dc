"""Height and weight in the units a clinic's patients use: feet, inches and pounds (`us`, the
default) or centimetres and kilograms (`metric`), set by MEASUREMENT_UNITS. Answers are always
stored as whole centimetres and kilograms (`height_cm`, `weight_kg`), rounded to the nearest.
Pure arithmetic: no Flask here."""

from __future__ import annotations

from math import floor

UNITS = ("us", "metric")
CM_PER_INCH = 2.54
KG_PER_POUND = 0.45359237


def nearest(value: float) -> int:
    """Half up, as a person rounds (Python's round() goes to the even neighbour)."""
    return floor(value + 0.5)


def cm_from_inches(inches: int) -> int:
    return nearest(inches * CM_PER_INCH)


def feet_and_inches(cm: int) -> tuple[int, int]:
    return divmod(nearest(cm / CM_PER_INCH), 12)


def kg_from_pounds(pounds: int) -> int:
    return nearest(pounds * KG_PER_POUND)


def pounds(kg: int) -> int:
    return nearest(kg / KG_PER_POUND)


def inch_range(low_cm: int, high_cm: int) -> tuple[int, int]:
    """The whole inches whose centimetres fall within [low_cm, high_cm]."""
    low = next(i for i in range(0, 200) if cm_from_inches(i) >= low_cm)
    high = next(i for i in range(200, 0, -1) if cm_from_inches(i) <= high_cm)
    return low, high


def pound_range(low_kg: int, high_kg: int) -> tuple[int, int]:
    """The whole pounds whose kilograms fall within [low_kg, high_kg]."""
    low = next(p for p in range(0, 2000) if kg_from_pounds(p) >= low_kg)
    high = next(p for p in range(2000, 0, -1) if kg_from_pounds(p) <= high_kg)
    return low, high
