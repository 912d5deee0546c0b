"""Hinge: references, bounds, implementations, checks and strategies."""

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

from battery.error_model import EPS, FloatArray
from battery.finite_differences import FD_STEP, central_difference, probe_indices
from battery.report import Impl, Impls, Report, select
from battery.strategies import float_arrays, floats
from battery.components import Battery, Component, Mutant, Wrap

#: step of the exact one-sided differences at a hinge kink (dyadic, so x ± h is exact)
KINK_STEP = Fraction(1, 1024)


@dataclass(frozen=True)
class HingeCase:
    """Weights ``w`` (n,), bias ``b``, samples ``X`` (K, n), labels ``y`` in {-1, +1}."""

    w: FloatArray
    b: float
    X: FloatArray
    y: NDArray[np.int64]

    def theta(self) -> FloatArray:
        """The parameters as one vector (w, b)."""
        return np.append(self.w, self.b)


def reference_hinge_loss(theta: FloatArray, X: FloatArray, y: NDArray[np.int64]) -> float:
    """Mean hinge loss of the parameters ``theta = (w, b)``."""
    p = y * (np.einsum("id,d->i", X, theta[:-1]) + theta[-1])
    return float(np.mean(np.maximum(0.0, 1.0 - p)))


def exact_hinge_loss(theta: list[Fraction], X: FloatArray, y: NDArray[np.int64]) -> Fraction:
    """Mean hinge loss in exact rational arithmetic (every float is a dyadic rational)."""
    K, n = X.shape
    total = Fraction(0)
    for i in range(K):
        p = int(y[i]) * (sum((Fraction(float(X[i, d])) * theta[d] for d in range(n)), Fraction(0)) + theta[n])
        total += max(Fraction(0), 1 - p)
    return total / K


def hinge_bounds(case: HingeCase, pad: float = 0.0) -> tuple[float, FloatArray]:
    r"""Bounds on one float64 evaluation of the loss and of each (sub)gradient entry (w..., b).

    Margins: :math:`(n + 1)\varepsilon(|x_i|^\top(|w| + \text{pad}) + |b| + \text{pad})` (y = ±1 is
    exact); the mean of K terms adds :math:`K\varepsilon L`.  The subgradient
    :math:`-\frac1K\sum_i g_i y_i x_i` is a length-K sum of exact products:
    :math:`(K + 2)\varepsilon \sum_i |x_i| / K`.
    """
    X, y, w, b = case.X, case.y, case.w, case.b
    K, n = X.shape
    p = y * (X @ w + b)
    p_err = (n + 1) * EPS * (np.abs(X) @ (np.abs(w) + pad) + abs(b) + pad)
    loss = float(np.mean(p_err + EPS * np.abs(1 - p)) + K * EPS * np.mean(np.maximum(0, 1 - p)))
    grad = (K + 2) * EPS * np.append(np.abs(X).sum(axis=0), K) / K
    return loss, grad


@functools.cache
def _hinge_table() -> dict[str, Impl]:
    import derive.hinge as dh
    from numerics import svm

    def numerics_svm(w: FloatArray, b: float, X: FloatArray, y: NDArray[np.int64], kink_value: float) -> Any:
        gw, gb = svm.hinge_subgradient(w, b, X, y, kink_value=kink_value)
        return svm.hinge_loss(w, b, X, y), gw, gb

    def derive_hinge(w: FloatArray, b: float, X: FloatArray, y: NDArray[np.int64], kink_value: float) -> Any:
        return (dh.hinge_loss(w, b, X, y), dh.hinge_grad_w(w, b, X, y, kink_value=kink_value),
                dh.hinge_grad_b(w, b, X, y, kink_value=kink_value))

    # hinge/<name>: (w, b, X, y, kink_value) -> (loss, grad_w (n,), grad_b)
    return {"hinge/numerics.svm": numerics_svm, "hinge/derive.hinge": derive_hinge}


def hinge_impls() -> dict[str, Impl]:
    """The hinge implementations under test (a fresh dict)."""
    return dict(_hinge_table())


def kink_clearance(case: HingeCase, h: float) -> float:
    """How far every margin stays from 1 relative to the largest move of a probe of size h (> 1: no crossing)."""
    p = case.y * (case.X @ case.w + case.b)
    move = h * max(1.0, float(np.abs(case.X).max()))
    return float(np.min(np.abs(p - 1.0)) / move)


