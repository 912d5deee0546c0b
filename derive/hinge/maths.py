r"""Hinge loss of a binary linear SVM, its gradients and its subdifferential (SPEC problem 4).

For samples :math:`x^{(i)} \in \mathbb{R}^n`, labels :math:`y^{(i)} \in \{-1, +1\}`,
:math:`i = 1..K`, and the margin :math:`p_i = y^{(i)}(w^\top x^{(i)} + b)`,

.. math::

    L(w, b) = \frac{1}{K} \sum_{i=1}^{K} \max(0, 1 - p_i), \qquad
    \nabla_{w} L = \frac{1}{K} \sum_{i=1}^{K} -\mathbb{1}\{p_i < 1\}\, y^{(i)} x^{(i)}, \qquad
    \nabla_{b} L = \frac{1}{K} \sum_{i=1}^{K} -\mathbb{1}\{p_i < 1\}\, y^{(i)} .

SymPy differentiates :math:`\max(0, u)` to ``Heaviside(u)``, whose value at
:math:`u = 0` is :math:`\tfrac12`.  At :math:`p_i = 1` the loss has a kink and no
derivative; every :math:`h \in [0, 1]` there gives a subgradient.  The derivation
makes that value an explicit parameter ``kink_value`` (default 0, the homework's
choice) and checks the rewrite only where it is an identity: off the kink.

Examples
--------
>>> from derive.latex import to_latex
>>> d = derivation()
>>> to_latex(d.step("grad_w").rhs, notation=d.notation)
'\\frac{1}{K} \\sum_{i=1}^{K} - \\mathbb{1}\\{y^{(i)} \\left(b + w^\\top x^{(i)}\\right) < 1\\} x^{(i)}_{k} y^{(i)}'
>>> import numpy as np
>>> X = np.array([[1.0, 0.0], [0.0, 2.0]]); y = np.array([1, -1])
>>> hinge_loss(np.zeros(2), 0.0, X, y)
1.0
>>> hinge_grad_w(np.zeros(2), 0.0, X, y)
array([-0.5,  1. ])
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

from derive.core import Derivation, Step
from derive.notation import X, Y, Grad
from derive.subdifferential import Subdifferential
from numerics.validation import check_real

__all__ = [
    "derivation", "margin", "hinge_loss", "hinge_grad_w", "hinge_grad_b",
    "hinge_subdifferential", "subgradient_in_subdifferential", "kink_segment",
    "HingeLoss", "SubdiffLabel", "off_kink",
]

K, n = sp.symbols("K n", integer=True, positive=True)
i, k, l = sp.symbols("i k l", integer=True)
w = sp.IndexedBase("w", real=True)
b = sp.Symbol("b", real=True)
t = sp.Symbol("t", real=True)
#: the value taken at the kink when none is given: the homework's 0
H_KINK = sp.Symbol("h", real=True)

SCORE = sp.Sum(w[l] * X[i, l], (l, 0, n - 1))  # w^T x^(i)


def margin() -> sp.Expr:
    r"""The margin :math:`p_i = y^{(i)}(w^\top x^{(i)} + b)` of sample ``i``."""
    return Y[i] * (SCORE + b)


class HingeLoss(sp.Function):
    r"""Unevaluated label :math:`L(w, b)` for the left-hand sides."""

    nargs = 2

    @classmethod
    def eval(cls, *args: Any) -> None:  # noqa: D102 - a label, never evaluates
        return None

    def _homework_latex(self, printer: Any) -> str:
        return "L(w, b)"


class SubdiffLabel(sp.Function):
    r"""Unevaluated :math:`\partial_{v} \ell_i\big|_{p_i = 1}`: sample i's subdifferential at its kink."""

    nargs = 2

    @classmethod
    def eval(cls, *args: Any) -> None:  # noqa: D102
        return None

    def _homework_latex(self, printer: Any) -> str:
        wrt, sample = (printer._print(a) for a in self.args)
        return rf"\partial_{{{wrt}}} \ell_{{{sample}}}\big|_{{p_{{{sample}}} = 1}}"


