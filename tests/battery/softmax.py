"""Softmax: references, bounds, implementations, checks and strategies."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import scipy.special
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

from battery.error_model import EPS, FloatArray, f64, working_eps, working_eta
from battery.finite_differences import FD_STEP, central_difference, probe_indices
from battery.report import Impl, Impls, Report, select
from battery.strategies import DTYPES, float_arrays, floats
from battery.components import Battery, Component, Mutant, Wrap

#: max |d³/dt³ log Σ e^{s + t e_k}| per unit |x|³: max over p of |p(1 - p)(1 - 2p)| = 1/(6√3)
SOFTMAX_M3 = 1.0 / (6.0 * math.sqrt(3.0))


@dataclass(frozen=True)
class SoftmaxCase:
    """Weights ``W`` (C, D), samples ``X`` (N, D) whose last column is ones, labels ``y`` (N,)."""

    W: FloatArray
    X: FloatArray
    y: NDArray[np.int64]


def reference_softmax_loss(W: FloatArray, X: FloatArray, y: NDArray[np.int64]) -> float:
    """Mean NLL in float64 by scipy's logsumexp (a code path shared with neither derive nor numerics)."""
    S = np.einsum("jd,kd->jk", f64(X), f64(W))
    return float(np.mean(scipy.special.logsumexp(S, axis=1) - S[np.arange(len(y)), y]))


def reference_softmax_grad(W: FloatArray, X: FloatArray, y: NDArray[np.int64]) -> FloatArray:
    """(P - Y)ᵀX / N in float64 with scipy's softmax."""
    S = np.einsum("jd,kd->jk", f64(X), f64(W))
    G = scipy.special.softmax(S, axis=1)
    G[np.arange(len(y)), y] -= 1.0
    return np.einsum("jk,jd->kd", G, f64(X)) / X.shape[0]


def mp_softmax_loss_and_grad(W: FloatArray, X: FloatArray, y: NDArray[np.int64], dps: int = 50
                             ) -> tuple[float, FloatArray]:
    """Mean NLL and gradient in mpmath at ``dps`` digits from the exact float inputs (small arrays)."""
    N, D = X.shape
    C = W.shape[0]
    with mpmath.workdps(dps):
        Xm = [[mpmath.mpf(float(v)) for v in row] for row in X]
        Wm = [[mpmath.mpf(float(v)) for v in row] for row in W]
        S = [[mpmath.fsum(Xm[j][d] * Wm[k][d] for d in range(D)) for k in range(C)] for j in range(N)]
        ell = [mpmath.log(mpmath.fsum(mpmath.exp(s) for s in S[j])) for j in range(N)]
        loss = mpmath.fsum(ell[j] - S[j][int(y[j])] for j in range(N)) / N
        G = [[mpmath.exp(S[j][k] - ell[j]) - (1 if k == y[j] else 0) for k in range(C)] for j in range(N)]
        grad = [[float(mpmath.fsum(G[j][k] * Xm[j][d] for j in range(N)) / N) for d in range(D)] for k in range(C)]
        return float(loss), np.array(grad)


