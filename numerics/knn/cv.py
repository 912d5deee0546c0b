r"""k-fold cross-validation of kNN over k and over the norm (SPEC problem 2).

Each fold's distance matrix is computed **once per norm**, and one partial sort
(:func:`~numerics.knn.predict.nearest_indices` with ``k_max = max(ks)``) serves every
k: the k nearest are the first k columns of the ``k_max`` nearest. For L2 on integer
data (pixels) even less: one exact Gram matrix of all the samples
(:func:`numerics.knn.gram.gram`, a symmetric product) serves every fold, whose
distances are slices of it -- identical numbers, about 0.6 of the work of the folds'
products (:data:`GRAM_MAX_BYTES` bounds its memory).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = np.vstack([rng.normal(0, 1, (20, 2)), rng.normal(8, 1, (20, 2))])
>>> y = np.repeat([0, 1], 20)
>>> result = cross_validate(X, y, ks=(1, 3), norms=("l1", "l2"), n_folds=4, rng=rng)
>>> result.errors.shape                  # (n_norms, n_ks, n_folds)
(2, 2, 4)
>>> float(result.mean().max()), result.best()
(0.0, (1, 'l1'))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from tqdm import tqdm

from numerics.knn.distances import NORMS, compute_distances
from numerics.knn.gram import exact_plan, gram, prepare
from numerics.knn.pixels import as_pixels
from numerics.knn.predict import nearest_indices, predict_from_neighbours
from numerics.preprocess import kfold_indices
from numerics.validation import check_int, check_labels, check_matrix

__all__ = ["K_CHOICES", "GRAM_MAX_BYTES", "CVResult", "cross_validate"]

#: the homework's grid of k
K_CHOICES: tuple[int, ...] = (1, 2, 3, 5, 7, 10, 15, 20, 25, 30)

#: L2 cross-validation of integer data shares one (n, n) Gram matrix (float64 plus a
#: float32 chunk: 12 n^2 bytes) when it fits in this many bytes; else fold by fold
GRAM_MAX_BYTES: int = 1 << 30

FoldDistances = Callable[[NDArray[np.intp], NDArray[np.intp]], NDArray[np.float64]]


def _fold_distances(X: NDArray[Any], norm: str) -> FoldDistances:
    """``(val, train) -> distances`` of one fold: slices of a shared Gram matrix, or computed."""
    plan = exact_plan(X) if norm == "l2" else None
    if plan is None or 12 * X.shape[0] ** 2 > GRAM_MAX_BYTES:
        return lambda val, train: compute_distances(X[val], X[train], norm)
    P = prepare(X, plan)
    G = gram(P, P)  # exact: integers, so slices equal each fold's own product

    def from_gram(val: NDArray[np.intp], train: NDArray[np.intp]) -> NDArray[np.float64]:
        d2 = G[np.ix_(val, train)]
        d2 *= -2.0
        d2 += P.sq[val, None]
        d2 += P.sq[None, train]
        np.maximum(d2, 0.0, out=d2)
        return np.sqrt(d2, out=d2)

    return from_gram


@dataclass(frozen=True)
class CVResult:
    """Per-fold validation errors of kNN over a grid of norms and k.

    Attributes
    ----------
    ks : tuple of int
        The k values, in the order given.
    norms : tuple of str
        The norm names, in the order given.
    errors : ndarray of shape (n_norms, n_ks, n_folds), float64, read-only
        ``errors[a, b, f]`` is the fraction of fold ``f`` misclassified with
        ``norms[a]`` and ``ks[b]`` by a model trained on the other folds.
    """

    ks: tuple[int, ...]
    norms: tuple[str, ...]
    errors: NDArray[np.float64]

    def __post_init__(self) -> None:
        errors = np.array(self.errors, dtype=np.float64)  # own copy, then frozen
        if errors.ndim != 3 or errors.shape[:2] != (len(self.norms), len(self.ks)):
            raise ValueError(
                f"errors: expected shape ({len(self.norms)}, {len(self.ks)}, n_folds), got {errors.shape}"
            )
        errors.setflags(write=False)
        object.__setattr__(self, "errors", errors)

    @property
    def n_folds(self) -> int:
        """Number of folds."""
        return int(self.errors.shape[2])

    def mean(self) -> NDArray[np.float64]:
        """Mean error over folds, shape (n_norms, n_ks)."""
        return self.errors.mean(axis=2)

    def std(self) -> NDArray[np.float64]:
        """Standard deviation over folds (population, ``ddof=0``), shape (n_norms, n_ks)."""
        return self.errors.std(axis=2)

    def _norm_index(self, norm: str) -> int:
        if norm not in self.norms:
            raise ValueError(f"norm: expected one of {self.norms}, got {norm!r}")
        return self.norms.index(norm)

    def _k_index(self, k: int) -> int:
        if k not in self.ks:
            raise ValueError(f"k: expected one of {self.ks}, got {k!r}")
        return self.ks.index(k)

    def fold_errors(self, norm: str, k: int) -> NDArray[np.float64]:
        """The ``n_folds`` errors of one (norm, k) pair."""
        return self.errors[self._norm_index(norm), self._k_index(k)]

    def best_k(self, norm: str = "l2") -> int:
        """The k of least mean error for ``norm`` (ties: the smallest k)."""
        means = self.mean()[self._norm_index(norm)]
        best = means.min()
        return min(k for k, m in zip(self.ks, means, strict=True) if m == best)

    def best_norm(self, k: int) -> str:
        """The norm of least mean error at ``k`` (ties: the first in ``norms``)."""
        return self.norms[int(np.argmin(self.mean()[:, self._k_index(k)]))]

    def best(self) -> tuple[int, str]:
        """The (k, norm) of least mean error over the whole grid.

        Ties go to the smallest k, then to the earlier norm in ``norms``.
        """
        means = self.mean()
        cands = [(k, a) for a in range(len(self.norms)) for b, k in enumerate(self.ks) if means[a, b] == means.min()]
        k, a = min(cands)
        return k, self.norms[a]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: grid, per-fold errors, means and standard deviations."""
        return {
            "ks": list(self.ks),
            "norms": list(self.norms),
            "n_folds": self.n_folds,
            "errors": self.errors.tolist(),
            "mean": self.mean().tolist(),
            "std": self.std().tolist(),
        }


