r"""Machinery of the cross-verification battery (``tests/test_battery_*.py``).

The battery checks that the derived formulas (``derive``, lambdified), float64
central differences and the numerical code (``numerics``, loop and vectorised)
agree.  Everything a check needs lives here so that the mutant test
(``test_battery_mutants.py``) re-runs exactly the same checks with one
implementation swapped for a mutant:

* **tables of implementations under test** -- flat ``{"kind/name": callable}``
  dicts with one calling convention per kind (:func:`softmax_impls`, ...);
* **independent references** -- scipy's ``logsumexp``, exact ``Fraction``
  arithmetic (hinge), Python integers and Fractions (distances), and mpmath at 50
  digits (softmax stability, ridge minimiser);
* **error bounds** from the float64 error model (the tolerances, derived in the
  functions ``*_bounds``);
* **checks** ``check_*(impls, case) -> None`` that raise :class:`BatteryFailure`
  naming every implementation that disagreed;
* **hypothesis strategies** for the cases, and :data:`BATTERIES`, which pairs
  each check with its strategy.

Tolerances
----------
A dot product of length :math:`n` computed in floating point is within
:math:`n\varepsilon\,|x|^\top|w|` of the exact one (:math:`\gamma_n \le n\varepsilon`
for :math:`n\varepsilon < 1/2`); every bound below propagates that through the
formula (first order; the few-ulp errors of ``exp``/``log``/division are covered by
explicit additive :math:`c\,\varepsilon` terms).  Two computations that each
satisfy a bound :math:`\delta` differ by at most :math:`2\delta` -- that factor 2 is
the only "safety factor".  Per dtype: ε and the underflow unit η are those of the least
precise floating input (:func:`working_eps`, :func:`working_eta`): float32 cases are held
to float32's ε = 2⁻²³ (code may compute in float32), float64 ones to 2⁻⁵², and integer
(uint8) distances must be exact.  A central difference with step :math:`h` of a function
computed within :math:`\delta_f` has error at most
:math:`h^2 M_3 / 6 + \delta_f / h` (:math:`M_3` a bound on the third derivative
along the probe); for the softmax loss :math:`M_3 \le \frac{1}{N}\sum_j |x_{jd}|^3
/ (6\sqrt3)` (the largest value of :math:`|p(1-p)(1-2p)|`), for the piecewise-linear
hinge (probes that do not cross a kink) and the quadratic ridge objective
:math:`M_3 = 0`.  Nothing here was tuned until green: when a check fails, the
bound or the implementation is wrong, and the failure says which values disagree.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import scipy.special
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

EPS = float(np.finfo(np.float64).eps)
#: central-difference step for smooth losses: balances h²M₃/6 against δ_f/h for |x| ≲ 3, δ_f ≈ 1e-15
FD_STEP = 1e-5
#: step for the quadratic ridge objective: M₃ = 0, so a larger step only shrinks the rounding term δ_f/h
RIDGE_FD_STEP = 2.0**-7
#: step of the exact one-sided differences at a hinge kink (dyadic, so x ± h is exact)
KINK_STEP = Fraction(1, 1024)
#: max |d³/dt³ log Σ e^{s + t e_k}| per unit |x|³: max over p of |p(1 - p)(1 - 2p)| = 1/(6√3)
SOFTMAX_M3 = 1.0 / (6.0 * math.sqrt(3.0))

Impl = Callable[..., Any]
Impls = Mapping[str, Impl]
FloatArray = NDArray[np.float64]


# ----------------------------------------------------------------------------------------------
# failures
# ----------------------------------------------------------------------------------------------


class BatteryFailure(AssertionError):
    """Implementations under test disagreed with a reference; ``failed`` names them."""

    def __init__(self, message: str, failed: frozenset[str]) -> None:
        super().__init__(message)
        self.failed = failed


class Report:
    """Collect disagreements of one check; :meth:`close` raises them together."""

    def __init__(self, check: str) -> None:
        self.check = check
        self.problems: list[tuple[str, str]] = []

    def fail(self, impl: str, message: str) -> None:
        self.problems.append((impl, message))

    def call(self, impl: str, fn: Impl, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args)`` on copies of the array arguments; an exception or a changed input is a failure."""
        copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
        try:
            out = fn(*copies, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any exception of an implementation is its failure
            self.fail(impl, f"raised {type(exc).__name__}: {exc}")
            return None
        for k, (a, c) in enumerate(zip(args, copies)):
            if isinstance(a, np.ndarray) and not np.array_equal(a, c, equal_nan=True):
                self.fail(impl, f"modified its input argument {k}")
        return out

    def compare(self, impl: str, what: str, got: Any, expected: Any, tol: Any) -> bool:
        """Record a failure unless ``|got - expected| <= tol`` entrywise (NaN fails, shapes must match)."""
        try:
            g = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            self.fail(impl, f"{what}: not a float array ({exc})")
            return False
        e = np.asarray(expected, dtype=np.float64)
        if g.shape != e.shape:
            self.fail(impl, f"{what}: shape {g.shape}, expected {e.shape}")
            return False
        t = np.broadcast_to(np.asarray(tol, dtype=np.float64), e.shape)
        err = np.abs(g - e)
        bad = ~(err <= t)
        if bad.any():
            k = int(np.argmax(np.where(bad, np.nan_to_num(err / np.maximum(t, 1e-300), nan=np.inf), -1.0)))
            where = np.unravel_index(k, e.shape) if e.ndim else ()
            self.fail(impl, f"{what}{list(map(int, where)) if e.ndim else ''}: got {float(g.flat[k])!r}, "
                            f"expected {float(e.flat[k])!r}, |diff| {err.flat[k]:.3g} > tol {t.flat[k]:.3g} "
                            f"({int(bad.sum())} of {bad.size} entries)")
            return False
        return True

    def close(self) -> None:
        if self.problems:
            lines = "\n".join(f"  {impl}: {msg}" for impl, msg in self.problems)
            raise BatteryFailure(f"{self.check} failed:\n{lines}", frozenset(i for i, _ in self.problems))


def select(impls: Impls, kind: str) -> dict[str, Impl]:
    """The entries ``kind/...`` of a table."""
    return {k: v for k, v in impls.items() if k.split("/", 1)[0] == kind}


# ----------------------------------------------------------------------------------------------
# finite differences (independent of numerics.gradcheck, which is itself under test)
# ----------------------------------------------------------------------------------------------


def central_difference(f: Callable[[FloatArray], float], x: FloatArray, indices: NDArray[np.int64],
                       h: float = FD_STEP) -> FloatArray:
    """Central differences of ``f`` at ``x`` along the flat ``indices`` (``x`` is not modified).

    Divides by the representable step ``fl(x+h) - fl(x-h)``, not by ``2h``.
    """
    work = np.array(x, dtype=np.float64, copy=True)
    flat = work.reshape(-1)
    out = np.empty(len(indices))
    for k, i in enumerate(indices):
        old = flat[i]
        up, down = old + h, old - h
        flat[i] = up
        f_up = float(f(work))
        flat[i] = down
        f_down = float(f(work))
        flat[i] = old
        out[k] = (f_up - f_down) / (up - down)
    return out


def probe_indices(size: int, probes: int | None, rng: np.random.Generator | None) -> NDArray[np.int64]:
    """Every flat index, or ``probes`` distinct ones drawn with ``rng``."""
    if probes is None or probes >= size:
        return np.arange(size, dtype=np.int64)
    if rng is None:
        raise ValueError("probe_indices: sampling probes needs an rng")
    return np.sort(rng.choice(size, size=probes, replace=False)).astype(np.int64)


def working_eps(*arrays: NDArray[Any]) -> float:
    """Unit of the float64 error model for code fed these arrays: the ε of the least precise
    floating input (float32: 2⁻²³ -- an implementation may compute in it), else float64's."""
    return max([EPS] + [float(np.finfo(a.dtype).eps) for a in arrays if np.issubdtype(a.dtype, np.floating)])


def working_eta(*arrays: NDArray[Any]) -> float:
    """Absolute error of one product or quotient that underflows (gradual underflow: half the
    smallest subnormal; 7e-46 for float32) in the least precise floating input's dtype."""
    dts = [a.dtype for a in arrays if np.issubdtype(a.dtype, np.floating)] + [np.dtype(np.float64)]
    return max(float(np.finfo(dt).smallest_subnormal) for dt in dts)


def f64(a: NDArray[Any]) -> FloatArray:
    """Exact float64 copy (every float32 and small integer is a float64)."""
    return np.asarray(a, dtype=np.float64)


# ----------------------------------------------------------------------------------------------
# softmax: references, bounds, implementations, checks
# ----------------------------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------------------------
# strategies shared by several quantities
# ----------------------------------------------------------------------------------------------


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite float64 in [lo, hi], no subnormals."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def float_arrays(shape: tuple[int, ...], lo: float, hi: float, dtype: Any = np.float64) -> st.SearchStrategy[FloatArray]:
    """Arrays of finite floats in [lo, hi] of ``dtype`` (float64 or float32), no subnormals."""
    width = np.dtype(dtype).itemsize * 8
    elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=width)
    return hnp.arrays(dtype, shape, elements=elements)


