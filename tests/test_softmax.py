"""Tests of numerics.softmax, numerics.softmax_model and their figures."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from matplotlib.figure import Figure

from numerics.gradcheck import GradientCheckError, check_gradient
from numerics.linear_plots import plot_loss_curve, plot_lr_sweep
from numerics.softmax import softmax, softmax_loss, softmax_loss_and_grad, softmax_loss_and_grad_loop, softmax_loss_loop
from numerics.softmax_model import Softmax, SweepResult, learning_rate_sweep


def _problem(seed: int, n: int = 12, d: int = 5, c: int = 4, w_scale: float = 0.5):
    rng = np.random.default_rng(seed)
    X = np.hstack([rng.standard_normal((n, d - 1)), np.ones((n, 1))])
    return rng.standard_normal((c, d)) * w_scale, X, rng.integers(0, c, size=n)


def _reference(W, X, y, reg=0.0):
    """Problem 3 written out: mean loss -𝓛/m and gradient -(1/N)(Y - P)ᵀX, one-hot Y."""
    S = X @ W.T
    S = S - S.max(axis=1, keepdims=True)
    P = np.exp(S)
    log_p = S - np.log(P.sum(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    Y = np.eye(W.shape[0])[y]
    n = X.shape[0]
    return -np.mean(log_p[np.arange(n), y]) + reg * np.sum(W**2), -(Y - P).T @ X / n + 2 * reg * W


def _mp_loss(S: np.ndarray, y: np.ndarray) -> float:
    """High-precision mean of logsumexp(s) - s_y from the scores (50 digits)."""
    with mpmath.workdps(50):
        total = mpmath.mpf(0)
        for row, label in zip(S.tolist(), y.tolist()):
            total += mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in row)) - mpmath.mpf(row[label])
        return float(total / len(y))


# ---------------------------------------------------------------- softmax


def test_softmax_rows_sum_to_one_and_shift_invariant():
    S = np.random.default_rng(0).standard_normal((6, 4)) * 10
    P = softmax(S)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(softmax(S + 1234.5), P, rtol=1e-10)
    np.testing.assert_allclose(softmax(S[0]), P[0])


def test_softmax_leaves_input_unchanged():
    S = np.array([[1.0, 2.0, 3.0]])
    before = S.copy()
    softmax(S)
    np.testing.assert_array_equal(S, before)


@pytest.mark.parametrize("scale", [1.0, 1e2, 1e4])
def test_softmax_matches_mpmath_for_extreme_scores(scale):
    S = np.array([[1.0, -1.0, 0.5], [0.0, 0.0, -1.0], [1.0, 0.999, -1.0]]) * scale
    P = softmax(S)
    assert np.isfinite(P).all()
    with mpmath.workdps(50):
        for i, row in enumerate(S.tolist()):
            z = mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in row)
            for k, v in enumerate(row):
                assert P[i, k] == pytest.approx(float(mpmath.exp(mpmath.mpf(v)) / z), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("scale", [1.0, 1e2, 1e4])
def test_loss_finite_and_exact_for_scores_of_1e4(scale):
    # X = identity rows: scores equal rows of W, chosen at ±scale
    W = np.array([[1.0, -1.0, 0.3], [-1.0, 1.0, 0.2], [0.5, -0.7, -1.0]]) * scale
    X = np.eye(3)
    y = np.array([1, 1, 2])
    loss, dW = softmax_loss_and_grad(W, X, y)
    assert np.isfinite(loss) and np.isfinite(dW).all()
    assert loss == pytest.approx(_mp_loss(X @ W.T, y), rel=1e-12)
    assert softmax_loss(W, X, y) == pytest.approx(loss, rel=1e-15)
    assert softmax_loss_loop(W, X, y) == pytest.approx(loss, rel=1e-12)
    loop_loss, loop_grad = softmax_loss_and_grad_loop(W, X, y)
    assert loop_loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(loop_grad, dW, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(dW, _reference(W, X, y)[1], rtol=1e-12, atol=1e-300)


# ---------------------------------------------------------------- loss and gradient


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 20), d=st.integers(1, 6), c=st.integers(1, 6),
       reg=st.sampled_from([0.0, 0.1, 2.5]), w_scale=st.sampled_from([1e-4, 1.0, 30.0]))
def test_loop_and_vectorised_agree_with_problem_3(seed, n, d, c, reg, w_scale):
    W, X, y = _problem(seed, n, d, c, w_scale)
    note(f"W={W!r}\nX={X!r}\ny={y!r}")
    ref_loss, ref_grad = _reference(W, X, y, reg)
    l_loop = softmax_loss_loop(W, X, y, reg)
    l_lg, g_loop = softmax_loss_and_grad_loop(W, X, y, reg)
    l_fast, g_fast = softmax_loss_and_grad(W, X, y, reg)
    for value in (l_loop, l_lg, l_fast):
        assert value == pytest.approx(ref_loss, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(g_loop, ref_grad, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g_fast, ref_grad, rtol=1e-9, atol=1e-12)
    assert g_fast.shape == (c, d)


def test_initial_loss_is_log_c():
    rng = np.random.default_rng(1)
    X = np.hstack([rng.standard_normal((500, 30)) * 50, np.ones((500, 1))])
    y = rng.integers(0, 10, 500)
    model = Softmax([10, 31], rng=rng)
    assert model.fast_loss_and_grad(X, y)[0] == pytest.approx(np.log(10), abs=0.01)
    assert softmax_loss_and_grad(np.zeros((10, 31)), X, y)[0] == pytest.approx(np.log(10), rel=1e-14)


@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_vectorised_gradient_passes_the_check(reg):
    W, X, y = _problem(2)
    result = check_gradient(lambda w: softmax_loss(w, X, y, reg), softmax_loss_and_grad(W, X, y, reg)[1], W)
    assert result.passed and result.max_error < 1e-7


def _wrong_grads(W, X, y):
    """The students' mistakes of SPEC, each as a gradient of the right shape."""
    n = X.shape[0]
    S = X @ W.T
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    ones = P.copy()
    ones[np.arange(n), y] = 1.0  # true-class entry set to 1 instead of P - 1
    g = softmax_loss_and_grad(W, X, y)[1]
    return {
        "off by 0.1%": g * 1.001,
        "sign flipped": -g,
        "transposed": g.T,
        "missing 1/N": g * n,
        "true class set to 1": ones.T @ X / n,
    }


