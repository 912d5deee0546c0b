r"""k-nearest-neighbour prediction from a distance matrix (SPEC problem 2).

Conventions, all deterministic:

* neighbours are ordered by distance; **equal distances keep the training order**
  (the lower training index counts as nearer);
* the predicted label is the majority among the k nearest; **a tied vote goes to the
  smallest label**.

Examples
--------
>>> import numpy as np
>>> dists = np.array([[0.5, 0.1, 0.1, 0.9]])
>>> nearest_indices(dists, 3)          # the two 0.1s in index order
array([[1, 2, 0]])
>>> y_train = np.array([7, 3, 5, 3])
>>> predict_labels(dists, y_train, k=1), predict_labels(dists, y_train, k=2)
(array([3]), array([3]))
>>> predict_labels(dists, y_train, k=3)    # votes 3, 5, 7: one each -> smallest label
array([3])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics import accel
from numerics.validation import check_int, check_labels, check_matrix

__all__ = ["check_k", "check_distances", "nearest_unchecked", "vote", "nearest_indices", "predict_labels",
           "predict_from_neighbours"]


def check_k(k: Any, n_train: int, name: str = "k") -> int:
    """Check ``1 <= k <= n_train`` and return ``k`` as an ``int``.

    Examples
    --------
    >>> check_k(7, 5)
    Traceback (most recent call last):
    ...
    ValueError: k: expected at most n_train = 5 (the number of training samples), got k = 7
    """
    k = check_int(k, name, low=1)
    if k > n_train:
        raise ValueError(f"{name}: expected at most n_train = {n_train} (the number of training samples), got {name} = {k}")
    return k


def check_distances(dists: ArrayLike) -> NDArray[Any]:
    D = check_matrix(dists, "dists")
    if D.dtype == np.bool_:
        raise ValueError("dists: expected real distances, got dtype bool")
    return D


def nearest_unchecked(D: NDArray[Any], k: int) -> NDArray[np.int64]:
    """Stable k smallest per row of a validated ``D`` (see :func:`nearest_indices`)."""
    return accel.nearest_k(D, k)


def nearest_indices(dists: ArrayLike, k_max: int) -> NDArray[np.int64]:
    r"""Indices of the ``k_max`` nearest training points of every test point.

    Parameters
    ----------
    dists : array_like of shape (n_test, n_train)
        Distance matrix (finite).
    k_max : int
        Number of neighbours, ``1 <= k_max <= n_train``.

    Returns
    -------
    ndarray of shape (n_test, k_max), int64
        Row ``i`` lists training indices by increasing ``dists[i]``; equal distances
        in increasing index order, i.e. the first ``k_max`` entries of a *stable*
        argsort of the row.

    Notes
    -----
    :func:`numerics.accel.nearest_k`. numpy: one ``argpartition`` per row
    (:math:`O(n_{train})`), then a sort of the ``k_max`` chosen by the key
    :math:`(D_{ij}, j)`; rows where a run of equal distances straddles the
    ``k_max``-th place are redone with a stable full sort. numba: one pass per row
    keeping the ``k_max`` smallest (value, index) pairs. Either way the result
    equals ``np.argsort(dists, kind="stable")[:, :k_max]``.
    """
    D = check_distances(dists)
    return nearest_unchecked(D, check_k(k_max, D.shape[1], "k_max"))


def vote(L: NDArray[np.int64], k: int, n_classes: int) -> NDArray[np.int64]:
    n_test = L.shape[0]
    flat = (np.arange(n_test, dtype=np.int64)[:, None] * n_classes + L[:, :k]).ravel()
    votes = np.bincount(flat, minlength=n_test * n_classes).reshape(n_test, n_classes)
    return votes.argmax(axis=1).astype(np.int64)  # argmax returns the first maximum: smallest label


def predict_from_neighbours(neighbour_labels: ArrayLike, k: int, n_classes: int) -> NDArray[np.int64]:
    r"""Majority vote among the first ``k`` columns of ``neighbour_labels``.

    Parameters
    ----------
    neighbour_labels : array_like of shape (n_test, k_max), int
        Labels of each test point's neighbours, nearest first (``y_train[nearest_indices(...)]``).
    k : int
        How many of them vote, ``1 <= k <= k_max``.
    n_classes : int
        Labels lie in ``0 .. n_classes - 1``.

    Returns
    -------
    ndarray of shape (n_test,), int64

    Notes
    -----
    .. math:: \hat y_i = \min \operatorname*{arg\,max}_c \; \#\{\, r \le k : \ell_{ir} = c \,\}

    Examples
    --------
    >>> predict_from_neighbours([[2, 1, 1, 2], [0, 2, 2, 0]], k=4, n_classes=3)
    array([1, 0])
    """
    n_classes = check_int(n_classes, "n_classes", low=1)
    L = check_matrix(neighbour_labels, "neighbour_labels")
    labels = check_labels(L.ravel(), "neighbour_labels", n_classes=n_classes).reshape(L.shape)
    k = check_int(k, "k", low=1)
    if k > L.shape[1]:
        raise ValueError(f"k: expected at most k_max = {L.shape[1]} (the columns of neighbour_labels), got k = {k}")
    return vote(labels, k, n_classes)


def predict_labels(dists: ArrayLike, y_train: ArrayLike, k: int = 1) -> NDArray[np.int64]:
    r"""Predict by majority vote of the ``k`` nearest training points.

    Parameters
    ----------
    dists : array_like of shape (n_test, n_train)
        Distance matrix (finite).
    y_train : array_like of shape (n_train,), int
        Non-negative training labels.
    k : int, default 1
        Number of neighbours, ``1 <= k <= n_train``.

    Returns
    -------
    ndarray of shape (n_test,), int64

    Notes
    -----
    Neighbours are the first ``k`` of :func:`nearest_indices` (equal distances: lower
    training index first); the vote is :func:`predict_from_neighbours` (tie: smallest
    label).
    """
    D = check_distances(dists)
    y = check_labels(y_train, "y_train")
    if y.shape[0] != D.shape[1]:
        raise ValueError(
            f"y_train: expected {D.shape[1]} labels (one per column of dists), got {y.shape[0]}"
        )
    k = check_k(k, D.shape[1])
    neighbours = nearest_unchecked(D, k)
    return vote(y[neighbours], k, int(y.max()) + 1)