def check_hinge_smooth(impls: Impls, case: HingeCase, *, probes: int | None = None,
                       rng: np.random.Generator | None = None) -> None:
    """Away from kinks: loss = reference, gradient = reference and = central differences (exact there).

    ``probes`` limits the finite differences to that many coordinates of (w, b) drawn with ``rng``.
    """
    if kink_clearance(case, FD_STEP) <= 2:
        raise ValueError("check_hinge_smooth: a probe would cross a kink; draw with hinge_cases()")
    rep = Report("hinge off the kinks")
    theta = case.theta()
    loss_bound, grad_bound = hinge_bounds(case, pad=FD_STEP)
    ref_loss = reference_hinge_loss(theta, case.X, case.y)
    active = case.y * (case.X @ case.w + case.b) < 1
    coef = -(active * case.y) / case.X.shape[0]
    ref_grad = np.append(case.X.T @ coef, coef.sum())
    idx = probe_indices(theta.size, probes, rng)
    fd = central_difference(lambda t: reference_hinge_loss(t, case.X, case.y), theta, idx)
    for name, fn in select(impls, "hinge").items():
        out = rep.call(name, fn, case.w, case.b, case.X, case.y, 0.0)
        if out is None:
            continue
        loss, gw, gb = out
        rep.compare(name, "loss", loss, ref_loss, 2 * loss_bound)
        try:
            g = np.append(np.asarray(gw, dtype=np.float64).reshape(-1), float(gb))
        except (TypeError, ValueError) as exc:
            rep.fail(name, f"subgradient not a vector and a scalar ({exc})")
            continue
        if rep.compare(name, "(grad_w, grad_b) vs reference", g, ref_grad, 2 * grad_bound):
            # piecewise linear and no kink within ±h: the difference quotient is exact up to rounding
            rep.compare(name, "(grad_w, grad_b) vs central differences", g[idx], fd,
                        loss_bound / FD_STEP + grad_bound[idx])
    rep.close()


#: kink values checked at a kink: the homework's 0, SymPy's Heaviside ½, and 1 (indicator on p ≤ 1)
KINK_VALUES = (0.0, 0.5, 1.0)


def one_sided_slopes(case: HingeCase) -> tuple[list[Fraction], list[Fraction]]:
    """Exact backward and forward difference quotients along every coordinate of (w, b), step KINK_STEP.

    The case is built so that every margin ≠ 1 is at least 1/8 away from 1 and a
    probe moves a margin by at most KINK_STEP·max|x| < 1/8: on each side the loss is
    linear, so these quotients *are* the one-sided directional derivatives.
    """
    theta = [Fraction(float(v)) for v in case.theta()]
    f0 = exact_hinge_loss(theta, case.X, case.y)
    back, fwd = [], []
    for d in range(len(theta)):
        up, down = list(theta), list(theta)
        up[d] += KINK_STEP
        down[d] -= KINK_STEP
        fwd.append((exact_hinge_loss(up, case.X, case.y) - f0) / KINK_STEP)
        back.append((f0 - exact_hinge_loss(down, case.X, case.y)) / KINK_STEP)
    return back, fwd


def check_hinge_kink(impls: Impls, case: HingeCase) -> None:
    """At a kink, for each kink value: the subgradient lies in derive's subdifferential and between
    the exact one-sided slopes, and all implementations return the same point."""
    from derive.hinge import subgradient_in_subdifferential

    p = case.y * (case.X @ case.w + case.b)
    if not np.any(p == 1.0):
        raise ValueError("check_hinge_kink: no margin is exactly 1; draw with hinge_kink_cases()")
    rep = Report("hinge at a kink")
    back, fwd = one_sided_slopes(case)
    _, grad_bound = hinge_bounds(case)
    lo = np.array([float(v) for v in back]) - grad_bound
    hi = np.array([float(v) for v in fwd]) + grad_bound
    for kv in KINK_VALUES:
        first: FloatArray | None = None
        for name, fn in select(impls, "hinge").items():
            out = rep.call(name, fn, case.w, case.b, case.X, case.y, kv)
            if out is None:
                continue
            try:
                g = np.append(np.asarray(out[1], dtype=np.float64).reshape(-1), float(out[2]))
            except (TypeError, ValueError) as exc:
                rep.fail(name, f"kink value {kv}: subgradient not a vector and a scalar ({exc})")
                continue
            if g.shape != lo.shape or not np.all(np.isfinite(g)):
                rep.fail(name, f"kink value {kv}: subgradient {g!r} has the wrong shape or is not finite")
                continue
            outside = (g < lo) | (g > hi)
            if outside.any():
                d = int(np.argmax(outside))
                rep.fail(name, f"kink value {kv}: coordinate {d} = {g[d]!r} outside the one-sided slopes "
                               f"[{float(back[d])}, {float(fwd[d])}]")
            if not subgradient_in_subdifferential(g[:-1], float(g[-1]), case.w, case.b, case.X, case.y,
                                                  atol=float(grad_bound.max()), kink_atol=0.0):
                rep.fail(name, f"kink value {kv}: {g.tolist()} is not in derive's subdifferential")
            if first is None:
                first = g
            else:
                rep.compare(name, f"kink value {kv}: agreement with the first implementation", g, first, 2 * grad_bound)
    rep.close()