#: input dtypes of the softmax and distance cases: float64 twice as often as float32
DTYPES = (np.float64, np.float64, np.float32)


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


# ----------------------------------------------------------------------------------------------
# hinge: references, bounds, implementations, checks
# ----------------------------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------------------------
# noisy regression / ridge: references, bounds, implementations, checks
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RidgeCase:
    """Parameters ``theta`` (d,), data ``X`` (N, d), targets ``y`` (N,), noise level ``sigma`` ≥ 0."""

    theta: FloatArray
    X: FloatArray
    y: FloatArray
    sigma: float


def reference_ridge_objective(theta: FloatArray, X: FloatArray, y: FloatArray, sigma: float) -> float:
    """L(θ) + σ²‖θ‖² with L the mean squared error."""
    r = np.einsum("id,d->i", X, theta) - y
    return float(np.mean(r * r) + sigma * sigma * np.sum(theta * theta))


def ridge_bounds(case: RidgeCase, pad: float = 0.0) -> tuple[float, float, FloatArray]:
    r"""Bounds on one float64 evaluation of L, of L + σ²‖θ‖² and of each gradient entry.

    Residuals :math:`r_i = x_i^\top\theta - y_i` within :math:`\rho_i = (d+1)\varepsilon(|x_i|^\top|\theta| + |y_i|)`;
    :math:`\frac1N\|r\|^2` within :math:`\frac1N(2|r|^\top\rho + \rho^\top\rho + (N+1)\varepsilon\|r\|^2)`;
    :math:`\sigma^2\|\theta\|^2` within :math:`(d+3)\varepsilon\sigma^2\|\theta\|^2`; the gradient
    :math:`\frac2N X^\top r + 2\sigma^2\theta` within
    :math:`\frac2N |X|^\top(\rho + (N+1)\varepsilon|r|) + 4\varepsilon\sigma^2|\theta| + \varepsilon|g|`.
    ``pad`` widens |θ| (for evaluations at θ ± h).
    """
    theta, X, y, s2 = case.theta, case.X, case.y, case.sigma**2
    N, d = X.shape
    at = np.abs(theta) + pad
    r = X @ theta - y
    ar = np.abs(r) + np.abs(X) @ np.full(d, pad)
    rho = (d + 1) * EPS * (np.abs(X) @ at + np.abs(y))
    sq = float((2 * ar @ rho + rho @ rho + (N + 1) * EPS * (ar @ ar)) / N)
    obj = sq + (d + 3) * EPS * s2 * float(at @ at) + EPS * (float(ar @ ar) / N + s2 * float(at @ at))
    g = 2 / N * X.T @ r + 2 * s2 * theta
    grad = 2 / N * np.abs(X).T @ (rho + (N + 1) * EPS * ar) + 4 * EPS * s2 * at + EPS * np.abs(g)
    return sq, obj, grad


