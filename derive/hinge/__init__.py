"""Problem 4: the hinge loss and its subgradients.

One place for the problem: :mod:`.maths` (the derivation, SymPy, and its results lambdified to
numpy), :mod:`.questions` (``gradproof check-answer``), :mod:`.experiment` (the numbers and their
checks against the derivation), :mod:`.solution` (the worked-solutions section), and
:data:`PROBLEM`, its record in the registry (:mod:`derive.problems`). The names users import
(``derive.hinge.derivation``, ``derive.hinge.hinge_grad_w``, ...) are loaded on first use, so
importing the package costs no SymPy work.
"""

from __future__ import annotations

from derive.lazy import forward_to
from derive.registry import Figure, package_problem

__all__ = ["PROBLEM"]

__getattr__ = forward_to(__name__, ['maths'])


PROBLEM = package_problem(
    __name__,
    key="hinge",
    numbers=(4,),
    title="Hinge loss and its subgradients",
    figures=(
        Figure("hinge", "hinge.png", "fig:hinge",
               "The hinge loss $\\max(0, 1 - p)$ of one sample against its margin $p$, and its "
               "subgradient, with the subdifferential $[-1, 0]$ at the kink and the value chosen there "
               "(0, as in the homework)."),
    ),
    stream=1,
)
