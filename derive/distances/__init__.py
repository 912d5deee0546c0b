"""Problem 2: k-nearest neighbours — squared Euclidean distances by expansion, and the kNN experiments.

One place for the problem: :mod:`.maths` (the derivation, SymPy, and its results lambdified to
numpy), :mod:`.questions` (``gradproof check-answer``), :mod:`.experiment` (the numbers and their
checks against the derivation), :mod:`.solution` (the worked-solutions section), and
:data:`PROBLEM`, its record in the registry (:mod:`derive.problems`). The names users import
(``derive.distances.derivation``, ``derive.distances.squared_distances``, ...) are loaded on first
use, so importing the package costs no SymPy work.
"""

from __future__ import annotations

from derive.lazy import forward_to
from derive.registry import Command, Figure, package_problem

__all__ = ["PROBLEM"]

__getattr__ = forward_to(__name__, ['maths'])


PROBLEM = package_problem(
    __name__,
    key="distances",
    numbers=(2,),
    title="Squared Euclidean distances by expansion",
    figures=(
        Figure("samples", "knn_samples.png", "fig:samples",
               "Sample training images, one column per class."),
        Figure("error_vs_k", "knn_error_vs_k.png", "fig:error-vs-k",
               "Cross-validation error against $k$ ($L_2$): every fold, and the mean "
               "$\\pm$ standard deviation over folds."),
        Figure("error_vs_norm", "knn_error_vs_norm.png", "fig:error-vs-norm",
               "Cross-validation error of each norm at the best $k$."),
    ),
    stream=2,
    commands=(Command("knn", "numerics.commands.knn", "k-nearest neighbours experiments (problem 2)"),),
)