def softmax_bounds(W: FloatArray, X: FloatArray, y: NDArray[np.int64], eps: float = EPS,
                   eta: float = float(np.finfo(np.float64).smallest_subnormal)) -> tuple[float, FloatArray]:
    r"""Bounds on the error of one evaluation of the mean loss and of each gradient entry.

    ``eps`` and ``eta`` are the unit roundoff and the underflow unit (:func:`working_eps`,
    :func:`working_eta`): float64's for float64 work, float32's for code that may work in
    float32, where probabilities such as :math:`e^{-100}` are subnormal.

    Scores: :math:`\Delta_j = D\varepsilon \max_k (|X||W|^\top)_{jk}`.  The loss
    :math:`\ell_j - s_{j y_j}` moves by at most :math:`2\Delta_j` (log-sum-exp is
    1-Lipschitz in the max-norm) plus the evaluation of log-sum-exp,
    :math:`(C + 4)\varepsilon(|\ell_j| + |s_{jy_j}| + 1)`; the mean adds
    :math:`N\varepsilon\,\overline{|l_j|}`.  Softmax has relative sensitivity
    :math:`|\delta p_k| \le p_k (2\Delta_j + (C+4)\varepsilon)`; then the length-N
    product :math:`(P - Y)^\top X / N` adds :math:`(N + 2)\varepsilon |P - Y|^\top |X| / N`.
    Underflow adds at most :math:`\eta` per product or quotient (sums of subnormals are
    exact): :math:`2\eta` per probability, :math:`\eta` per product with :math:`x` and for
    the division by N -- :math:`(3\sum_j |x_{jd}| + N + 2)\eta / N` per gradient entry.
    """
    W, X = f64(W), f64(X)
    N, D = X.shape
    C = W.shape[0]
    rows = np.arange(N)
    S = X @ W.T
    delta = D * eps * (np.abs(X) @ np.abs(W).T).max(axis=1)
    ell = scipy.special.logsumexp(S, axis=1)
    s_y = S[rows, y]
    per_sample = ell - s_y
    loss = float(np.mean(2 * delta + (C + 4) * eps * (np.abs(ell) + np.abs(s_y) + 1)) + N * eps * np.mean(np.abs(per_sample)))
    P = scipy.special.softmax(S, axis=1)
    PY = P.copy()
    PY[rows, y] -= 1.0
    dP = P * (2 * delta[:, None] + (C + 4) * eps)
    grad = (dP + (N + 2) * eps * np.abs(PY)).T @ np.abs(X) / N
    grad += eta * (3 * np.abs(X).sum(axis=0)[None, :] + N + 2) / N
    return loss + (N + 2) * eta, grad


def softmax_fd_bound(W: FloatArray, X: FloatArray, y: NDArray[np.int64], h: float = FD_STEP) -> FloatArray:
    """Per-entry bound (C, D) on the central-difference error of the float64 reference loss: h²M₃/6 + δ_f/h."""
    loss_bound, _ = softmax_bounds(W, X, y)
    m3 = SOFTMAX_M3 * np.mean(np.abs(f64(X)) ** 3, axis=0)  # (D,): third derivative along W[k, d]
    return np.broadcast_to(h * h / 6 * m3 + loss_bound / h, W.shape)


def _with_model(W: FloatArray, method: str) -> Callable[[FloatArray, NDArray[np.int64]], Any]:
    from numerics.softmax_model import Softmax

    model = Softmax(W.shape, rng=np.random.default_rng(0))
    model.W = W
    return getattr(model, method)


def _derive_split(W: FloatArray, X: FloatArray, y: NDArray[np.int64], *, rows: bool) -> tuple[float, FloatArray]:
    """The mean loss -𝓛/m and its gradient from derive's log-likelihood forms (X's last column is ones)."""
    import derive.softmax as ds

    if not np.all(X[:, -1] == 1.0):
        raise ValueError("the split (W, b) form needs the bias column of ones last in X")
    Wn, b, Xn, m = W[:, :-1], W[:, -1], X[:, :-1], X.shape[0]
    if rows:
        gW = np.stack([ds.grad_w_i(Wn, b, Xn, y, i) for i in range(W.shape[0])])
    else:
        gW = ds.grad_W(Wn, b, Xn, y)
    grad = np.hstack([gW, ds.grad_b(Wn, b, Xn, y)[:, None]])
    return -ds.log_likelihood(Wn, b, Xn, y) / m, -grad / m


