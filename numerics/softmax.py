r"""Softmax cross-entropy loss and its gradient: per-example loops and vectorised.

Conventions shared by every function here (and by :mod:`derive`): weights ``W``
of shape ``(C, D)``, samples as rows of ``X`` of shape ``(N, D)`` with the bias
column already appended, integer labels ``y`` in ``0 .. C-1``.

Examples
--------
>>> import numpy as np
>>> X = np.array([[1.0, 2.0, 1.0], [0.5, -1.0, 1.0]])
>>> y = np.array([0, 2])
>>> W = np.zeros((3, 3))
>>> round(softmax_loss_and_grad(W, X, y)[0], 6)  # log C for W = 0
1.098612
>>> bool(np.isclose(softmax_loss_loop(W, X, y), np.log(3)))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.validation import as_float, check_array, check_labels, check_matrix, check_positive_float

__all__ = [
    "softmax",
    "softmax_loss",
    "softmax_loss_and_grad",
    "softmax_loss_and_grad_loop",
    "softmax_loss_loop",
    "validate_softmax_inputs",
    "loss_shifted_exp",
    "loss_and_grad_validated",
]

_NOTES = r"""
    Notes
    -----
    With scores :math:`S = X W^\top` and :math:`P_{jk} = e^{S_{jk}} / \sum_l e^{S_{jl}}`,

    .. math::

        L(W) = -\frac{1}{N} \sum_{j=1}^{N} \log P_{j, y_j} + \lambda \sum_{k,d} W_{kd}^2,
        \qquad
        \nabla_W L = \frac{1}{N} (P - Y)^\top X + 2 \lambda W,

    where :math:`Y` is the one-hot matrix of ``y`` and :math:`\lambda` is ``reg``.
    Without the regulariser this is :math:`-\mathcal{L}/m` of problem 3: row
    :math:`i` of the gradient is :math:`-\frac{1}{N} \sum_j (1\{y_j = i\} - P_{ji}) x_j`.
    The regulariser is :math:`\lambda \|W\|_F^2` (no factor 1/2) and covers every
    column of ``W``, the bias column included.