def off_kink(e: Any) -> Any:
    r"""Replace every step function by its value off its jump: :math:`H(u, h) \to [u > 0]` for :math:`u \ne 0`.

    Used as the checker's normaliser for the step that fixes the kink value: both
    sides agree for every :math:`u \neq 0`, whatever their values at :math:`u = 0`.
    The returned ``Piecewise`` has no branch for ``u = 0`` (undefined at the kink).
    """
    return e.replace(lambda x: isinstance(x, sp.Heaviside),
                     lambda x: sp.Piecewise((0, x.args[0] < 0), (1, x.args[0] > 0)))


def _at_kink_term(e: Any) -> Any:
    """Sample i's term of a gradient ``(1/K) Σ_i f_i``, with b chosen so that p_i = 1."""
    s = next(a for a in sp.Mul.make_args(e) if isinstance(a, sp.Sum))
    outside = sp.Mul(*[a for a in sp.Mul.make_args(e) if a is not s])
    return (outside * s.function).subs(b, 1 / Y[i] - SCORE)


def _kink_subdifferential(wrt: Any) -> Callable[[Any], Any]:
    r"""Rule: the subdifferential of sample i's term at its kink, from the loss.

    At a tie of :math:`\max(f_0, f_1)` (both convex and differentiable) the
    subdifferential is the convex hull of the two gradients,
    :math:`\{(1 - t)\nabla f_0 + t \nabla f_1 : t \in [0, 1]\}`; the branches are
    taken from the loss's own ``Max`` and differentiated here, so the stated segment is
    checked against them, not typed by hand.
    """

    def rule(loss: Any) -> Any:
        coeff, term = _summand(loss)
        mx = next(a for a in sp.Mul.make_args(term) if isinstance(a, sp.Max))
        rest = sp.Mul(*[a for a in sp.Mul.make_args(term) if a is not mx])
        f0, f1 = sorted(mx.args, key=lambda a: not a.is_zero)  # the flat branch first: t = 0 gives 0
        grads = [coeff * rest * sp.diff(f, wrt) for f in (f0, f1)]
        return sp.ImageSet(sp.Lambda(t, (1 - t) * grads[0] + t * grads[1]), sp.Interval(0, 1))

    return rule


