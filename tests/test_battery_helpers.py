"""Tests of the battery's own machinery: references, bounds, finite differences, reports, strategies.

The bounds are tested for soundness against mpmath (a float64 evaluation stays within its
bound of the 50-digit value) and each tool is fed a wrong input to show it can fail.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from battery import (
    EPS,
    BatteryFailure,
    DistanceCase,
    HingeCase,
    Report,
    RidgeCase,
    SoftmaxCase,
    central_difference,
    check_distances,
    check_hinge_kink,
    check_hinge_smooth,
    check_ridge_minimiser,
    check_softmax,
    check_softmax_predict,
    distance_bounds,
    distance_cases,
    exact_distances,
    exact_hinge_loss,
    expectation_cases,
    hinge_cases,
    hinge_kink_cases,
    kink_clearance,
    large_score_cases,
    mp_ridge_minimiser,
    mp_softmax_loss_and_grad,
    one_sided_slopes,
    probe_indices,
    reference_hinge_loss,
    reference_ridge_objective,
    reference_softmax_grad,
    reference_softmax_loss,
    select,
    softmax_bounds,
    softmax_cases,
    softmax_fd_bound,
    FD_STEP,
)


# -- finite differences -----------------------------------------------------------------------------

def test_central_difference_of_a_cubic_and_its_error_bound() -> None:
    x = np.array([1.0, -2.0, 0.5])
    f = lambda v: float(np.sum(v**3))  # noqa: E731
    got = central_difference(f, x, np.arange(3))
    # truncation h² f'''/6 = h² (6)/6 = h² per entry, plus rounding ~ eps |f| / h
    np.testing.assert_allclose(got, 3 * x**2, rtol=0, atol=FD_STEP**2 + 1e-10)
    assert x.tolist() == [1.0, -2.0, 0.5]  # not modified


def test_central_difference_detects_a_wrong_derivative() -> None:
    x = np.array([0.3, 1.7])
    fd = central_difference(lambda v: float(np.sum(np.sin(v))), x, np.arange(2))
    rep = Report("demo")
    rep.compare("right", "derivative", fd, np.cos(x), 1e-9)
    rep.compare("wrong", "derivative", fd, np.cos(x) * 1.001, 1e-9)
    with pytest.raises(BatteryFailure, match="wrong: derivative") as info:
        rep.close()
    assert info.value.failed == frozenset({"wrong"})


def test_probe_indices() -> None:
    assert probe_indices(5, None, None).tolist() == [0, 1, 2, 3, 4]
    idx = probe_indices(100, 10, np.random.default_rng(0))
    assert len(set(idx.tolist())) == 10 and idx.tolist() == sorted(idx.tolist())
    with pytest.raises(ValueError, match="needs an rng"):
        probe_indices(100, 10, None)


# -- the report ------------------------------------------------------------------------------------------

def test_report_records_exceptions_modified_inputs_shapes_and_nan() -> None:
    a = np.array([1.0, 2.0])

    def raises(v: np.ndarray) -> None:
        raise ValueError("boom")

    def modifies(v: np.ndarray) -> np.ndarray:
        v += 1
        return v

    rep = Report("demo")
    assert rep.call("raises", raises, a) is None
    rep.call("modifies", modifies, a)
    rep.compare("shape", "value", np.ones(3), np.ones(2), 1.0)
    rep.compare("nan", "value", [np.nan, 1.0], [1.0, 1.0], np.inf)
    assert rep.compare("fine", "value", [1.0, 2.0], [1.0, 2.0 + 1e-12], 1e-9)
    with pytest.raises(BatteryFailure) as info:
        rep.close()
    assert info.value.failed == {"raises", "modifies", "shape", "nan"}
    message = str(info.value)
    assert "raised ValueError: boom" in message and "modified its input" in message
    assert "shape (3,), expected (2,)" in message and "got nan" in message
    assert a.tolist() == [1.0, 2.0]  # the implementation got a copy


def test_report_passes_when_nothing_failed() -> None:
    Report("empty").close()


def test_select_by_kind() -> None:
    table = {"loss/a": 1, "loss/b": 2, "predict/c": 3}
    assert select(table, "loss") == {"loss/a": 1, "loss/b": 2}


# -- softmax references and bounds --------------------------------------------------------------------------

@given(case=softmax_cases())
def test_softmax_bounds_are_sound_against_mpmath(case: SoftmaxCase) -> None:
    """A float64 evaluation (the reference) lies within its bound of the 50-digit value."""
    loss_bound, grad_bound = softmax_bounds(case.W, case.X, case.y)
    mp_loss, mp_grad = mp_softmax_loss_and_grad(case.W, case.X, case.y)
    assert abs(reference_softmax_loss(case.W, case.X, case.y) - mp_loss) <= loss_bound + EPS * abs(mp_loss)
    assert np.all(np.abs(reference_softmax_grad(case.W, case.X, case.y) - mp_grad) <= grad_bound + EPS * np.abs(mp_grad))


@given(case=softmax_cases())
def test_softmax_fd_bound_is_sound_against_mpmath(case: SoftmaxCase) -> None:
    fd = central_difference(lambda w: reference_softmax_loss(w, case.X, case.y), case.W, np.arange(case.W.size))
    _, mp_grad = mp_softmax_loss_and_grad(case.W, case.X, case.y)
    bound = softmax_fd_bound(case.W, case.X, case.y).reshape(-1)
    assert np.all(np.abs(fd - mp_grad.reshape(-1)) <= bound + EPS * np.abs(mp_grad.reshape(-1)))


@given(case=large_score_cases())
def test_large_score_cases_reach_the_requested_scale(case: SoftmaxCase) -> None:
    top = np.abs(case.X.astype(np.float64) @ case.W.astype(np.float64).T).max()
    rel = 4 * case.X.shape[1] * np.finfo(case.W.dtype).eps  # W rounded to its dtype after rescaling
    assert 100 * (1 - rel) <= top <= 1e4 * (1 + rel)


@given(case=softmax_cases())
def test_softmax_cases_have_a_bias_column_and_valid_labels(case: SoftmaxCase) -> None:
    assert np.all(case.X[:, -1] == 1.0) and case.X.shape[0] >= 2
    assert case.y.min() >= 0 and case.y.max() < case.W.shape[0]


def test_mpmath_reference_on_a_hand_computed_case() -> None:
    W = np.zeros((2, 1))
    loss, grad = mp_softmax_loss_and_grad(W, np.array([[2.0]]), np.array([0]))
    assert loss == pytest.approx(math.log(2), abs=1e-15)
    np.testing.assert_allclose(grad, [[-1.0], [1.0]])  # (P - Y)^T x = (1/2 - 1, 1/2) * 2


def test_check_softmax_predict_refuses_ties() -> None:
    case = SoftmaxCase(np.zeros((2, 2)), np.ones((2, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="near-tied"):
        check_softmax_predict({}, case)


def test_check_softmax_flags_an_implementation_without_the_mean() -> None:
    case = SoftmaxCase(np.array([[0.5, -1.0], [0.2, 0.3]]), np.array([[1.0, 1.0], [-2.0, 1.0]]), np.array([0, 1]))
    summed = lambda W, X, y: (2 * reference_softmax_loss(W, X, y), 2 * reference_softmax_grad(W, X, y))  # noqa: E731
    exact = lambda W, X, y: (reference_softmax_loss(W, X, y), reference_softmax_grad(W, X, y))  # noqa: E731
    check_softmax({"loss/exact": exact}, case)
    with pytest.raises(BatteryFailure, match="loss/summed: loss"):
        check_softmax({"loss/exact": exact, "loss/summed": summed}, case)


# -- hinge ----------------------------------------------------------------------------------------------

@given(case=hinge_kink_cases())
def test_exact_hinge_loss_equals_the_float_one_on_dyadic_data(case: HingeCase) -> None:
    exact = exact_hinge_loss([Fraction(float(v)) for v in case.theta()], case.X, case.y)
    assert abs(float(exact) - reference_hinge_loss(case.theta(), case.X, case.y)) <= 4 * EPS * float(exact)
    assert np.any(case.y * (case.X @ case.w + case.b) == 1.0)


def test_one_sided_slopes_of_a_single_kink() -> None:
    """L(w, b) = max(0, 1 - (2w + b)) at w = 0, b = 1: slopes (-2, 0) along w and (-1, 0) along b."""
    case = HingeCase(np.array([0.0]), 1.0, np.array([[2.0]]), np.array([1]))
    back, fwd = one_sided_slopes(case)
    assert (back, fwd) == ([Fraction(-2), Fraction(-1)], [Fraction(0), Fraction(0)])


def test_hinge_kink_check_rejects_a_value_outside_and_needs_a_kink() -> None:
    case = HingeCase(np.array([0.0]), 1.0, np.array([[2.0]]), np.array([1]))
    outside = lambda w, b, X, y, kv: (0.0, np.array([-4.0]), -2.0)  # noqa: E731  t = 2
    with pytest.raises(BatteryFailure, match="outside the one-sided slopes"):
        check_hinge_kink({"hinge/outside": outside}, case)
    inside = lambda w, b, X, y, kv: (0.0, np.array([-2.0 * kv]), -kv)  # noqa: E731
    check_hinge_kink({"hinge/inside": inside}, case)
    with pytest.raises(ValueError, match="no margin is exactly 1"):
        check_hinge_kink({}, HingeCase(np.array([0.0]), 0.0, np.array([[2.0]]), np.array([1])))


@given(case=hinge_cases())
def test_hinge_cases_are_clear_of_kinks(case: HingeCase) -> None:
    assert kink_clearance(case, FD_STEP) > 2


def test_check_hinge_smooth_refuses_a_case_at_a_kink() -> None:
    with pytest.raises(ValueError, match="cross a kink"):
        check_hinge_smooth({}, HingeCase(np.array([0.0]), 1.0, np.array([[2.0]]), np.array([1])))


# -- ridge ----------------------------------------------------------------------------------------------

def test_mp_ridge_minimiser_on_a_hand_computed_case() -> None:
    # X = I (N = d = 2), sigma = 1: theta* = (I + 2I)^{-1} y = y / 3
    np.testing.assert_allclose(mp_ridge_minimiser(np.eye(2), np.array([3.0, -6.0]), 1.0), [1.0, -2.0], rtol=1e-15)


def test_check_ridge_minimiser_flags_a_wrong_solution_and_needs_sigma() -> None:
    case = RidgeCase(np.zeros(2), np.eye(2), np.array([3.0, -6.0]), 1.0)
    check_ridge_minimiser({"minimiser/exact": lambda X, y, s: np.array([1.0, -2.0])}, case)
    with pytest.raises(BatteryFailure, match="theta"):
        check_ridge_minimiser({"minimiser/off": lambda X, y, s: np.array([1.0, -2.0]) * (1 + 1e-9)}, case)
    with pytest.raises(ValueError, match="sigma > 0"):
        check_ridge_minimiser({}, RidgeCase(np.zeros(2), np.eye(2), np.ones(2), 0.0))


def test_reference_ridge_objective() -> None:
    assert reference_ridge_objective(np.array([1.0]), np.array([[2.0]]), np.array([1.0]), 0.5) == 1.0 + 0.25


@given(case=expectation_cases())
def test_expectation_cases_have_a_representable_loss(case: object) -> None:
    c = case.ridge  # type: ignore[attr-defined]
    assert 0.1 <= c.sigma <= 2.0
    assert reference_ridge_objective(c.theta, c.X, c.y, c.sigma) > 1e-100


# -- distances ----------------------------------------------------------------------------------------------

def test_exact_distances_by_hand() -> None:
    x, z = np.array([0, 255, 3], dtype=np.uint8), np.array([255, 0, 7], dtype=np.uint8)
    assert exact_distances(x, z) == {"sq": 2 * 255**2 + 16.0, "l2": math.sqrt(2 * 255**2 + 16), "l1": 514.0, "linf": 255.0}
    assert distance_bounds(x, z, exact_distances(x, z)) == {"sq": 0.0, "l2": 0.0, "l1": 0.0, "linf": 0.0}


@given(case=distance_cases())
def test_distance_cases(case: DistanceCase) -> None:
    assert case.X.shape[1] == case.Z.shape[1] and case.Z.shape[0] >= 1
    assert (case.X.dtype == np.uint8) == (case.kind == "uint8")
    assert case.X.dtype == case.Z.dtype


def test_check_distances_flags_nan_and_wrong_values() -> None:
    X = np.array([[1.0, 2.0]])
    case = DistanceCase(X, X.copy(), "float")
    nan = lambda A, B: np.full((1, 1), np.nan)  # noqa: E731
    off = lambda A, B: np.full((1, 1), 1e-3)  # noqa: E731
    with pytest.raises(BatteryFailure) as info:
        check_distances({"l2/nan": nan, "l1/off": off, "other/ignored": nan}, case)
    assert info.value.failed == {"l2/nan", "l1/off"}
    assert "expected a finite distance" in str(info.value)


@given(x=st.lists(st.integers(-3, 3), min_size=1, max_size=4))
def test_exact_distance_of_a_row_to_itself_is_zero(x: list[int]) -> None:
    v = np.array(x, dtype=np.float64) / 3
    assert exact_distances(v, v) == {"sq": 0.0, "l2": 0.0, "l1": 0.0, "linf": 0.0}