@functools.cache
def _noisy_table() -> dict[str, Impl]:
    import derive.noisy as dn
    from numerics import noisy as nn

    def objective(mod: Any) -> Impl:
        return lambda theta, X, y, sigma: (mod.squared_loss(theta, X, y), mod.expected_noisy_loss(theta, X, y, sigma),
                                           mod.ridge_gradient(theta, X, y, sigma))

    return {
        # objective/<name>: (theta, X, y, sigma) -> (L, E[L~] closed form, gradient of E[L~])
        "objective/numerics.noisy": objective(nn),
        "objective/derive.noisy": objective(dn),
        # minimiser/<name>: (X, y, sigma) -> theta*(sigma)
        "minimiser/numerics.noisy": nn.ridge_minimiser,
        "minimiser/derive.noisy": dn.ridge_minimiser,
        # monte-carlo/<name>: (theta, X, y, sigma, n_draws, rng) -> (mean, standard error)
        "monte-carlo/numerics.noisy": lambda theta, X, y, sigma, n_draws, rng: nn.noisy_loss_monte_carlo(
            theta, X, y, sigma, n_draws=n_draws, rng=rng),
    }


def noisy_impls() -> dict[str, Impl]:
    """The noisy-regression implementations under test (a fresh dict)."""
    return dict(_noisy_table())


def check_ridge(impls: Impls, case: RidgeCase, *, probes: int | None = None,
                rng: np.random.Generator | None = None) -> None:
    """L, E[L~] = L + σ²‖θ‖² and its gradient (vs reference and central differences) for ``objective/``.

    ``probes`` limits the finite differences to that many coordinates drawn with ``rng``.
    """
    theta, X, y, sigma = case.theta, case.X, case.y, case.sigma
    rep = Report("noisy regression objective and ridge gradient")
    sq_bound, obj_bound, grad_bound = ridge_bounds(case)
    _, obj_bound_h, _ = ridge_bounds(case, pad=RIDGE_FD_STEP)
    r = X @ theta - y
    ref_sq = float(np.mean(r * r))
    ref_obj = reference_ridge_objective(theta, X, y, sigma)
    ref_grad = 2 / X.shape[0] * X.T @ r + 2 * sigma * sigma * theta
    idx = probe_indices(theta.size, probes, rng)
    fd = central_difference(lambda t: reference_ridge_objective(t, X, y, sigma), theta, idx, h=RIDGE_FD_STEP)
    for name, fn in select(impls, "objective").items():
        out = rep.call(name, fn, theta, X, y, sigma)
        if out is None:
            continue
        sq, obj, grad = out
        rep.compare(name, "L(theta)", sq, ref_sq, 2 * sq_bound)
        rep.compare(name, "E[L~] closed form", obj, ref_obj, 2 * obj_bound)
        if rep.compare(name, "gradient vs reference", grad, ref_grad, 2 * grad_bound):
            # quadratic: the central difference has no truncation error, only rounding δ_f/h
            rep.compare(name, "gradient vs central differences", np.asarray(grad).reshape(-1)[idx], fd,
                        obj_bound_h / RIDGE_FD_STEP + grad_bound[idx])
    rep.close()


