"""Battery: softmax loss and gradient for scores up to ±1e4 are finite and equal mpmath (50 digits).

Small inputs (mpmath is slow); the weights are rescaled so that the largest |score| is a
drawn value up to 1e4 (often exactly 1e4), where exp overflows without max-subtraction.
Every implementation of the table is held to it, loops and derive's lambdified forms included.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, note

from battery import SoftmaxCase, check_softmax_stability, large_score_cases, mp_softmax_loss_and_grad, softmax_impls


@given(case=large_score_cases())
def test_large_scores_are_finite_and_exact(case: SoftmaxCase) -> None:
    note(f"W = {case.W.tolist()!r}\nX = {case.X.tolist()!r}\ny = {case.y.tolist()!r}")
    note(f"max |score| = {np.abs(case.X @ case.W.T).max():.6g}")
    check_softmax_stability(softmax_impls(), case)


def test_extreme_scores_exactly() -> None:
    """Scores exactly ±1e4 with a wrong label: loss 2e4, probabilities exactly 0 and 1."""
    W = np.array([[1e4, 0.0], [-1e4, 0.0]])
    X = np.array([[1.0, 1.0], [-1.0, 1.0]])
    y = np.array([1, 0])  # both samples labelled with their improbable class
    loss, grad = mp_softmax_loss_and_grad(W, X, y)
    assert loss == 2e4
    np.testing.assert_array_equal(grad, [[1.0, 0.0], [-1.0, 0.0]])
    check_softmax_stability(softmax_impls(), SoftmaxCase(W, X, y))
