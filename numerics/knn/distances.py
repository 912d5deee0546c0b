r"""Distances between every test row and every training row (SPEC problem 2).

Three ways to fill the ``(n_test, n_train)`` matrix :math:`D_{ij} = \lVert x_i - z_j \rVert`:

* :func:`naive_distances` -- the homework's double loop, for *any* norm callable;
  slow, obviously correct, kept as the reference the fast paths are tested against;
* :func:`l2_distances` -- the expansion
  :math:`\lVert x - z \rVert^2 = \lVert x \rVert^2 + \lVert z \rVert^2 - 2 x^\top z`
  with one Gram matrix: float64 GEMM for float data, exact chunked float32 GEMMs for
  integer data (:mod:`numerics.knn.gram`);
* :func:`l1_distances`, :func:`linf_distances` -- integer kernels for pixel-range
  integer data in any dtype (exact), float kernels otherwise; numba when installed, else numpy
  blocked so that the scratch memory is bounded by a byte budget, never
  ``n_test * n_train * n_features`` (:mod:`numerics.accel`).

No function subtracts uint8 values in uint8: ``0 - 1`` is ``-1`` and not ``255``.

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

from numerics import accel
from numerics.knn.gram import exact_plan, gram, prepare
from numerics.knn.pixels import pixel_pair
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


def _check_raw_pair(X_test: ArrayLike, X_train: ArrayLike) -> tuple[NDArray[Any], NDArray[Any]]:
    """Validate both matrices (same number of columns); return them unconverted."""
    Xt = check_matrix(X_test, "X_test")
    Xr = check_matrix(X_train, "X_train")
    if Xt.shape[1] != Xr.shape[1]:
        raise ValueError(
            f"X_test: expected {Xr.shape[1]} columns (as many as X_train), got shape {Xt.shape}"
        )
    return Xt, Xr


def _check_pair(X_test: ArrayLike, X_train: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Validate both matrices and return them as float64 (no uint8 wrap-around; float32 widened)."""
    Xt, Xr = _check_raw_pair(X_test, X_train)
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
    r"""Euclidean distances from one Gram matrix and no Python loop.

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

    The Gram matrix :math:`X_{test} X_{train}^\top` is one float64 GEMM for float data.
    For integer data of a small range (pixels, in an integer or a float dtype:
    :mod:`numerics.knn.pixels`) it is a few float32 GEMMs over feature
    chunks of shifted data, each exact (:mod:`numerics.knn.gram`), at about half the
    cost. Rounding can make the expansion slightly negative for (near-)duplicate float
    rows, hence the clamp at 0 before the square root. For integer data every
    intermediate is an integer below :math:`2^{53}`, so the result is *exact*:
    bit-identical to the naive loop with ``np.linalg.norm``. For general float data the error of the squared distance is
    bounded by about :math:`n_{features}\,\varepsilon\,(\lVert x \rVert^2 + \lVert z \rVert^2)`
    (cancellation), so :math:`|\hat D - D| \le \sqrt{|\hat D^2 - D^2|}`.
    """
    Xt, Xr = _check_raw_pair(X_test, X_train)
    pair = pixel_pair(Xt, Xr)  # pixels stored as floats: the exact float32 path too
    if pair is not None:
        Xt, Xr = pair
    plan = exact_plan(Xt, Xr)
    Pt = prepare(Xt, plan)
    Pr = Pt if X_train is X_test else prepare(Xr, plan)
    d2 = gram(Pt, Pr)  # the one GEMM (float64, or exact float32 chunks for integer data)
    d2 *= -2.0
    d2 += Pt.sq[:, None]
    d2 += Pr.sq[None, :]
    np.maximum(d2, 0.0, out=d2)  # tiny negatives from cancellation -> 0, never sqrt(<0) = NaN
    if not squared:
        np.sqrt(d2, out=d2)
    return d2


def _pairwise(X_test: ArrayLike, X_train: ArrayLike, kind: str, max_block_bytes: int) -> NDArray[np.float64]:
    """Validate, then run the integer kernel on pixel-range data and the float kernel otherwise."""
    block = check_int(max_block_bytes, "max_block_bytes", low=1)
    Xt, Xr = _check_raw_pair(X_test, X_train)
    pair = pixel_pair(Xt, Xr)
    if pair is not None:
        return accel.pairwise_u8(*pair, kind, max_block_bytes=block)
    if Xt.dtype == np.float32 and Xr.dtype == np.float32:
        return accel.pairwise_float(Xt, Xr, kind, max_block_bytes=block)
    Xt64, Xr64 = (np.asarray(as_float(a), dtype=np.float64) for a in (Xt, Xr))
    return accel.pairwise_float(Xt64, Xr64, kind, max_block_bytes=block)


def l1_distances(
    X_test: ArrayLike, X_train: ArrayLike, *, max_block_bytes: int = DEFAULT_BLOCK_BYTES
) -> NDArray[np.float64]:
    r"""Manhattan distances, vectorised (integer kernels for pixel data).

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

    Integer data spanning at most 256 values -- uint8 pixels, or pixels stored as float64
    or float32 (:mod:`numerics.knn.pixels`) -- is shifted to uint8 and summed in integer
    arithmetic (:func:`numerics.accel.pairwise_u8`): exact, bit-identical to the naive loop.
    Other data is summed in feature order (:func:`numerics.accel.pairwise_float`): in float32
    when both inputs are float32, else in float64.
    The numba kernels need no scratch; the numpy ones accumulate one feature at a
    time over blocks of test rows, so no ``(n_test, n_train, n_features)`` array is
    ever formed. Exact for integer data.
    """
    return _pairwise(X_test, X_train, "l1", max_block_bytes)


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

    a running maximum over features, with the kernels of :func:`l1_distances`. Always exact
    (bit-identical to the naive loop): a maximum involves no rounding.
    """
    return _pairwise(X_test, X_train, "linf", max_block_bytes)


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