@st.composite
def hinge_cases(draw: st.DrawFn) -> HingeCase:
    """Small float cases whose margins stay clear of 1 for probes of size FD_STEP."""
    K = draw(st.integers(2, 6), label="K")
    n = draw(st.integers(1, 4), label="n")
    X = draw(float_arrays((K, n), -3, 3), label="X")
    w = draw(float_arrays((n,), -2, 2), label="w")
    b = draw(floats(-2, 2), label="b")
    y = draw(hnp.arrays(np.int64, K, elements=st.sampled_from([-1, 1])), label="y")
    case = HingeCase(w, b, X, y)
    assume(kink_clearance(case, FD_STEP) > 2)  # avoid kinks rather than loosen the tolerance
    return case


@st.composite
def hinge_kink_cases(draw: st.DrawFn) -> HingeCase:
    """Cases with at least one margin exactly 1, in exact binary fractions.

    x in multiples of 1/4 (|x| ≤ 3), w in multiples of 1/2, b chosen so that a drawn sample
    has margin 1: every margin is a multiple of 1/8 and computed exactly in float64.
    """
    K = draw(st.integers(1, 6), label="K")
    n = draw(st.integers(1, 4), label="n")
    X = draw(hnp.arrays(np.int64, (K, n), elements=st.integers(-12, 12)), label="4 X") / 4.0
    w = draw(hnp.arrays(np.int64, n, elements=st.integers(-4, 4)), label="2 w") / 2.0
    y = draw(hnp.arrays(np.int64, K, elements=st.sampled_from([-1, 1])), label="y")
    i0 = draw(st.integers(0, K - 1), label="sample at the kink")
    b = float(y[i0]) - float(X[i0] @ w)  # y_i0 (w·x_i0 + b) = 1 since y_i0² = 1
    return HingeCase(w, b, X, y)


# -- mutants: the mistakes these checks must catch (test_battery_mutants.py) --------------------

def _margins(w: Any, b: float, X: Any, y: Any) -> Any:
    from numerics.svm import margins

    return margins(w, b, X, y)


def kink_value_outside(value: float) -> Wrap:
    """At p = 1 use ``value`` (outside [0, 1]) instead of the requested kink value."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def mutant(w: Any, b: float, X: Any, y: Any, kink_value: float) -> Any:
            loss, gw, gb = fn(w, b, X, y, kink_value)
            at = (_margins(w, b, X, y) == 1.0) * (value - kink_value)
            coef = -(at * y) / X.shape[0]  # the extra weight of the kink samples
            return loss, gw + X.T @ coef, gb + coef.sum()
        return mutant
    return wrap


def hinge_sign_of_y(fn: Callable[..., Any]) -> Callable[..., Any]:
    """+1{p < 1} y x / K: the sign of y (and so of the subgradient) flipped."""
    def mutant(w: Any, b: float, X: Any, y: Any, kink_value: float) -> Any:
        loss, gw, gb = fn(w, b, X, y, kink_value)
        return loss, -gw, -gb
    return mutant


def hinge_y_dropped(fn: Callable[..., Any]) -> Callable[..., Any]:
    """-1{p < 1} x / K: y used in the margin but dropped from the gradient (wrong for y = -1)."""
    def mutant(w: Any, b: float, X: Any, y: Any, kink_value: float) -> Any:
        loss, _, _ = fn(w, b, X, y, kink_value)
        p = _margins(w, b, X, y)
        g = (p < 1).astype(float) + (p == 1) * kink_value
        return loss, -(X.T @ g) / X.shape[0], -g.sum() / X.shape[0]
    return mutant


HINGE_IMPLS = ("hinge/numerics.svm", "hinge/derive.hinge")
MUTANTS: list[Mutant] = [
    *(Mutant(name, target, component, wrap)
      for target in HINGE_IMPLS
      for name, component, wrap in [
          ("indicator on p <= 1 counting the kink twice (kink value 2)", "at a kink", kink_value_outside(2.0)),
          ("kink value -1", "at a kink", kink_value_outside(-1.0)),
          ("wrong sign of y", "off the kinks", hinge_sign_of_y),
          ("y dropped from the gradient", "off the kinks", hinge_y_dropped),
      ]),
]


BATTERY = Battery(hinge_impls, (
    Component("off the kinks", check_hinge_smooth, hinge_cases),
    Component("at a kink", check_hinge_kink, hinge_kink_cases),
), mutants=tuple(MUTANTS), derivation_size="K")
