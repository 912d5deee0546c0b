"""Multiclass SVM: exact references, bounds, implementations, checks and strategies.

Off the kinks (every margin clear of 0 for the probe size) the subgradient is the gradient:
it equals the exact rational reference and central differences.  At a kink -- dyadic data with a
margin of exactly 0 -- every returned subgradient lies in derive's subdifferential and between
the exact one-sided difference quotients (which bound every subgradient of a convex function).
At wide sizes the naive, vectorised and derived versions agree with each other; at W = 0 the
loss is exactly C − 1.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

from battery.components import Battery, Component, Mutant, Wrap
from battery.error_model import FloatArray, f64, working_eps, working_eta
from battery.finite_differences import FD_STEP, central_difference, probe_indices
from battery.report import Impl, Impls, Report, select
from battery.strategies import float_arrays, floats

__all__ = ["SvmCase", "svm_impls", "svm_cases", "svm_kink_cases", "svm_wide_cases", "check_svm_smooth",
           "check_svm_kink", "check_svm_wide", "check_svm_initial", "exact_svm", "svm_bounds", "svm_clearance",
           "SVM_KINK_STEP", "BATTERY"]

#: step of the exact one-sided differences at a kink (dyadic: W ± h is exact)
SVM_KINK_STEP = Fraction(1, 1024)


@dataclass(frozen=True)
class SvmCase:
    """Weights ``W`` (D, C), samples ``X`` (N, D), labels ``y`` in 0..C-1, regularisation ``reg``."""

    W: FloatArray
    X: FloatArray
    y: NDArray[np.int64]
    reg: float


def _margins(W: FloatArray, X: FloatArray, y: NDArray[np.int64]) -> FloatArray:
    S = f64(X) @ f64(W)
    return S - S[np.arange(X.shape[0]), y][:, None] + 1.0


def exact_svm(W: Any, X: FloatArray, y: NDArray[np.int64], reg: Any) -> tuple[Fraction, list[list[Fraction]]]:
    """Loss and subgradient (kink value 0) in exact rational arithmetic (every float is a dyadic rational)."""
    N, D = X.shape
    C = len(W[0]) if isinstance(W, list) else W.shape[1]
    Wf = W if isinstance(W, list) else [[Fraction(float(W[d, c])) for c in range(C)] for d in range(D)]
    Xf = [[Fraction(float(X[i, d])) for d in range(D)] for i in range(N)]
    lam = Fraction(reg) if not isinstance(reg, Fraction) else reg
    loss = Fraction(0)
    grad = [[Fraction(0)] * C for _ in range(D)]
    for i in range(N):
        s = [sum((Xf[i][d] * Wf[d][c] for d in range(D)), Fraction(0)) for c in range(C)]
        yi = int(y[i])
        for j in range(C):
            if j == yi:
                continue
            m = s[j] - s[yi] + 1
            if m > 0:
                loss += m
                for d in range(D):
                    grad[d][j] += Xf[i][d]
                    grad[d][yi] -= Xf[i][d]
    reg_sum = sum((Wf[d][c] ** 2 for d in range(D) for c in range(C)), Fraction(0))
    return loss / N + lam * reg_sum, [[g / N + 2 * lam * Wf[d][c] for c, g in enumerate(row)]
                                      for d, row in enumerate(grad)]


def svm_bounds(case: SvmCase, pad: float = 0.0) -> tuple[float, FloatArray, FloatArray]:
    r"""Bounds on one float evaluation of the loss, of each subgradient entry, and of each margin.

    Scores: :math:`D\varepsilon\,|x_i|^\top(|w_j| + \text{pad})`; a margin adds the true class's and its own
    rounding.  The loss sums :math:`N C` hinges (:math:`NC\varepsilon` relative) of margins within those
    errors, plus :math:`\lambda\|W\|^2` within :math:`(DC + 2)\varepsilon`.  Off the kinks the mask is exact
    (integers), so each subgradient entry of column j is a sum of :math:`n_j` exact terms plus
    :math:`2\lambda W`: :math:`(n_j + 2)\varepsilon(|X|^\top|M|)_{dj}/N + 3\varepsilon \cdot 2\lambda|W|`, where
    :math:`n_j = \max(N, \sum_i |M_{ij}|)`: a matrix product sums N terms, but the assignment's loop adds
    :math:`x_i` to the true class's column once per positive margin, up to :math:`N(C - 1)` terms.

    Underflow: relative bounds say nothing about results below the smallest normal, so each rounding
    that may land there adds the underflow unit :math:`\eta` (:func:`working_eta`; float32 code may
    compute :math:`2\lambda W` or :math:`x_{id} w_{dj}` in float32): :math:`D\eta` per score,
    :math:`(\lambda DC + 2)\eta` on the loss (the squares :math:`w^2`, the product with
    :math:`\lambda`, the division by N) and :math:`4\eta` per subgradient entry (the division by N,
    and up to three roundings of :math:`2\lambda W`).  Without it, float32 cases with X = 0 and
    :math:`\lambda` near the smallest normal failed by a few η.
    """
    W, X, y = f64(case.W), f64(case.X), case.y
    eps, eta = working_eps(case.W, case.X), working_eta(case.W, case.X)
    N, D = X.shape
    C = W.shape[1]
    absS = np.abs(X) @ (np.abs(W) + pad)
    s_err = (D + 1) * eps * absS + D * eta
    m = _margins(W, X, y)
    m_err = s_err + s_err[np.arange(N), y][:, None] + 2 * eps * (np.abs(m) + 1)
    other = np.ones_like(m, dtype=bool)
    other[np.arange(N), y] = False
    hinge = np.where(other, np.maximum(m, 0.0), 0.0)
    loss = (float(np.sum(np.where(other, m_err, 0.0))) / N + N * C * eps * float(hinge.sum()) / N
            + (D * C + 2) * eps * case.reg * float(np.sum((np.abs(W) + pad) ** 2)) + eps
            + (case.reg * D * C + 2) * eta)
    M = np.where(other, (m >= -m_err).astype(float), 0.0)  # possibly active: a margin at a kink may count
    M[np.arange(N), y] = -M.sum(axis=1)
    adds = np.maximum(N, np.abs(M).sum(axis=0))  # terms summed into each column: the loop adds x_i once per count
    grad = (adds + 2) * eps * (np.abs(X).T @ np.abs(M)) / N + 6 * eps * case.reg * (np.abs(W) + pad) + 4 * eta
    return loss, grad, m_err


def svm_clearance(case: SvmCase, h: float) -> float:
    """How far every other-class margin stays from 0 relative to a probe's largest move plus its rounding (> 1: no crossing)."""
    m = _margins(case.W, case.X, case.y)
    _, _, m_err = svm_bounds(case, pad=h)
    other = np.ones_like(m, dtype=bool)
    other[np.arange(m.shape[0]), case.y] = False
    move = 2 * h * max(1.0, float(np.abs(f64(case.X)).max())) + m_err
    return float(np.min(np.where(other, np.abs(m) / move, np.inf), initial=np.inf))


