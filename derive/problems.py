"""The registry of derivations: problem key -> module.

Each module exposes ``derivation() -> Derivation`` (cached) and its lambdified
numpy functions.  Imported lazily so that one problem's cost is paid only when
it is asked for.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from derive.core import Derivation

__all__ = ["PROBLEMS", "get_derivation", "problem_module"]

#: key -> (module, title); order is the homework's.
PROBLEMS: dict[str, tuple[str, str]] = {
    "noisy": ("derive.noisy", "Noisy linear regression: input noise is ridge regularisation"),
    "distances": ("derive.distances", "Squared Euclidean distances by expansion"),
    "softmax": ("derive.softmax", "Softmax log-likelihood and its gradients"),
    "hinge": ("derive.hinge", "Hinge loss and its subgradients"),
}


def problem_module(key: str) -> ModuleType:
    """Import and return the module of problem ``key`` (ValueError listing known keys)."""
    if key not in PROBLEMS:
        raise ValueError(f"unknown problem {key!r}; known problems: {', '.join(PROBLEMS)}")
    return importlib.import_module(PROBLEMS[key][0])


def get_derivation(key: str) -> Derivation:
    """The :class:`~derive.core.Derivation` of problem ``key``."""
    return problem_module(key).derivation()
