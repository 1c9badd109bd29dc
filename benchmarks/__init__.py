"""`make bench`: speed targets measured as ratios against a floor in the same run."""