@functools.cache
def _svm_table() -> dict[str, Impl]:
    import derive.svm.functions as dsf
    from numerics import linear_svm as ls

    def linear_svm_loss(W: FloatArray, X: FloatArray, y: NDArray[np.int64], reg: float) -> Any:
        model = ls.LinearSVM(rng=np.random.default_rng(0))
        model.W = W
        return model.loss(X, y, reg)

    def derive_functions(W: FloatArray, X: FloatArray, y: NDArray[np.int64], reg: float) -> Any:
        return dsf.svm_loss(W, X, y, reg), dsf.svm_grad(W, X, y, reg)

    def numerics_mask(W: FloatArray, X: FloatArray, y: NDArray[np.int64], reg: float) -> Any:
        Wf, Xf = f64(W), f64(X)
        return ls.svm_loss(W, X, y, reg), Xf.T @ ls.svm_mask(W, X, y) / X.shape[0] + 2 * reg * Wf

    def derive_kink(value: float) -> Impl:
        return lambda W, X, y, reg: dsf.svm_grad(W, X, y, reg, kink_value=value)

    return {
        # svm/<name>: (W (D, C), X (N, D), y, reg) -> (loss, dW (D, C)); the assignment's margin > 0
        "svm/numerics.svm_loss_naive": ls.svm_loss_naive,
        "svm/numerics.svm_loss_vectorized": ls.svm_loss_vectorized,
        "svm/numerics.LinearSVM.loss": linear_svm_loss,
        "svm/numerics.svm_loss+svm_mask": numerics_mask,
        "svm/derive.svm_loss+svm_grad": derive_functions,
        # kink/<name>: (W, X, y, reg) -> a subgradient; margin >= 0 (h = 1) and SymPy's ½ are valid too
        "kink/derive.svm_grad(h=0)": derive_kink(0.0),
        "kink/derive.svm_grad(h=1/2)": derive_kink(0.5),
        "kink/derive.svm_grad(h=1, margin >= 0)": derive_kink(1.0),
        # initial/<name>: C -> the loss at W = 0 (Δ = 1)
        "initial/derive.initial_loss": dsf.initial_loss,
    }