@functools.cache
def _softmax_table() -> dict[str, Impl]:
    import derive.softmax as ds
    from numerics import softmax as ns

    return {
        # loss/<name>: (W, X, y) -> (mean loss, gradient (C, D) or None when the impl has none)
        "loss/numerics.softmax_loss_and_grad": ns.softmax_loss_and_grad,
        "loss/numerics.softmax_loss_and_grad_loop": ns.softmax_loss_and_grad_loop,
        "loss/numerics.softmax_loss_loop": lambda W, X, y: (ns.softmax_loss_loop(W, X, y), None),
        "loss/numerics.softmax_loss": lambda W, X, y: (ns.softmax_loss(W, X, y), None),
        "loss/numerics.Softmax.fast_loss_and_grad": lambda W, X, y: _with_model(W, "fast_loss_and_grad")(X, y),
        "loss/numerics.Softmax.loss_and_grad": lambda W, X, y: _with_model(W, "loss_and_grad")(X, y),
        "loss/numerics.Softmax.loss": lambda W, X, y: (_with_model(W, "loss")(X, y), None),
        "loss/derive.mean_loss": lambda W, X, y: (ds.mean_loss(W, X, y), ds.mean_loss_grad(W, X, y)),
        "loss/derive.log_likelihood+grad_W+grad_b": lambda W, X, y: _derive_split(W, X, y, rows=False),
        "loss/derive.log_likelihood+grad_w_i+grad_b": lambda W, X, y: _derive_split(W, X, y, rows=True),
        # predict/<name>: (W, X) -> labels (N,)
        "predict/numerics.Softmax.predict": lambda W, X: _with_model(W, "predict")(X),
        # initial/<name>: C -> the mean loss at W = 0
        "initial/derive.initial_loss": lambda C: ds.initial_loss(C),
    }


def softmax_impls() -> dict[str, Impl]:
    """The softmax implementations under test (a fresh dict: callers may swap entries)."""
    return dict(_softmax_table())


def check_softmax(impls: Impls, case: SoftmaxCase, *, probes: int | None = None,
                  rng: np.random.Generator | None = None) -> None:
    """Loss = reference, gradient = reference and = central differences, for every ``loss/`` impl.

    ``probes`` limits the finite differences to that many entries drawn with ``rng``
    (CIFAR scale); the gradient is compared with the reference everywhere.
    """
    W, X, y = case.W, case.X, case.y
    rep = Report(f"softmax loss and gradient ({case.X.dtype})")
    ref_loss_bound, ref_grad_bound = softmax_bounds(W, X, y)  # the float64 reference
    impl_loss_bound, impl_grad_bound = softmax_bounds(W, X, y, working_eps(W, X), working_eta(W, X))
    loss_tol, grad_tol = ref_loss_bound + impl_loss_bound, ref_grad_bound + impl_grad_bound
    ref_loss, ref_grad = reference_softmax_loss(W, X, y), reference_softmax_grad(W, X, y)
    idx = probe_indices(W.size, probes, rng)
    fd = central_difference(lambda w: reference_softmax_loss(w, X, y), f64(W), idx)
    fd_tol = softmax_fd_bound(W, X, y).reshape(-1)[idx] + impl_grad_bound.reshape(-1)[idx]
    for name, fn in select(impls, "loss").items():
        out = rep.call(name, fn, W, X, y)
        if out is None:
            continue
        loss, grad = out
        rep.compare(name, "loss", loss, ref_loss, loss_tol)
        if grad is not None and rep.compare(name, "gradient vs reference", grad, ref_grad, grad_tol):
            rep.compare(name, "gradient vs central differences", np.asarray(grad).reshape(-1)[idx], fd, fd_tol)
    rep.close()


def check_softmax_initial(impls: Impls, case: SoftmaxCase) -> None:
    """At W = 0 every class has probability 1/C: the loss is log C (and the gradient (1/C - Y)ᵀX/N)."""
    C = case.W.shape[0]
    W0 = np.zeros_like(case.W)
    eps = working_eps(W0, case.X)
    rep = Report(f"softmax initial loss log C ({case.X.dtype})")
    loss_bound, grad_bound = softmax_bounds(W0, case.X, case.y, eps, working_eta(case.X))
    ref_grad_bound = softmax_bounds(W0, case.X, case.y)[1]
    for name, fn in select(impls, "initial").items():
        rep.compare(name, "initial loss", rep.call(name, fn, C), math.log(C), 2 * EPS * math.log(C))
    ref_grad = reference_softmax_grad(W0, case.X, case.y)
    for name, fn in select(impls, "loss").items():
        out = rep.call(name, fn, W0, case.X, case.y)
        if out is not None:
            rep.compare(name, "loss at W = 0", out[0], math.log(C), loss_bound + EPS * math.log(C))
            if out[1] is not None:
                rep.compare(name, "gradient at W = 0", out[1], ref_grad, grad_bound + ref_grad_bound)
    rep.close()