def ridge_condition(X: FloatArray, sigma: float) -> float:
    """2-norm condition number of XᵀX + Nσ²I."""
    A = X.T @ X + X.shape[0] * sigma * sigma * np.eye(X.shape[1])
    return float(np.linalg.cond(A))


def mp_ridge_minimiser(X: FloatArray, y: FloatArray, sigma: float, dps: int = 50) -> FloatArray:
    """(XᵀX + Nσ²I)⁻¹Xᵀy solved in mpmath at ``dps`` digits from the exact float inputs (small d)."""
    N, d = X.shape
    with mpmath.workdps(dps):
        Xm = mpmath.matrix([[mpmath.mpf(float(v)) for v in row] for row in X])
        ym = mpmath.matrix([mpmath.mpf(float(v)) for v in y])
        A = Xm.T * Xm + N * mpmath.mpf(float(sigma)) ** 2 * mpmath.eye(d)
        theta = mpmath.lu_solve(A, Xm.T * ym)
        return np.array([float(theta[k]) for k in range(d)])


def check_ridge_minimiser(impls: Impls, case: RidgeCase) -> None:
    r"""``minimiser/`` impls equal θ* = (XᵀX + Nσ²I)⁻¹Xᵀy computed in mpmath (50 digits).

    Perturbation bound for a float64 solve: :math:`\|\delta\theta\| / \|\theta\| \le
    \kappa(A)(\|\delta A\|/\|A\| + \|\delta b\|/\|b\|) / (1 - \kappa\|\delta A\|/\|A\|)` with
    :math:`A = X^\top X + N\sigma^2 I` formed within :math:`(N + 2)\varepsilon(\||X|^\top|X|\| + N\sigma^2)`,
    the solve backward-stable within :math:`4d\varepsilon\|A\|`, and :math:`b = X^\top y` within
    :math:`(N+1)\varepsilon\||X|^\top|y|\|`; the last factor is at most 2 for κ ≤ 1e8 (assumed by
    :func:`minimiser_cases`), plus one rounding of the reference.
    """
    X, y, sigma = case.X, case.y, case.sigma
    N, d = X.shape
    if not sigma > 0:
        raise ValueError("check_ridge_minimiser: needs sigma > 0")
    A = X.T @ X + N * sigma * sigma * np.eye(d)
    kappa = float(np.linalg.cond(A))
    ref = mp_ridge_minimiser(X, y, sigma)
    normA = float(np.linalg.norm(A, 2))
    dA = ((N + 2) * EPS * (np.linalg.norm(np.abs(X).T @ np.abs(X), 2) + N * sigma * sigma) + 4 * d * EPS * normA) / normA
    nb = float(np.linalg.norm(X.T @ y))
    db = (N + 1) * EPS * float(np.linalg.norm(np.abs(X).T @ np.abs(y))) / nb if nb > 0 else 0.0
    tol = (2 * kappa * (dA + db) + EPS) * float(np.linalg.norm(ref))
    rep = Report("ridge minimiser")
    for name, fn in select(impls, "minimiser").items():
        got = rep.call(name, fn, X, y, sigma)
        if got is not None and rep.compare(name, "theta*", got, ref, np.inf):  # shape and NaN first
            err = float(np.linalg.norm(np.asarray(got, dtype=np.float64) - ref))
            if not err <= tol:
                rep.fail(name, f"theta*: ‖got - reference‖ = {err:.3g} > {tol:.3g} (κ = {kappa:.3g}); "
                               f"got {np.asarray(got).tolist()}, reference {ref.tolist()}")
    rep.close()


#: Monte-Carlo draws per check: the mean of 4000 skewed (χ²-like) draws is close to normal
MC_DRAWS = 4000
#: accepted |closed form - MC mean| in standard errors.  Normal tail P(|Z| > 5) = 5.7e-7 per
#: check; the skewness of the mean (≤ √8/√4000 = 0.045) and the 1/√(2·4000) = 1% error of the
#: estimated SE raise that by well under 10x: < 1e-3 chance of a false alarm over the 1000
#: examples of the thorough profile, while a wrong regulariser term (e.g. σ²‖θ‖ or σ‖θ‖²)
#: is many standard errors off whenever σ‖θ‖ is not small.
MC_K = 5.0


