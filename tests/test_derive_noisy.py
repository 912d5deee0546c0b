"""Problem 1 (noisy linear regression): the derivation, its checks, and the lambdified numpy functions."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, note
from hypothesis import strategies as st

from derive import noisy
from derive.expectation import gaussian_expectation
from derive.matrix_forms import AsScalar, Component, canonical_sums, index_normaliser, linear_sums, stack_components, unroll_sums
from derive.noisy.forms import DeferredInverse, rational_limit
from derive.latex import to_latex
from derive.noisy import Xm, d, derivation, lam, sigma, thetam, ym
from derive.notation import DELTA, THETA, X

N = noisy.N
j, k, l, p, q = sp.symbols("j k l p q", integer=True)
NORM2 = sp.Sum(THETA[k] ** 2, (k, 0, d - 1))


# -- the derivation ------------------------------------------------------------------------------------

def test_every_step_verifies() -> None:
    results = derivation().verify(np.random.default_rng(1))
    failed = [(r.step.label, r.detail) for r in results if not r.ok]
    assert not failed
    # symbolic wherever SymPy decides; exact only for the steps that say so
    for r in results:
        assert r.status == {"definition": "definition", "symbolic": "proved", "positive": "proved",
                            "exact": "checked"}[r.step.check]
    assert {r.step.label for r in results if r.step.check == "exact"} == {
        "stationary", "sigma_to_0", "sigma_to_inf", "rate"}
    assert {r.step.label for r in results if r.step.check == "positive"} == {"hessian_pd"}


def test_result_is_clean_loss_plus_sigma_squared_norm() -> None:
    der = derivation()
    assert der.result.label == "expected"
    assert sp.expand(der.result.rhs - der.step("L").rhs - sigma**2 * NORM2) == 0
    # R depends on theta and sigma only, not on the data D
    r = der.step("R").rhs
    assert not r.has(X) and not r.has(noisy.y) and r.has(THETA) and r.has(sigma)


def _wrong(label: str) -> sp.Basic:
    """A plausible wrong right-hand side for step ``label``."""
    der = derivation()
    rhs = der.step(label).rhs
    xt = sp.Sum(X[j, k] * THETA[k], (k, 0, d - 1))
    dt = sp.Sum(DELTA[j, k] * THETA[k], (k, 0, d - 1))
    y = noisy.y
    r = Xm * thetam - ym
    wrong = {  # label -> the wrong right-hand side (the comment says what is wrong)
        "split": lambda: sp.Sum((y[j] - xt) ** 2 + 2 * (y[j] - xt) * dt + dt**2, (j, 0, N - 1)) / N,  # sign
        "expanded": lambda: sp.Sum((y[j] - xt) ** 2 + sp.Sum(sp.Sum(  # cross term dropped
            DELTA[j, k] * DELTA[j, l] * THETA[k] * THETA[l], (l, 0, d - 1)), (k, 0, d - 1)), (j, 0, N - 1)) / N,
        "expect": lambda: rhs.subs(sigma, sp.sqrt(2) * sigma),  # factor 2 on the moment
        "expected": lambda: der.step("L").rhs + sigma**2 * NORM2 / N,  # spurious 1/N
        "R": lambda: sigma * NORM2,  # wrong power of sigma
        "ridge": lambda: der.step("L").rhs + 2 * lam * NORM2,  # factor 2
        "L_matrix": lambda: AsScalar(sp.Transpose(r) * r),  # missing 1/N
        "grad": lambda: rhs - sigma**2 * THETA[p],  # factor 2 lost on the regulariser
        "hessian": lambda: 2 / N * sp.Sum(X[j, p] * X[j, q], (j, 0, N - 1)),  # regulariser term missing
        "grad_component": lambda: Component(2 / N * Xm.T * (ym - Xm * thetam) + 2 * sigma**2 * thetam, p),  # sign
        "sigma_to_0": lambda: Xm.T * ym / N,  # the sigma -> infinity asymptote instead
        "sigma_to_inf": lambda: Xm.T * ym,  # does not vanish
        "rate": lambda: Xm.T * ym,  # missing 1/N
    }
    return wrong[label]()


@pytest.mark.parametrize("label", ["split", "expanded", "expect", "expected", "R", "ridge", "L_matrix", "grad",
                                   "hessian", "grad_component", "sigma_to_0", "sigma_to_inf", "rate"])
def test_a_wrong_step_is_caught(label: str) -> None:
    der = derivation()
    i = [s.label for s in der.steps].index(label)
    bad = der.replace_step(i, dataclasses.replace(der.steps[i], rhs=_wrong(label)))
    result = bad.check_step(i, np.random.default_rng(0))
    assert not result.ok, result.detail


def test_a_wrong_minimiser_fails_the_stationarity_check() -> None:
    der = derivation()
    i = [s.label for s in der.steps].index("minimiser")
    wrong = sp.Inverse(Xm.T * Xm + sigma**2 * sp.Identity(d)) * Xm.T * ym  # N missing
    bad = der.replace_step(i, dataclasses.replace(der.steps[i], rhs=wrong))
    results = {r.step.label: r for r in (bad.check_step(n) for n in range(i, i + 2))}
    assert results["minimiser"].ok  # a definition, not checked ...
    assert not results["stationary"].ok  # ... but the gradient does not vanish there


def test_expectation_rule_refuses_an_unexpanded_square() -> None:
    # Feeding the rule the square (delta^T theta)^2 instead of the double sum must fail the step.
    der = derivation()
    i = [s.label for s in der.steps].index("expanded")
    split = der.step("split")
    bad = der.replace_step(i, dataclasses.replace(der.steps[i], rhs=split.rhs))
    r = bad.check_step(i + 1)
    assert not r.ok and "rule failed" in r.detail


# -- the expectation rule --------------------------------------------------------------------------------

J2 = sp.Symbol("J2", integer=True)


@pytest.mark.parametrize("expr, expected", [
    (THETA[k], THETA[k]),
    (DELTA[j, k], 0),
    (5 * DELTA[j, k] * THETA[k] + 1, 1),
    (DELTA[j, k] ** 2, sigma**2),
    (DELTA[j, k] * DELTA[J2, l], sigma**2 * sp.KroneckerDelta(j, J2) * sp.KroneckerDelta(k, l)),
    (sp.Sum(DELTA[j, k] * THETA[k], (k, 0, d - 1)), 0),
    (sp.Sum(DELTA[j, k] ** 2 * THETA[k], (k, 0, d - 1)), sp.Sum(sigma**2 * THETA[k], (k, 0, d - 1))),
])
def test_gaussian_expectation_table(expr: sp.Expr, expected: sp.Expr) -> None:
    assert sp.simplify(gaussian_expectation(expr, DELTA, sigma) - expected) == 0


@pytest.mark.parametrize("expr, message", [
    (DELTA[j, k] ** 3, "degree 3"),
    (DELTA[j, k] * DELTA[j, l] * DELTA[j, p], "degree 3"),
    (sp.Sum(DELTA[j, k] * THETA[k], (k, 0, d - 1)) ** 2, "expand products of sums"),
    (DELTA[j, k] * sp.Sum(DELTA[j, l], (l, 0, d - 1)), "expand products of sums"),
    (sp.exp(DELTA[j, k]), "cannot take the expectation"),
    (sp.Sum(THETA[k], (k, 0, DELTA[0, 0])), "summation bounds"),
])
def test_gaussian_expectation_refuses_what_it_cannot_do(expr: sp.Expr, message: str) -> None:
    with pytest.raises(NotImplementedError, match=message):
        gaussian_expectation(expr, DELTA, sigma)


# -- cross-check against sympy.stats ----------------------------------------------------------------------

@pytest.mark.parametrize("dv, nv", [(1, 1), (2, 2), (2, 3)])
def test_sympy_stats_agrees_exactly(dv: int, nv: int) -> None:
    assert noisy.cross_check_sympy_stats(dv, nv) == 0


def test_sympy_stats_cross_check_can_fail() -> None:
    wrong = derivation().step("L").rhs + 2 * sigma**2 * NORM2
    assert noisy.cross_check_sympy_stats(2, 2, claimed=wrong) != 0


@pytest.mark.parametrize("dv, nv", [(0, 1), (1, -2), (1.5, 2), (True, 1)])
def test_sympy_stats_cross_check_validates_sizes(dv: object, nv: object) -> None:
    with pytest.raises(ValueError, match="expected a positive integer"):
        noisy.cross_check_sympy_stats(dv, nv)  # type: ignore[arg-type]


# -- helpers of the checks -----------------------------------------------------------------------------------

s_ = sp.Symbol("s", positive=True)


@pytest.mark.parametrize("expr, point", [
    ((3 * s_**2 + 1) / (s_**2 + 2), sp.oo), ((3 * s_**2 + 1) / (s_**4 + 2), sp.oo), (s_ / (s_**2 + 1), 0),
    ((s_**3 + 1) / (s_ + 1), sp.oo), (sp.sin(s_) / s_, 0), ((s_ + 2) / (3 * s_ + 1), 0),
])
def test_rational_limit_agrees_with_sympy(expr: sp.Expr, point: sp.Expr) -> None:
    assert rational_limit(expr, s_, point) == sp.limit(expr, s_, point)


def test_sum_normalisers() -> None:
    n = sp.Symbol("n", integer=True, positive=True)
    a = sp.IndexedBase("a")
    assert unroll_sums(sp.Sum(a[k] * k, (k, 0, 2))) == a[1] + 2 * a[2]
    assert linear_sums(sp.Sum(3 * a[k] + sigma, (k, 0, n - 1))) == 3 * sp.Sum(a[k], (k, 0, n - 1)) + n * sigma
    assert linear_sums(sp.Sum(k * a[k], (k, 0, n - 1))) == sp.Sum(k * a[k], (k, 0, n - 1))  # k stays inside
    assert canonical_sums(sp.Sum(a[k], (k, 0, n))) == canonical_sums(sp.Sum(a[j], (j, 0, n)))
    assert canonical_sums(sp.Sum(a[k], (k, 0, n))) != canonical_sums(sp.Sum(a[j], (j, 1, n)))
    # an inner bound that uses the outer index is renamed with it
    assert canonical_sums(sp.Sum(a[k], (k, 0, j), (j, 0, n))) == canonical_sums(sp.Sum(a[l], (l, 0, k), (k, 0, n)))


def test_index_normaliser_detects_a_transposed_matrix() -> None:
    norm = index_normaliser({Xm: lambda a, b: X[a, b], thetam: lambda a, b: THETA[a]})
    right = sp.Sum(X[j, k] * THETA[k], (k, 0, d - 1))
    assert norm(Component(Xm * thetam, j) - right) == 0
    assert norm(Component(Xm * thetam, j) - sp.Sum(X[k, j] * THETA[k], (k, 0, d - 1))) != 0


def test_stack_components_only_stacks_components() -> None:
    assert stack_components(Component(thetam, p)) == thetam
    with pytest.raises(ValueError, match="expected a Component"):
        stack_components(thetam)


def test_deferred_inverse_waits_for_numbers() -> None:
    a = sp.MatrixSymbol("A", 2, 2)
    assert isinstance(DeferredInverse(a).doit(), DeferredInverse)
    m = sp.ImmutableMatrix([[2, 0], [0, 4]])
    assert DeferredInverse(m).doit() == sp.ImmutableMatrix([[sp.Rational(1, 2), 0], [0, sp.Rational(1, 4)]])


# -- rendering ----------------------------------------------------------------------------------------------------

def test_every_step_renders() -> None:
    der = derivation()
    for s in der.steps:
        assert to_latex(s.lhs) and to_latex(s.rhs)
    tex = der.to_latex()
    md = der._repr_markdown_()
    assert tex.count("\\item") == len(der.steps) and md.count("$$") == 2 * len(der.steps)


@pytest.mark.parametrize("label, side, fragment", [
    ("Ltilde", "rhs", r"\theta_{k} \left(x^{(j)}_{k} + \delta^{(j)}_{k}\right)"),
    ("split", "rhs", r"- 2 \left(y^{(j)} - x^{(j)\top} \theta\right) \delta^{(j)\top} \theta"),
    ("expect", "lhs", r"\mathbb{E}_{\delta}\left[\tilde{L}(\theta)\right]"),
    ("expect", "rhs", r"\mathbb{1}\{l = k\}"),
    ("expected", "rhs", r"\sigma^{2} \|\theta\|_2^2"),
    ("R", "rhs", r"\sigma^{2} \|\theta\|_2^2"),
    ("ridge", "rhs", r"\lambda \|\theta\|_2^2"),
    ("expected_matrix", "rhs", r"\frac{1}{N} \left(X \theta - y\right)^\top \left(X \theta - y\right)"),
    ("grad_matrix", "rhs", r"\frac{2}{N} X^\top \left(X \theta - y\right) + 2 \sigma^{2} \theta"),
    ("minimiser", "rhs", r"\left(N \sigma^{2} I + X^\top X\right)^{-1} X^\top y"),
    ("sigma_to_0", "lhs", r"\lim_{\sigma \to 0} \theta^*\left(\sigma\right)"),
    ("sigma_to_inf", "lhs", r"\lim_{\sigma \to \infty}"),
    ("rate", "rhs", r"\frac{1}{N} X^\top y"),
])
def test_key_results_render_in_homework_notation(label: str, side: str, fragment: str) -> None:
    assert fragment in to_latex(getattr(derivation().step(label), side))


# -- the lambdified numpy functions ------------------------------------------------------------------------------------

def _central_gradient(f, theta: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Float64 central differences of a scalar function (never modifies ``theta``)."""
    g = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        g[i] = (f(theta + e) - f(theta - e)) / (2 * h)
    return g