def svm_impls() -> dict[str, Impl]:
    """The multiclass SVM implementations under test (a fresh dict)."""
    return dict(_svm_table())


def _split(out: Any) -> tuple[Any, Any]:
    loss, grad = out
    return loss, grad


def check_svm_smooth(impls: Impls, case: SvmCase, *, probes: int | None = None,
                     rng: np.random.Generator | None = None) -> None:
    """Away from kinks: loss and subgradient = the exact rational reference, and = central differences."""
    if svm_clearance(case, FD_STEP) <= 1:
        raise ValueError("check_svm_smooth: a probe would cross a kink; draw with svm_cases()")
    rep = Report("multiclass SVM off the kinks")
    loss_bound, grad_bound, _ = svm_bounds(case, pad=FD_STEP)
    e_loss, e_grad = exact_svm(case.W, case.X, case.y, case.reg)
    ref_loss = float(e_loss)
    ref_grad = np.array([[float(g) for g in row] for row in e_grad])
    W64 = f64(case.W)
    idx = probe_indices(W64.size, probes, rng)

    def loss_of(w: FloatArray) -> float:
        return float(exact_svm(w.reshape(W64.shape), case.X, case.y, case.reg)[0])

    fd = central_difference(loss_of, W64, idx)
    for name, fn in select(impls, "svm").items():
        out = rep.call(name, fn, case.W, case.X, case.y, case.reg)
        if out is None:
            continue
        try:
            loss, grad = _split(out)
        except (TypeError, ValueError) as exc:
            rep.fail(name, f"expected (loss, dW), got {type(out).__name__} ({exc})")
            continue
        rep.compare(name, "loss", loss, ref_loss, loss_bound)
        if rep.compare(name, "dW vs exact", grad, ref_grad, grad_bound):
            # piecewise linear plus a quadratic, no kink within ±h: the difference quotient of the exact loss is exact
            # up to the rounding of the probe point's loss
            rep.compare(name, "dW vs central differences", np.asarray(grad, dtype=np.float64).reshape(-1)[idx], fd,
                        grad_bound.reshape(-1)[idx] + 4 * loss_bound / FD_STEP)
    rep.close()


def one_sided_slopes(case: SvmCase) -> tuple[list[Fraction], list[Fraction]]:
    """Exact backward and forward difference quotients of the loss along every entry of W, step SVM_KINK_STEP.

    For a convex loss every subgradient g satisfies backward ≤ g ≤ forward entrywise, whatever the step.
    """
    D, C = case.W.shape
    Wf = [[Fraction(float(case.W[d, c])) for c in range(C)] for d in range(D)]
    f0 = exact_svm(Wf, case.X, case.y, case.reg)[0]
    back, fwd = [], []
    for d in range(D):
        for c in range(C):
            up = [row[:] for row in Wf]
            down = [row[:] for row in Wf]
            up[d][c] += SVM_KINK_STEP
            down[d][c] -= SVM_KINK_STEP
            fwd.append((exact_svm(up, case.X, case.y, case.reg)[0] - f0) / SVM_KINK_STEP)
            back.append((f0 - exact_svm(down, case.X, case.y, case.reg)[0]) / SVM_KINK_STEP)
    return back, fwd