@functools.cache
def derivation(kink_value: Any = 0) -> Derivation:
    r"""The hinge loss, its gradients with an explicit kink value, and the kink's subdifferential.

    Parameters
    ----------
    kink_value : number or SymPy Symbol, default 0
        The value of :math:`\mathbb{1}\{p_i < 1\}` taken at :math:`p_i = 1` (any value in
        :math:`[0, 1]` gives a subgradient; the homework uses 0).
    """
    h = sp.sympify(kink_value)
    if h.is_number and not (h.is_real and 0 <= h <= 1):
        raise ValueError(f"kink_value: expected a number in [0, 1] (a subgradient) or a Symbol, got {kink_value!r}")
    hs = H_KINK
    p = margin()
    loss = sp.Sum(sp.Max(0, 1 - p), (i, 0, K - 1)) / K
    L = HingeLoss(w, b)

    def grad(value: Any, with_x: bool) -> Any:
        step_fn = sp.Heaviside(1 - p) if value is None else sp.Heaviside(1 - p, value)
        return sp.Sum(-step_fn * Y[i] * (X[i, k] if with_x else 1), (i, 0, K - 1)) / K

    kink_why = ("SymPy's Heaviside is ½ at 0, but at p⁽ⁱ⁾ = 1 the loss has a kink and no derivative: "
                "the value h there is a choice from the subdifferential (any h in [0, 1]). "
                "The two sides agree wherever p⁽ⁱ⁾ ≠ 1, and that is what is checked: each step "
                "function is replaced by its value off the kink")
    at_kink = "b = 1/y⁽ⁱ⁾ − wᵀx⁽ⁱ⁾ puts sample i exactly at p⁽ⁱ⁾ = 1, where the step function takes the value h"
    subdiff = ("∂max(0, u) at u = 0 is [0, 1]; by the chain rule through the affine u = 1 − p⁽ⁱ⁾, the "
               "kink terms for h in [0, 1]. Several samples at the kink: the Minkowski sum of their segments")
    choice = f"h = {h}" + (" as the homework does" if h == 0 else "")
    steps = [
        Step("Hinge loss: the mean of max(0, 1 − margin).", L, loss, check="definition", label="loss",
             why="margin p⁽ⁱ⁾ = y⁽ⁱ⁾(wᵀx⁽ⁱ⁾ + b)"),
        Step("Differentiate with respect to w_k (SymPy's rule for Max gives a Heaviside step).",
             Grad(L, w[k]), grad(None, True), rule=lambda e: sp.diff(e, w[k]), assume={k: (0, n - 1)},
             why="d max(0, u)/du = H(u) for u ≠ 0; ∂p⁽ⁱ⁾/∂w_k = y⁽ⁱ⁾x⁽ⁱ⁾_k", label="grad_w_sympy"),
        Step("Make the value at the kink an explicit parameter h.",
             Grad(L, w[k]), grad(hs, True), simplify=off_kink, why=kink_why, label="grad_w_h"),
        Step("Sample i at the kink: its term of the w_k-gradient is h times −y⁽ⁱ⁾x⁽ⁱ⁾_k/K.",
             sp.Symbol("g_{w_k,i}"), -hs * Y[i] * X[i, k] / K, rule=_at_kink_term,
             why=at_kink, label="kink_w"),
        Step("The subdifferential of sample i's term at the kink (w_k part): a segment from 0.",
             SubdiffLabel(w[k], i), sp.ImageSet(sp.Lambda(t, -t * Y[i] * X[i, k] / K), sp.Interval(0, 1)),
             rule=_kink_subdifferential(w[k]), follows="loss", assume={k: (0, n - 1)},
             why=subdiff, label="subdiff_w"),
        Step("Choose the kink value: the gradient with the indicator 1{p⁽ⁱ⁾ < 1}.", Grad(L, w[k]),
             grad(h, True), rule=lambda e: e.subs(hs, h), follows="grad_w_h", why=choice, label="grad_w"),
        Step("Differentiate with respect to b.", Grad(L, b), grad(None, False), rule=lambda e: sp.diff(e, b),
             follows="loss", why="∂p⁽ⁱ⁾/∂b = y⁽ⁱ⁾", label="grad_b_sympy"),
        Step("Make the value at the kink an explicit parameter h.", Grad(L, b), grad(hs, False),
             simplify=off_kink, why=kink_why, label="grad_b_h"),
        Step("Sample i at the kink: its term of the b-gradient is h times −y⁽ⁱ⁾/K.",
             sp.Symbol("g_{b,i}"), -hs * Y[i] / K, rule=_at_kink_term, why=at_kink, label="kink_b"),
        Step("The subdifferential of sample i's term at the kink (b part).",
             SubdiffLabel(b, i), sp.ImageSet(sp.Lambda(t, -t * Y[i] / K), sp.Interval(0, 1)),
             rule=_kink_subdifferential(b), follows="loss", why=subdiff, label="subdiff_b"),
        Step("Choose the kink value.", Grad(L, b), grad(h, False), rule=lambda e: e.subs(hs, h),
             follows="grad_b_h", why=choice, label="grad_b"),
    ]
    return Derivation(
        "hinge", "Hinge loss and its subgradients", steps,
        symbols={
            "X": "samples x⁽ⁱ⁾ as rows, shape (K, n)",
            "y": "labels y⁽ⁱ⁾ in {−1, +1}, shape (K,)",
            "w": "weights, shape (n,)",
            "b": "bias, scalar",
            "h": "value of 1{p < 1} at p = 1 (kink value), in [0, 1]",
        },
        results=("grad_w", "grad_b"),
        notation={"w": ("w", "param")},
    )


