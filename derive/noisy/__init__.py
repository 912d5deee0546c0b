"""Problem 1: noisy linear regression — input noise is ridge regularisation.

One place for the problem: :mod:`.maths` (the derivation, SymPy, and its results lambdified to
numpy), :mod:`.questions` (``gradproof check-answer``), :mod:`.experiment` (the numbers and their
checks against the derivation), :mod:`.solution` (the worked-solutions section), and
:data:`PROBLEM`, its record in the registry (:mod:`derive.problems`). The names users import
(``derive.noisy.derivation``, ``derive.noisy.ridge_minimiser``, ...) are loaded on first use, so
importing the package costs no SymPy work.
"""

from __future__ import annotations

from derive.lazy import forward_to
from derive.registry import Figure, package_problem

__all__ = ["PROBLEM"]

__getattr__ = forward_to(__name__, ['maths'])


PROBLEM = package_problem(
    __name__,
    key="noisy",
    numbers=(1,),
    title="Noisy linear regression: input noise is ridge regularisation",
    figures=(
        Figure("shrinkage", "shrinkage_path.png", "fig:shrinkage",
               "Shrinkage path $\\|\\theta^*(\\sigma)\\|$ of the synthetic regression problem, "
               "with its two limits."),
    ),
    stream=0,
)
