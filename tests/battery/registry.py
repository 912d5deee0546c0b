"""The battery of every registered problem (``battery/<key>.py``'s ``BATTERY``), plus the gradient checker's.

Loops over :data:`derive.problems.PROBLEMS`: a problem added to the registry needs a
``tests/battery/<key>.py`` with a ``BATTERY``, and ``test_registry.py`` fails until it has one.
"""

from __future__ import annotations

import importlib

from battery.components import Battery, Component
from battery.gradcheck import GRADCHECK_BATTERY
from derive.problems import PROBLEMS

__all__ = ["BATTERIES", "Battery", "Component", "problem_battery"]


def problem_battery(key: str) -> Battery:
    """The battery of problem ``key`` (``battery.<key>.BATTERY``)."""
    return importlib.import_module(f"battery.{key}").BATTERY


BATTERIES: dict[str, Battery] = {
    **{p.key: problem_battery(p.key) for p in PROBLEMS},
    "gradcheck": GRADCHECK_BATTERY,
}