"""


def validate_softmax_inputs(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float, *, finite_X: bool = True) -> tuple[NDArray[np.floating[Any]], NDArray[np.floating[Any]], NDArray[np.int64], float]:
    """Validate once at each public entry: shapes, labels, finiteness (``X`` optionally deferred)."""
    W_ = as_float(check_matrix(W, "W"))
    X_ = as_float(check_matrix(X, "X", n_cols=W_.shape[1], finite=finite_X))
    y_ = check_labels(y, "y", n_samples=X_.shape[0], n_classes=W_.shape[0])
    return W_, X_, y_, check_positive_float(reg, "reg", allow_zero=True)


def _check_scores(S: NDArray[Any], X: NDArray[Any]) -> None:
    """Non-finite scores come from non-finite ``X`` (reported as such) or from overflow.

    Checking the (N, C) scores costs far less than scanning the (N, D) ``X``.
    """
    if not np.isfinite(S).all():
        check_matrix(X, "X")  # raises with the usual message when X holds NaN or inf
        raise ValueError("X @ W.T: expected finite scores, got overflow; rescale X or W")


def softmax(scores: ArrayLike) -> NDArray[np.floating[Any]]:
    r"""Row-wise softmax, max-subtracted so that no score overflows.

    Parameters
    ----------
    scores : array_like of shape (N, C) or (C,)

    Returns
    -------
    ndarray of the same shape; every row is positive and sums to 1.

    Notes
    -----
    .. math:: \mathrm{softmax}(s)_k = \frac{e^{s_k - \max_l s_l}}{\sum_m e^{s_m - \max_l s_l}}

    >>> softmax(np.array([[1e4, 0.0, -1e4]])).tolist()
    [[1.0, 0.0, 0.0]]
    """
    s = as_float(check_array(scores, "scores"))
    if s.ndim not in (1, 2):
        raise ValueError(f"scores: expected shape (N, C) or (C,), got shape {s.shape}")
    e = s - s.max(axis=-1, keepdims=True)  # a new array; the caller's is untouched
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e


def softmax_loss_loop(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float = 0.0) -> float:
    """Mean softmax loss with a Python loop over examples (the homework's ``loss``).

    Parameters
    ----------
    W : array_like of shape (C, D)
    X : array_like of shape (N, D)
    y : array_like of int, shape (N,)
    reg : float, default 0.0

    Returns
    -------
    float
    """
    W_, X_, y_, reg = validate_softmax_inputs(W, X, y, reg)
    total = 0.0
    for j in range(X_.shape[0]):
        s = W_ @ X_[j]
        s = s - s.max()
        total += float(np.log(np.exp(s).sum()) - s[y_[j]])  # -log P[j, y_j]
    return total / X_.shape[0] + reg * float(np.sum(W_ * W_))


softmax_loss_loop.__doc__ = (softmax_loss_loop.__doc__ or "") + _NOTES


def softmax_loss_and_grad_loop(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float = 0.0) -> tuple[float, NDArray[np.float64]]:
    """Mean softmax loss and its gradient, one example at a time (the homework's ``loss_and_grad``).

    Parameters
    ----------
    W : array_like of shape (C, D)
    X : array_like of shape (N, D)
    y : array_like of int, shape (N,)
    reg : float, default 0.0

    Returns
    -------
    loss : float
    dW : ndarray of shape (C, D)
    """
    W_, X_, y_, reg = validate_softmax_inputs(W, X, y, reg)
    n = X_.shape[0]
    total = 0.0
    dW = np.zeros(W_.shape, dtype=np.result_type(W_, X_, np.float64))
    for j in range(n):
        s = W_ @ X_[j]
        s = s - s.max()
        p = np.exp(s)
        z = p.sum()
        total += float(np.log(z) - s[y_[j]])  # -log P[j, y_j], finite even where P underflows
        p /= z
        p[y_[j]] -= 1.0  # d(-log P_y)/ds = p - onehot(y)
        dW += np.outer(p, X_[j])
    dW /= n
    dW += 2.0 * reg * W_
    return total / n + reg * float(np.sum(W_ * W_)), dW


softmax_loss_and_grad_loop.__doc__ = (softmax_loss_and_grad_loop.__doc__ or "") + _NOTES


def loss_shifted_exp(W: NDArray[Any], X: NDArray[Any], y: NDArray[np.int64], reg: float) -> tuple[float, NDArray[Any], NDArray[Any]]:
    """Loss, exp(S - max S) (N, C) and its row sums, from one GEMM over validated input."""
    rows = np.arange(X.shape[0])
    with np.errstate(over="ignore", invalid="ignore"):  # overflow and NaN are reported by _check_scores
        S = X @ W.T  # (N, C), the only pass over X for the loss
    _check_scores(S, X)
    S -= S.max(axis=1, keepdims=True)  # in place on our own scores
    correct = S[rows, y]
    np.exp(S, out=S)
    Z = S.sum(axis=1)
    loss = float(np.mean(np.log(Z) - correct))  # logsumexp - s_y: finite for scores of ±1e4
    if reg:
        loss += reg * float(np.sum(W * W))
    return loss, S, Z


def loss_and_grad_validated(W: NDArray[Any], X: NDArray[Any], y: NDArray[np.int64], reg: float) -> tuple[float, NDArray[Any]]:
    """Vectorised kernel on validated input: :func:`numerics.accel.softmax_loss_grad`, plus the regulariser.

    One pass over ``X`` in cache-sized row blocks (numpy: two small GEMMs per block; numba:
    fused). Non-finite scores are reported by the one-GEMM reference, :func:`_loss_and_grad_ref`.
    """
    from numerics import accel

    loss, dW = accel.softmax_loss_grad(W, X, y)
    if not np.isfinite(loss):
        return _loss_and_grad_ref(W, X, y, reg)  # raises the usual message
    if reg:
        loss += reg * float(np.sum(W * W))
        dW += (2.0 * reg) * W
    return loss, dW


def _loss_and_grad_ref(W: NDArray[Any], X: NDArray[Any], y: NDArray[np.int64], reg: float) -> tuple[float, NDArray[Any]]:
    """The reference on validated input: one GEMM for the scores, one for the gradient."""
    n = X.shape[0]
    loss, S, Z = loss_shifted_exp(W, X, y, reg)
    S *= (1.0 / n) / Z[:, None]  # P / N: scale the small (N, C) matrix, not the (C, D) product
    S[np.arange(n), y] -= 1.0 / n  # (P - Y) / N
    dW = S.T @ X  # (C, D), the second pass over X; no copy of X (BLAS reads S.T transposed)
    if reg:
        dW += (2.0 * reg) * W
    return loss, dW


def softmax_loss_and_grad(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float = 0.0) -> tuple[float, NDArray[np.float64]]:
    """Mean softmax loss and gradient, vectorised and numerically stable (the homework's ``fast_loss_and_grad``).

    No Python loop: one matrix product for the scores and one for the gradient,
    log-sum-exp for the loss, so scores of ±1e4 give finite results.

    Parameters
    ----------
    W : array_like of shape (C, D)
    X : array_like of shape (N, D)
        Float input is used as is (float64 recommended); integer input is converted.
    y : array_like of int, shape (N,)
    reg : float, default 0.0

    Returns
    -------
    loss : float
    dW : ndarray of shape (C, D)
    """
    W_, X_, y_, reg = validate_softmax_inputs(W, X, y, reg, finite_X=False)  # NaN/inf in X detected via the scores
    return loss_and_grad_validated(W_, X_, y_, reg)


softmax_loss_and_grad.__doc__ = (softmax_loss_and_grad.__doc__ or "") + _NOTES


def softmax_loss(W: ArrayLike, X: ArrayLike, y: ArrayLike, reg: float = 0.0) -> float:
    """Mean softmax loss only, vectorised (one matrix product); see :func:`softmax_loss_and_grad`.

    >>> import numpy as np
    >>> round(softmax_loss(np.zeros((10, 4)), np.ones((5, 4)), np.arange(5)), 6)  # log 10
    2.302585
    """
    W_, X_, y_, reg = validate_softmax_inputs(W, X, y, reg, finite_X=False)
    return loss_shifted_exp(W_, X_, y_, reg)[0]