@pytest.mark.parametrize("mistake", ["off by 0.1%", "sign flipped", "transposed", "missing 1/N", "true class set to 1"])
def test_checker_rejects_the_common_mistakes(mistake):
    W, X, y = _problem(3, n=15, d=4, c=4)  # C == D so that a transposed gradient has the right shape
    wrong = _wrong_grads(W, X, y)[mistake]
    with pytest.raises(GradientCheckError):
        check_gradient(lambda w: softmax_loss(w, X, y), wrong, W)
    model = Softmax([4, 4], rng=np.random.default_rng(0))
    model.W = W.copy()
    assert model.grad_check_sparse(X, y, wrong, num_checks=16).max() > 1e-5


def test_uint8_and_float32_input():
    rng = np.random.default_rng(4)
    X8 = rng.integers(0, 256, size=(10, 6)).astype(np.uint8)
    W = rng.standard_normal((3, 6)) * 1e-3
    y = rng.integers(0, 3, 10)
    l8, g8 = softmax_loss_and_grad(W, X8, y)
    l64, g64 = softmax_loss_and_grad(W, X8.astype(np.float64), y)
    assert l8 == l64 and np.array_equal(g8, g64)
    l32, _ = softmax_loss_and_grad(W, X8.astype(np.float32), y)
    assert l32 == pytest.approx(l64, rel=1e-6)
    assert softmax_loss_loop(W, X8, y) == pytest.approx(l64, rel=1e-12)


def test_functions_do_not_modify_inputs():
    W, X, y = _problem(5)
    copies = (W.copy(), X.copy(), y.copy())
    softmax_loss_and_grad(W, X, y, 0.1)
    softmax_loss_and_grad_loop(W, X, y, 0.1)
    softmax_loss_loop(W, X, y)
    for a, b in zip((W, X, y), copies):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- the Softmax class


def test_init_weights_are_small_seeded_normal():
    a, b = Softmax([3, 7], rng=np.random.default_rng(9)), Softmax([3, 7], rng=np.random.default_rng(9))
    assert a.W.shape == (3, 7) and np.array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.W, np.random.default_rng(9).standard_normal((3, 7)) * 1e-4)


def test_methods_match_functions():
    W, X, y = _problem(6)
    model = Softmax([4, 5], rng=np.random.default_rng(0), reg=0.2)
    model.W = W
    assert model.loss(X, y) == pytest.approx(softmax_loss_loop(W, X, y, 0.2))
    np.testing.assert_allclose(model.loss_and_grad(X, y)[1], softmax_loss_and_grad(W, X, y, 0.2)[1], rtol=1e-12)
    np.testing.assert_allclose(model.fast_loss_and_grad(X, y)[1], softmax_loss_and_grad(W, X, y, 0.2)[1])


