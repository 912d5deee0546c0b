r"""The softmax derivation's results as numpy functions.

The matrix forms derived in :mod:`derive.softmax.maths` (checked there, exactly at
concrete sizes, through :func:`derive.matrix_forms.explicit_entries`) are what numpy runs: :func:`log_likelihood`, :func:`grad_W`,
:func:`grad_b`, :func:`mean_loss` and :func:`mean_loss_grad` are ``lambdify`` of the
derived right-hand sides (:func:`grad_w_i` of the per-class index form, through
SymPy's indexed-to-array conversion); thin wrappers only validate and build the
inputs (one-hot ``Y``, the softmax ``P`` with max-subtraction, a stable log-sum-exp).

Matrix symbols may carry LaTeX names (``\tilde{X}``); :func:`numpy_names`
renames them to identifiers (:data:`NUMPY_NAMES`) before ``lambdify``.

Examples
--------
>>> import numpy as np
>>> X = np.array([[3.0, 0.0], [0.0, 3.0], [3.0, 3.0]])
>>> y = np.array([0, 1, 1])
>>> grad_W(np.zeros((2, 2)), np.zeros(2), X, y)  # (Y - 1/2)^T X: every P = 1/2 at W = 0, b = 0
array([[ 0., -3.],
       [ 0.,  3.]])
>>> round(initial_loss(10), 6)
2.302585
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray
from sympy.tensor.array.expressions import convert_indexed_to_array

from numerics.validation import as_float, check_int, check_labels, check_matrix, check_vector

__all__ = [
    "NUMPY_NAMES", "numpy_names",
    "log_likelihood", "grad_W", "grad_b", "grad_w_i", "mean_loss", "mean_loss_grad", "initial_loss",
]

FloatArray = NDArray[np.float64]

#: LaTeX name of a matrix symbol -> the identifier ``lambdify`` uses for it.
NUMPY_NAMES: dict[str, str] = {r"\tilde{X}": "Xt", r"\tilde{W}": "Wt"}


def numpy_names(e: Any) -> Any:
    """Rename LaTeX-named matrix symbols to identifiers (:data:`NUMPY_NAMES`) for ``lambdify``."""
    return e.xreplace({M: sp.MatrixSymbol(NUMPY_NAMES[M.name], *M.shape)
                       for M in e.atoms(sp.MatrixSymbol) if M.name in NUMPY_NAMES})


# -- lambdified results ----------------------------------------------------------------

def _lambdify(label: str, args: list[Any]) -> Callable[..., Any]:
    """``lambdify`` the right-hand side of step ``label`` (matrix symbols renamed to identifiers)."""
    from derive.softmax.maths import derivation

    return sp.lambdify([numpy_names(a) for a in args], numpy_names(derivation().step(label).rhs), modules="numpy")


@functools.cache
def _compiled() -> dict[str, Callable[..., Any]]:
    """The derived results as numpy functions (built once, on first use)."""
    from derive.notation import X as XI
    from derive.notation import Y as YI
    from derive.softmax.maths import MATRICES as M
    from derive.softmax.maths import c, derivation, i, j, m, n, p, softmax

    u, v = sp.IndexedBase("u", shape=(m,)), sp.IndexedBase("v", shape=(m,))
    xs = sp.IndexedBase("Xs", shape=(m, n))
    # Row i of the per-class index form, sum over j -> einsum: 1{y = i} -> u_j, softmax_i -> v_j.
    row = derivation().step("dw").rhs.xreplace({sp.KroneckerDelta(i, YI[j]): u[j]})
    row = row.replace(softmax, lambda ii, jj: v[jj]).xreplace({XI: xs})
    return {
        "LL": _lambdify("LL-matrix", [M["Y"], M["X"], M["W"], M["b"], M["ell"], m, c]),
        "dW": _lambdify("dW", [M["Y"], M["P"], M["X"]]),
        "db": _lambdify("db-matrix", [M["Y"], M["P"], m]),
        "dw_i": sp.lambdify([u.label, v.label, xs.label], convert_indexed_to_array(row, first_indices=[p]),
                            modules="numpy"),
        "loss": _lambdify("loss-matrix", [M["Y"], M["Xt"], M["Wt"], M["ell"], m, c]),
        "dloss": _lambdify("loss-grad", [M["P"], M["Y"], M["Xt"], m]),
        "L0": sp.lambdify([c], derivation().step("initial-loss").rhs, modules="numpy"),
    }


# -- thin numpy wrappers: validate, then build the inputs of the derived formulas -------------

def _check(W: ArrayLike, b: ArrayLike | None, X: ArrayLike, y: ArrayLike
           ) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.int64]]:
    """Validate once at the public entry; ``b=None`` means no separate bias (bias trick)."""
    W_ = as_float(check_matrix(W, "W"))
    b_ = np.zeros(W_.shape[0]) if b is None else as_float(check_vector(b, "b", length=W_.shape[0]))
    X_ = as_float(check_matrix(X, "X", n_cols=W_.shape[1]))
    y_ = check_labels(y, "y", n_samples=X_.shape[0], n_classes=W_.shape[0])
    return W_, b_, X_, y_


def _inputs(W: FloatArray, b: FloatArray, X: FloatArray, y: NDArray[np.int64]
            ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """One-hot ``Y``, stable softmax ``P`` and log-sum-exp ``ell`` (m, 1) of the scores ``X W^T + b``.

    Numerical stability: the row maximum is subtracted before exponentiating, so no
    ``exp`` overflows; ``ell = max + log(sum(exp(s - max)))`` is the stable log-sum-exp.
    """
    scores = X @ W.T + b
    top = scores.max(axis=1, keepdims=True)
    e = np.exp(scores - top)
    total = e.sum(axis=1, keepdims=True)
    Y = np.zeros_like(scores)
    Y[np.arange(len(y)), y] = 1.0
    return Y, e / total, top + np.log(total)


def log_likelihood(W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike) -> float:
    r"""The log-likelihood :math:`\mathcal{L}` of labels ``y`` under the softmax model.

    Parameters
    ----------
    W : ndarray of shape (c, n)
    b : ndarray of shape (c,)
    X : ndarray of shape (m, n)
    y : ndarray of shape (m,), integers in 0..c-1

    Returns
    -------
    float

    Notes
    -----
    Lambdified from the derived matrix form (step ``"LL-matrix"``), with :math:`\ell`
    computed by a stable log-sum-exp:

    .. math::

        \mathcal{L} = \mathbf{1}^\top\left(\left(Y \circ (X W^\top + \mathbf{1} b^\top)\right)
            \mathbf{1} - \ell\right), \qquad \ell_j = \log \sum_k e^{a_k(x^{(j)})}.
    """
    W_, b_, X_, y_ = _check(W, b, X, y)
    Y, _, ell = _inputs(W_, b_, X_, y_)
    out = _compiled()["LL"](Y, X_, W_, b_[:, None], ell, X_.shape[0], W_.shape[0])
    return float(np.asarray(out).reshape(()))


def grad_W(W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike) -> FloatArray:
    r"""The gradient :math:`\nabla_W \mathcal{L} = (Y - P)^\top X`, shape (c, n).

    Parameters are as in :func:`log_likelihood`; ``P`` is the stable softmax of
    :math:`X W^\top + b` and ``Y`` the one-hot labels (built here, the formula is
    lambdified from step ``"dW"``).
    """
    W_, b_, X_, y_ = _check(W, b, X, y)
    Y, P, _ = _inputs(W_, b_, X_, y_)
    return np.asarray(_compiled()["dW"](Y, P, X_), dtype=np.float64)


def grad_b(W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike) -> FloatArray:
    r"""The gradient :math:`\nabla_b \mathcal{L} = (Y - P)^\top \mathbf{1}`, shape (c,) (step ``"db-matrix"``)."""
    W_, b_, X_, y_ = _check(W, b, X, y)
    Y, P, _ = _inputs(W_, b_, X_, y_)
    return np.asarray(_compiled()["db"](Y, P, X_.shape[0]), dtype=np.float64).reshape(-1)


def grad_w_i(W: ArrayLike, b: ArrayLike, X: ArrayLike, y: ArrayLike, i: int) -> FloatArray:
    r"""Row ``i`` of :math:`\nabla_W \mathcal{L}`, shape (n,), from the per-class index form.

    Notes
    -----
    Step ``"dw"``, :math:`\nabla_{w_{i,p}} \mathcal{L} = \sum_j (\mathbb{1}\{y^{(j)} = i\}
    - \operatorname{softmax}_i(x^{(j)}))\, x^{(j)}_p`, converted by SymPy from indexed
    sums to an ``einsum`` over ``j`` (vectorised over ``p``).
    """
    W_, b_, X_, y_ = _check(W, b, X, y)
    row = check_int(i, "i", low=0, high=W_.shape[0] - 1)
    Y, P, _ = _inputs(W_, b_, X_, y_)
    return np.asarray(_compiled()["dw_i"](Y[:, row], P[:, row], X_), dtype=np.float64)


def mean_loss(W: ArrayLike, X: ArrayLike, y: ArrayLike) -> float:
    r"""The classifier's loss :math:`-\mathcal{L}/m` with the bias trick (problem 5).

    Parameters
    ----------
    W : ndarray of shape (C, D)
        Weights; the bias is the last column.
    X : ndarray of shape (N, D)
        Samples with the column of ones already appended.
    y : ndarray of shape (N,), integers in 0..C-1

    Notes
    -----
    Lambdified from step ``"loss-matrix"`` (stable log-sum-exp :math:`\ell`):

    .. math::

        L = -\frac{1}{m} \mathbf{1}^\top \left((Y \circ \tilde{X}\tilde{W}^\top)\mathbf{1} - \ell\right).
    """
    W_, _, X_, y_ = _check(W, None, X, y)
    Y, _, ell = _inputs(W_, np.zeros(W_.shape[0]), X_, y_)
    out = _compiled()["loss"](Y, X_, W_, ell, X_.shape[0], W_.shape[0])
    return float(np.asarray(out).reshape(()))


def mean_loss_grad(W: ArrayLike, X: ArrayLike, y: ArrayLike) -> FloatArray:
    r"""The gradient :math:`\nabla_{\tilde{W}} L = (P - Y)^\top \tilde{X} / m`, shape (C, D).

    Parameters as in :func:`mean_loss`; lambdified from step ``"loss-grad"``.
    """
    W_, _, X_, y_ = _check(W, None, X, y)
    Y, P, _ = _inputs(W_, np.zeros(W_.shape[0]), X_, y_)
    return np.asarray(_compiled()["dloss"](P, Y, X_, X_.shape[0]), dtype=np.float64)


def initial_loss(c: int) -> float:
    r"""The mean loss at :math:`\tilde{W} = 0`: every class has probability :math:`1/c`, so :math:`\log c`."""
    return float(_compiled()["L0"](check_int(c, "c", low=1)))
