r"""Preprocessing as the homework does it: subsample, flatten, centre, bias column, folds.

Examples
--------
>>> import numpy as np
>>> mean, Xc, Tc = subtract_mean(np.array([[0, 2], [2, 4]], np.uint8), np.array([[0, 0]], np.uint8))
>>> mean, Tc
(array([1., 3.]), array([[-1., -3.]]))
>>> append_bias(Xc)
array([[-1., -1.,  1.],
       [ 1.,  1.,  1.]])
>>> [f.tolist() for f in kfold_indices(5, 2)]
[[0, 1, 2], [3, 4]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.data.dataset import ImageDataset
from numerics.validation import as_float, check_array, check_int, check_matrix

__all__ = ["flatten", "subtract_mean", "append_bias", "first_n", "kfold_indices", "SoftmaxSplits", "softmax_splits"]


def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    return rng


def flatten(images: ArrayLike) -> NDArray[Any]:
    """Flatten each sample: shape ``(n, ...)`` becomes ``(n, D)`` with ``D`` the product of the rest.

    Returns a view when possible (C order). Note that ``flatten(ds.images(X))``
    gives (H, W, channel) order, not the channel-planar order of ``X``.
    """
    a = check_array(images, "images", shape_doc="(n_samples, ...)")
    if a.ndim < 2:
        raise ValueError(f"images: expected an array of shape (n_samples, ...) with at least 2 dimensions, got shape {a.shape}")
    return a.reshape(a.shape[0], -1)


def subtract_mean(X_train: ArrayLike, *others: ArrayLike) -> tuple[NDArray[np.float64], ...]:
    r"""Subtract the mean training image from the training set and every other set.

    Parameters
    ----------
    X_train : array_like of shape (n_train, D)
    *others : array_like of shape (n_i, D)

    Returns
    -------
    tuple of ndarray, float64
        ``(mean_image, X_train - mean_image, *(X_i - mean_image))``; new arrays,
        the inputs are untouched.

    Notes
    -----
    .. math:: \mu = \frac{1}{n_\text{train}} \sum_{i} x^{(i)}_\text{train}, \qquad x \mapsto x - \mu.

    Integer (uint8) pixels are converted to float64 first, so nothing wraps around.
    """
    X = check_matrix(X_train, "X_train")
    rest = [check_matrix(o, f"others[{i}]", n_cols=X.shape[1]) for i, o in enumerate(others)]
    mean = X.mean(axis=0, dtype=np.float64)  # accumulates in float64: no uint8 wrap-around, no float copy of X
    return (mean, *(as_float(a).astype(np.float64, copy=False) - mean for a in (X, *rest)))


def append_bias(X: ArrayLike) -> NDArray[np.floating[Any]]:
    r"""Append a column of ones (the bias trick :math:`\tilde x = [x; 1]`).

    Returns a new floating array of shape ``(n, D + 1)`` (float64 for integer input).
    """
    A = as_float(check_matrix(X, "X"))
    return np.hstack([A, np.ones((A.shape[0], 1), dtype=A.dtype)])


def first_n(
    ds: ImageDataset, n_train: int, n_test: int
) -> tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.uint8], NDArray[np.int64]]:
    """The homework's kNN subsample: the first ``n_train`` training and first ``n_test`` test rows.

    Returns ``(X_train, y_train, X_test, y_test)`` as read-only views (uint8 rows, int64 labels).
    """
    if not isinstance(ds, ImageDataset):
        raise TypeError(f"ds: expected an ImageDataset, got {type(ds).__name__}")
    n_train = check_int(n_train, "n_train", low=1, high=ds.X_train.shape[0])
    n_test = check_int(n_test, "n_test", low=1, high=ds.X_test.shape[0])
    return ds.X_train[:n_train], ds.y_train[:n_train], ds.X_test[:n_test], ds.y_test[:n_test]


def kfold_indices(n: int, n_folds: int, rng: np.random.Generator | None = None) -> list[NDArray[np.int64]]:
    """Split ``range(n)`` into ``n_folds`` folds of sizes differing by at most one.

    Parameters
    ----------
    n : int
        Number of samples.
    n_folds : int
        Between 2 and ``n``.
    rng : numpy.random.Generator, optional
        ``None``: contiguous folds in order, as ``np.array_split`` gives (the
        homework). Given: the folds of a random permutation drawn from ``rng``.

    Returns
    -------
    list of ndarray of int64
        The held-out indices of each fold, sorted within a fold; together they
        are a partition of ``range(n)``.
    """
    n = check_int(n, "n", low=2)
    n_folds = check_int(n_folds, "n_folds", low=2, high=n)
    order = np.arange(n, dtype=np.int64) if rng is None else _check_rng(rng).permutation(n).astype(np.int64)
    return [np.sort(f) for f in np.array_split(order, n_folds)]


@dataclass(frozen=True, eq=False)
class SoftmaxSplits:
    """The homework's problem-5 splits: float64, mean-centred, bias column last (D + 1 columns)."""

    X_train: NDArray[np.float64]
    y_train: NDArray[np.int64]
    X_val: NDArray[np.float64]
    y_val: NDArray[np.int64]
    X_test: NDArray[np.float64]
    y_test: NDArray[np.int64]
    X_dev: NDArray[np.float64]
    y_dev: NDArray[np.int64]
    mean_image: NDArray[np.float64]


