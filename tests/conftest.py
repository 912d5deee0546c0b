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


# --- the grader's sandbox -----------------------------------------------------------------

import sys  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def bubblewrap() -> None:
    """Skip unless the grader's sandbox is bubblewrap; fail instead under ``GRADPROOF_REQUIRE_BWRAP`` (CI)."""
    from derive.grade.isolation import detect

    found = detect()
    if found.kind != "bubblewrap":
        if os.environ.get("GRADPROOF_REQUIRE_BWRAP"):
            pytest.fail(f"bubblewrap is required here (GRADPROOF_REQUIRE_BWRAP is set) but unavailable: {found.reason}")
        pytest.skip(f"needs the bubblewrap sandbox: {found.reason}")


@pytest.fixture
def unprivileged_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the grader use its ``unprivileged-user`` isolation (skip where it cannot: not root).

    Where the grader's own Python is unreadable to other users (e.g. under /root), the
    system's interpreter of the same version runs the child (``$GRADPROOF_SANDBOX_PYTHON``).
    """
    from derive.grade.isolation import ENV_OVERRIDE, PYTHON_OVERRIDE, detect

    monkeypatch.setenv(ENV_OVERRIDE, "unprivileged-user")
    same = f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}"
    if detect().kind != "unprivileged-user" and os.path.exists(same):
        monkeypatch.setenv(PYTHON_OVERRIDE, same)
    available = detect()
    if available.kind != "unprivileged-user":
        pytest.skip(f"the unprivileged-user isolation is not available here: {available.reason}")
