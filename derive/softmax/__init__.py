"""Problems 3 and 5: the softmax log-likelihood and its gradients, and the softmax classifier.

One place for the problem: :mod:`.maths` (the derivation, SymPy), :mod:`.functions` (its results
lambdified to numpy), :mod:`.questions` (``gradproof check-answer``), :mod:`.experiment` (the
numbers and their checks against the derivation), :mod:`.solution` (the worked-solutions section),
and :data:`PROBLEM`, its record in the registry (:mod:`derive.problems`). The names users import
(``derive.softmax.grad_W``, ``derive.softmax.derivation``, ...) are loaded on first use, so
importing the package costs no SymPy work.
"""

from __future__ import annotations

from derive.lazy import forward_to
from derive.registry import Command, Figure, package_problem

__all__ = ["PROBLEM"]

__getattr__ = forward_to(__name__, ['functions', 'maths'])


PROBLEM = package_problem(
    __name__,
    key="softmax",
    numbers=(3, 5),
    title="Softmax log-likelihood and its gradients",
    figures=(
        Figure("loss_curve", "softmax_loss_curve.png", "fig:loss-curve",
               "Softmax classifier: SGD batch loss against iteration, with $\\log C$."),
        Figure("lr_sweep", "softmax_lr_sweep.png", "fig:lr-sweep",
               "Learning-rate sweep: accuracies and final training loss."),
    ),
    stream=3,
    commands=(Command("softmax", "numerics.commands.softmax", "softmax classifier experiments (problem 5)"),),
)