@dataclass(frozen=True)
class ExpectationCase:
    """A ridge case plus the seed of the Monte-Carlo draws."""

    ridge: RidgeCase
    seed: int


def check_expectation(impls: Impls, case: ExpectationCase) -> None:
    """Each closed form (``objective/``) is within MC_K standard errors of each ``monte-carlo/`` estimate."""
    c = case.ridge
    rep = Report(f"E[L~]: closed form vs Monte Carlo within {MC_K} standard errors")
    estimates = {}
    for name, fn in select(impls, "monte-carlo").items():
        out = rep.call(name, fn, c.theta, c.X, c.y, c.sigma, MC_DRAWS, np.random.default_rng(case.seed))
        if out is None:
            continue
        mean, se = (float(v) for v in out)
        if not (np.isfinite(mean) and np.isfinite(se) and se >= 0):
            rep.fail(name, f"estimate {mean!r} ± {se!r} is not a finite mean with a standard error ≥ 0")
            continue
        estimates[name] = (mean, se)
    for name, fn in select(impls, "objective").items():
        out = rep.call(name, fn, c.theta, c.X, c.y, c.sigma)
        if out is None:
            continue
        for mc_name, (mean, se) in estimates.items():
            rep.compare(name, f"closed form vs {mc_name} (mean {mean:.6g}, SE {se:.3g})", out[1], mean,
                        MC_K * se + 8 * EPS * abs(mean))
    rep.close()


@st.composite
def ridge_cases(draw: st.DrawFn, *, min_sigma: float = 0.0) -> RidgeCase:
    """Small cases: N in 1..6, d in 1..4, σ in [min_sigma, 3] (0 included when min_sigma is 0)."""
    N = draw(st.integers(1, 6), label="N")
    d = draw(st.integers(1, 4), label="d")
    X = draw(float_arrays((N, d), -3, 3), label="X")
    y = draw(float_arrays((N,), -3, 3), label="y")
    theta = draw(float_arrays((d,), -2, 2), label="theta")
    sigma = draw(st.one_of(st.just(min_sigma), floats(min_sigma, 3.0)), label="sigma")
    return RidgeCase(theta, X, y, sigma)


@st.composite
def minimiser_cases(draw: st.DrawFn) -> RidgeCase:
    """Ridge cases with σ ≥ 0.05 and a condition number of XᵀX + Nσ²I at most 1e8 (assumed, not loosened)."""
    case = draw(ridge_cases(min_sigma=0.05))
    assume(ridge_condition(case.X, case.sigma) <= 1e8)
    return case


@st.composite
def expectation_cases(draw: st.DrawFn) -> ExpectationCase:
    """Ridge cases with σ in [0.1, 2] and a hypothesis-chosen seed for the noise."""
    ridge = draw(ridge_cases(min_sigma=0.1).filter(lambda c: c.sigma <= 2.0))
    # the sample variance squares deviations of the size of the loss: below ~1e-154 they underflow
    # and the standard error becomes 0; such losses are far outside the homework's range
    assume(reference_ridge_objective(ridge.theta, ridge.X, ridge.y, ridge.sigma) > 1e-100)
    return ExpectationCase(ridge, draw(st.integers(0, 2**32 - 1), label="seed"))


# ----------------------------------------------------------------------------------------------
# distances: references, bounds, implementations, checks
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistanceCase:
    """Test rows ``X`` (A, n) and training rows ``Z`` (B, n), float64 or uint8; ``kind`` names the family."""

    X: NDArray[Any]
    Z: NDArray[Any]
    kind: str


def _knn(Z: NDArray[Any]) -> Any:
    from numerics.knn.model import KNN

    return KNN().train(Z, np.zeros(Z.shape[0], dtype=np.int64))


def _l1(v: FloatArray) -> float:
    return float(np.sum(np.abs(v)))


def _linf(v: FloatArray) -> float:
    return float(np.max(np.abs(v)))