def _check_grid(ks: Sequence[int], norms: Sequence[str]) -> tuple[tuple[int, ...], tuple[str, ...]]:
    if isinstance(ks, (str, bytes)) or not isinstance(ks, Sequence) or len(ks) == 0:
        raise ValueError(f"ks: expected a non-empty sequence of integers, got {ks!r}")
    ks_t = tuple(check_int(k, "ks", low=1) for k in ks)
    if len(set(ks_t)) != len(ks_t):
        raise ValueError(f"ks: expected distinct values, got {ks_t}")
    if isinstance(norms, str) or not isinstance(norms, Sequence) or len(norms) == 0:
        raise ValueError(f"norms: expected a non-empty sequence of names from {NORMS}, got {norms!r}")
    for norm in norms:
        if norm not in NORMS:
            raise ValueError(f"norms: expected names from {NORMS}, got {norm!r}")
    norms_t = tuple(norms)
    if len(set(norms_t)) != len(norms_t):
        raise ValueError(f"norms: expected distinct names, got {norms_t}")
    return ks_t, norms_t


def cross_validate(
    X: ArrayLike,
    y: ArrayLike,
    *,
    ks: Sequence[int] = K_CHOICES,
    norms: Sequence[str] = ("l2",),
    n_folds: int = 5,
    rng: np.random.Generator | None = None,
    progress: bool = False,
) -> CVResult:
    r"""k-fold cross-validation of kNN for every k in ``ks`` and every norm in ``norms``.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Training rows (uint8 pixels are fine: distances convert to float64 first).
    y : array_like of shape (n_samples,), int
    ks : sequence of int, default K_CHOICES
        Distinct k values; each at most the size of the smallest training split.
    norms : sequence of {"l1", "l2", "linf"}, default ("l2",)
    n_folds : int, default 5
        ``2 <= n_folds <= n_samples``.
    rng : numpy.random.Generator, optional
        None: contiguous folds as ``np.array_split`` (the homework); a generator:
        folds of a random permutation (:func:`numerics.preprocess.kfold_indices`).
    progress : bool, default False
        Show a tqdm bar over (fold, norm) pairs on stderr.

    Returns
    -------
    CVResult

    Notes
    -----
    For fold :math:`f` with validation indices :math:`V_f` and training indices
    :math:`T_f` (the other folds, in increasing index order, so that equal distances
    favour the earlier sample of ``X``):

    .. math:: e_{a,b,f} = \frac{1}{|V_f|} \sum_{i \in V_f} \mathbf 1\{\hat y_i(\text{norm}_a, k_b) \ne y_i\}

    Integer data of at most 256 values in a float dtype (pixels as float64) is shifted to
    uint8 once (:func:`numerics.knn.pixels.as_pixels`): the same distances, exact kernels.

    Cost per fold and norm: one distance matrix :math:`|V_f| \times |T_f|` (for L2 of
    integer data: a slice of one shared Gram matrix) and one partial sort for
    :math:`k_{max}`, then an :math:`O(|V_f|\,k)` vote per k.
    """
    X_arr = check_matrix(X, "X")
    y_arr = check_labels(y, "y", n_samples=X_arr.shape[0])
    n = X_arr.shape[0]
    n_folds = check_int(n_folds, "n_folds", low=2, high=n)
    ks_t, norms_t = _check_grid(ks, norms)
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator or None, got {rng!r}")
    folds = kfold_indices(n, n_folds, rng)
    k_max = max(ks_t)
    smallest_train = n - max(len(f) for f in folds)
    if k_max > smallest_train:
        raise ValueError(
            f"ks: expected every k <= {smallest_train} (the smallest training split of {n} samples "
            f"in {n_folds} folds), got k = {k_max}"
        )
    n_classes = int(y_arr.max()) + 1
    X_px = as_pixels(X_arr)  # pixels stored as floats: shifted to uint8 once, every distance unchanged
    sources = {norm: _fold_distances(X_px, norm) for norm in norms_t}
    errors = np.empty((len(norms_t), len(ks_t), n_folds), dtype=np.float64)
    with tqdm(total=n_folds * len(norms_t), desc="cross-validation", disable=not progress, leave=False) as bar:
        for f, val in enumerate(folds):
            train = np.sort(np.concatenate([folds[g] for g in range(n_folds) if g != f]))
            y_tr, y_val = y_arr[train], y_arr[val]
            for a, norm in enumerate(norms_t):
                dists = sources[norm](val, train)  # once per (fold, norm)
                neighbour_labels = y_tr[nearest_indices(dists, k_max)]  # one partial sort for all k
                for b, k in enumerate(ks_t):
                    pred = predict_from_neighbours(neighbour_labels, k, n_classes)
                    errors[a, b, f] = np.mean(pred != y_val)
                bar.update()
    return CVResult(ks=ks_t, norms=norms_t, errors=errors)
