"""Tests of numerics.svm (hinge loss, subgradient, trainer) and the hinge figure."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st
from matplotlib.figure import Figure

from numerics.gradcheck import GradientCheckError, check_gradient, crosses_kink
from numerics.linear_plots import plot_hinge
from numerics.svm import LinearSVM, hinge_loss, hinge_subgradient, margins


def _data(seed: int, k: int = 10, d: int = 3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(d), float(rng.standard_normal()), rng.standard_normal((k, d)), rng.choice([-1, 1], size=k)


def _loop_reference(w, b, X, y, kink_value=0.0):
    """SPEC problem 4 term by term."""
    k = X.shape[0]
    loss, gw, gb = 0.0, np.zeros_like(w), 0.0
    for xi, yi in zip(X, y):
        p = yi * (w @ xi + b)
        loss += max(0.0, 1.0 - p) / k
        g = 1.0 if p < 1 else (kink_value if p == 1 else 0.0)
        gw += -g * yi * xi / k
        gb += -g * yi / k
    return loss, gw, gb


def _packed(X, y, kink_value=0.0):
    """Loss and subgradient as functions of θ = [w; b] for the gradient checker."""

    def f(theta):
        return hinge_loss(theta[:-1], float(theta[-1]), X, y)

    def grad(theta):
        gw, gb = hinge_subgradient(theta[:-1], float(theta[-1]), X, y, kink_value)
        return np.append(gw, gb)

    return f, grad


@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 15), d=st.integers(1, 5), kink_value=st.sampled_from([0.0, 0.5, 1.0]))
def test_vectorised_equals_the_loop(seed, k, d, kink_value):
    w, b, X, y = _data(seed, k, d)
    X[0] = 0.0  # make sample 0 sit exactly on the kink: y_0 * b = 1
    b = float(y[0])
    note(f"w={w!r}, b={b!r}, X={X!r}, y={y!r}")
    loss, gw, gb = _loop_reference(w, b, X, y, kink_value)
    np.testing.assert_allclose(margins(w, b, X, y), y * (X @ w + b))
    assert hinge_loss(w, b, X, y) == pytest.approx(loss, rel=1e-12, abs=1e-15)
    g_w, g_b = hinge_subgradient(w, b, X, y, kink_value)
    np.testing.assert_allclose(g_w, gw, rtol=1e-12, atol=1e-15)
    assert g_b == pytest.approx(gb, rel=1e-12, abs=1e-15)


@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 12), d=st.integers(1, 4))
def test_subgradient_is_the_gradient_away_from_kinks(seed, k, d):
    w, b, X, y = _data(seed, k, d)
    assume(np.min(np.abs(margins(w, b, X, y) - 1.0)) > 1e-3)  # no probe can cross a kink
    f, grad = _packed(X, y)
    theta = np.append(w, b)
    assert check_gradient(f, grad, theta).passed
    g = grad(theta)
    if np.any(g != 0):  # all margins > 1 give g = 0, which equals its own sign flip
        with pytest.raises(GradientCheckError):
            check_gradient(f, -g, theta)


def test_kink_is_detected_and_its_central_difference_is_kink_value_one_half():
    X = np.array([[1.0, 2.0], [0.5, -1.0], [-2.0, 0.3]])
    y = np.array([1, -1, -1])
    w = np.array([0.5, 0.25])  # sample 0: margin 0.5 + 0.5 = 1 exactly, on the kink
    theta = np.append(w, 0.0)
    assert margins(w, 0.0, X, y)[0] == 1.0
    f, grad_homework = _packed(X, y, kink_value=0.0)
    with pytest.raises(GradientCheckError):
        check_gradient(f, grad_homework, theta)
    res = check_gradient(f, grad_homework, theta, kink_detector=crosses_kink)
    assert res.passed and res.kinks.all()  # every coordinate moves sample 0's margin
    # a central difference straddling the kink averages the two slopes: kink_value = 1/2
    _, grad_half = _packed(X, y, kink_value=0.5)
    assert check_gradient(f, grad_half, theta).passed


def test_trainer_reduces_the_loss_on_separable_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 2))
    y = np.where(X @ np.array([1.0, -2.0]) + 0.3 > 0, 1, -1)
    svm = LinearSVM().fit(X, y, learning_rate=0.5, num_iters=300, rng=np.random.default_rng(1))
    assert len(svm.loss_history_) == 301
    assert svm.loss_history_[-1] < 0.2 * svm.loss_history_[0]
    assert np.mean(svm.predict(X) == y) > 0.95
    np.testing.assert_allclose(svm.decision_function(X), X @ svm.coef_ + svm.intercept_)
    assert set(np.unique(svm.predict(X))) <= {-1, 1}
    assert svm.loss_history_[-1] == pytest.approx(hinge_loss(svm.coef_, svm.intercept_, X, y))


def test_trainer_is_deterministic_with_minibatches():
    w, b, X, y = _data(3, k=40)
    fits = [LinearSVM(kink_value=0.5).fit(X, y, learning_rate=0.1, num_iters=30, rng=np.random.default_rng(2), batch_size=8)
            for _ in range(2)]
    assert fits[0].loss_history_ == fits[1].loss_history_
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)


def test_inputs_are_not_modified():
    w, b, X, y = _data(4)
    saved = (w.copy(), X.copy(), y.copy())
    hinge_subgradient(w, b, X, y, 0.3)
    LinearSVM().fit(X, y, learning_rate=0.1, num_iters=3, rng=np.random.default_rng(0))
    for a, s in zip((w, X, y), saved):
        np.testing.assert_array_equal(a, s)


def test_hinge_figure():
    fig = plot_hinge(kink_value=0.5)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    with pytest.raises(ValueError, match=r"margin_range: expected finite \(low, high\) with low < 1 < high"):
        plot_hinge((2.0, 3.0))
    with pytest.raises(ValueError, match=r"kink_value: expected a number in \[0, 1\]"):
        plot_hinge(kink_value=2.0)


def test_every_error_path():
    w, b, X, y = _data(5)
    X_nan = X.copy()
    X_nan[1, 1] = np.nan
    cases = [
        (lambda: hinge_loss(w, b, X, np.where(y == -1, 0, y)), r"y: expected labels in \{1, -1\}|y: expected labels in \{-1, 1\}"),
        (lambda: hinge_loss(w, b, X, y * 2), "y: expected labels in"),
        (lambda: hinge_loss(w[:2], b, X, y), "w: expected length 3, got length 2"),
        (lambda: hinge_loss(w, b, X, y[:3]), "y: expected 10 labels"),
        (lambda: hinge_loss(w, b, X_nan, y), "X: expected finite values"),
        (lambda: hinge_loss(w, b, X[:0], y[:0]), "X: expected a non-empty array"),
        (lambda: hinge_loss(w, float("nan"), X, y), "b: expected a finite number"),
        (lambda: hinge_loss(w, "1", X, y), "b: expected a real number"),
        (lambda: margins(w, b, X[0], y), r"X: expected a 2-D array"),
        (lambda: hinge_subgradient(w, b, X, y, kink_value=1.5), r"kink_value: expected a number in \[0, 1\], got 1.5"),
        (lambda: hinge_subgradient(w, b, X, y, kink_value=-0.1), "kink_value: expected a finite number >= 0"),
        (lambda: LinearSVM().fit(X, np.abs(y) * 0, learning_rate=0.1, num_iters=1, rng=np.random.default_rng()), "y: expected labels in"),
        (lambda: LinearSVM().fit(X, y, learning_rate=0.0, num_iters=1, rng=np.random.default_rng()), "learning_rate: expected a finite number > 0"),
        (lambda: LinearSVM().fit(X, y, learning_rate=0.1, num_iters=-1, rng=np.random.default_rng()), "num_iters: expected an integer >= 0"),
        (lambda: LinearSVM().fit(X, y, learning_rate=0.1, num_iters=1, rng=np.random.default_rng(), batch_size=0), "batch_size: expected an integer >= 1, got 0"),
        (lambda: LinearSVM().fit(X, y, learning_rate=0.1, num_iters=1, rng=42), "rng: expected a numpy.random.Generator"),
        (lambda: LinearSVM(kink_value=3).fit(X, y, learning_rate=0.1, num_iters=1, rng=np.random.default_rng()), r"kink_value: expected a number in \[0, 1\]"),
        (lambda: LinearSVM().predict(X), "expected a fitted model"),
        (lambda: LinearSVM().fit(X, y, learning_rate=0.1, num_iters=1, rng=np.random.default_rng()).predict(X[:, :2]), "X: expected 3 columns"),
    ]
    for call, match in cases:
        with pytest.raises(ValueError, match=match):
            call()