@functools.cache
def _distance_table() -> dict[str, Impl]:
    from derive.distances import squared_distances
    from numerics.knn import distances as nd

    # <norm>/<name>: (X, Z) -> (A, B) matrix; "sq" is the squared Euclidean distance
    return {
        "sq/derive.squared_distances": squared_distances,
        "sq/numerics.l2_distances(squared=True)": lambda X, Z: nd.l2_distances(X, Z, squared=True),
        "sq/numerics.naive_distances(v·v)": lambda X, Z: nd.naive_distances(X, Z, lambda v: float(v @ v)),
        "l2/numerics.l2_distances": nd.l2_distances,
        "l2/numerics.compute_distances('l2')": lambda X, Z: nd.compute_distances(X, Z, "l2"),
        "l2/numerics.naive_distances(np.linalg.norm)": lambda X, Z: nd.naive_distances(X, Z, np.linalg.norm),
        "l2/numerics.KNN.compute_L2_distances_vectorized": lambda X, Z: _knn(Z).compute_L2_distances_vectorized(X),
        "l2/numerics.KNN.compute_distances": lambda X, Z: _knn(Z).compute_distances(X),
        "l2/derive.squared_distances+clamp+sqrt": lambda X, Z: np.sqrt(np.maximum(squared_distances(X, Z), 0.0)),
        "l1/numerics.l1_distances": nd.l1_distances,
        "l1/numerics.compute_distances('l1')": lambda X, Z: nd.compute_distances(X, Z, "l1"),
        "l1/numerics.naive_distances(sum |v|)": lambda X, Z: nd.naive_distances(X, Z, _l1),
        "l1/numerics.KNN.compute_distances(sum |v|)": lambda X, Z: _knn(Z).compute_distances(X, _l1),
        "linf/numerics.linf_distances": nd.linf_distances,
        "linf/numerics.compute_distances('linf')": lambda X, Z: nd.compute_distances(X, Z, "linf"),
        "linf/numerics.naive_distances(max |v|)": lambda X, Z: nd.naive_distances(X, Z, _linf),
    }


def _accel_kernel(kind: str, backend: str) -> Impl:
    """numerics.accel's kernel for one backend: the uint8 one for uint8 pairs, else float64."""
    from numerics import accel

    def kernel(X: NDArray[Any], Z: NDArray[Any]) -> FloatArray:
        if X.dtype == np.uint8 and Z.dtype == np.uint8:
            return accel.pairwise_u8(X, Z, kind, backend=backend)
        return accel.pairwise_f64(np.asarray(X, dtype=np.float64), np.asarray(Z, dtype=np.float64), kind,
                                  backend=backend)
    return kernel


def _accel_table() -> dict[str, Impl]:
    """Both backends of the optional kernels behind l1/linf_distances (when numerics.accel exists)."""
    try:
        from numerics import accel
    except ImportError:
        return {}
    backends = [b for b in accel.BACKENDS if b != "numba" or accel.HAVE_NUMBA]
    return {f"{kind}/numerics.accel.pairwise(backend={b!r})": _accel_kernel(kind, b)
            for kind in ("l1", "linf") for b in backends}


def distance_impls() -> dict[str, Impl]:
    """The distance implementations under test (a fresh dict; the accel kernels per backend included)."""
    return {**_distance_table(), **_accel_table()}


NORMS = ("sq", "l2", "l1", "linf")


def exact_distances(x: NDArray[Any], z: NDArray[Any]) -> dict[str, float]:
    """Squared, L2, L1 and L∞ distances of two rows: exact (Python integers / Fractions), rounded once.

    L2 is ``math.sqrt`` of the correctly rounded square: within 1 ulp of the true value
    (and exactly the correctly rounded one for integer data below 2**53).
    """
    if np.issubdtype(x.dtype, np.integer) and np.abs(x).max(initial=0) < 2**20 and x.size < 2**20:
        d = x.astype(np.int64) - z.astype(np.int64)  # exact: |d|² summed stays far below 2**63
        sq_int = int(np.sum(d * d))
        return {"sq": float(sq_int), "l2": math.sqrt(sq_int), "l1": float(np.sum(np.abs(d))),
                "linf": float(np.max(np.abs(d)))}
    diff = [Fraction(float(a)) - Fraction(float(b)) for a, b in zip(x, z)]
    sq = float(sum((v * v for v in diff), Fraction(0)))
    return {"sq": sq, "l2": math.sqrt(sq), "l1": float(sum((abs(v) for v in diff), Fraction(0))),
            "linf": float(max(abs(v) for v in diff))}


