r"""Binary linear SVM: hinge loss, its subgradient (vectorised), and a subgradient-descent trainer.

Labels are ``-1`` and ``+1``.  The subgradient at a margin of exactly 1 is the
parameter ``kink_value`` (the same one as in :mod:`derive`); the homework's
choice is 0.

Examples
--------
>>> import numpy as np
>>> X = np.array([[2.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
>>> y = np.array([1, 1, -1])
>>> w, b = np.array([1.0, 1.0]), 0.0
>>> margins(w, b, X, y).tolist()  # the middle sample sits on the kink
[2.0, 1.0, 2.0]
>>> hinge_loss(w, b, X, y)
0.0
>>> g_w, g_b = hinge_subgradient(w, b, X, y, kink_value=1.0)
>>> (g_w + 0.0).round(6).tolist(), round(g_b, 6)
([0.0, -0.333333], -0.333333)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.validation import as_float, check_int, check_labels, check_matrix, check_positive_float, check_vector

__all__ = ["LinearSVM", "hinge_loss", "hinge_subgradient", "margins"]


def _check_bias(b: Any) -> float:
    if isinstance(b, bool) or not isinstance(b, (int, float, np.integer, np.floating)):
        raise ValueError(f"b: expected a real number, got {b!r}")
    if not np.isfinite(b):
        raise ValueError(f"b: expected a finite number, got {b!r}")
    return float(b)


def _validate(w: ArrayLike, b: Any, X: ArrayLike, y: ArrayLike) -> tuple[NDArray[Any], float, NDArray[Any], NDArray[np.int64]]:
    X_ = as_float(check_matrix(X, "X"))
    w_ = as_float(check_vector(w, "w", length=X_.shape[1]))
    y_ = check_labels(y, "y", n_samples=X_.shape[0], allowed=(-1, 1))
    return w_, _check_bias(b), X_, y_


def _margins(w: NDArray[Any], b: float, X: NDArray[Any], y: NDArray[np.int64]) -> NDArray[np.float64]:
    return y * (X @ w + b)  # p_i = y_i (w^T x_i + b)


def margins(w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    r"""Functional margins :math:`p_i = y_i (w^\top x_i + b)`.

    Parameters
    ----------
    w : array_like of shape (D,)
    b : float
    X : array_like of shape (K, D)
    y : array_like of shape (K,), values in {-1, +1}

    Returns
    -------
    ndarray of shape (K,)
    """
    return _margins(*_validate(w, b, X, y))


def hinge_loss(w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike) -> float:
    r"""Mean hinge loss of a linear classifier.

    Parameters
    ----------
    w : array_like of shape (D,)
    b : float
    X : array_like of shape (K, D)
    y : array_like of shape (K,), values in {-1, +1}

    Returns
    -------
    float

    Notes
    -----
    .. math:: L(w, b) = \frac{1}{K} \sum_{i=1}^{K} \max\bigl(0,\ 1 - y_i (w^\top x_i + b)\bigr)
    """
    return float(np.mean(np.maximum(0.0, 1.0 - _margins(*_validate(w, b, X, y)))))


def _subgradient(w: NDArray[Any], b: float, X: NDArray[Any], y: NDArray[np.int64], kink_value: float) -> tuple[NDArray[np.float64], float]:
    p = _margins(w, b, X, y)
    g = (p < 1).astype(np.float64)  # 1{p < 1}
    if kink_value:
        g[p == 1] = kink_value  # a point of the subdifferential at the kink
    coef = -(g * y) / X.shape[0]  # dL/d(w^T x_i + b)
    return X.T @ coef, float(coef.sum())


def hinge_subgradient(w: ArrayLike, b: float, X: ArrayLike, y: ArrayLike, kink_value: float = 0.0) -> tuple[NDArray[np.float64], float]:
    r"""A subgradient of :func:`hinge_loss` with respect to ``w`` and ``b``, vectorised.

    Parameters
    ----------
    w : array_like of shape (D,)
    b : float
    X : array_like of shape (K, D)
    y : array_like of shape (K,), values in {-1, +1}
    kink_value : float in [0, 1], default 0.0
        :math:`g_i` for a sample with margin exactly 1 (the homework's choice is 0).

    Returns
    -------
    grad_w : ndarray of shape (D,)
    grad_b : float

    Notes
    -----
    With :math:`p_i = y_i (w^\top x_i + b)` and :math:`g_i = 1` if :math:`p_i < 1`,
    :math:`0` if :math:`p_i > 1`, ``kink_value`` if :math:`p_i = 1`,

    .. math::

        \nabla_w L = \frac{1}{K} \sum_i -g_i y_i x_i, \qquad
        \nabla_b L = \frac{1}{K} \sum_i -g_i y_i .

    Every ``kink_value`` in [0, 1] gives an element of the subdifferential.
    """
    w_, b_, X_, y_ = _validate(w, b, X, y)
    kv = check_positive_float(kink_value, "kink_value", allow_zero=True)
    if kv > 1:
        raise ValueError(f"kink_value: expected a number in [0, 1], got {kink_value!r}")
    return _subgradient(w_, b_, X_, y_, kv)


class LinearSVM:
    """Binary linear SVM trained by (sub)gradient descent on the mean hinge loss.

    Parameters
    ----------
    kink_value : float in [0, 1], default 0.0
        Subgradient weight of samples with margin exactly 1.

    Attributes
    ----------
    coef_ : ndarray of shape (D,)
        ``w`` after :meth:`fit`.
    intercept_ : float
        ``b`` after :meth:`fit`.
    loss_history_ : list of float
        Hinge loss before every step, then after the last one (``num_iters + 1`` values).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[2.0, 1.0], [1.0, 3.0], [-1.0, -2.0], [-3.0, 0.5]])
    >>> y = np.array([1, 1, -1, -1])
    >>> svm = LinearSVM().fit(X, y, learning_rate=0.1, num_iters=100, rng=np.random.default_rng(0))
    >>> svm.predict(X).tolist(), svm.loss_history_[-1] < svm.loss_history_[0]
    ([1, 1, -1, -1], True)
    """

    def __init__(self, kink_value: float = 0.0) -> None:
        self.kink_value = kink_value

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        *,
        learning_rate: float,
        num_iters: int,
        rng: np.random.Generator,
        batch_size: int | None = None,
    ) -> LinearSVM:
        """Run subgradient descent from ``w ~ N(0, 1e-8 I)``, ``b = 0``; returns ``self``.

        Parameters
        ----------
        X : array_like of shape (K, D)
        y : array_like of shape (K,), values in {-1, +1}
        learning_rate : float
            Constant step.
        num_iters : int
        rng : numpy.random.Generator
            Initial ``w`` and, with ``batch_size``, the minibatches.
        batch_size : int, optional
            Rows drawn with replacement per step; full batch when omitted.
        """
        X_ = as_float(check_matrix(X, "X"))
        y_ = check_labels(y, "y", n_samples=X_.shape[0], allowed=(-1, 1))
        lr = check_positive_float(learning_rate, "learning_rate")
        n_iter = check_int(num_iters, "num_iters", low=0)
        kv = check_positive_float(self.kink_value, "kink_value", allow_zero=True)
        if kv > 1:
            raise ValueError(f"kink_value: expected a number in [0, 1], got {self.kink_value!r}")
        if batch_size is not None:
            batch_size = check_int(batch_size, "batch_size", low=1)
        if not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        w = rng.standard_normal(X_.shape[1]) * 1e-4
        b = 0.0
        history = []
        for _ in range(n_iter):
            history.append(float(np.mean(np.maximum(0.0, 1.0 - _margins(w, b, X_, y_)))))
            if batch_size is None:
                gw, gb = _subgradient(w, b, X_, y_, kv)
            else:
                idx = rng.integers(0, X_.shape[0], size=batch_size)
                gw, gb = _subgradient(w, b, X_[idx], y_[idx], kv)
            w = w - lr * gw
            b = b - lr * gb
        history.append(float(np.mean(np.maximum(0.0, 1.0 - _margins(w, b, X_, y_)))))
        self.coef_, self.intercept_, self.loss_history_ = w, b, history
        return self

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Scores ``X @ coef_ + intercept_``, shape (N,)."""
        if not hasattr(self, "coef_"):
            raise ValueError("LinearSVM: expected a fitted model, got an unfitted one; call fit(X, y, ...) first")
        X_ = as_float(check_matrix(X, "X", n_cols=self.coef_.shape[0]))
        return X_ @ self.coef_ + self.intercept_

    def predict(self, X: ArrayLike) -> NDArray[np.int64]:
        """Labels in {-1, +1}: the sign of the decision function (0 counts as +1), shape (N,)."""
        return np.where(self.decision_function(X) >= 0, 1, -1).astype(np.int64)