def check_svm_kink(impls: Impls, case: SvmCase) -> None:
    """At a kink: every subgradient (``svm/`` with margin > 0, ``kink/`` with h = 0, ½, 1) lies between the exact
    one-sided slopes and in derive's subdifferential; the ``svm/`` ones equal derive's h = 0 point."""
    from derive.svm.functions import subgradient_in_subdifferential, svm_grad

    m = _margins(case.W, case.X, case.y)
    other = np.ones_like(m, dtype=bool)
    other[np.arange(m.shape[0]), case.y] = False
    if not np.any((m == 0.0) & other):
        raise ValueError("check_svm_kink: no margin is exactly 0; draw with svm_kink_cases()")
    rep = Report("multiclass SVM at a kink")
    back, fwd = one_sided_slopes(case)
    _, grad_bound, _ = svm_bounds(case)
    lo = np.array([float(v) for v in back]) - grad_bound.reshape(-1)
    hi = np.array([float(v) for v in fwd]) + grad_bound.reshape(-1)
    h0 = svm_grad(case.W, case.X, case.y, case.reg, kink_value=0.0)
    for name, fn in {**select(impls, "svm"), **select(impls, "kink")}.items():
        out = rep.call(name, fn, case.W, case.X, case.y, case.reg)
        if out is None:
            continue
        try:
            g = np.asarray(out[1] if name.startswith("svm/") else out, dtype=np.float64)
        except (TypeError, ValueError, IndexError) as exc:
            rep.fail(name, f"subgradient not an array ({exc})")
            continue
        if g.shape != case.W.shape or not np.all(np.isfinite(g)):
            rep.fail(name, f"subgradient of shape {g.shape} (expected {case.W.shape}) or not finite")
            continue
        flat = g.reshape(-1)
        outside = (flat < lo) | (flat > hi)
        if outside.any():
            k = int(np.argmax(outside))
            rep.fail(name, f"entry {np.unravel_index(k, g.shape)} = {flat[k]!r} outside the one-sided slopes "
                           f"[{float(back[k])}, {float(fwd[k])}]")
        # the float membership test solves a bounded least-squares problem: allow its own rounding too
        atol = 2 * float(grad_bound.max()) + 1e-12 * (1.0 + float(np.abs(flat).max()))
        if not subgradient_in_subdifferential(g, case.W, case.X, case.y, case.reg, atol=atol, kink_atol=0.0):
            rep.fail(name, f"{g.tolist()} is not in derive's subdifferential")
        if name.startswith("svm/"):
            rep.compare(name, "the assignment's margin > 0 (h = 0)", g, h0, 2 * grad_bound)
    rep.close()


def check_svm_wide(impls: Impls, case: SvmCase) -> None:
    """Wide sizes: every ``svm/`` implementation agrees with the vectorised one within twice the float bound."""
    if svm_clearance(case, 0.0) <= 1:
        raise ValueError("check_svm_wide: a margin is within rounding of 0; draw with svm_wide_cases()")
    rep = Report("multiclass SVM, naive vs vectorised vs derived at wide sizes")
    loss_bound, grad_bound, _ = svm_bounds(case)
    from numerics.linear_svm import svm_loss_vectorized

    ref_loss, ref_grad = svm_loss_vectorized(case.W, case.X, case.y, case.reg)
    for name, fn in select(impls, "svm").items():
        out = rep.call(name, fn, case.W, case.X, case.y, case.reg)
        if out is None:
            continue
        try:
            loss, grad = _split(out)
        except (TypeError, ValueError) as exc:
            rep.fail(name, f"expected (loss, dW), got {type(out).__name__} ({exc})")
            continue
        rep.compare(name, "loss vs vectorised", loss, ref_loss, 2 * loss_bound)
        rep.compare(name, "dW vs vectorised", grad, ref_grad, 2 * grad_bound)
    rep.close()


def check_svm_initial(impls: Impls, case: tuple[int, SvmCase]) -> None:
    """At W = 0 every margin is exactly Δ = 1: each ``svm/`` loss and ``initial/`` value is exactly C − 1."""
    C, data = case
    rep = Report("multiclass SVM at W = 0")
    W0 = np.zeros((data.X.shape[1], C))
    for name, fn in select(impls, "svm").items():
        out = rep.call(name, fn, W0, data.X, data.y, 0.0)
        if out is not None:
            rep.compare(name, "loss at W = 0", _split(out)[0], C - 1, 0.0)
    for name, fn in select(impls, "initial").items():
        out = rep.call(name, fn, C)
        if out is not None:
            rep.compare(name, "C - 1", out, C - 1, 0.0)
    rep.close()


def _labels(N: int, C: int) -> st.SearchStrategy[NDArray[np.int64]]:
    return hnp.arrays(np.int64, N, elements=st.integers(0, C - 1))


@st.composite
def svm_cases(draw: st.DrawFn) -> SvmCase:
    """Small float64 cases whose margins stay clear of 0 for probes of size FD_STEP (exact references)."""
    N = draw(st.integers(1, 5), label="N")
    D = draw(st.integers(1, 4), label="D")
    C = draw(st.integers(2, 4), label="C")
    X = draw(float_arrays((N, D), -3, 3), label="X")
    W = draw(float_arrays((D, C), -1, 1), label="W")
    y = draw(_labels(N, C), label="y")
    reg = draw(floats(0, 2), label="reg")
    case = SvmCase(W, X, y, reg)
    assume(svm_clearance(case, FD_STEP) > 1)  # avoid kinks rather than loosen the tolerance
    return case