def softmax_splits(ds: ImageDataset, *, n_train: int, n_val: int, n_test: int, n_dev: int,
                   rng: np.random.Generator) -> SoftmaxSplits:
    r"""Build the train / validation / test / dev sets of the homework's problem 5.

    Parameters
    ----------
    ds : ImageDataset
    n_train, n_val : int
        Training rows ``0 .. n_train - 1`` and validation rows
        ``n_train .. n_train + n_val - 1`` of ``ds``'s training set
        (49,000 and 1,000 in the homework); their sum may not exceed it.
    n_test : int
        The first ``n_test`` test rows.
    n_dev : int
        Rows sampled from the ``n_train`` training rows without replacement
        (``rng.choice(n_train, n_dev, replace=False)``); at most ``n_train``.
    rng : numpy.random.Generator

    Returns
    -------
    SoftmaxSplits
        Each ``X_*`` of shape ``(n_*, D + 1)`` float64, ``mean_image`` of shape ``(D,)``.

    Notes
    -----
    With :math:`\mu` the mean of the ``n_train`` training rows, every row becomes

    .. math:: \tilde x = [x - \mu;\ 1].
    """
    if not isinstance(ds, ImageDataset):
        raise TypeError(f"ds: expected an ImageDataset, got {type(ds).__name__}")
    rng = _check_rng(rng)
    n_avail = ds.X_train.shape[0]
    n_train = check_int(n_train, "n_train", low=1, high=n_avail - 1)
    n_val = check_int(n_val, "n_val", low=1)
    if n_train + n_val > n_avail:
        raise ValueError(f"n_train + n_val: expected at most {n_avail} (the training set's size), "
                         f"got {n_train} + {n_val} = {n_train + n_val}")
    n_test = check_int(n_test, "n_test", low=1, high=ds.X_test.shape[0])
    n_dev = check_int(n_dev, "n_dev", low=1, high=n_train)
    dev = rng.choice(n_train, size=n_dev, replace=False)
    X_train = ds.X_train[:n_train]
    mean = X_train.mean(axis=0, dtype=np.float64)
    val = slice(n_train, n_train + n_val)
    return SoftmaxSplits(
        X_train=_centred_with_bias(X_train, mean), y_train=ds.y_train[:n_train].copy(),
        X_val=_centred_with_bias(ds.X_train[val], mean), y_val=ds.y_train[val].copy(),
        X_test=_centred_with_bias(ds.X_test[:n_test], mean), y_test=ds.y_test[:n_test].copy(),
        X_dev=_centred_with_bias(X_train[dev], mean), y_dev=ds.y_train[dev],
        mean_image=mean,
    )


def _centred_with_bias(X: NDArray[Any], mean: NDArray[np.float64]) -> NDArray[np.float64]:
    """``append_bias(X - mean)`` in one float64 allocation (49,000 x 3073 floats is 1.2 GB)."""
    out = np.empty((X.shape[0], X.shape[1] + 1), dtype=np.float64)
    np.subtract(X, mean, out=out[:, :-1])  # uint8 - float64 computes in float64: no wrap-around
    out[:, -1] = 1.0
    return out