def distance_bounds(x: NDArray[Any], z: NDArray[Any], exact: Mapping[str, float]) -> dict[str, float]:
    r"""Bounds on |impl - exact| per norm for one pair (0 for integer data: every step is exact).

    Expansion :math:`\|x\|^2 + \|z\|^2 - 2x^\top z` (length-n dot products, then two
    additions): :math:`\beta = (n + 2)\varepsilon(\|x\|^2 + \|z\|^2 + 2|x|^\top|z|)`,
    which also covers the direct :math:`\sum (x - z)^2` (:math:`(n + 3)\varepsilon D^2`,
    smaller).  L2: :math:`|\sqrt{a} - \sqrt{b}| \le \min(\sqrt{|a - b|}, |a - b|/\sqrt{b})`,
    plus the roundings of sqrt and of the reference (:math:`2\varepsilon D`).  L1:
    rounded differences and a length-n sum, :math:`(n + 1)\varepsilon D_1`.  L∞: only the
    rounding of the difference, :math:`\varepsilon D_\infty`.  Products that underflow add
    :math:`\eta` each (:func:`working_eta`); differences and sums of subnormals are exact.
    """
    if np.issubdtype(x.dtype, np.integer) and np.issubdtype(z.dtype, np.integer):
        return dict.fromkeys(NORMS, 0.0)
    eps, eta = working_eps(x, z), working_eta(x, z)  # float32 input: an implementation may compute in float32
    xf, zf = f64(x), f64(z)
    n = xf.size
    beta = (n + 2) * eps * float(xf @ xf + zf @ zf + 2 * np.abs(xf) @ np.abs(zf))
    beta = max(beta, (n + 3) * eps * exact["sq"]) + (3 * n + 1) * eta  # 3n products may underflow
    d = exact["l2"]
    l2 = min(math.sqrt(beta), beta / d if d > 0 else math.inf) + 2 * eps * d
    return {"sq": beta + eps * exact["sq"], "l2": l2, "l1": (n + 1) * eps * exact["l1"], "linf": eps * exact["linf"]}


def check_distances(impls: Impls, case: DistanceCase, *, pairs: int | None = None,
                    rng: np.random.Generator | None = None) -> None:
    """Every impl: finite and ≥ 0 everywhere (no NaN, near-duplicates included), and equal to the
    exact distance within its bound on every pair (or on ``pairs`` random pairs drawn with ``rng``)."""
    X, Z = case.X, case.Z
    A, B = X.shape[0], Z.shape[0]
    flat = probe_indices(A * B, pairs, rng)
    rows, cols = np.unravel_index(flat, (A, B))
    exact = [exact_distances(X[i], Z[j]) for i, j in zip(rows, cols)]
    bounds = [distance_bounds(X[i], Z[j], e) for (i, j), e in zip(zip(rows, cols), exact)]
    rep = Report(f"distances ({case.kind})")
    for name, fn in impls.items():
        norm = name.split("/", 1)[0]
        if norm not in NORMS:
            continue
        D = rep.call(name, fn, X, Z)
        if D is None:
            continue
        D = np.asarray(D, dtype=np.float64)
        if D.shape != (A, B):
            rep.fail(name, f"shape {D.shape}, expected {(A, B)}")
            continue
        # "sq" is the expansion's value, documented as unclamped (tiny negatives allowed within
        # its bound); a distance must be finite and >= 0 (NaN fails the comparison too)
        ok = np.isfinite(D) if norm == "sq" else np.isfinite(D) & (D >= 0)
        if not ok.all():
            k = int(np.argmax(~ok))
            where = tuple(int(v) for v in np.unravel_index(k, D.shape))
            rep.fail(name, f"entry {where} is {D.flat[k]!r}: expected a finite {'value' if norm == 'sq' else 'distance ≥ 0'}")
        rep.compare(name, "distance", D[rows, cols], [e[norm] for e in exact], [b[norm] for b in bounds])
    rep.close()


@st.composite
def distance_cases(draw: st.DrawFn) -> DistanceCase:
    """Float rows (float64 or float32) at scales 1e-3..1e3, with exact duplicates and near-duplicates
    (relative 1e-15..1e-6), or uint8 pixels over the whole 0..255 range with duplicates."""
    kind = draw(st.sampled_from(["float", "near-duplicate", "uint8"]), label="kind")
    n = draw(st.integers(1, 6), label="n")
    A = draw(st.integers(1, 4), label="A")
    dups = draw(st.lists(st.integers(0, A - 1), max_size=3), label="duplicated rows")
    extra = draw(st.integers(0 if dups else 1, 3), label="other rows")
    if kind == "uint8":
        X = draw(hnp.arrays(np.uint8, (A, n)), label="X")
        others = draw(hnp.arrays(np.uint8, (extra, n)), label="other rows of Z")
        return DistanceCase(X, np.vstack([X[dups], others]), kind)
    dtype = draw(st.sampled_from(DTYPES), label="dtype")
    scale = dtype(draw(st.sampled_from([1e-3, 1.0, 1e3]), label="scale"))
    X = draw(float_arrays((A, n), -1, 1, dtype), label="X") * scale
    parts = [X[dups], draw(float_arrays((extra, n), -1, 1, dtype), label="other rows of Z") * scale]
    if kind == "near-duplicate":
        rel = draw(st.sampled_from([1e-15, 1e-12, 1e-9, 1e-6]), label="relative perturbation")
        noise = draw(float_arrays((A, n), -1, 1), label="perturbation")
        parts.append((f64(X) * (1 + rel * noise)).astype(dtype))
    return DistanceCase(X, np.vstack(parts), f"{kind}, {np.dtype(dtype).name}")


# ----------------------------------------------------------------------------------------------
# numerics.gradcheck: the finite-difference engine and the checkers are implementations too
# ----------------------------------------------------------------------------------------------