@st.composite
def svm_wide_cases(draw: st.DrawFn) -> SvmCase:
    """Wide sizes (N ≤ 60, D ≤ 40, C ≤ 12), float64 or float32, margins clear of rounding."""
    N = draw(st.integers(1, 60), label="N")
    D = draw(st.integers(1, 40), label="D")
    C = draw(st.integers(2, 12), label="C")
    dtype = draw(st.sampled_from((np.float64, np.float64, np.float32)), label="dtype")
    X = draw(float_arrays((N, D), -255, 255, dtype), label="X")
    W = draw(float_arrays((D, C), -0.015625, 0.015625, dtype), label="W")  # ±2⁻⁶: exact in float32
    y = draw(_labels(N, C), label="y")
    reg = draw(floats(0, 1e3), label="reg")
    case = SvmCase(W, X, y, reg)
    assume(svm_clearance(case, 0.0) > 1)
    return case


@st.composite
def svm_kink_cases(draw: st.DrawFn) -> SvmCase:
    """Cases with at least one margin exactly 0, in exact binary fractions.

    X in multiples of 1/4 (|x| ≤ 3), W in multiples of 1/2, and one weight of the chosen pair's
    class set so that its margin is 0: every score is a multiple of 1/8, computed exactly.
    """
    N = draw(st.integers(1, 4), label="N")
    D = draw(st.integers(1, 3), label="D")
    C = draw(st.integers(2, 4), label="C")
    X = draw(hnp.arrays(np.int64, (N, D), elements=st.integers(-12, 12)), label="4 X") / 4.0
    W = draw(hnp.arrays(np.int64, (D, C), elements=st.integers(-4, 4)), label="2 W") / 2.0
    y = draw(_labels(N, C), label="y")
    reg = draw(st.sampled_from([0.0, 0.25, 1.0]), label="reg")
    i0 = draw(st.integers(0, N - 1), label="sample at the kink")
    j0 = draw(st.sampled_from([c for c in range(C) if c != int(y[i0])]), label="class at the kink")
    d0 = draw(st.integers(0, D - 1), label="feature moved")
    assume(X[i0, d0] != 0)
    S = X @ W
    m = S[i0, j0] - S[i0, y[i0]] + 1.0
    W = W.copy()
    W[d0, j0] -= m / X[i0, d0]  # exact: m is a multiple of 1/8, x a multiple of 1/4 among ±1/4..±3
    case = SvmCase(W, X, y, reg)
    exact = (sum(Fraction(float(X[i0, d])) * (Fraction(float(W[d, j0])) - Fraction(float(W[d, y[i0]])))
                 for d in range(D)) + 1)
    assume(exact == 0 and _margins(W, X, y)[i0, j0] == 0.0)  # the division was exact (a dyadic weight)
    return case


@st.composite
def svm_initial_cases(draw: st.DrawFn) -> tuple[int, SvmCase]:
    """A number of classes C and data (X, y) for the loss at W = 0."""
    C = draw(st.integers(2, 12), label="C")
    N = draw(st.integers(1, 8), label="N")
    D = draw(st.integers(1, 5), label="D")
    X = draw(float_arrays((N, D), -255, 255), label="X")
    y = draw(_labels(N, C), label="y")
    return C, SvmCase(np.zeros((D, C)), X, y, 0.0)


# -- mutants: the mistakes these checks must catch (test_battery_mutants.py) --------------------

def _svm_parts(W: Any, X: Any, y: Any) -> tuple[Any, Any, Any]:
    """float64 copies, the one-hot Y and each row's count of positive other-class margins."""
    Wf, Xf = np.asarray(W, dtype=np.float64), np.asarray(X, dtype=np.float64)
    S = Xf @ Wf
    Y = np.eye(Wf.shape[1])[y]
    m = S - S[np.arange(Xf.shape[0]), y][:, None] + 1.0
    counts = np.sum((m > 0) & (Y == 0), axis=1)
    return Xf, Y, counts


