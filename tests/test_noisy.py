"""Tests of numerics.noisy (problem 1 numerically) and the shrinkage figure."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

import numerics.noisy as noisy
from numerics.gradcheck import check_gradient
from numerics.linear_plots import plot_shrinkage_path
from numerics.noisy import (
    expected_noisy_loss,
    noisy_loss_monte_carlo,
    ridge_gradient,
    ridge_minimiser,
    shrinkage_limits,
    shrinkage_path,
    squared_loss,
)


def _data(seed: int, n: int = 30, d: int = 4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    theta = rng.standard_normal(d)
    return theta, X, X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n)


def test_squared_loss_and_closed_form():
    theta, X, y = _data(0)
    L = np.mean((y - X @ theta) ** 2)
    assert squared_loss(theta, X, y) == pytest.approx(L)
    assert expected_noisy_loss(theta, X, y, 0.7) == pytest.approx(L + 0.49 * theta @ theta)
    assert expected_noisy_loss(theta, X, y, 0.0) == pytest.approx(L)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 20), d=st.integers(1, 5), sigma=st.floats(0.05, 3.0))
def test_monte_carlo_agrees_with_the_closed_form(seed, n, d, sigma):
    theta, X, y = _data(seed, n, d)
    mean, se = noisy_loss_monte_carlo(theta, X, y, sigma, n_draws=4000, rng=np.random.default_rng(seed))
    closed = expected_noisy_loss(theta, X, y, sigma)
    note(f"mean={mean}, se={se}, closed={closed}")
    assert se > 0
    assert abs(mean - closed) < 4 * se


def test_the_monte_carlo_check_rejects_a_wrong_closed_form():
    theta, X, y = _data(1)
    sigma = 1.0
    mean, se = noisy_loss_monte_carlo(theta, X, y, sigma, n_draws=4000, rng=np.random.default_rng(7))
    L, R = squared_loss(theta, X, y), sigma**2 * float(theta @ theta)
    assert abs(mean - (L + R)) < 4 * se
    for wrong in (L, L + 2 * R, L + np.sqrt(R)):  # no regulariser; a factor 2; σ instead of σ²
        assert abs(mean - wrong) > 4 * se


def test_monte_carlo_is_seeded_and_chunking_does_not_change_it(monkeypatch):
    theta, X, y = _data(2, n=6, d=3)
    a = noisy_loss_monte_carlo(theta, X, y, 0.5, n_draws=101, rng=np.random.default_rng(3))
    b = noisy_loss_monte_carlo(theta, X, y, 0.5, n_draws=101, rng=np.random.default_rng(3))
    assert a == b
    monkeypatch.setattr(noisy, "_CHUNK_ENTRIES", 6 * 3 * 7)  # 7 draws per chunk
    c = noisy_loss_monte_carlo(theta, X, y, 0.5, n_draws=101, rng=np.random.default_rng(3))
    assert c == pytest.approx(a, rel=1e-13)


def test_monte_carlo_without_noise_is_exact():
    theta, X, y = _data(3)
    mean, se = noisy_loss_monte_carlo(theta, X, y, 0.0, n_draws=5, rng=np.random.default_rng(0))
    assert mean == pytest.approx(squared_loss(theta, X, y), rel=1e-14) and se < 1e-14 * mean


@pytest.mark.parametrize("sigma", [0.0, 0.01, 0.5, 10.0])
def test_ridge_minimiser_has_zero_gradient_and_matches_augmented_least_squares(sigma):
    _, X, y = _data(4)
    n, d = X.shape
    theta = ridge_minimiser(X, y, sigma)
    np.testing.assert_allclose(ridge_gradient(theta, X, y, sigma), 0.0, atol=1e-12)
    # independent reference: ‖y − Xθ‖² + Nσ²‖θ‖² is least squares on [X; √N σ I]
    A = np.vstack([X, np.sqrt(n) * sigma * np.eye(d)])
    ref = np.linalg.lstsq(A, np.concatenate([y, np.zeros(d)]), rcond=None)[0]
    np.testing.assert_allclose(theta, ref, rtol=1e-9, atol=1e-12)
    assert not np.allclose(ridge_gradient(theta + 0.01, X, y, sigma), 0.0, atol=1e-6)


def test_ridge_gradient_passes_the_gradient_check():
    theta, X, y = _data(5)
    f = lambda t: squared_loss(t, X, y) + 0.3**2 * float(t @ t)  # noqa: E731
    assert check_gradient(f, lambda t: ridge_gradient(t, X, y, 0.3), theta).passed
    assert not check_gradient(f, lambda t: ridge_gradient(t, X, y, 0.0), theta, raise_on_failure=False).passed


def test_sigma_zero_rank_deficient_is_minimum_norm_least_squares():
    _, X, y = _data(6, n=3, d=5)  # more features than samples
    theta = ridge_minimiser(X, y, 0.0)
    np.testing.assert_allclose(theta, np.linalg.pinv(X) @ y, atol=1e-12)
    assert shrinkage_limits(X, y)[0] == pytest.approx(np.linalg.norm(theta))


def test_shrinkage_path_matches_minimiser_and_limits():
    _, X, y = _data(7)
    sigmas = np.logspace(-4, 4, 33)
    norms = shrinkage_path(X, y, sigmas)
    np.testing.assert_allclose(norms, [np.linalg.norm(ridge_minimiser(X, y, s)) for s in sigmas], rtol=1e-9)
    assert np.all(np.diff(norms) < 0)  # monotone decreasing
    ls_norm, c = shrinkage_limits(X, y)
    assert norms[0] == pytest.approx(ls_norm, rel=1e-6)  # σ → 0: least squares
    scaled = norms * sigmas**2
    assert np.all(scaled <= c * (1 + 1e-12))  # ‖θ*‖σ² is bounded ...
    assert scaled[-1] == pytest.approx(c, rel=1e-6)  # ... and tends to ‖Xᵀy‖ / N


def test_shrinkage_figure():
    _, X, y = _data(8)
    sigmas = np.logspace(-2, 2, 9)
    ls, c = shrinkage_limits(X, y)
    fig = plot_shrinkage_path(sigmas, shrinkage_path(X, y, sigmas), least_squares_norm=ls, asymptote_coefficient=c)
    assert isinstance(fig, Figure) and fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "log"
    assert isinstance(plot_shrinkage_path(sigmas, shrinkage_path(X, y, sigmas)), Figure)
    with pytest.raises(ValueError, match="sigmas and norms: expected the same length, got 9 and 8"):
        plot_shrinkage_path(sigmas, np.ones(8))
    with pytest.raises(ValueError, match="expected positive values for a log-log plot"):
        plot_shrinkage_path(sigmas, np.zeros(9))


def test_inputs_are_not_modified():
    theta, X, y = _data(9)
    saved = (theta.copy(), X.copy(), y.copy())
    noisy_loss_monte_carlo(theta, X, y, 1.0, n_draws=3, rng=np.random.default_rng(0))
    ridge_minimiser(X, y, 0.2)
    shrinkage_path(X, y, [0.1, 1.0])
    for a, s in zip((theta, X, y), saved):
        np.testing.assert_array_equal(a, s)


def test_every_error_path():
    theta, X, y = _data(10)
    X_inf = X.copy()
    X_inf[0, 0] = np.inf
    rng = np.random.default_rng(0)
    cases = [
        (lambda: squared_loss(theta[:2], X, y), "theta: expected length 4, got length 2"),
        (lambda: squared_loss(theta, X, y[:5]), "y: expected length 30, got length 5"),
        (lambda: squared_loss(theta, X_inf, y), "X: expected finite values"),
        (lambda: squared_loss(theta, X[:0], y[:0]), "X: expected a non-empty array"),
        (lambda: squared_loss(theta, X[0], y), "X: expected a 2-D array"),
        (lambda: expected_noisy_loss(theta, X, y, -0.1), "sigma: expected a finite number >= 0, got -0.1"),
        (lambda: expected_noisy_loss(theta, X, y, float("nan")), "sigma: expected a finite number >= 0"),
        (lambda: noisy_loss_monte_carlo(theta, X, y, -1.0, n_draws=10, rng=rng), "sigma: expected a finite number >= 0"),
        (lambda: noisy_loss_monte_carlo(theta, X, y, 1.0, n_draws=1, rng=rng), "n_draws: expected an integer >= 2, got 1"),
        (lambda: noisy_loss_monte_carlo(theta, X, y, 1.0, n_draws=10, rng=1), "rng: expected a numpy.random.Generator"),
        (lambda: ridge_minimiser(X, y, -2.0), "sigma: expected a finite number >= 0"),
        (lambda: ridge_gradient(theta, X, y, float("inf")), "sigma: expected a finite number >= 0"),
        (lambda: shrinkage_path(X, y, [0.1, 0.0]), r"sigmas: expected every sigma > 0 .*got 0.0"),
        (lambda: shrinkage_path(X, y, [0.1, -1.0]), "sigmas: expected every sigma > 0"),
        (lambda: shrinkage_path(X, y, [[0.1]]), "sigmas: expected a 1-D array"),
        (lambda: shrinkage_path(X, y, []), "sigmas: expected a non-empty array"),
    ]
    for call, match in cases:
        with pytest.raises(ValueError, match=match):
            call()