def check_softmax_stability(impls: Impls, case: SoftmaxCase) -> None:
    """Large scores: every ``loss/`` impl is finite and equals mpmath (50 digits) within its error bound."""
    W, X, y = case.W, case.X, case.y
    rep = Report(f"softmax stability (large scores, {case.X.dtype}) vs mpmath")
    loss_bound, grad_bound = softmax_bounds(W, X, y, working_eps(W, X), working_eta(W, X))
    mp_loss, mp_grad = mp_softmax_loss_and_grad(W, X, y)
    for name, fn in select(impls, "loss").items():
        out = rep.call(name, fn, W, X, y)
        if out is None:
            continue
        loss, grad = out
        rep.compare(name, "loss", loss, mp_loss, loss_bound + EPS * abs(mp_loss))
        if grad is not None:
            rep.compare(name, "gradient", grad, mp_grad, grad_bound + EPS * np.abs(mp_grad))
    rep.close()


def argmax_is_robust(W: FloatArray, X: FloatArray) -> bool:
    r"""Whether every row's top score beats the runner-up by more than twice the score error
    :math:`D\varepsilon\max_k(|X||W|^\top)_{jk}` (then every implementation's argmax is the true one)."""
    S = np.einsum("jd,kd->jk", f64(X), f64(W))
    top2 = np.sort(S, axis=1)[:, -2:]
    delta = X.shape[1] * working_eps(W, X) * (np.abs(f64(X)) @ np.abs(f64(W)).T).max(axis=1)
    return bool(np.all(top2[:, 1] - top2[:, 0] > 4 * delta + 4 * working_eta(W, X)))


def check_softmax_predict(impls: Impls, case: SoftmaxCase) -> None:
    """``predict/`` impls return the class of the largest score of each row, shape (N,)."""
    W, X = case.W, case.X
    if not argmax_is_robust(W, X):
        raise ValueError("check_softmax_predict: near-tied scores; draw the case with softmax_cases(untied=True)")
    expected = np.argmax(np.einsum("jd,kd->jk", f64(X), f64(W)), axis=1)
    rep = Report("softmax predict")
    for name, fn in select(impls, "predict").items():
        rep.compare(name, "labels", rep.call(name, fn, W, X), expected, 0)
    rep.close()


@st.composite
def softmax_cases(draw: st.DrawFn, *, untied: bool = False, dtypes: tuple[Any, ...] = DTYPES) -> SoftmaxCase:
    """Small cases: N in 2..6 (N ≥ 2 so that a missing 1/N shows), 1..4 features + bias, C in 2..5;
    W and X of one dtype drawn from ``dtypes``."""
    dtype = draw(st.sampled_from(dtypes), label="dtype")
    N = draw(st.integers(2, 6), label="N")
    n = draw(st.integers(1, 4), label="features")
    C = draw(st.integers(2, 5), label="C")
    X = np.hstack([draw(float_arrays((N, n), -3, 3, dtype), label="features of X"), np.ones((N, 1), dtype=dtype)])
    W = draw(float_arrays((C, n + 1), -2, 2, dtype), label="W")
    y = draw(hnp.arrays(np.int64, N, elements=st.integers(0, C - 1)), label="y")
    case = SoftmaxCase(W, X, y)
    if untied:
        assume(argmax_is_robust(W, X))  # argmax well defined whatever the rounding
    return case


@st.composite
def large_score_cases(draw: st.DrawFn) -> SoftmaxCase:
    """Small cases rescaled so that the largest |score| is a drawn value up to 1e4 (often exactly 1e4)."""
    case = draw(softmax_cases())
    top = float(np.abs(f64(case.X) @ f64(case.W).T).max())
    assume(top > 1e-3)
    target = draw(st.one_of(st.just(1e4), floats(100.0, 1e4)), label="max |score|")
    W = (f64(case.W) * (target / top)).astype(case.W.dtype)
    return SoftmaxCase(W, case.X, case.y)


# -- mutants: the mistakes these checks must catch (test_battery_mutants.py) --------------------

def scaled(factor: float) -> Wrap:
    """Gradient × factor (× 1.001: a 0.1 % error; × -1: the sign flipped)."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def mutant(W: Any, X: Any, y: Any) -> Any:
            loss, grad = fn(W, X, y)
            return loss, grad * factor
        return mutant
    return wrap


def transposed(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Gradient transposed ((D, C) instead of (C, D); for C = D the wrong entries)."""
    def mutant(W: Any, X: Any, y: Any) -> Any:
        loss, grad = fn(W, X, y)
        return loss, np.asarray(grad).T
    return mutant


