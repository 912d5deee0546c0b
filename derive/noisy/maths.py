r"""Problem 1: input noise on linear regression is ridge regularisation in expectation.

The derivation, for symbolic sizes ``d`` (features) and ``N`` (samples):

1. :math:`\tilde L(\theta) = \frac1N \sum_j (y^{(j)} - (x^{(j)} + \delta^{(j)})^\top\theta)^2`;
2. expand the square (a double sum for :math:`(\delta^{(j)\top}\theta)^2`);
3. take :math:`\mathbb{E}_\delta` with :math:`\mathbb{E}[\delta] = 0`,
   :math:`\mathbb{E}[\delta\delta^\top] = \sigma^2 I` (the rule
   :func:`derive.expectation.gaussian_expectation`), cross-checked against
   ``sympy.stats`` by :func:`cross_check_sympy_stats`;
4. collapse the Kronecker delta: :math:`\mathbb{E}_\delta[\tilde L] = L(\theta) + \sigma^2\|\theta\|_2^2`,
   so :math:`R = \sigma^2\|\theta\|_2^2` does not depend on the data;
5. ridge form (:math:`\lambda = \sigma^2`), gradient, Hessian, and the minimiser
   :math:`\theta^*(\sigma) = (X^\top X + N\sigma^2 I)^{-1}X^\top y`;
6. the limits :math:`\sigma \to 0` (least squares) and :math:`\sigma \to \infty`
   (:math:`\theta^* \to 0`, :math:`\sigma^2\theta^* \to X^\top y / N`).

The numpy functions :func:`squared_loss`, :func:`expected_noisy_loss`,
:func:`ridge_gradient` and :func:`ridge_minimiser` are lambdified from the derived
matrix forms, so they work for any N and d.

Examples
--------
>>> step = derivation().result
>>> step.rhs
sigma**2*Sum(theta[k]**2, (k, 0, d - 1)) + Sum((y[j] - Sum(X[j, k]*theta[k], (k, 0, d - 1)))**2, (j, 0, N - 1))/N
>>> from derive.latex import to_latex
>>> to_latex(derivation().step("R").rhs)
'\\sigma^{2} \\|\\theta\\|_2^2'
>>> derivation().step("minimiser").rhs
((N*sigma**2)*I + X.T*X)**(-1)*X.T*y
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray
from sympy.codegen.matrix_nodes import MatrixSolve

from derive.core import Derivation, Step
from derive.expectation import expectation_rule
from derive.matrix_forms import (AsScalar, Component, canonical_sums, index_normaliser, linear_sums,
                                 stack_components)
from derive.noisy.forms import At, Lim, MatrixLimit, ThetaStar, defer_inverses
from derive.notation import DELTA, THETA, X, Expect, Grad
from derive.zero import collapse_deltas, square_sums
from numerics.validation import as_float, check_matrix, check_positive_float, check_same_length, check_vector

__all__ = [
    "derivation", "cross_check_sympy_stats",
    "squared_loss", "expected_noisy_loss", "ridge_gradient", "ridge_minimiser",
    "d", "N", "sigma", "lam", "y", "Xm", "ym", "thetam",
]

d, N = sp.symbols("d N", integer=True, positive=True)
j, k, l, p, q = sp.symbols("j k l p q", integer=True)
sigma = sp.Symbol("sigma", positive=True)
lam = sp.Symbol("lambda", positive=True)
#: regression targets are real (derive.notation.Y holds integer class labels).
y = sp.IndexedBase("y", real=True)

Xm = sp.MatrixSymbol("X", N, d)
ym = sp.MatrixSymbol("y", N, 1)
thetam = sp.MatrixSymbol("theta", d, 1)

_L, _LT, _R = sp.Symbol("L"), sp.Symbol("Ltilde"), sp.Symbol("R")
_H = sp.MatrixSymbol("H", d, d)   # the Hessian of E[L~] (a name for the left-hand sides)
_v = sp.MatrixSymbol("v", d, 1)   # any direction

#: matrix symbols -> the indexed entries they stand for (used to compare matrix and index forms).
_ENTRIES = {Xm: lambda a, b: X[a, b], ym: lambda a, b: y[a], thetam: lambda a, b: THETA[a]}


def _by_linearity(e: sp.Expr) -> sp.Expr:
    """A normaliser: expand, then split sums over ``+`` and pull out constant factors."""
    return linear_sums(sp.expand(e))


def _collapse(*indices: sp.Symbol):  # noqa: ANN202
    """A normaliser: collapse Kronecker deltas (``indices`` range over 0..d-1), then sums by linearity."""
    assume = {i: (0, d - 1) for i in indices}
    return lambda e: linear_sums(sp.expand(collapse_deltas(e, assume)))


def _entry_pq(e: Any) -> Any:
    """A normaliser: entry (p, q) of a d x d matrix difference, in index form (p, q in 0..d - 1).

    The range of the Kronecker delta that SymPy attaches to ``Identity(d)[p, q]`` is dropped:
    p and q are entries' indices, so they lie in 0..d - 1.
    """
    entry = index_normaliser(_ENTRIES)(e[p, q])
    return entry.replace(lambda x: isinstance(x, sp.KroneckerDelta) and len(x.args) == 3,
                         lambda x: sp.KroneckerDelta(x.args[0], x.args[1]))


@functools.cache
def derivation() -> Derivation:
    """The noisy-regression derivation (SPEC problem 1 (a)–(d))."""
    xt = sp.Sum(X[j, k] * THETA[k], (k, 0, d - 1))          # x^(j)T theta
    dt = sp.Sum(DELTA[j, k] * THETA[k], (k, 0, d - 1))      # delta^(j)T theta
    dd = sp.Sum(sp.Sum(DELTA[j, k] * DELTA[j, l] * THETA[k] * THETA[l], (l, 0, d - 1)), (k, 0, d - 1))
    norm2 = sp.Sum(THETA[k] ** 2, (k, 0, d - 1))            # ||theta||_2^2
    L = sp.Sum((y[j] - xt) ** 2, (j, 0, N - 1)) / N
    EL = Expect(_LT, DELTA)
    wide = [{d: 2, N: 3}, {d: 2, N: 1}, {d: 1, N: 2}]      # includes N < d: X^T X singular
    tall = [{d: 2, N: 3}, {d: 1, N: 2}, {d: 2, N: 2}]      # N >= d: X^T X invertible
    small_d = {d: (1, 3)}  # limits of rational functions of sigma: inverting a d x d matrix of them is slow
    res = Xm * thetam - ym
    mse = sp.MatMul(1 / N, sp.Transpose(res), res, evaluate=False)  # (1/N)(X theta - y)^T (X theta - y)
    grad_m = 2 / N * Xm.T * res + 2 * sigma**2 * thetam
    theta_star = sp.Inverse(Xm.T * Xm + N * sigma**2 * sp.Identity(d)) * Xm.T * ym
    hess_m = 2 / N * (Xm.T * Xm + N * sigma**2 * sp.Identity(d))
    moments = "E[δ⁽ʲ⁾_k] = 0 and E[δ⁽ʲ⁾_k δ⁽ʲ'⁾_l] = σ² 1{j = j'} 1{k = l} (i.i.d. N(0, σ²I) noise, E[δδᵀ] = σ²I)"
    steps = [
        Step("The clean loss.", _L, L, check="definition", label="L"),
        Step("The loss on noisy features x⁽ʲ⁾ + δ⁽ʲ⁾.", _LT,
             sp.Sum((y[j] - sp.Sum((X[j, k] + DELTA[j, k]) * THETA[k], (k, 0, d - 1))) ** 2, (j, 0, N - 1)) / N,
             check="definition", label="Ltilde"),
        Step("Split the residual: (a − b)² = a² − 2ab + b² with a = y⁽ʲ⁾ − x⁽ʲ⁾ᵀθ, b = δ⁽ʲ⁾ᵀθ.", _LT,
             sp.Sum((y[j] - xt) ** 2 + sp.Mul(-2, y[j] - xt, dt, evaluate=False) + dt**2, (j, 0, N - 1)) / N,
             why="linearity of the dot product", simplify=_by_linearity, label="split"),
        Step("Write (δ⁽ʲ⁾ᵀθ)² as a double sum.", _LT,
             sp.Sum((y[j] - xt) ** 2 + sp.Mul(-2, y[j] - xt, dt, evaluate=False) + dd, (j, 0, N - 1)) / N,
             why="(Σ_k a_k)² = Σ_k Σ_l a_k a_l (distributivity, for symbolic d)",
             simplify=lambda e: _by_linearity(canonical_sums(square_sums(e))), label="expanded"),
        Step("Take the expectation over the noise, term by term.", EL,
             sp.Sum((y[j] - xt) ** 2 + sp.Sum(sp.Sum(sigma**2 * sp.KroneckerDelta(k, l) * THETA[k] * THETA[l],
                                                      (l, 0, d - 1)), (k, 0, d - 1)), (j, 0, N - 1)) / N,
             why="linearity of E; " + moments, rule=expectation_rule(DELTA, sigma),
             simplify=_by_linearity, label="expect"),
        Step("Collapse the Kronecker delta (l = k) and sum the j-independent term N times.", EL,
             L + sigma**2 * norm2, why="Σ_l 1{k = l} θ_l = θ_k", simplify=_collapse(k, l), label="expected"),
        Step("So E_δ[L̃(θ)] = L(θ) + R with R = σ²‖θ‖₂².", _R, sigma**2 * norm2,
             rule=lambda e: e - L, label="R"),
        Step("R does not depend on the data D: its derivatives with respect to every x⁽ʲ⁾_k and y⁽ʲ⁾ vanish.",
             sp.Matrix([sp.Derivative(_R, X[j, p]), sp.Derivative(_R, y[j])]), sp.zeros(2, 1),
             rule=lambda e: sp.Matrix([sp.diff(e, X[j, p]), sp.diff(e, y[j])]), label="R_data_free"),
        Step("The noise acts as L2 (ridge) regularisation with λ = σ².", EL, L + lam * norm2,
             rule=lambda e: e.subs(sigma, sp.sqrt(lam)), follows="expected", label="ridge"),
        Step("The clean loss in matrix form.", _L, AsScalar(mse),
             simplify=index_normaliser(_ENTRIES), follows="L", label="L_matrix"),
        Step("The expected noisy loss in matrix form.", EL,
             AsScalar(sp.MatAdd(mse, sigma**2 * sp.Transpose(thetam) * thetam, evaluate=False)),
             simplify=index_normaliser(_ENTRIES), follows="expected", label="expected_matrix"),
        Step("Differentiate with respect to θ_p.", sp.Derivative(EL, THETA[p]),
             2 / N * sp.Sum((xt - y[j]) * X[j, p], (j, 0, N - 1)) + 2 * sigma**2 * THETA[p],
             why="∂θ_k/∂θ_p = 1{k = p}", rule=lambda e: sp.diff(e, THETA[p]), assume={p: (0, d - 1)},
             simplify=_collapse(p),
             follows="expected", label="grad"),
        Step("Differentiate again with respect to θ_q: the Hessian.",
             sp.Derivative(EL, THETA[p], THETA[q]),
             2 / N * sp.Sum(X[j, p] * X[j, q], (j, 0, N - 1)) + 2 * sigma**2 * sp.KroneckerDelta(p, q),
             why="∂θ_k/∂θ_q = 1{k = q}", rule=lambda e: sp.diff(e, THETA[q]),
             assume={p: (0, d - 1), q: (0, d - 1)}, label="hessian"),
        Step("The Hessian in matrix form: entry (p, q) of (2/N)(XᵀX + Nσ²I).", _H, hess_m,
             why="(XᵀX)_pq = Σ_j x⁽ʲ⁾_p x⁽ʲ⁾_q and I_pq = 1{p = q}; two d × d matrices are equal when "
                 "their entries (p, q) are, for symbolic p, q in 0..d − 1",
             rule=lambda e: sp.FunctionMatrix(d, d, sp.Lambda((p, q), e)), assume={p: (0, d - 1), q: (0, d - 1)},
             simplify=_entry_pq, label="hessian_matrix"),
        Step("The Hessian is positive definite for σ > 0: vᵀHv = (2/N)(‖Xv‖² + Nσ²‖v‖²) > 0 for every v ≠ 0, "
             "so E_δ[L̃] is strictly convex and a stationary point is its unique minimiser.",
             _v.T * _H * _v, 2 / N * ((Xm * _v).T * (Xm * _v) + N * sigma**2 * _v.T * _v),
             why="vᵀXᵀXv = ‖Xv‖² ≥ 0 and Nσ²vᵀv > 0 for v ≠ 0", rule=lambda hm: _v.T * hm * _v,
             check="positive", nonzero=_v, label="hessian_pd"),
        Step("The gradient's p-th component in matrix form.", sp.Derivative(EL, THETA[p]), Component(grad_m, p),
             simplify=index_normaliser(_ENTRIES), follows="grad", label="grad_component"),
        Step("Stack the components p = 1, …, d.", Grad(EL, THETA), grad_m, rule=stack_components,
             label="grad_matrix"),
        Step("The candidate minimiser: solve (XᵀX + Nσ²I)θ = Xᵀy.", ThetaStar(sigma), theta_star,
             check="definition", label="minimiser"),
        Step("The gradient vanishes at θ*(σ), which is therefore the minimiser.",
             At(Grad(EL, THETA), ThetaStar(sigma)), sp.ZeroMatrix(d, 1),
             rule=lambda candidate: grad_m.xreplace({thetam: candidate}), check="exact", sizes=wide,
             why="XᵀX + Nσ²I is positive definite for σ > 0, so the inverse exists", follows="minimiser",
             simplify=defer_inverses, label="stationary"),
        Step("σ → 0: no regularisation, the least-squares solution (when XᵀX is invertible; with few "
             "samples it fits the noise — over-fitting).", Lim(ThetaStar(sigma), sigma, 0),
             sp.Inverse(Xm.T * Xm) * Xm.T * ym, rule=lambda e: MatrixLimit(e, sigma, 0), check="exact",
             sizes=tall, ranges=small_d, where=lambda z: z[N] >= z[d], simplify=defer_inverses, follows="minimiser",
             label="sigma_to_0"),
        Step("σ → ∞: the regulariser dominates and θ* → 0 (under-fitting).",
             Lim(ThetaStar(sigma), sigma, sp.oo), sp.ZeroMatrix(d, 1),
             rule=lambda e: MatrixLimit(e, sigma, sp.oo), check="exact", sizes=wide, ranges=small_d,
             follows="minimiser", label="sigma_to_inf"),
        Step("More precisely σ²θ*(σ) → Xᵀy / N, so ‖θ*(σ)‖ = O(1/σ²).",
             Lim(sigma**2 * ThetaStar(sigma), sigma, sp.oo), Xm.T * ym / N,
             rule=lambda e: MatrixLimit(sigma**2 * e, sigma, sp.oo), check="exact", sizes=wide,
             ranges=small_d, follows="minimiser", label="rate"),
    ]
    return Derivation(
        "noisy", "Noisy linear regression: input noise is ridge regularisation", steps,
        symbols={
            "X": "data matrix, shape (N, d); row j is x⁽ʲ⁾ᵀ",
            "y": "targets, shape (N,)",
            "theta": "parameters, shape (d,)",
            "delta": "feature noise, shape (N, d), i.i.d. N(0, σ²)",
            "sigma": "noise standard deviation, σ > 0",
            "lambda": "ridge strength λ = σ²",
            "H": "Hessian of E_δ[L̃] with respect to θ, shape (d, d)",
            "v": "any direction, shape (d,)",
        },
        results=("expected", "R", "ridge", "grad_matrix", "minimiser", "sigma_to_0", "sigma_to_inf", "rate"),
    )


def cross_check_sympy_stats(d_value: int, n_value: int, claimed: sp.Expr | None = None) -> sp.Expr:
    r"""``E[L̃] - claimed`` computed with ``sympy.stats`` at concrete sizes (0 when the claim holds).

    Every noise entry :math:`\delta^{(j)}_k` becomes an independent ``sympy.stats.Normal(0, σ)``;
    the definition of :math:`\tilde L` is expanded (``E`` of an unexpanded quadratic is very slow)
    and its expectation taken by ``sympy.stats.E`` — independently of the moment rule.

    Parameters
    ----------
    d_value, n_value : int
        Number of features and of samples (small: 1–3).
    claimed : sympy expression, optional
        The claimed expectation in index form (symbolic d, N); default: the derived
        result :math:`L(\theta) + \sigma^2\|\theta\|_2^2`.

    Returns
    -------
    sympy expression
        The expanded difference; exactly ``0`` when the claim is right.

    Examples
    --------
    >>> cross_check_sympy_stats(1, 2)
    0
    """
    from sympy import stats

    for name, v in (("d", d_value), ("N", n_value)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"cross_check_sympy_stats: expected a positive integer {name}, got {v!r}")
    der = derivation()
    claimed = der.step("expected").rhs if claimed is None else claimed
    sizes = {d: d_value, N: n_value}
    noisy = der.step("Ltilde").rhs.subs(sizes).doit()
    normals = {DELTA[a, b]: stats.Normal(f"delta_{a}_{b}", 0, sigma) for a in range(n_value) for b in range(d_value)}
    expected = stats.E(sp.expand(noisy.xreplace(normals)))
    return sp.expand(expected - claimed.subs(sizes).doit())


# -- numpy functions lambdified from the derived matrix forms --------------------------------------

_Id = sp.MatrixSymbol("I_d", d, d)  # np.eye(d) at call time (lambdify cannot print a symbolic-size identity)


def _numpy_ready(e: Any) -> Any:
    """Identity(d) -> the argument I_d; Inverse(A) * B -> solve(A, B) (never form the inverse)."""
    e = e.xreplace({sp.Identity(d): _Id})

    def solve(m: sp.MatMul) -> Any:
        args = list(m.args)
        for i, a in enumerate(args[:-1]):
            if isinstance(a, sp.Inverse):
                rest = sp.MatMul(*args[i + 1:])
                return sp.MatMul(*args[:i], MatrixSolve(a.arg, rest)) if i else MatrixSolve(a.arg, rest)
        return m

    return e.replace(lambda x: isinstance(x, sp.MatMul), solve)


@functools.cache
def _lambdified() -> dict[str, Callable[..., Any]]:
    der = derivation()
    args = [thetam, Xm, ym, sigma, N, _Id]
    forms = {
        "squared_loss": der.step("L_matrix").rhs.args[0],
        "expected_noisy_loss": der.step("expected_matrix").rhs.args[0],
        "ridge_gradient": der.step("grad_matrix").rhs,
        "ridge_minimiser": der.step("minimiser").rhs,
    }
    return {name: sp.lambdify(args, _numpy_ready(e), modules="numpy", docstring_limit=0)
            for name, e in forms.items()}


def _inputs(theta: ArrayLike | None, X_: ArrayLike, y_: ArrayLike, sigma_: float | None) -> tuple[Any, ...]:
    """Validate once; return (theta column, X, y column, sigma, N, I_d) as float arrays."""
    Xa = as_float(check_matrix(X_, "X"))
    ya = as_float(check_vector(y_, "y"))
    check_same_length(Xa, ya, "X", "y")
    n, dim = Xa.shape
    th = None if theta is None else as_float(check_vector(theta, "theta", length=dim)).reshape(dim, 1)
    s = 0.0 if sigma_ is None else check_positive_float(sigma_, "sigma", allow_zero=True)
    return th, Xa, ya.reshape(n, 1), s, n, np.eye(dim)


def squared_loss(theta: ArrayLike, X: ArrayLike, y: ArrayLike) -> float:
    r"""The clean loss :math:`L(\theta)` (lambdified from the derivation's matrix form).

    Parameters
    ----------
    theta : ndarray of shape (d,)
    X : ndarray of shape (N, d)
    y : ndarray of shape (N,)

    Returns
    -------
    float

    Notes
    -----
    .. math:: L(\theta) = \frac{1}{N}(X\theta - y)^\top (X\theta - y)

    Examples
    --------
    >>> squared_loss([1.0, 0.0], [[1.0, 2.0], [3.0, 4.0]], [0.0, 0.0])
    5.0
    """
    return float(_lambdified()["squared_loss"](*_inputs(theta, X, y, None))[0, 0])


def expected_noisy_loss(theta: ArrayLike, X: ArrayLike, y: ArrayLike, sigma: float) -> float:
    r"""The expected noisy loss :math:`\mathbb{E}_\delta[\tilde L(\theta)]` (lambdified).

    Parameters
    ----------
    theta : ndarray of shape (d,)
    X : ndarray of shape (N, d)
    y : ndarray of shape (N,)
    sigma : float
        Noise standard deviation, ``sigma >= 0``.

    Returns
    -------
    float

    Notes
    -----
    .. math:: \mathbb{E}_\delta[\tilde L(\theta)] = \frac{1}{N}(X\theta - y)^\top (X\theta - y)
              + \sigma^2 \theta^\top\theta

    Examples
    --------
    >>> expected_noisy_loss([1.0, 0.0], [[1.0, 2.0], [3.0, 4.0]], [0.0, 0.0], sigma=2.0)
    9.0
    """
    return float(_lambdified()["expected_noisy_loss"](*_inputs(theta, X, y, sigma))[0, 0])


def ridge_gradient(theta: ArrayLike, X: ArrayLike, y: ArrayLike, sigma: float) -> NDArray[np.float64]:
    r"""Gradient of the expected noisy loss with respect to :math:`\theta` (lambdified).

    Parameters
    ----------
    theta : ndarray of shape (d,)
    X : ndarray of shape (N, d)
    y : ndarray of shape (N,)
    sigma : float
        Noise standard deviation, ``sigma >= 0``.

    Returns
    -------
    ndarray of shape (d,)

    Notes
    -----
    .. math:: \nabla_\theta \mathbb{E}_\delta[\tilde L] = \frac{2}{N} X^\top (X\theta - y) + 2\sigma^2\theta
    """
    return np.asarray(_lambdified()["ridge_gradient"](*_inputs(theta, X, y, sigma)), dtype=np.float64).ravel()


def ridge_minimiser(X: ArrayLike, y: ArrayLike, sigma: float) -> NDArray[np.float64]:
    r"""The minimiser :math:`\theta^*(\sigma)` of the expected noisy loss (lambdified; a linear solve).

    Parameters
    ----------
    X : ndarray of shape (N, d)
    y : ndarray of shape (N,)
    sigma : float
        Noise standard deviation; ``sigma = 0`` gives least squares and needs
        :math:`X^\top X` invertible.

    Returns
    -------
    ndarray of shape (d,)

    Raises
    ------
    ValueError
        If ``sigma == 0`` and :math:`X^\top X` is singular.

    Notes
    -----
    .. math:: \theta^*(\sigma) = (X^\top X + N\sigma^2 I)^{-1} X^\top y

    Examples
    --------
    >>> ridge_minimiser([[1.0], [1.0]], [1.0, 3.0], sigma=1.0)
    array([1.])
    """
    _, Xa, ya, s, n, eye = _inputs(None, X, y, sigma)
    try:
        out = _lambdified()["ridge_minimiser"](None, Xa, ya, s, n, eye)
    except np.linalg.LinAlgError:
        raise ValueError(f"ridge_minimiser: X^T X + N sigma^2 I is singular (sigma={s!r}, X of shape {Xa.shape}); "
                         "use sigma > 0") from None
    return np.asarray(out, dtype=np.float64).ravel()
