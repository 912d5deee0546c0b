"""Shared test configuration: hypothesis profiles.

``GRADPROOF_HYPOTHESIS_PROFILE=ci`` (the default) is derandomised and bounded so
the whole suite stays within a few minutes on two cores;
``GRADPROOF_HYPOTHESIS_PROFILE=thorough`` runs many more examples.
"""

from __future__ import annotations

import os

import matplotlib
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=40,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("GRADPROOF_HYPOTHESIS_PROFILE", "ci"))