def true_class_one(fn: Callable[..., Any]) -> Callable[..., Any]:
    """dscores[j, y_j] = 1 instead of P[j, y_j] - 1: adds (2 - P[j, y_j]) x_j / N to row y_j."""
    def mutant(W: Any, X: Any, y: Any) -> Any:
        loss, grad = fn(W, X, y)
        P = scipy.special.softmax(X @ W.T, axis=1)
        rows = np.arange(X.shape[0])
        extra = np.zeros_like(P)
        extra[rows, y] = 2.0 - P[rows, y]
        return loss, grad + extra.T @ X / X.shape[0]
    return mutant


def missing_mean(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Sum instead of mean: loss and gradient both × N (consistent with each other!)."""
    def mutant(W: Any, X: Any, y: Any) -> Any:
        loss, grad = fn(W, X, y)
        n = X.shape[0]
        return loss * n, None if grad is None else grad * n
    return mutant


def no_max_subtraction(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The vectorised loss and gradient with exp(S) instead of exp(S - max S): overflow at large scores."""
    def mutant(W: Any, X: Any, y: Any) -> Any:
        S = X @ W.T
        rows = np.arange(X.shape[0])
        with np.errstate(all="ignore"):
            E = np.exp(S)
            Z = E.sum(axis=1)
            loss = float(np.mean(np.log(Z) - S[rows, y]))
            G = E / Z[:, None]
            G[rows, y] -= 1.0
            return loss, G.T @ X / X.shape[0]
    return mutant


def argmax_wrong_axis(fn: Callable[..., Any]) -> Callable[..., Any]:
    """predict with argmax over the samples (axis 0) instead of the classes."""
    return lambda W, X: np.argmax(X @ W.T, axis=0)


def initial_off_by_one(fn: Callable[..., Any]) -> Callable[..., Any]:
    """log(C + 1) instead of log C."""
    return lambda C: fn(C + 1)


SOFTMAX_GRADS = (
    "loss/numerics.softmax_loss_and_grad", "loss/numerics.softmax_loss_and_grad_loop",
    "loss/numerics.Softmax.fast_loss_and_grad", "loss/numerics.Softmax.loss_and_grad",
    "loss/derive.mean_loss", "loss/derive.log_likelihood+grad_W+grad_b", "loss/derive.log_likelihood+grad_w_i+grad_b",
)
SOFTMAX_LOSSES = ("loss/numerics.softmax_loss_loop", "loss/numerics.softmax_loss", "loss/numerics.Softmax.loss")

MUTANTS: list[Mutant] = [
    *(Mutant(name, target, "loss and gradient", wrap)
      for target in SOFTMAX_GRADS
      for name, wrap in [("gradient x 1.001", scaled(1.001)), ("sign flipped", scaled(-1.0)),
                         ("transposed", transposed), ("true-class entry 1 instead of P - 1", true_class_one),
                         ("missing 1/N", missing_mean)]),
    *(Mutant("missing 1/N", target, "loss and gradient", missing_mean) for target in SOFTMAX_LOSSES),
    Mutant("missing 1/N", "loss/numerics.softmax_loss_and_grad", "initial loss", missing_mean),
    Mutant("initial loss log(C + 1)", "initial/derive.initial_loss", "initial loss", initial_off_by_one),
    *(Mutant("no max-subtraction", target, "stability", no_max_subtraction)
      for target in ("loss/numerics.softmax_loss_and_grad", "loss/derive.mean_loss")),
    Mutant("argmax on the wrong axis", "predict/numerics.Softmax.predict", "predict", argmax_wrong_axis),
]


BATTERY = Battery(softmax_impls, (
    Component("loss and gradient", check_softmax, softmax_cases),
    Component("initial loss", check_softmax_initial, softmax_cases),
    Component("predict", check_softmax_predict, lambda: softmax_cases(untied=True)),
    Component("stability", check_softmax_stability, large_score_cases),
), mutants=tuple(MUTANTS), derivation_size="m")