def svm_true_class_counted(fn: Callable[..., Any]) -> Callable[..., Any]:
    """j = y_i counted in the sum: its margin Δ = 1 adds 1 per sample to the loss, and the true class's count is one too many."""
    def mutant(W: Any, X: Any, y: Any, reg: float) -> Any:
        loss, dW = fn(W, X, y, reg)
        Xf, Y, _ = _svm_parts(W, X, y)
        return loss + 1.0, dW - Xf.T @ Y / Xf.shape[0]
    return mutant


def svm_missing_true_class_term(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The mask without its true-class entries −count: dW = Xᵀ A / N + 2 reg W."""
    def mutant(W: Any, X: Any, y: Any, reg: float) -> Any:
        loss, dW = fn(W, X, y, reg)
        Xf, Y, counts = _svm_parts(W, X, y)
        return loss, dW + Xf.T @ (Y * counts[:, None]) / Xf.shape[0]
    return mutant


def svm_missing_mean(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Sum over samples instead of mean: the data loss and its subgradient × N (the regulariser unchanged)."""
    def mutant(W: Any, X: Any, y: Any, reg: float) -> Any:
        loss, dW = fn(W, X, y, reg)
        Wf, n = np.asarray(W, dtype=np.float64), np.shape(X)[0]
        r = reg * float(np.sum(Wf * Wf))
        return (loss - r) * n + r, (np.asarray(dW) - 2 * reg * Wf) * n + 2 * reg * Wf
    return mutant


def svm_reg_without_2(fn: Callable[..., Any]) -> Callable[..., Any]:
    """reg·W instead of 2·reg·W in the subgradient."""
    def mutant(W: Any, X: Any, y: Any, reg: float) -> Any:
        loss, dW = fn(W, X, y, reg)
        return loss, dW - reg * np.asarray(W, dtype=np.float64)
    return mutant


def svm_kink_value(value: float) -> Wrap:
    """At a margin of exactly 0 use the step value ``value`` (outside [0, 1]) instead of 0."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def mutant(W: Any, X: Any, y: Any, reg: float) -> Any:
            out = fn(W, X, y, reg)
            loss, dW = out if isinstance(out, tuple) else (None, out)
            Wf, Xf = np.asarray(W, dtype=np.float64), np.asarray(X, dtype=np.float64)
            S = Xf @ Wf
            rows = np.arange(Xf.shape[0])
            at = ((S - S[rows, y][:, None] + 1.0) == 0.0) * value
            at[rows, y] = 0.0
            extra = at.copy()
            extra[rows, y] = -at.sum(axis=1)
            g = np.asarray(dW) + Xf.T @ extra / Xf.shape[0]
            return (loss, g) if isinstance(out, tuple) else g
        return mutant
    return wrap


def svm_initial_c(fn: Callable[..., Any]) -> Callable[..., Any]:
    """C instead of C − 1 (the true class counted)."""
    return lambda C: fn(C) + 1


SVM_IMPLS = ("svm/numerics.svm_loss_naive", "svm/numerics.svm_loss_vectorized", "svm/derive.svm_loss+svm_grad")
MUTANTS: list[Mutant] = [
    *(Mutant(name, target, component, wrap)
      for target in SVM_IMPLS
      for name, component, wrap in [
          ("true class counted in the sum over j", "off the kinks", svm_true_class_counted),
          ("true class counted in the sum over j", "initial loss", svm_true_class_counted),
          ("missing -count x_i of the true class", "off the kinks", svm_missing_true_class_term),
          ("missing 1/N", "off the kinks", svm_missing_mean),
          ("reg gradient without the factor 2", "off the kinks", svm_reg_without_2),
          ("missing -count x_i of the true class", "naive vs vectorised, wide", svm_missing_true_class_term),
          ("kink value 2 (a pair at its kink counted twice)", "at a kink", svm_kink_value(2.0)),
      ]),
    Mutant("kink value -1", "kink/derive.svm_grad(h=1, margin >= 0)", "at a kink", svm_kink_value(-2.0)),
    Mutant("initial loss C instead of C - 1", "initial/derive.initial_loss", "initial loss", svm_initial_c),
]


BATTERY = Battery(svm_impls, (
    Component("off the kinks", check_svm_smooth, svm_cases),
    Component("at a kink", check_svm_kink, svm_kink_cases),
    Component("naive vs vectorised, wide", check_svm_wide, svm_wide_cases),
    Component("initial loss", check_svm_initial, svm_initial_cases),
), mutants=tuple(MUTANTS), derivation_size="N")
