r"""Distances between every test row and every training row (SPEC problem 2).

Three ways to fill the ``(n_test, n_train)`` matrix :math:`D_{ij} = \lVert x_i - z_j \rVert`:

* :func:`naive_distances` -- the homework's double loop, for *any* norm callable;
  slow, obviously correct, kept as the reference the fast paths are tested against;
* :func:`l2_distances` -- the expansion
  :math:`\lVert x - z \rVert^2 = \lVert x \rVert^2 + \lVert z \rVert^2 - 2 x^\top z`
  with one float64 matrix product;
* :func:`l1_distances`, :func:`linf_distances` -- broadcasting, blocked so that the
  scratch memory is bounded by a byte budget, never ``n_test * n_train * n_features``.

Every function converts integer input (uint8 pixels above all) to float64 before
subtracting, so ``0 - 1`` is ``-1`` and not ``255``.

Examples
--------
>>> import numpy as np
>>> X_train = np.array([[0, 0], [3, 4]], dtype=np.uint8)
>>> X_test = np.array([[0, 0]], dtype=np.uint8)
>>> l2_distances(X_test, X_train)
array([[0., 5.]])
>>> l1_distances(X_test, X_train), linf_distances(X_test, X_train)
(array([[0., 7.]]), array([[0., 4.]]))
>>> compute_distances(X_test, X_train, "l3")
Traceback (most recent call last):
...
ValueError: norm: expected a callable or one of 'l1', 'l2', 'linf', got 'l3'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics.validation import as_float, check_int, check_matrix

__all__ = [
    "NORMS",
    "DEFAULT_BLOCK_BYTES",
    "naive_distances",
    "l2_distances",
    "l1_distances",
    "linf_distances",
    "compute_distances",
]

#: the norms with a vectorised implementation, by name
NORMS: tuple[str, ...] = ("l1", "l2", "linf")

#: scratch memory budget of the blocked L1 / L-infinity kernels (bytes); about L2-cache sized
DEFAULT_BLOCK_BYTES: int = 1 << 20

NormFn = Callable[[NDArray[np.float64]], float]


def _check_pair(X_test: ArrayLike, X_train: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Validate both matrices (same number of columns) and return them as float64."""
    Xt = check_matrix(X_test, "X_test")
    Xr = check_matrix(X_train, "X_train")
    if Xt.shape[1] != Xr.shape[1]:
        raise ValueError(
            f"X_test: expected {Xr.shape[1]} columns (as many as X_train), got shape {Xt.shape}"
        )
    # as_float first: uint8 arithmetic would wrap around; float32 is widened for accuracy
    return np.asarray(as_float(Xt), dtype=np.float64), np.asarray(as_float(Xr), dtype=np.float64)


def naive_distances(X_test: ArrayLike, X_train: ArrayLike, norm: NormFn) -> NDArray[np.float64]:
    r"""Distances by the homework's double loop, for any norm.

    Parameters
    ----------
    X_test : array_like of shape (n_test, n_features)
    X_train : array_like of shape (n_train, n_features)
    norm : callable
        ``norm(v) -> float`` for a float64 vector ``v`` of shape (n_features,),
        e.g. ``np.linalg.norm`` or ``lambda v: np.abs(v).sum()``.

    Returns
    -------
    ndarray of shape (n_test, n_train), float64
        ``D[i, j] = norm(X_test[i] - X_train[j])``.

    Notes
    -----
    .. math:: D_{ij} = \lVert x_i - z_j \rVert

    evaluated pair by pair in Python: :math:`n_{test} n_{train}` calls of ``norm``.

    Examples
    --------
    >>> naive_distances([[0.0, 0.0]], [[3.0, 4.0], [1.0, 1.0]], np.linalg.norm)
    array([[5.        , 1.41421356]])
    """
    if not callable(norm):
        raise ValueError(f"norm: expected a callable norm(vector) -> float, got {norm!r}")
    Xt, Xr = _check_pair(X_test, X_train)
    dists = np.empty((Xt.shape[0], Xr.shape[0]), dtype=np.float64)
    for i in range(Xt.shape[0]):
        for j in range(Xr.shape[0]):
            value = norm(Xt[i] - Xr[j])
            try:
                dists[i, j] = value
            except (TypeError, ValueError):
                raise ValueError(f"norm: expected a real number from norm(vector), got {value!r}") from None
    if not np.isfinite(dists).all():
        bad = float(dists[~np.isfinite(dists)][0])
        raise ValueError(f"norm: expected finite values, got {bad} from {getattr(norm, '__name__', norm)!r}")
    return dists


def l2_distances(X_test: ArrayLike, X_train: ArrayLike, *, squared: bool = False) -> NDArray[np.float64]:
    r"""Euclidean distances with one float64 matrix product and no Python loop.

    Parameters
    ----------
    X_test : array_like of shape (n_test, n_features)
    X_train : array_like of shape (n_train, n_features)
    squared : bool, default False
        Return :math:`\lVert x_i - z_j \rVert^2` instead (no square root).

    Returns
    -------
    ndarray of shape (n_test, n_train), float64, non-negative, never NaN

    Notes
    -----
    .. math::

        D_{ij}^2 = \lVert x_i \rVert^2 + \lVert z_j \rVert^2 - 2\, x_i^\top z_j,
        \qquad D_{ij} = \sqrt{\max(D_{ij}^2, 0)}

    The Gram matrix :math:`X_{test} X_{train}^\top` is one float64 GEMM. Rounding can make
    the expansion slightly negative for (near-)duplicate rows, hence the clamp at 0
    before the square root. For integer data (pixels) every intermediate is an integer
    below :math:`2^{53}`, so the result is *exact*: bit-identical to the naive loop with
    ``np.linalg.norm``. For general float data the error of the squared distance is
    bounded by about :math:`n_{features}\,\varepsilon\,(\lVert x \rVert^2 + \lVert z \rVert^2)`
    (cancellation), so :math:`|\hat D - D| \le \sqrt{|\hat D^2 - D^2|}`.
    """
    Xt, Xr = _check_pair(X_test, X_train)
    sq_test = np.einsum("ij,ij->i", Xt, Xt)
    sq_train = np.einsum("ij,ij->i", Xr, Xr)
    d2 = Xt @ Xr.T  # the one GEMM
    d2 *= -2.0
    d2 += sq_test[:, None]
    d2 += sq_train[None, :]
    np.maximum(d2, 0.0, out=d2)  # tiny negatives from cancellation -> 0, never sqrt(<0) = NaN
    if not squared:
        np.sqrt(d2, out=d2)
    return d2