def test_grad_check_sparse_returns_errors_and_changes_nothing():
    W, X, y = _problem(7)
    model = Softmax([4, 5], rng=np.random.default_rng(0))
    model.W = W.copy()
    grad = model.loss_and_grad(X, y)[1]
    saved = (model.W.copy(), X.copy(), y.copy(), grad.copy())
    errors = model.grad_check_sparse(X, y, grad, num_checks=10)
    assert errors.shape == (10,) and errors.max() < 1e-7
    for a, b in zip((model.W, X, y, grad), saved):
        np.testing.assert_array_equal(a, b)


def test_grad_check_sparse_can_raise():
    W, X, y = _problem(8)
    model = Softmax([4, 5], rng=np.random.default_rng(0))
    model.W = W
    wrong = -model.fast_loss_and_grad(X, y)[1]
    assert model.grad_check_sparse(X, y, wrong, num_checks=5).min() > 0.5  # returns, never only prints
    with pytest.raises(GradientCheckError, match="relative error"):
        model.grad_check_sparse(X, y, wrong, num_checks=5, raise_on_failure=True)


def test_train_draws_batches_with_replacement_from_self_rng():
    W, X, y = _problem(10, n=7)
    model = Softmax([4, 5], rng=np.random.default_rng(42))
    W0 = model.W.copy()
    losses = model.train(X, y, learning_rate=0.5, num_iters=3, batch_size=20)  # batch > N: only with replacement
    rng = np.random.default_rng(42)
    rng.standard_normal((4, 5))  # the initial weights
    W_ref, expected = W0.copy(), []
    for _ in range(3):
        idx = rng.integers(0, 7, size=20)
        loss, grad = softmax_loss_and_grad(W_ref, X[idx], y[idx])
        expected.append(loss)
        W_ref = W_ref - 0.5 * grad
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    np.testing.assert_allclose(model.W, W_ref, rtol=1e-12)


def test_training_is_deterministic_and_learns():
    rng = np.random.default_rng(11)
    X = np.hstack([rng.standard_normal((300, 4)), np.ones((300, 1))])
    y = np.argmax(X @ rng.standard_normal((3, 5)).T, axis=1)  # linearly separable
    runs = []
    for _ in range(2):
        model = Softmax([3, 5], rng=np.random.default_rng(5))
        runs.append((model.train(X, y, learning_rate=0.5, num_iters=200, batch_size=50), model.W.copy(), model))
    assert runs[0][0] == runs[1][0] and np.array_equal(runs[0][1], runs[1][1])
    losses, _, model = runs[0]
    assert np.mean(losses[-20:]) < 0.5 * losses[0]
    pred = model.predict(X)
    assert pred.dtype == np.int64 and pred.shape == (300,) and np.mean(pred == y) > 0.85
    np.testing.assert_array_equal(pred, np.argmax(X @ model.W.T, axis=1))


def test_train_does_not_modify_an_assigned_weight_array():
    W, X, y = _problem(12)
    model = Softmax([4, 5], rng=np.random.default_rng(0))
    mine = W.copy()
    model.W = mine
    model.train(X, y, learning_rate=0.1, num_iters=5, batch_size=4)
    np.testing.assert_array_equal(mine, W)
    assert not np.array_equal(model.W, W)


def test_learning_rate_sweep_is_deterministic_and_picks_the_best():
    rng = np.random.default_rng(13)
    X = np.hstack([rng.standard_normal((200, 3)), np.ones((200, 1))])
    y = (X[:, 0] > 0).astype(int)
    kwargs = dict(num_iters=60, batch_size=32)
    r1 = learning_rate_sweep(X[:150], y[:150], X[150:], y[150:], (1e-4, 1e-2, 1.0), rng=np.random.default_rng(1), **kwargs)
    r2 = learning_rate_sweep(X[:150], y[:150], X[150:], y[150:], (1e-4, 1e-2, 1.0), rng=np.random.default_rng(1), **kwargs)
    assert isinstance(r1, SweepResult) and len(r1.entries) == 3
    assert [(e.final_loss, e.val_accuracy) for e in r1.entries] == [(e.final_loss, e.val_accuracy) for e in r2.entries]
    assert r1.best.val_accuracy == max(e.val_accuracy for e in r1.entries)
    assert r1.best.learning_rate == 1.0 and r1.best.val_accuracy > 0.9
    assert r1.entries[0].final_loss == pytest.approx(softmax_loss(r1.entries[0].model.W, X[:150], y[:150]))
    assert r1.entries[0].final_loss > r1.entries[2].final_loss


