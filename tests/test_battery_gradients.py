"""Battery: derived gradients = float64 central differences = vectorised = loop implementations.

Softmax (∇W of the mean loss, ∇wᵢ, ∇bᵢ and ∇W of the log-likelihood through derive's split
form), the initial loss log C, predict, the noisy-regression / ridge objective and gradient,
the ridge minimiser, and numerics.gradcheck's own finite differences and checkers.  Every
check is a function of ``battery`` so that ``test_battery_mutants.py`` can re-run it
on mutants; the tolerances are derived there (module docstring), not tuned here.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, note

from battery import (
    RidgeCase,
    SoftmaxCase,
    check_numerical_gradient,
    check_ridge,
    check_ridge_minimiser,
    check_softmax,
    check_softmax_initial,
    check_softmax_predict,
    gradcheck_impls,
    minimiser_cases,
    noisy_impls,
    ridge_cases,
    ridge_condition,
    softmax_cases,
    softmax_impls,
)


def _note_softmax(case: SoftmaxCase) -> None:
    note(f"W = {case.W.tolist()!r}\nX = {case.X.tolist()!r}\ny = {case.y.tolist()!r}")


@given(case=softmax_cases())
def test_softmax_loss_and_gradient_agree_everywhere(case: SoftmaxCase) -> None:
    _note_softmax(case)
    check_softmax(softmax_impls(), case)


@given(case=softmax_cases())
def test_softmax_initial_loss_is_log_c(case: SoftmaxCase) -> None:
    _note_softmax(case)
    check_softmax_initial(softmax_impls(), case)


@given(case=softmax_cases(untied=True))
def test_softmax_predict_is_the_row_argmax(case: SoftmaxCase) -> None:
    _note_softmax(case)
    check_softmax_predict(softmax_impls(), case)


@given(case=softmax_cases(dtypes=(np.float64,)))
def test_gradcheck_engines_and_checkers(case: SoftmaxCase) -> None:
    """numerics.gradcheck perturbs in the dtype of x: its float64 bound needs float64 cases."""
    _note_softmax(case)
    check_numerical_gradient(gradcheck_impls(), case)


def _note_ridge(case: RidgeCase) -> None:
    note(f"theta = {case.theta.tolist()!r}\nX = {case.X.tolist()!r}\ny = {case.y.tolist()!r}\nsigma = {case.sigma!r}")


@given(case=ridge_cases())
def test_ridge_objective_and_gradient_agree(case: RidgeCase) -> None:
    _note_ridge(case)
    check_ridge(noisy_impls(), case)


@given(case=minimiser_cases())
def test_ridge_minimiser_agrees_with_least_squares(case: RidgeCase) -> None:
    _note_ridge(case)
    note(f"condition number {ridge_condition(case.X, case.sigma):.3g}")
    check_ridge_minimiser(noisy_impls(), case)


def test_check_gradient_accepts_the_exact_gradient_of_a_cancelling_loss() -> None:
    """Found by the thorough profile: numerics.gradcheck.check_gradient rejects an exact gradient.

    The mean softmax loss computed as logsumexp(s) - s_y (scipy) has terms ≈ 8 but a value ≈ 0.06,
    so its round-off (≈ ε·8) is ~130x the ε·|f| that check_gradient's floor τ = 4ε·max|f|/(h·tol)
    assumes.  At entry (0, 1) the derivative is 3.2749e-7, the central difference is off by 1.9e-11
    (well inside the battery's bound 2.1e-9), and the relative error 2.9e-5 exceeds 1e-5.
    """
    case = SoftmaxCase(np.array([[0.0, 2.0, 0.0], [2.0, 2.0, 2.0]]),
                       np.array([[3.0, 0.001953125, 1.0], [0.0, 0.0, 1.0]]), np.array([1, 1]))
    check_numerical_gradient(gradcheck_impls(), case)
