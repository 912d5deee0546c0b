"""The hyper-parameter sweep of the linear classifiers (softmax, multiclass SVM), written once.

A sweep trains one model per grid point on its own random stream (``rng.spawn``, so the
result depends only on the seed) and keeps the one with the best validation accuracy.
:func:`numerics.softmax_model.learning_rate_sweep` (learning rates) and
:func:`numerics.linear_svm.svm_sweep` (learning rate x regularisation) are this engine with
their own model and record.

Examples
--------
>>> import numpy as np
>>> Xt, yt, Xv, yv, c = sweep_data([[0.0], [1.0]], [0, 1], [[2.0]], [1], None)
>>> c, Xt.shape, Xv.shape
(2, (2, 1), (1, 1))
>>> train_grid([1, 2, 3], lambda p, rng: p * 10, rng=np.random.default_rng(0))
[10, 20, 30]
>>> best_on_validation([0.5, 0.7, 0.7])
1
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.validation import as_float, check_int, check_labels, check_matrix

__all__ = ["sweep_data", "train_grid", "best_on_validation"]

P = TypeVar("P")
R = TypeVar("R")


def sweep_data(X_train: ArrayLike, y_train: ArrayLike, X_val: ArrayLike, y_val: ArrayLike,
               n_classes: int | None) -> tuple[NDArray[Any], NDArray[np.int64], NDArray[Any], NDArray[np.int64], int]:
    """Validated training and validation data of a sweep, and the number of classes.

    Parameters
    ----------
    X_train, y_train : array_like of shape (N, D), and of int with shape (N,)
        The training rows and their labels.
    X_val, y_val : array_like of shape (M, D), and of int with shape (M,)
        The validation rows (as many columns as the training rows) and their labels.
    n_classes : int or None
        None: one more than the largest label seen.

    Returns
    -------
    X_train (N, D) float, y_train (N,) int64, X_val (M, D) float, y_val (M,) int64, n_classes : int

    Raises
    ------
    ValueError
        Saying what was expected and what was got (shapes, labels outside ``0..n_classes-1``).
    """
    Xt = as_float(check_matrix(X_train, "X_train"))
    Xv = as_float(check_matrix(X_val, "X_val", n_cols=Xt.shape[1]))
    yt = check_labels(y_train, "y_train", n_samples=Xt.shape[0])
    yv = check_labels(y_val, "y_val", n_samples=Xv.shape[0])
    c = int(max(yt.max(), yv.max())) + 1 if n_classes is None else check_int(n_classes, "n_classes", low=1)
    check_labels(yt, "y_train", n_classes=c)
    check_labels(yv, "y_val", n_classes=c)
    return Xt, yt, Xv, yv, c


def train_grid(grid: Sequence[P], fit: Callable[[P, np.random.Generator], R], *, rng: np.random.Generator,
               progress: bool = False, desc: str = "sweep", unit: str = "model") -> list[R]:
    """``[fit(point, child) for each grid point]``, child ``k`` of ``rng.spawn(len(grid))`` for point ``k``.

    Parameters
    ----------
    grid : sequence
        The grid points, in order.
    fit : callable
        ``(point, rng) -> record``: trains one model and evaluates it.
    rng : numpy.random.Generator
        Spawns one independent generator per point.
    progress : bool, default False
        A progress bar over the grid (tqdm, on stderr, when it is a terminal).
    desc, unit : str
        The progress bar's label and unit.

    Returns
    -------
    list
        One record per grid point, in the grid's order.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    iterator: Any = zip(grid, rng.spawn(len(grid)))
    if progress:
        from tqdm import tqdm

        iterator = tqdm(iterator, total=len(grid), desc=desc, unit=unit, disable=None)
    return [fit(point, child) for point, child in iterator]


def best_on_validation(val_accuracies: Sequence[float]) -> int:
    """Index of the highest validation accuracy; the first of a tie."""
    if not val_accuracies:
        raise ValueError("best_on_validation: expected at least one validation accuracy, got none")
    return max(range(len(val_accuracies)), key=lambda k: (val_accuracies[k], -k))