def test_figures():
    rng = np.random.default_rng(14)
    X = np.hstack([rng.standard_normal((60, 2)), np.ones((60, 1))])
    y = (X[:, 0] > 0).astype(int)
    sweep = learning_rate_sweep(X[:40], y[:40], X[40:], y[40:], (1e-3, 1e-1), num_iters=10, batch_size=8, rng=rng)
    assert isinstance(plot_lr_sweep(sweep), Figure)
    fig = plot_loss_curve(sweep.best.losses, log_c=float(np.log(2)))
    assert isinstance(fig, Figure) and len(fig.axes[0].lines) == 3
    with pytest.raises(ValueError, match="sweep: expected a SweepResult"):
        plot_lr_sweep([1, 2])
    with pytest.raises(ValueError, match="losses: expected a 1-D array"):
        plot_loss_curve(np.ones((2, 2)))


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("fn", [softmax_loss_loop, softmax_loss_and_grad_loop, softmax_loss_and_grad, softmax_loss])
def test_every_error_path(fn):
    W, X, y = _problem(15)
    with_nan, with_inf = X.copy(), X.copy()
    with_nan[2, 1] = np.nan
    with_inf[0, 0] = -np.inf
    W_nan = W.copy()
    W_nan[0, 0] = np.nan
    cases = [
        ((W[0], X, y), r"W: expected a 2-D array of shape \(n_samples, n_features\), got shape \(5,\)"),
        ((W, X[:, :4], y), r"X: expected 5 columns, got shape \(12, 4\)"),
        ((W, X, y[:-1]), "y: expected 12 labels"),
        ((W, X, np.where(y == 0, 4, y)), r"y: expected labels in 0..3, got 4"),
        ((W, X, -np.ones_like(y)), r"y: expected labels in 0..3, got -1"),
        ((W, X, y + 0.5), "y: expected integer labels"),
        ((W, with_nan, y), "X: expected finite values, got 1 NaN or infinite entry"),
        ((W, with_inf, y), "X: expected finite values, got 1 NaN or infinite entry"),
        ((W_nan, X, y), "W: expected finite values"),
        ((W, X[:0], y[:0]), "X: expected a non-empty array"),
        ((W, X, y, -1.0), "reg: expected a finite number >= 0, got -1.0"),
    ]
    for args, match in cases:
        with pytest.raises(ValueError, match=match):
            fn(*args)


def test_score_overflow_is_reported():
    with pytest.raises(ValueError, match="expected finite scores, got overflow"):
        softmax_loss_and_grad(np.full((2, 2), 1e200), np.full((3, 2), 1e200), np.zeros(3, int))


def test_softmax_bad_input():
    with pytest.raises(ValueError, match=r"scores: expected shape \(N, C\) or \(C,\)"):
        softmax(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="scores: expected finite values"):
        softmax(np.array([1.0, np.nan]))