# The objective is quadratic in theta, so central differences have no truncation error at any h;
# what is left is rounding, about eps * |f| / h <= 2.2e-16 * 2e3 / 1e-4 ~ 5e-9 for the bounded inputs
# below (|x|, |y|, |theta| <= 3, d <= 4, so |f| <= 39^2 + 4 * 36). A 0.1 % error in a gradient is far above it.
GRAD_TOL = 1e-6


def test_central_gradient_helper_catches_a_slightly_wrong_gradient() -> None:
    rng = np.random.default_rng(3)
    Xa, ya, th = rng.normal(size=(6, 3)), rng.normal(size=6), rng.normal(size=3)
    num = _central_gradient(lambda t: noisy.expected_noisy_loss(t, Xa, ya, 0.7), th)
    ana = noisy.ridge_gradient(th, Xa, ya, 0.7)
    np.testing.assert_allclose(num, ana, rtol=GRAD_TOL, atol=GRAD_TOL)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(num, ana * 1.001, rtol=GRAD_TOL, atol=GRAD_TOL)


floats = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


@st.composite
def problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    n = draw(st.integers(1, 6), label="N")
    dim = draw(st.integers(1, 4), label="d")
    Xa = np.array(draw(st.lists(floats, min_size=n * dim, max_size=n * dim)), dtype=float).reshape(n, dim)
    ya = np.array(draw(st.lists(floats, min_size=n, max_size=n)), dtype=float)
    th = np.array(draw(st.lists(floats, min_size=dim, max_size=dim)), dtype=float)
    s = draw(st.floats(0, 2), label="sigma")
    return Xa, ya, th, s


