"""`make bench`: the performance budgets of issue 18 in the user's terms (see __main__.py)."""
