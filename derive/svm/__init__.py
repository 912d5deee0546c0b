"""Problem 6: the multiclass (Weston–Watkins) SVM of the CS231n assignment, its subgradient and its classifier.

One place for the problem: :mod:`.maths` (the derivation, SymPy), :mod:`.functions` (its results lambdified to numpy), :mod:`.questions` (``gradproof check-answer``), :mod:`.experiment` (the numbers of :mod:`numerics.svm_experiment` and their checks against the derivation), :mod:`.solution` (the worked-solutions section), and :data:`PROBLEM`, its record in the registry
(:mod:`derive.problems`).  The names users import (``derive.svm.derivation``, ``derive.svm.svm_grad``, ...) are loaded on first
use, so importing the package costs no SymPy work.
"""

from __future__ import annotations

from derive.lazy import forward_to
from derive.registry import Command, Figure, package_problem

__all__ = ["PROBLEM"]

__getattr__ = forward_to(__name__, ['functions', 'maths'])


PROBLEM = package_problem(
    __name__,
    key="svm",
    numbers=(6,),
    title="Multiclass SVM loss and its subgradient",
    figures=(
        Figure("svm_loss_curve", "svm_loss_curve.png", "fig:svm-loss-curve",
               "Multiclass SVM: SGD batch loss against iteration, with the loss $C - 1$ at $W = 0$."),
        Figure("svm_sweep", "svm_sweep.png", "fig:svm-sweep",
               "Multiclass SVM: training and validation accuracy over the learning rate $\\times$ regularisation "
               "grid."),
        Figure("svm_weights", "svm_weights.png", "fig:svm-weights",
               "Multiclass SVM: the best model's weights of each class as an image (bias dropped)."),
    ),
    stream=4,
    commands=(Command("svm", "numerics.commands.svm", "multiclass SVM experiments (problem 6)"),),
)
