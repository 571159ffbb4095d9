"""Hypothesis profiles: a small fixed budget by default, so that the property tests stay under a minute in CI.

For a longer local fuzzing run, choose the "thorough" profile:
    GDINVERSE_HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_properties.py
"""

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, database=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("GDINVERSE_HYPOTHESIS_PROFILE", "ci"))