def kink_segment(part: str = "w") -> Subdifferential:
    r"""Sample i's symbolic subdifferential at its kink, :math:`\{-t y^{(i)} x^{(i)}_k / K\}` or :math:`\{-t y^{(i)}/K\}`.

    ``part`` is ``"w"`` (coordinate k) or ``"b"``.  The direction is the derived kink
    term (step ``kink_w`` / ``kink_b``) at kink value 1.
    """
    if part not in ("w", "b"):
        raise ValueError(f"part: expected 'w' or 'b', got {part!r}")
    return Subdifferential.segment([derivation().step(f"kink_{part}").rhs.subs(H_KINK, 1)])


# -- numpy, lambdified from the derivation ----------------------------------------------
_S, _Yv, _Xv = sp.symbols("s yv xv", real=True)  # score w^T x^(i), label y^(i), feature x^(i)_k


def _elementwise(expr: Any) -> Callable[..., Any]:
    """Lambdify a per-sample expression with w^T x^(i) -> s, y^(i) -> yv, x^(i)_k -> xv."""
    e = expr.xreplace({SCORE: _S}).xreplace({Y[i]: _Yv, X[i, k]: _Xv})
    if e.has(sp.Indexed, sp.Sum):
        raise RuntimeError(f"hinge: could not vectorise {expr}")  # the derivation changed shape
    return sp.lambdify((_S, _Yv, _Xv, b, H_KINK), e, modules="numpy")


def _summand(e: Any) -> tuple[Any, Any]:
    """Split ``c * Sum(f, (i, 0, K - 1))`` into ``(c, f)``."""
    s = next(a for a in sp.Mul.make_args(e) if isinstance(a, sp.Sum))
    return sp.Mul(*[a for a in sp.Mul.make_args(e) if a is not s]), s.function


@functools.cache
def _kernels() -> dict[str, Any]:
    d = derivation()
    out = {}
    for name, label in (("loss", "loss"), ("gw", "grad_w_h"), ("gb", "grad_b_h")):
        c, f = _summand(d.step(label).rhs)
        out[name] = (sp.lambdify(K, c), _elementwise(f))
    out["vw"] = _elementwise(d.step("kink_w").rhs.subs(H_KINK, 1) * K)
    out["vb"] = _elementwise(d.step("kink_b").rhs.subs(H_KINK, 1) * K)
    return out


def _validate(w_: ArrayLike, b_: Any, X_: ArrayLike, y_: ArrayLike) -> tuple[NDArray[np.float64], float,
                                                                            NDArray[np.float64], NDArray[np.float64]]:
    from numerics.validation import as_float, check_labels, check_matrix, check_vector

    Xa = as_float(check_matrix(X_, "X"))
    wa = as_float(check_vector(w_, "w", length=Xa.shape[1]))
    ya = check_labels(y_, "y", n_samples=Xa.shape[0], allowed=(-1, 1)).astype(np.float64)
    return wa, check_real(b_, "b"), Xa, ya



def hinge_loss(w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike) -> float:
    r"""Mean hinge loss, lambdified from step ``loss``.

    Parameters
    ----------
    w : array_like of shape (n,)
    b : float
    X : array_like of shape (K, n)
    y : array_like of shape (K,), values in {-1, +1}

    Notes
    -----
    .. math:: L(w, b) = \frac{1}{K} \sum_{i=1}^{K} \max\big(0, 1 - y^{(i)}(w^\top x^{(i)} + b)\big)
    """
    wa, bf, Xa, ya = _validate(w, b, X, y)
    c, f = _kernels()["loss"]
    return float(c(Xa.shape[0]) * np.sum(f(Xa @ wa, ya, 0.0, bf, 0.0)))


def _kink(kink_value: Any) -> float:
    return check_real(kink_value, "kink_value", low=0.0, high=1.0)