@given(problems())
def test_ridge_gradient_matches_central_differences(problem) -> None:
    Xa, ya, th, s = problem
    num = _central_gradient(lambda t: noisy.expected_noisy_loss(t, Xa, ya, s), th)
    np.testing.assert_allclose(noisy.ridge_gradient(th, Xa, ya, s), num, rtol=GRAD_TOL, atol=GRAD_TOL)


@given(problems())
def test_expected_noisy_loss_is_squared_loss_plus_sigma_squared_norm(problem) -> None:
    Xa, ya, th, s = problem
    ref = np.mean((Xa @ th - ya) ** 2)  # independent reference for L
    np.testing.assert_allclose(noisy.squared_loss(th, Xa, ya), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(noisy.expected_noisy_loss(th, Xa, ya, s),
                               noisy.squared_loss(th, Xa, ya) + s**2 * th @ th, rtol=1e-12, atol=1e-12)


@given(problems())
def test_gradient_vanishes_at_the_minimiser(problem) -> None:
    Xa, ya, _, s = problem
    assume(s > 0.1)  # keep X^T X + N sigma^2 I well conditioned
    th = noisy.ridge_minimiser(Xa, ya, s)
    scale = 1 + np.abs(Xa).max() ** 2 * np.abs(th).max() + np.abs(Xa).max() * np.abs(ya).max()
    note(f"theta* = {th}")
    np.testing.assert_allclose(noisy.ridge_gradient(th, Xa, ya, s), 0, atol=1e-10 * scale)


def test_minimiser_limits_numerically() -> None:
    rng = np.random.default_rng(4)
    Xa, ya = rng.normal(size=(8, 3)), rng.normal(size=8)
    # sigma -> 0: least squares
    np.testing.assert_allclose(noisy.ridge_minimiser(Xa, ya, 0.0), np.linalg.lstsq(Xa, ya, rcond=None)[0], rtol=1e-10)
    # sigma -> infinity: sigma^2 theta* -> X^T y / N, so theta* -> 0 like 1/sigma^2
    big = 1e4
    np.testing.assert_allclose(big**2 * noisy.ridge_minimiser(Xa, ya, big), Xa.T @ ya / 8, rtol=1e-6)


def test_monte_carlo_average_of_noisy_loss() -> None:
    # An independent, statistical check of E[L~] with real Gaussian noise.
    rng = np.random.default_rng(5)
    n, dim, s, draws = 4, 3, 0.8, 20000
    Xa, ya, th = rng.normal(size=(n, dim)), rng.normal(size=n), rng.normal(size=dim)
    noise = rng.normal(scale=s, size=(draws, n, dim))
    losses = np.mean((ya - (Xa + noise) @ th) ** 2, axis=1)
    stderr = losses.std(ddof=1) / np.sqrt(draws)
    assert abs(losses.mean() - noisy.expected_noisy_loss(th, Xa, ya, s)) < 5 * stderr
    assert abs(losses.mean() - noisy.squared_loss(th, Xa, ya)) > 5 * stderr  # the regulariser is visible


def test_inputs_are_not_modified_and_uint8_does_not_wrap() -> None:
    Xa = np.array([[200, 3], [7, 250]], dtype=np.uint8)
    ya = np.array([1, 255], dtype=np.uint8)
    th = np.array([1.0, -1.0])
    before = (Xa.copy(), ya.copy(), th.copy())
    ref = np.mean((Xa.astype(float) @ th - ya.astype(float)) ** 2)
    assert noisy.squared_loss(th, Xa, ya) == pytest.approx(ref)
    noisy.ridge_gradient(th, Xa, ya, 0.5)
    noisy.ridge_minimiser(Xa, ya, 0.5)
    for a, b in zip(before, (Xa, ya, th)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("call, message", [
    (lambda: noisy.squared_loss(np.ones(2), np.ones(3), np.ones(3)), "X: expected a 2-D array"),
    (lambda: noisy.squared_loss(np.ones(3), np.ones((3, 2)), np.ones(3)), "theta: expected length 2"),
    (lambda: noisy.expected_noisy_loss(np.ones(2), np.ones((3, 2)), np.ones(4), 1.0), "same number of rows"),
    (lambda: noisy.ridge_gradient(np.ones(2), np.ones((3, 2)), np.ones(3), -1.0), "sigma: expected a finite"),
    (lambda: noisy.ridge_gradient(np.ones(2), np.full((3, 2), np.nan), np.ones(3), 1.0), "X: expected finite"),
    (lambda: noisy.ridge_minimiser(np.ones((1, 2)), np.ones(1), 0.0), "singular"),
])
def test_bad_input_raises_value_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
