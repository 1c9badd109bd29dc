"""How many generated hostile requests this run sent, per test module (the hypothesis tests add
to it; tests/test_staff_hostile_input.py checks that a whole run sends at least 10,000)."""

from collections import Counter

SENT: Counter[str] = Counter()