def hinge_grad_w(w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike, kink_value: float = 0.0) -> NDArray[np.float64]:
    r"""(Sub)gradient of the hinge loss with respect to ``w``, lambdified from step ``grad_w``.

    Parameters
    ----------
    w, b, X, y : as in :func:`hinge_loss`
    kink_value : float in [0, 1], default 0.0
        The value of :math:`\mathbb{1}\{p_i < 1\}` at a margin of exactly 1 (the homework's 0).

    Returns
    -------
    ndarray of shape (n,)

    Notes
    -----
    .. math:: \nabla_w L = \frac{1}{K} \sum_{i=1}^{K} -\mathbb{1}\{p_i < 1\}\, y^{(i)} x^{(i)}

    At :math:`p_i = 1` the indicator takes ``kink_value``: the result is then a
    subgradient (see :func:`subgradient_in_subdifferential`), not a gradient.
    """
    wa, bf, Xa, ya = _validate(w, b, X, y)
    c, f = _kernels()["gw"]
    terms = f((Xa @ wa)[:, None], ya[:, None], Xa, bf, _kink(kink_value))
    return np.asarray(c(Xa.shape[0]) * np.sum(terms, axis=0), dtype=np.float64)


def hinge_grad_b(w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike, kink_value: float = 0.0) -> float:
    r"""(Sub)derivative of the hinge loss with respect to ``b``, lambdified from step ``grad_b``.

    Notes
    -----
    .. math:: \nabla_b L = \frac{1}{K} \sum_{i=1}^{K} -\mathbb{1}\{p_i < 1\}\, y^{(i)}
    """
    wa, bf, Xa, ya = _validate(w, b, X, y)
    c, f = _kernels()["gb"]
    return float(c(Xa.shape[0]) * np.sum(f(Xa @ wa, ya, 0.0, bf, _kink(kink_value))))


def hinge_subdifferential(w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike, *,
                          kink_atol: float = 1e-9) -> Subdifferential:
    r"""The subdifferential of :math:`L` at ``(w, b)`` as a set in :math:`\mathbb{R}^{n+1}` (w, then b).

    Samples with :math:`|p_i - 1| \le` ``kink_atol`` count as at the kink and contribute the
    segment :math:`\{-t\, y^{(i)} (x^{(i)}, 1)/K : t \in [0, 1]\}`; the others their gradient.

    Notes
    -----
    .. math:: \partial L = \nabla L_{\text{off kink}} + \sum_{i : p_i = 1} \{-t_i\, y^{(i)} (x^{(i)}, 1)/K : t_i \in [0, 1]\}
    """
    wa, bf, Xa, ya = _validate(w, b, X, y)
    tol = check_real(kink_atol, "kink_atol", low=0.0)
    ker = _kernels()
    s = Xa @ wa
    at = np.abs(ya * (s + bf) - 1.0) <= tol
    off = ~at
    inv_k = float(ker["gw"][0](Xa.shape[0]))
    base_w = inv_k * np.sum(ker["gw"][1](s[off][:, None], ya[off][:, None], Xa[off], bf, 0.0), axis=0)
    base_b = inv_k * np.sum(ker["gb"][1](s[off], ya[off], 0.0, bf, 0.0))
    gens = [np.append(inv_k * ker["vw"](0.0, ya[j], Xa[j], bf, 1.0), inv_k * ker["vb"](0.0, ya[j], 0.0, bf, 1.0))
            for j in np.flatnonzero(at)]
    return Subdifferential.from_parts(np.append(np.broadcast_to(base_w, wa.shape), base_b), gens)


def subgradient_in_subdifferential(gw: ArrayLike, gb: float, w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike,
                                   atol: float = 1e-9, *, kink_atol: float = 1e-9) -> bool:
    r"""Whether ``(gw, gb)`` is a subgradient of the hinge loss at ``(w, b)`` (float data).

    Parameters
    ----------
    gw : array_like of shape (n,)
    gb : float
    w, b, X, y : as in :func:`hinge_loss`
    atol : float, default 1e-9
        Absolute tolerance of the membership test (max-norm of the residual).
    kink_atol : float, default 1e-9
        Margins within this distance of 1 count as at the kink.
    """
    S = hinge_subdifferential(w, b, X, y, kink_atol=kink_atol)
    from numerics.validation import as_float, check_vector

    g = as_float(check_vector(gw, "gw", length=S.dim - 1))
    return S.contains(np.append(g, check_real(gb, "gb")), atol=check_real(atol, "atol", low=0.0))
