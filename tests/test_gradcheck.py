"""Tests of numerics.gradcheck: the checker passes right gradients and fails wrong ones."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from numerics.gradcheck import (
    GradCheckResult,
    GradientCheckError,
    check_gradient,
    crosses_kink,
    default_tolerance,
    numerical_gradient,
    relative_error,
    sparse_numerical_gradient,
)

RNG_SEED = 1234


def _quadratic(A: np.ndarray):
    """f(W) = ½‖A W‖²_F with gradient AᵀA W (not symmetric in W, so a transposed gradient is wrong)."""

    def f(W: np.ndarray) -> float:
        return 0.5 * float(np.sum((A @ W) ** 2))

    def grad(W: np.ndarray) -> np.ndarray:
        return A.T @ (A @ W)

    return f, grad


@pytest.fixture
def problem():
    rng = np.random.default_rng(RNG_SEED)
    A = rng.standard_normal((5, 4))
    W = rng.standard_normal((4, 4))
    f, grad = _quadratic(A)
    return f, grad, W


# ---------------------------------------------------------------- finite differences


def test_numerical_gradient_matches_analytic(problem):
    f, grad, W = problem
    np.testing.assert_allclose(numerical_gradient(f, W), grad(W), rtol=1e-7, atol=1e-9)


def test_numerical_gradient_never_modifies_x():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    seen = []

    def f(v: np.ndarray) -> float:
        seen.append(v is x)
        return float(np.sum(v**2))

    numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)
    assert not any(seen), "f must be evaluated on a copy"


def test_caller_array_unchanged_when_f_raises_mid_check():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    calls = []

    def f(v: np.ndarray) -> float:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)


def test_integer_input_is_checked_in_float():
    x = np.array([1, 2, 250], dtype=np.uint8)
    g = numerical_gradient(lambda v: float(np.sum(v**2)), x)
    np.testing.assert_allclose(g, [2.0, 4.0, 500.0], rtol=1e-7)
    assert x.dtype == np.uint8 and x.tolist() == [1, 2, 250]


def test_sparse_equals_full_at_the_indices(problem):
    f, _, W = problem
    idx = np.array([0, 5, 15, 5])
    np.testing.assert_allclose(sparse_numerical_gradient(f, W, idx), numerical_gradient(f, W).reshape(-1)[idx], rtol=1e-12)


# ---------------------------------------------------------------- relative error and tolerance


def test_relative_error_formula_and_zero_over_zero():
    np.testing.assert_allclose(relative_error([1.0, 0.0, -3.0], [1.1, 0.0, 3.0]), [0.1 / 2.1, 0.0, 1.0])


def test_relative_error_tiny_acts_as_absolute_floor():
    assert relative_error([1e-12], [0.0], tiny=1e-6)[0] == pytest.approx(1e-6)
    assert relative_error([1e-12], [0.0])[0] == pytest.approx(1.0)


@pytest.mark.parametrize(("dtype", "tol"), [(np.float64, 1e-5), (np.float32, 1e-2), (np.float16, 1e-1), (np.int64, 1e-5), (np.uint8, 1e-5)])
def test_default_tolerance_table(dtype, tol):
    assert default_tolerance(dtype) == tol


def test_default_tolerance_catches_a_tenth_of_a_percent_in_float64():
    assert 0.001 / 2.001 > default_tolerance(np.float64)


# ---------------------------------------------------------------- the checker itself


def test_right_gradient_passes(problem):
    f, grad, W = problem
    result = check_gradient(f, grad, W)
    assert isinstance(result, GradCheckResult)
    assert result.passed and result.max_error < 1e-7
    assert result.indices.tolist() == list(range(W.size))
    assert not result.kinks.any()


WRONG_GRADIENTS = {
    "off by 0.1%": lambda g: g * 1.001,
    "sign flipped": lambda g: -g,
    "transposed": lambda g: g.T,
    "missing one entry": lambda g: np.where(np.arange(g.size).reshape(g.shape) == 3, 0.0, g),
}


@pytest.mark.parametrize("mistake", list(WRONG_GRADIENTS))
def test_wrong_gradient_fails(problem, mistake):
    f, grad, W = problem
    wrong = WRONG_GRADIENTS[mistake](grad(W))
    result = check_gradient(f, wrong, W, raise_on_failure=False)
    assert not result.passed
    with pytest.raises(GradientCheckError, match=r"gradient check of .*f failed at index \(\d+, \d+\): analytic .*, numeric .*relative error"):
        check_gradient(f, wrong, W)


def test_error_message_names_function_index_and_values():
    def cube_sum(x: np.ndarray) -> float:
        return float(np.sum(x**3))

    x = np.array([1.0, 2.0])
    with pytest.raises(GradientCheckError) as info:
        check_gradient(cube_sum, np.array([3.0, 12.5]), x)
    msg = str(info.value)
    assert "cube_sum" in msg and "index (1,)" in msg and "analytic 12.5" in msg and "numeric 12" in msg
    assert isinstance(info.value, ValueError)


def test_check_never_modifies_the_callers_arrays(problem):
    f, grad, W = problem
    W_before, g = W.copy(), grad(W)
    g_before = g.copy()
    check_gradient(f, g, W)
    check_gradient(f, g * 2, W, raise_on_failure=False)
    np.testing.assert_array_equal(W, W_before)
    np.testing.assert_array_equal(g, g_before)


def test_sparse_checks_are_seeded_and_distinct(problem):
    f, grad, W = problem
    r1 = check_gradient(f, grad, W, num_checks=6, rng=np.random.default_rng(3))
    r2 = check_gradient(f, grad, W, num_checks=6, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(r1.indices, r2.indices)
    assert len(set(r1.indices.tolist())) == 6


def test_exact_zero_gradient_with_roundoff_passes_but_a_large_error_does_not():
    # f depends on x[0] only: the true derivative in x[1] is exactly 0
    f = lambda x: float(np.exp(x[0]) + 0.0 * x[1])  # noqa: E731
    x = np.array([0.3, 5.0])
    assert check_gradient(f, np.array([np.exp(0.3), 1e-14]), x).passed
    assert not check_gradient(f, np.array([np.exp(0.3), 1e-3]), x, raise_on_failure=False).passed


def test_nan_gradient_fails():
    x = np.array([1.0, 2.0])
    res = check_gradient(lambda v: float(v @ v), np.array([2.0, np.nan]), x, raise_on_failure=False)
    assert not res.passed and np.isnan(res.rel_errors[1])


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), m=st.integers(1, 5), scale=st.floats(1e-3, 1e3))
def test_property_quadratics_pass_and_scaled_gradients_fail(seed, n, m, scale):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n + 1, n)) * scale
    W = rng.standard_normal((n, m))
    f, grad = _quadratic(A)
    g = grad(W)
    note(f"seed={seed}, A={A!r}, W={W!r}")
    assert check_gradient(f, g, W).passed
    if np.abs(g).max() > 1e-6 * scale**2:
        assert not check_gradient(f, g * 1.001, W, raise_on_failure=False).passed


# ---------------------------------------------------------------- kinks


def _hinge(x: np.ndarray) -> float:
    """Piecewise linear: kink where 1 - 2 x[0] + x[1] = 0."""
    return float(max(0.0, 1.0 - 2.0 * x[0] + x[1]) + 0.5 * x[1])


def _hinge_subgradient(x: np.ndarray) -> np.ndarray:
    active = 1.0 if 1.0 - 2.0 * x[0] + x[1] > 0 else 0.0  # 0 at the kink, as the homework
    return np.array([-2.0 * active, active + 0.5])


def test_crosses_kink_detects_a_probe_across_the_hinge():
    on_kink = np.array([0.5, 0.0])
    assert crosses_kink(_hinge, on_kink, 0, 1e-5)
    assert crosses_kink(_hinge, on_kink, (1,), 1e-5)
    assert not crosses_kink(_hinge, np.array([2.0, 0.0]), 0, 1e-5)
    assert not crosses_kink(_hinge, np.array([-2.0, 0.0]), 1, 1e-5)


def test_kink_probe_is_reported_not_failed():
    on_kink = np.array([0.5, 0.0])
    with pytest.raises(GradientCheckError):
        check_gradient(_hinge, _hinge_subgradient, on_kink)  # without a detector the kink fails
    res = check_gradient(_hinge, _hinge_subgradient, on_kink, kink_detector=crosses_kink)
    assert res.passed and res.kinks.all()


def test_kink_detector_does_not_hide_a_wrong_gradient_off_the_kink():
    x = np.array([2.0, 0.0])  # inactive piece: gradient (0, 0.5)
    res = check_gradient(_hinge, np.array([0.0, -0.5]), x, kink_detector=crosses_kink, raise_on_failure=False)
    assert not res.passed and not res.kinks.any()


# ---------------------------------------------------------------- bad input


def test_f_must_be_scalar():
    with pytest.raises(ValueError, match="real scalar-valued functions"):
        numerical_gradient(lambda v: v * 2, np.ones(3))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"h": 0.0}, "h: expected a finite number > 0"),
        ({"h": -1e-5}, "h: expected a finite number > 0"),
        ({"tol": 0.0}, "tol: expected a finite number > 0"),
        ({"num_checks": 0}, "num_checks: expected an integer >= 1"),
        ({"num_checks": 17}, "num_checks: expected an integer <= 16"),
        ({"num_checks": 2.5}, "num_checks: expected an integer"),
    ],
)
def test_check_gradient_bad_parameters(problem, kwargs, match):
    f, grad, W = problem
    with pytest.raises(ValueError, match=match):
        check_gradient(f, grad, W, **kwargs)


def test_check_gradient_bad_shapes_and_values(problem):
    f, grad, W = problem
    with pytest.raises(ValueError, match=r"grad: expected the shape of x \(4, 4\), got \(4, 3\)"):
        check_gradient(f, grad(W)[:, :3], W)
    bad = W.copy()
    bad[1, 2] = np.inf
    with pytest.raises(ValueError, match="x: expected finite values, got 1 NaN or infinite entry"):
        check_gradient(f, grad, bad)
    with pytest.raises(ValueError, match="x: expected a non-empty array"):
        numerical_gradient(f, np.empty((0, 4)))
    with pytest.raises(ValueError, match="grad: expected a numeric array"):
        check_gradient(lambda v: float(v.sum()), np.array(["a"]), np.ones(1))


def test_sparse_bad_indices(problem):
    f, _, W = problem
    with pytest.raises(ValueError, match=r"indices: expected flat indices in 0..15 for shape \(4, 4\), got 16"):
        sparse_numerical_gradient(f, W, [0, 16])
    with pytest.raises(ValueError, match="indices: expected integer flat indices"):
        sparse_numerical_gradient(f, W, [0.5])
    with pytest.raises(ValueError, match="indices: expected a 1-D array"):
        sparse_numerical_gradient(f, W, [[0]])


def test_crosses_kink_bad_index():
    with pytest.raises(ValueError, match="index: expected an integer <= 1"):
        crosses_kink(_hinge, np.zeros(2), 2)
    with pytest.raises(ValueError, match=r"index: expected 1 coordinates for shape \(2,\)"):
        crosses_kink(_hinge, np.zeros(2), (0, 0))
    with pytest.raises(ValueError, match="index: expected a valid index"):
        crosses_kink(_hinge, np.zeros(2), (5,))


def test_relative_error_and_tolerance_bad_input():
    with pytest.raises(ValueError, match=r"expected the same shape, got \(2,\) and \(3,\)"):
        relative_error(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="tiny: expected a finite number > 0"):
        relative_error(np.ones(2), np.ones(2), tiny=0.0)
    with pytest.raises(ValueError, match="expected a real floating-point or integer dtype, got complex128"):
        default_tolerance(np.complex128)
