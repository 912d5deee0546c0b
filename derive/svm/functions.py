r"""The multiclass SVM's derived results as numpy functions, lambdified from :mod:`derive.svm.maths`.

Every function takes the assignment's shapes: ``W`` (D, C), ``X`` (N, D), integer ``y`` (N,).
The per-pair pieces (the hinge of a margin, its step function, the kink term) are lambdified
from the derivation's steps with the scores put in as numbers; the gradient is the lambdified
matrix form of step ``dW``, :math:`\frac1N X^\top M + 2\lambda W`, with the mask of step
``grad-split-h``.

Examples
--------
>>> import numpy as np
>>> X = np.array([[1.0, 0.0, 1.0], [0.0, 2.0, 1.0]]); y = np.array([0, 2])
>>> svm_loss(np.zeros((3, 3)), X, y, 0.0), initial_loss(3)
(2.0, 2.0)
>>> svm_grad(np.zeros((3, 3)), X, y, 0.0)
array([[-1. ,  0.5,  0.5],
       [ 1. ,  1. , -2. ],
       [-0.5,  1. , -0.5]])
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

from derive.notation import Y as LABEL
from derive.subdifferential import Subdifferential
from numerics.validation import check_real

__all__ = ["svm_loss", "svm_grad", "svm_mask", "svm_subdifferential", "subgradient_in_subdifferential",
           "initial_loss"]

_S, _SY, _ONE, _DEL, _COUNT, _A, _XV, _JK, _YK = sp.symbols("s sy onehot Delta_v count a xv jk yk", real=True)


def _maths() -> Any:
    import derive.svm.maths as maths

    return maths


def _summand(ex: Any) -> tuple[Any, Any]:
    """Split ``c * Sum(f, ...)`` into ``(c, f)``."""
    s = next(a for a in sp.Mul.make_args(ex) if isinstance(a, sp.Sum))
    return sp.Mul(*[a for a in sp.Mul.make_args(ex) if a is not s]), s.function


def _pairwise(expr: Any, kk: Any) -> Any:
    """Scores -> numbers: s_(i,kk) -> s, s_(i,y_i) -> sy, 1{kk = y_i} -> onehot, Δ -> Delta_v."""
    m = _maths()
    yi = LABEL[m.i]
    out = expr.xreplace({m.score(m.i, yi): _SY}).xreplace({m.score(m.i, kk): _S})
    out = out.xreplace({sp.KroneckerDelta(kk, yi): _ONE, sp.KroneckerDelta(yi, kk): _ONE, m.DELTA: _DEL})
    if out.has(sp.Indexed, sp.Sum):
        raise RuntimeError(f"svm: could not vectorise {expr}")  # the derivation changed shape
    return out


@functools.cache
def _kernels() -> dict[str, Any]:
    m = _maths()
    d = m.derivation()
    data, reg = sorted(sp.Add.make_args(d.step("loss").rhs), key=lambda a: not a.has(sp.Max))
    c_loss, f_loss = _summand(data)
    c_reg, f_reg = _summand(reg)
    split = d.step("grad-split-h").rhs
    entry = _summand(next(a for a in sp.Add.make_args(split) if a.has(sp.Heaviside)))[1] / m.X[m.i, m.d]
    count = next(a for a in entry.atoms(sp.Sum) if a.limits[0][0] == m.j)  # the count over classes
    c_count, f_count = sp.Integer(1), count.function
    mask = entry.xreplace({count: _COUNT})
    kink = d.step("kink-term").rhs.subs(m.H_KINK, 1)
    w_sym = sp.Symbol("w", real=True)
    M = m.MATRICES
    return {
        "loss": (sp.lambdify(m.N, c_loss), sp.lambdify((_S, _SY, _ONE, _DEL), _pairwise(f_loss, m.j), "numpy")),
        "reg": (sp.lambdify(m.LAM, c_reg), sp.lambdify(w_sym, f_reg.xreplace({m.W[m.e, m.j]: w_sym}), "numpy")),
        "count": (c_count, sp.lambdify((_S, _SY, _ONE, _DEL, m.H_KINK), _pairwise(f_count, m.j), "numpy")),
        "mask": sp.lambdify((_S, _SY, _ONE, _DEL, m.H_KINK, _COUNT), _pairwise(mask, m.k), "numpy"),
        "grad": sp.lambdify((M["X"], M["M"], M["W"], m.N, m.LAM), d.step("dW").rhs, "numpy"),
        "kink": sp.lambdify((_XV, _JK, _YK, m.N), kink.xreplace({
            m.X[m.i, m.d]: _XV, sp.KroneckerDelta(m.j, m.k): _JK, sp.KroneckerDelta(m.k, LABEL[m.i]): _YK}), "numpy"),
        "initial": sp.lambdify((m.C, m.DELTA), d.step("initial-loss").rhs, "numpy"),
    }


def _validate(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: Any) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                                           NDArray[np.int64], float]:
    from numerics.validation import as_float, check_labels, check_matrix, check_positive_float

    Wa = as_float(check_matrix(W, "W")).astype(np.float64)
    Xa = as_float(check_matrix(X, "X", n_cols=Wa.shape[0])).astype(np.float64)
    ya = check_labels(y, "y", n_samples=Xa.shape[0], n_classes=Wa.shape[1])
    return Wa, Xa, ya, check_positive_float(reg, "reg", allow_zero=True)



def _pairs(W: NDArray[np.float64], X: NDArray[np.float64], y: NDArray[np.int64]) -> tuple[NDArray[Any], NDArray[Any],
                                                                                         NDArray[Any]]:
    S = X @ W
    return S, S[np.arange(X.shape[0]), y][:, None], np.eye(W.shape[1])[y]


def svm_loss(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float, delta: float = 1.0) -> float:
    r"""The loss of step ``loss``: :math:`\frac1N \sum_i \sum_{j \ne y_i} \max(0, m_{ij}) + \lambda \|W\|_F^2`.

    Parameters
    ----------
    W : array_like of shape (D, C)
    X : array_like of shape (N, D)
    y : array_like of int, shape (N,)
    reg : float
    delta : float, default 1.0
        The margin Δ.
    """
    Wa, Xa, ya, lam = _validate(W, X, y, reg)
    ker = _kernels()
    S, Sy, onehot = _pairs(Wa, Xa, ya)
    (c, f), (cr, fr) = ker["loss"], ker["reg"]
    return float(c(Xa.shape[0]) * np.sum(f(S, Sy, onehot, check_real(delta, "delta", low=0.0))) + cr(lam) * np.sum(fr(Wa)))


def svm_mask(W: ArrayLike, X: ArrayLike, y: ArrayLike, kink_value: float = 0.0, delta: float = 1.0) -> NDArray[np.float64]:
    r"""The mask :math:`M` (N, C) of step ``grad-split-h``: the step of :math:`m_{ik}` off the true class, minus the
    row's count of positive margins on it; ``kink_value`` is the step's value at a margin of exactly 0."""
    Wa, Xa, ya, _ = _validate(W, X, y, 0.0)
    h = check_real(kink_value, "kink_value", low=0.0, high=1.0)
    ker = _kernels()
    S, Sy, onehot = _pairs(Wa, Xa, ya)
    dl = check_real(delta, "delta", low=0.0)
    count = np.sum(np.broadcast_to(ker["count"][1](S, Sy, onehot, dl, h), S.shape), axis=1, keepdims=True)
    return np.asarray(np.broadcast_to(ker["mask"](S, Sy, onehot, dl, h, count), S.shape), dtype=np.float64)


def svm_grad(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float, kink_value: float = 0.0,
             delta: float = 1.0) -> NDArray[np.float64]:
    r"""The subgradient of step ``dW``, :math:`\frac1N X^\top M + 2\lambda W`, shape (D, C).

    ``kink_value`` (in [0, 1]) is the value of :math:`\mathbb{1}\{m > 0\}` at a margin of exactly 0:
    0 is the assignment's ``margin > 0``, 1 is ``margin >= 0``; each gives a subgradient.
    """
    Wa, Xa, ya, lam = _validate(W, X, y, reg)
    M = svm_mask(Wa, Xa, ya, kink_value, delta)
    return np.asarray(_kernels()["grad"](Xa, M, Wa, Xa.shape[0], lam), dtype=np.float64)


def svm_subdifferential(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float, *, delta: float = 1.0,
                        kink_atol: float = 1e-9) -> Subdifferential:
    r"""The subdifferential of the loss at ``W``, as a set in :math:`\mathbb{R}^{D C}` (``W`` flattened row-major).

    Pairs :math:`(i, j)`, :math:`j \ne y_i`, with :math:`|m_{ij}| \le` ``kink_atol`` are at their kink and
    contribute the segment of step ``subdiff``, :math:`\{t\, x_i (e_j - e_{y_i})^\top / N : t \in [0, 1]\}`;
    the others their gradient (the base point is :func:`svm_grad` with kink value 0, with the terms of the
    pairs in the band removed: the segments start at t = 0).
    """
    Wa, Xa, ya, lam = _validate(W, X, y, reg)
    tol = check_real(kink_atol, "kink_atol", low=0.0)
    S, Sy, onehot = _pairs(Wa, Xa, ya)
    margins = S - Sy + check_real(delta, "delta", low=0.0)
    at = (np.abs(margins) <= tol) & (onehot == 0)
    base = svm_grad(Wa, Xa, ya, lam, 0.0, delta).ravel()
    kink = _kernels()["kink"]
    cls = np.arange(Wa.shape[1])
    gens = []
    for ii, jj in zip(*np.nonzero(at)):
        v = np.asarray(kink(Xa[ii][:, None], (cls == jj)[None, :].astype(float),
                            (cls == ya[ii])[None, :].astype(float), Xa.shape[0]), dtype=np.float64).ravel()
        if margins[ii, jj] > 0:  # within kink_atol above 0: its term counted in base is the segment's end t = 1
            base = base - v
        gens.append(v)
    return Subdifferential.from_parts(base, gens)


def subgradient_in_subdifferential(G: ArrayLike, W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float, *,
                                   atol: float = 1e-9, kink_atol: float = 1e-9, delta: float = 1.0) -> bool:
    """Whether ``G`` (D, C) is a subgradient of the loss at ``W`` (float data; see :func:`svm_subdifferential`)."""
    from numerics.validation import as_float, check_matrix

    S = svm_subdifferential(W, X, y, reg, delta=delta, kink_atol=kink_atol)
    g = as_float(check_matrix(G, "G")).astype(np.float64)
    if g.size != S.dim:
        raise ValueError(f"G: expected the shape of W ({S.dim} entries), got {g.shape}")
    return S.contains(g.ravel(), atol=check_real(atol, "atol", low=0.0))


def initial_loss(C: Any, delta: float = 1.0) -> float:
    """The loss at ``W = 0`` of step ``initial-loss``, :math:`(C - 1)\\Delta`."""
    from numerics.validation import check_int

    return float(_kernels()["initial"](check_int(C, "C", low=1), check_real(delta, "delta", low=0.0)))