def _blocked(Xt: NDArray[np.float64], Xr: NDArray[np.float64], kind: str, max_block_bytes: int) -> NDArray[np.float64]:
    """Accumulate |x_ik - z_jk| feature by feature over blocks of test rows.

    The scratch array has ``rows * n_train`` float64 entries with ``rows`` chosen so
    that it fits ``max_block_bytes`` (at least one row): memory is the output plus a
    bounded block, whatever ``n_features`` is.
    """
    n_test, n_features = Xt.shape
    n_train = Xr.shape[0]
    rows = int(min(n_test, max(1, max_block_bytes // (8 * n_train))))
    XrT = np.ascontiguousarray(Xr.T)  # (n_features, n_train): each feature a contiguous row
    out = np.zeros((n_test, n_train), dtype=np.float64)
    scratch = np.empty((rows, n_train), dtype=np.float64)
    for t0 in range(0, n_test, rows):
        t1 = min(n_test, t0 + rows)
        acc, tmp = out[t0:t1], scratch[: t1 - t0]
        for f in range(n_features):
            np.subtract(Xt[t0:t1, f, None], XrT[f][None, :], out=tmp)
            np.abs(tmp, out=tmp)
            if kind == "l1":
                acc += tmp  # sum_k |x_k - z_k|
            else:
                np.maximum(acc, tmp, out=acc)  # max_k |x_k - z_k|
    return out


def l1_distances(
    X_test: ArrayLike, X_train: ArrayLike, *, max_block_bytes: int = DEFAULT_BLOCK_BYTES
) -> NDArray[np.float64]:
    r"""Manhattan distances, vectorised and blocked.

    Parameters
    ----------
    X_test : array_like of shape (n_test, n_features)
    X_train : array_like of shape (n_train, n_features)
    max_block_bytes : int, default DEFAULT_BLOCK_BYTES
        Budget of the scratch block (at least one row of ``n_train`` float64 is used).

    Returns
    -------
    ndarray of shape (n_test, n_train), float64

    Notes
    -----
    .. math:: D_{ij} = \sum_k |x_{ik} - z_{jk}|

    accumulated one feature at a time over blocks of test rows, so no
    ``(n_test, n_train, n_features)`` array is ever formed. Exact for integer data.
    """
    block = check_int(max_block_bytes, "max_block_bytes", low=1)
    Xt, Xr = _check_pair(X_test, X_train)
    return _blocked(Xt, Xr, "l1", block)


def linf_distances(
    X_test: ArrayLike, X_train: ArrayLike, *, max_block_bytes: int = DEFAULT_BLOCK_BYTES
) -> NDArray[np.float64]:
    r"""Chebyshev (L-infinity) distances, vectorised and blocked.

    Parameters
    ----------
    X_test : array_like of shape (n_test, n_features)
    X_train : array_like of shape (n_train, n_features)
    max_block_bytes : int, default DEFAULT_BLOCK_BYTES
        Budget of the scratch block (at least one row of ``n_train`` float64 is used).

    Returns
    -------
    ndarray of shape (n_test, n_train), float64

    Notes
    -----
    .. math:: D_{ij} = \max_k |x_{ik} - z_{jk}|

    a running maximum over features, blocked like :func:`l1_distances`. Always exact
    (bit-identical to the naive loop): a maximum involves no rounding.
    """
    block = check_int(max_block_bytes, "max_block_bytes", low=1)
    Xt, Xr = _check_pair(X_test, X_train)
    return _blocked(Xt, Xr, "linf", block)


_VECTORISED: dict[str, Callable[..., NDArray[np.float64]]] = {
    "l1": l1_distances,
    "l2": l2_distances,
    "linf": linf_distances,
}


def compute_distances(X_test: ArrayLike, X_train: ArrayLike, norm: str | NormFn = "l2") -> NDArray[np.float64]:
    """Distance matrix for a named norm (vectorised) or a norm callable (naive loop).

    Parameters
    ----------
    X_test : array_like of shape (n_test, n_features)
    X_train : array_like of shape (n_train, n_features)
    norm : {"l1", "l2", "linf"} or callable, default "l2"
        A name selects :func:`l1_distances`, :func:`l2_distances` or
        :func:`linf_distances`; a callable ``norm(vector) -> float`` selects
        :func:`naive_distances`.

    Returns
    -------
    ndarray of shape (n_test, n_train), float64
    """
    if isinstance(norm, str):
        fn: Any = _VECTORISED.get(norm)
        if fn is not None:
            return fn(X_test, X_train)
    elif callable(norm):
        return naive_distances(X_test, X_train, norm)
    names = ", ".join(repr(n) for n in NORMS)
    raise ValueError(f"norm: expected a callable or one of {names}, got {norm!r}")
