"""The registry: the one list of the homework's problems.

Each problem is a package ``derive/<key>/`` whose ``PROBLEM`` record
(:class:`derive.registry.Problem`) gives its derivation, its ``check-answer``
questions, its experiment and cross-checks, its sections of the worked solutions and
their figures.  Every engine — the answer catalogue, ``gradproof derive``, the
solutions document, the experiments, ``gradproof all``, the test battery — loops over
:data:`PROBLEMS`; no other file lists the problems.  Adding a problem is a new package
and one line below (README, "Add a problem").

Examples
--------
>>> problem_keys() == [p.key for p in PROBLEMS] and len(set(problem_keys())) == len(PROBLEMS)
True
>>> get_problem("hinge").title
'Hinge loss and its subgradients'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from derive import distances, hinge, noisy, softmax, svm
from derive.registry import Problem

if TYPE_CHECKING:  # pragma: no cover - types only
    from derive.core import Derivation

__all__ = ["PROBLEMS", "problem_keys", "get_problem", "get_derivation"]

#: every problem, in the order of the homework (of each package's first problem number)
PROBLEMS: tuple[Problem, ...] = (
    noisy.PROBLEM,
    distances.PROBLEM,
    softmax.PROBLEM,
    hinge.PROBLEM,
    svm.PROBLEM,
)


def problem_keys() -> list[str]:
    """The keys of every registered problem, in order."""
    return [p.key for p in PROBLEMS]


def get_problem(key: str) -> Problem:
    """The problem ``key``; ValueError listing the known keys otherwise."""
    for p in PROBLEMS:
        if p.key == key:
            return p
    raise ValueError(f"unknown problem {key!r}; known problems: {', '.join(problem_keys())}")


def get_derivation(key: str) -> Derivation:
    """The :class:`~derive.core.Derivation` of problem ``key``."""
    return get_problem(key).derivation()