def test_model_error_paths():
    W, X, y = _problem(16)
    model = Softmax([4, 5], rng=np.random.default_rng(0))
    cases = [
        (lambda: Softmax([4]), r"dims: expected \[C, D\]"),
        (lambda: Softmax([0, 5]), r"dims\[0\] \(C\): expected an integer >= 1, got 0"),
        (lambda: Softmax([4, 2.5]), r"dims\[1\] \(D\): expected an integer"),
        (lambda: Softmax([4, 5], reg=-0.1), "reg: expected a finite number >= 0"),
        (lambda: model.train(X, y, batch_size=0), "batch_size: expected an integer >= 1, got 0"),
        (lambda: model.train(X, y, batch_size=-3), "batch_size: expected an integer >= 1, got -3"),
        (lambda: model.train(X, y, num_iters=-1), "num_iters: expected an integer >= 0"),
        (lambda: model.train(X, y, learning_rate=0.0), "learning_rate: expected a finite number > 0"),
        (lambda: model.train(X, y, learning_rate=float("nan")), "learning_rate: expected a finite number > 0"),
        (lambda: model.train(X[:, :3], y), r"X: expected 5 columns, got shape \(12, 3\)"),
        (lambda: model.train(X, y + 4), "y: expected labels in 0..3"),
        (lambda: model.predict(X[:, :4]), r"X: expected 5 columns"),
        (lambda: model.grad_check_sparse(X, y, np.zeros((5, 4))), r"your_grad: expected the shape of W \(4, 5\), got \(5, 4\)"),
        (lambda: model.grad_check_sparse(X, y, np.zeros((4, 5)), num_checks=0), "num_checks: expected an integer >= 1"),
        (lambda: model.grad_check_sparse(X, y, np.zeros((4, 5)), h=0.0), "h: expected a finite number > 0"),
        (lambda: learning_rate_sweep(X, y, X, y, (), num_iters=1, batch_size=1, rng=np.random.default_rng()), "learning_rates: expected at least one"),
        (lambda: learning_rate_sweep(X, y, X, y, (-1.0,), num_iters=1, batch_size=1, rng=np.random.default_rng()), r"learning_rates\[\]: expected a finite number > 0"),
        (lambda: learning_rate_sweep(X, y, X[:, :4], y, num_iters=1, batch_size=1, rng=np.random.default_rng()), r"X_val: expected 5 columns"),
        (lambda: learning_rate_sweep(X, y, X, y, num_iters=1, batch_size=0, rng=np.random.default_rng()), "batch_size: expected an integer >= 1"),
        (lambda: learning_rate_sweep(X, y, X, y, num_iters=1, batch_size=1, rng=0), "rng: expected a numpy.random.Generator"),
        (lambda: learning_rate_sweep(X, y, X, y, num_iters=1, batch_size=1, rng=np.random.default_rng(), n_classes=2), "y_train: expected labels in 0..1"),
    ]
    for call, match in cases:
        with pytest.raises(ValueError, match=match):
            call()


# ---------------------------------------------------------------- fused numba path == numpy path

from numerics import accel  # noqa: E402

needs_numba = pytest.mark.skipif(not accel.HAVE_NUMBA, reason="numba is not importable")


def _pixels_problem(seed: int, n: int = 500, d: int = 301):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(n, d)).astype(np.float64) - 127.5
    X[:, -1] = 1.0
    return X, rng.integers(0, 10, size=n)


def _history(monkeypatch: pytest.MonkeyPatch, backend: str, X, y, seed: int = 1, reg: float = 0.0):
    monkeypatch.setenv("GRADPROOF_ACCEL", backend)
    model = Softmax((10, X.shape[1]), rng=np.random.default_rng(seed), reg=reg)
    losses = model.train(X, y, learning_rate=1e-6, num_iters=60, batch_size=37)  # 37: tail groups of the kernel
    return np.array(losses), model.W


@needs_numba
@pytest.mark.parametrize("reg", [0.0, 0.5])
def test_sgd_numba_and_numpy_histories_agree(monkeypatch: pytest.MonkeyPatch, reg: float):
    monkeypatch.setattr(accel, "NUMBA_MIN_WORK", 0)  # the fused kernel even at this size
    X, y = _pixels_problem(0)
    fast, W_fast = _history(monkeypatch, "numba", X, y, reg=reg)
    slow, W_slow = _history(monkeypatch, "numpy", X, y, reg=reg)
    np.testing.assert_allclose(fast, slow, rtol=1e-10)
    np.testing.assert_allclose(W_fast, W_slow, rtol=1e-9, atol=1e-12)
    other, _ = _history(monkeypatch, "numba", X, y, seed=2, reg=reg)  # the comparison can fail: other draws
    assert not np.allclose(fast, other, rtol=1e-10)


@needs_numba
def test_full_batch_numba_equals_reference_and_reports_overflow(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(accel, "NUMBA_MIN_WORK", 0)
    X, y = _pixels_problem(1, n=203)
    W = np.random.default_rng(2).standard_normal((10, X.shape[1])) * 1e-3
    loss, grad = softmax_loss_and_grad(W, X, y, 0.1)
    ref_loss, ref_grad = _reference(W, X, y, 0.1)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-13 * np.abs(ref_grad).max())
    with pytest.raises(ValueError, match="expected finite scores, got overflow"):
        softmax_loss_and_grad(np.full((2, 2), 1e200), np.full((3, 2), 1e200), np.zeros(3, int))
    bad = X.copy()
    bad[5, 3] = np.nan
    with pytest.raises(ValueError, match="X: expected finite values"):
        softmax_loss_and_grad(W, bad, y)
    model = Softmax((2, 2), rng=np.random.default_rng(0))
    model.W = np.full((2, 2), 1e200)
    with pytest.raises(ValueError, match="expected finite scores, got overflow"):
        model.train(np.full((3, 2), 1e200), np.zeros(3, int), num_iters=1, batch_size=2)