def _checker_check_gradient(case: SoftmaxCase, grad: FloatArray) -> bool:
    from numerics.gradcheck import check_gradient

    return check_gradient(lambda w: reference_softmax_loss(w, case.X, case.y), grad, case.W,
                          raise_on_failure=False).passed


def _checker_grad_check_sparse(case: SoftmaxCase, grad: FloatArray) -> bool:
    from numerics.gradcheck import default_tolerance
    from numerics.softmax_model import Softmax

    model = Softmax(case.W.shape, rng=np.random.default_rng(0))
    model.W = case.W
    errors = model.grad_check_sparse(case.X, case.y, grad, num_checks=case.W.size)
    return bool(np.all(errors <= default_tolerance(np.float64)))


@functools.cache
def _gradcheck_table() -> dict[str, Impl]:
    from numerics import gradcheck as gc

    return {
        # fd/<name>: (f, x, flat indices) -> central differences of f at x along the indices
        "fd/numerics.gradcheck.numerical_gradient": lambda f, x, idx: gc.numerical_gradient(f, x).reshape(-1)[idx],
        "fd/numerics.gradcheck.sparse_numerical_gradient": gc.sparse_numerical_gradient,
        "fd/numerics.gradcheck.check_gradient(...).numeric": lambda f, x, idx: gc.check_gradient(
            f, np.zeros_like(x), x, raise_on_failure=False).numeric[idx],
        # checker/<name>: (softmax case, candidate gradient of the mean loss) -> passed?
        "checker/numerics.gradcheck.check_gradient": _checker_check_gradient,
        "checker/numerics.Softmax.grad_check_sparse": _checker_grad_check_sparse,
    }


def gradcheck_impls() -> dict[str, Impl]:
    """The finite-difference engines and gradient checkers under test (a fresh dict)."""
    return dict(_gradcheck_table())


def check_numerical_gradient(impls: Impls, case: SoftmaxCase) -> None:
    """``fd/`` engines agree with the exact softmax gradient within the central-difference bound,
    and ``checker/`` checkers accept the exact gradient and reject it scaled by 1.001."""
    W, X, y = case.W, case.X, case.y
    if W.dtype != np.float64:
        raise ValueError(f"check_numerical_gradient: the bound is for float64 steps, got W of dtype {W.dtype}")
    rep = Report("numerics.gradcheck on the softmax loss")
    _, grad_bound = softmax_bounds(W, X, y)
    exact = reference_softmax_grad(W, X, y)
    idx = np.arange(W.size)
    tol = softmax_fd_bound(W, X, y).reshape(-1) + grad_bound.reshape(-1)
    for name, fn in select(impls, "fd").items():
        got = rep.call(name, fn, lambda w: reference_softmax_loss(w, X, y), W, idx)
        if got is not None:
            rep.compare(name, "central differences", got, exact.reshape(-1), tol)
    for name, fn in select(impls, "checker").items():
        if rep.call(name, fn, case, exact) is not True:
            rep.fail(name, "rejected the exact gradient")
        if np.abs(exact).max() > 1e-3 and rep.call(name, fn, case, exact * 1.001) is not False:
            rep.fail(name, "accepted the exact gradient scaled by 1.001")
    rep.close()


# ----------------------------------------------------------------------------------------------
# the battery: each quantity's table and its (check, strategy) components
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """One check of the battery with the strategy its cases come from."""

    name: str
    check: Callable[[Impls, Any], None]
    cases: Callable[[], st.SearchStrategy[Any]]


@dataclass(frozen=True)
class Battery:
    """A quantity's implementations under test and the checks that must all pass for them."""

    impls: Callable[[], dict[str, Impl]]
    components: tuple[Component, ...]


BATTERIES: dict[str, Battery] = {
    "softmax": Battery(softmax_impls, (
        Component("loss and gradient", check_softmax, softmax_cases),
        Component("initial loss", check_softmax_initial, softmax_cases),
        Component("predict", check_softmax_predict, lambda: softmax_cases(untied=True)),
        Component("stability", check_softmax_stability, large_score_cases),
    )),
    "hinge": Battery(hinge_impls, (
        Component("off the kinks", check_hinge_smooth, hinge_cases),
        Component("at a kink", check_hinge_kink, hinge_kink_cases),
    )),
    "noisy": Battery(noisy_impls, (
        Component("objective and gradient", check_ridge, ridge_cases),
        Component("minimiser", check_ridge_minimiser, minimiser_cases),
        Component("expectation", check_expectation, expectation_cases),
    )),
    "distances": Battery(distance_impls, (
        Component("all norms", check_distances, distance_cases),
    )),
    "gradcheck": Battery(gradcheck_impls, (
        Component("finite differences and checkers", check_numerical_gradient,
                  lambda: softmax_cases(dtypes=(np.float64,))),
    )),
}
