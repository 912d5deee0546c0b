r"""numba kernels for the CIFAR-scale kNN and softmax paths, with a pure-numpy fallback.

Every kernel here has two implementations that return **identical** results:

* ``"numpy"`` -- always available, and the default when numba is not installed;
* ``"numba"`` -- compiled, parallel over both cores; used by default when numba is
  importable (a default dependency) and the call is not tiny
  (:data:`NUMBA_MIN_WORK`).

Set the environment variable ``GRADPROOF_ACCEL=numpy`` to force the numpy path, or
pass ``backend="numpy"`` / ``backend="numba"`` to a kernel. The callers
(:mod:`numerics.knn`) validate their input; these kernels only check the dtype and
layout they need.

Examples
--------
>>> import numpy as np
>>> A = np.array([[0, 255]], dtype=np.uint8)
>>> B = np.array([[255, 0], [1, 250]], dtype=np.uint8)
>>> pairwise_u8(A, B, "l1", backend="numpy")      # no uint8 wrap-around
array([[510.,   6.]])
>>> pairwise_u8(A, B, "linf", backend="numpy")
array([[255.,   5.]])
>>> nearest_k(np.array([[3.0, 1.0, 1.0, 0.5]]), 3, backend="numpy")  # ties keep index order
array([[3, 1, 2]])
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numerics.accel import _np

from numerics.accel.backends import (
    BACKENDS, HAVE_NUMBA, NUMBA_MAX_K, NUMBA_MIN_WORK, check_k, pick_backend, resolve_backend,
)
from numerics.accel.backends import numba_kernels as _nb
from numerics.accel.backends import numba_softmax_kernels as _nb_softmax
from numerics.accel.l2 import L2TopK, l2_nearest_chunks, shift_f32  # the exact-L2 top-k, in its own module

__all__ = [
    "HAVE_NUMBA",
    "BACKENDS",
    "resolve_backend",
    "pairwise_u8",
    "pairwise_float",
    "pairwise_f64",
    "int_span",
    "to_u8",
    "nearest_k",
    "l2_nearest_chunks",
    "L2TopK",
    "shift_f32",
    "softmax_backend",
    "softmax_scratch",
    "softmax_loss_grad",
    "SOFTMAX_BLOCK_ROWS",
    "NUMBA_MAX_K",
    "NUMBA_MIN_WORK",
]

#: rows per block of the numpy softmax kernel: 256 x 3073 float64 rows are 6 MiB
SOFTMAX_BLOCK_ROWS: int = 256

_KINDS = ("l1", "linf")


def _check_kind(kind: str) -> None:
    if kind not in _KINDS:
        raise ValueError(f"kind: expected one of {_KINDS}, got {kind!r}")


def _check_pair(A: NDArray[Any], B: NDArray[Any], dtype: Any) -> tuple[NDArray[Any], NDArray[Any]]:
    for name, M in (("A", A), ("B", B)):
        if not isinstance(M, np.ndarray) or M.ndim != 2 or M.dtype != dtype:
            got = f"dtype {M.dtype}, shape {M.shape}" if isinstance(M, np.ndarray) else type(M).__name__
            raise ValueError(f"{name}: expected a 2-D {np.dtype(dtype)} array, got {got}")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"B: expected {A.shape[1]} columns (as many as A), got shape {B.shape}")
    return np.ascontiguousarray(A), np.ascontiguousarray(B)


def pairwise_u8(
    A: NDArray[np.uint8], B: NDArray[np.uint8], kind: str, *, backend: str | None = None, max_block_bytes: int = 1 << 20
) -> NDArray[np.float64]:
    r"""L1 or L-infinity distances between the rows of two uint8 matrices, exactly.

    Parameters
    ----------
    A : ndarray of shape (m, n_features), uint8
    B : ndarray of shape (n, n_features), uint8
    kind : {"l1", "linf"}
    backend : {"numpy", "numba"}, optional
        Default: :func:`resolve_backend`.
    max_block_bytes : int, default 1 MiB
        Scratch budget of the numpy kernel (the numba kernel needs no scratch).

    Returns
    -------
    ndarray of shape (m, n), float64

    Notes
    -----
    .. math:: D^{(1)}_{ij} = \sum_k |a_{ik} - b_{jk}|, \qquad D^{(\infty)}_{ij} = \max_k |a_{ik} - b_{jk}|

    in integer arithmetic (:math:`|a - b| = \max(a,b) - \min(a,b) \le 255`; sums in
    int32 while :math:`255\,n_{features} < 2^{31}`), so both backends are exact.
    """
    _check_kind(kind)
    A, B = _check_pair(A, B, np.uint8)
    if pick_backend(backend, A.shape[0] * B.shape[0] * A.shape[1]) == "numba" and 255 * A.shape[1] < 2**31:
        out = np.empty((A.shape[0], B.shape[0]), dtype=np.float64)
        (_nb.l1_u8 if kind == "l1" else _nb.linf_u8)(A, B, out)
        return out
    return _np.pairwise_u8(A, B, kind, max_block_bytes)


def pairwise_float(
    A: NDArray[np.floating[Any]], B: NDArray[np.floating[Any]], kind: str, *, backend: str | None = None, max_block_bytes: int = 1 << 20
) -> NDArray[np.float64]:
    r"""L1 or L-infinity distances between the rows of two float64, or two float32, matrices.

    Parameters
    ----------
    A : ndarray of shape (m, n_features), float64 or float32
    B : ndarray of shape (n, n_features), the dtype of ``A``
    kind : {"l1", "linf"}
    backend : {"numpy", "numba"}, optional
    max_block_bytes : int, default 1 MiB
        Scratch budget of the numpy kernel.

    Returns
    -------
    ndarray of shape (m, n), float64

    Notes
    -----
    .. math:: D^{(1)}_{ij} = \Bigl(\bigl((0 + |d_{ij1}|) + |d_{ij2}|\bigr) + \dots\Bigr), \quad d_{ijk} = a_{ik} - b_{jk}

    every operation in the input's dtype (float32 input: float32 differences and sums, as
    faiss and torch do), summed in feature order by both backends, so they agree bit for
    bit; the result is widened to float64 (exactly).
    """
    _check_kind(kind)
    dtype = A.dtype if isinstance(A, np.ndarray) and A.dtype in (np.float32, np.float64) else np.float64
    A, B = _check_pair(A, B, dtype)
    if pick_backend(backend, A.shape[0] * B.shape[0] * A.shape[1]) == "numba":
        out = np.empty((A.shape[0], B.shape[0]), dtype=np.float64)
        (_nb.l1_float if kind == "l1" else _nb.linf_float)(A, B, out)
        return out
    return _np.pairwise_float(A, B, kind, max_block_bytes)


def pairwise_f64(
    A: NDArray[np.float64], B: NDArray[np.float64], kind: str, *, backend: str | None = None, max_block_bytes: int = 1 << 20
) -> NDArray[np.float64]:
    """:func:`pairwise_float` of two float64 matrices (refuses any other dtype)."""
    _check_pair(A, B, np.float64)
    return pairwise_float(A, B, kind, backend=backend, max_block_bytes=max_block_bytes)


def int_span(X: NDArray[Any], *, backend: str | None = None, max_block_bytes: int = 1 << 20) -> tuple[int, int] | None:
    r"""``(min, max)`` of a 2-D real array whose entries are all integers, else None.

    Integer and boolean dtypes need no scan of fractions; float arrays are scanned once
    (numba: one parallel pass; numpy: blocks of rows of about ``max_block_bytes``), and count
    as integers only within :math:`\pm 2^{53}`. An empty array has no span (None).

    >>> int_span(np.array([[0.0, 255.0], [-0.0, 7.0]]), backend="numpy"), int_span(np.array([[0.5]]), backend="numpy")
    ((0, 255), None)
    """
    if X.size == 0:
        return None
    if np.issubdtype(X.dtype, np.integer) or X.dtype == np.bool_:
        return int(X.min()), int(X.max())
    if X.dtype not in (np.float32, np.float64) or X.ndim != 2:
        raise ValueError(f"X: expected a 2-D integer or float32/float64 array, got dtype {X.dtype}, shape {X.shape}")
    if _np.int_span(X[:1], max_block_bytes) is None:
        return None  # real-valued data shows it in the first row: no scan of the rest
    if pick_backend(backend, X.size) == "numba":
        lo, hi = np.empty(X.shape[0], dtype=X.dtype), np.empty(X.shape[0], dtype=X.dtype)
        if not _nb.int_span(np.ascontiguousarray(X), lo, hi):
            return None
        span: tuple[float, float] | None = float(lo.min()), float(hi.max())
    else:
        span = _np.int_span(X, max_block_bytes)
    if span is None or not (abs(span[0]) <= 2.0**53 and abs(span[1]) <= 2.0**53):
        return None  # beyond 2**53 every float is an integer, but not every integer is a float
    return int(span[0]), int(span[1])


def to_u8(X: NDArray[Any], shift: int, *, backend: str | None = None, max_block_bytes: int = 1 << 20) -> NDArray[np.uint8]:
    """``X - shift`` as uint8, for a 2-D array of integers in ``shift .. shift + 255``.

    The caller has checked the range with :func:`int_span` (not scanned again here: the
    scan is done once per array); outside it the result is meaningless.

    >>> to_u8(np.array([[10.0, 265.0]]), 10, backend="numpy")
    array([[  0, 255]], dtype=uint8)
    """
    if X.dtype == np.uint8 and shift == 0:
        return X
    if np.issubdtype(X.dtype, np.integer) or X.dtype == np.bool_:
        return (X.astype(np.int64) - shift).astype(np.uint8)
    if pick_backend(backend, X.size) == "numba":
        out = np.empty(X.shape, dtype=np.uint8)
        _nb.to_u8(np.ascontiguousarray(X), np.int64(shift), out)
        return out
    return _np.to_u8(X, shift, max_block_bytes)


def nearest_k(D: NDArray[Any], k: int, *, backend: str | None = None) -> NDArray[np.int64]:
    """Indices of the ``k`` smallest entries of every row, in order; ties by index.

    Parameters
    ----------
    D : ndarray of shape (m, n), real, finite
    k : int, ``1 <= k <= n``
    backend : {"numpy", "numba"}, optional
        numba is used for float64 input and ``k <= NUMBA_MAX_K`` only.

    Returns
    -------
    ndarray of shape (m, k), int64
        Equal to ``np.argsort(D, axis=1, kind="stable")[:, :k]``.
    """
    check_k(k, D.shape[1])
    if pick_backend(backend, D.size) == "numba" and D.dtype == np.float64 and k <= NUMBA_MAX_K:
        out = np.empty((D.shape[0], k), dtype=np.int64)
        _nb.nearest_k(np.ascontiguousarray(D), k, out)
        return out
    return _np.nearest_k(D, k)


def softmax_backend(W: NDArray[Any], X: NDArray[Any], n_rows: int, *, backend: str | None = None) -> str:
    """The backend :func:`softmax_loss_grad` runs for ``n_rows`` rows of ``X``.

    numba needs float64 ``W`` and ``X`` with contiguous rows; otherwise (or for less
    work than :data:`NUMBA_MIN_WORK`, unless ``backend`` is given) numpy.
    """
    chosen = pick_backend(backend, n_rows * W.size)
    fits = W.dtype == np.float64 and X.dtype == np.float64 and X.ndim == 2 and X.flags.c_contiguous
    return "numba" if chosen == "numba" and fits else "numpy"


def softmax_scratch(shape: tuple[int, int]) -> NDArray[np.float64]:
    """Gradient buffers of the numba :func:`softmax_loss_grad` (reuse them across SGD steps).

    Returns
    -------
    ndarray of shape (2, C, D), float64
        One buffer per fixed part of the rows (``_nb_softmax.PARTS``).
    """
    return np.empty((2, *shape), dtype=np.float64)


def softmax_loss_grad(
    W: NDArray[np.float64],
    X: NDArray[Any],
    y: NDArray[np.int64],
    rows: NDArray[np.int64] | None = None,
    *,
    backend: str | None = None,
    scratch: NDArray[np.float64] | None = None,
    serial: bool = False,
) -> tuple[float, NDArray[np.float64]]:
    r"""Mean softmax cross-entropy over the rows ``rows`` of ``X`` and its gradient (no regulariser).

    Parameters
    ----------
    W : ndarray of shape (C, D), float64
    X : ndarray of shape (N, D), floating
    y : ndarray of shape (N,), int64, labels in ``0 .. C-1``
    rows : ndarray of shape (n,), int64, optional
        Indices into ``X`` (repeats allowed: an SGD batch), all in range; default all rows.
        The numba kernel reads the rows where they are (no copy of the batch).
    backend : {"numpy", "numba"}, optional
        Default: :func:`softmax_backend`.
    scratch : ndarray from :func:`softmax_scratch`, optional
        The numba kernel's gradient buffers; allocated when omitted.
    serial : bool, default False
        numba only: run both halves of the rows on the calling thread instead of one
        thread each. The result is identical; on a busy machine it can be faster.

    Returns
    -------
    loss : float
        NaN when a score is not finite (the caller reports it).
    dW : ndarray of shape (C, D), float64

    Notes
    -----
    With :math:`S = X_R W^\top` and :math:`P` its row-wise softmax,

    .. math::

        L = \frac{1}{n} \sum_{r \in R} \bigl(\log \textstyle\sum_k e^{S_{rk}} - S_{r y_r}\bigr),
        \qquad \nabla_W L = \frac{1}{n} (P - Y)^\top X_R .

    numpy: blocks of :data:`SOFTMAX_BLOCK_ROWS` rows, two small GEMMs per block while it is in
    cache. numba: eight rows at a time, scores, softmax and gradient fused in one read of
    each row; the rows are split in two fixed halves with a gradient buffer each (a thread
    each unless ``serial``). The two backends agree to rounding (the sums are associated
    differently); the numba result does not depend on ``serial`` or the thread count.

    >>> import numpy as np
    >>> W, X, y = np.zeros((3, 2)), np.ones((4, 2)), np.array([0, 1, 2, 0])
    >>> loss, dW = softmax_loss_grad(W, X, y, backend="numpy")
    >>> round(loss, 6), dW.shape   # log 3 at W = 0
    (1.098612, (3, 2))
    """
    n = X.shape[0] if rows is None else rows.shape[0]
    if n == 0:
        raise ValueError("rows: expected at least one row, got none")
    if softmax_backend(W, X, n, backend=backend) == "numba":
        if scratch is None or scratch.shape != (_nb_softmax.PARTS, *W.shape):
            scratch = softmax_scratch(W.shape)
        idx = np.arange(X.shape[0], dtype=np.int64) if rows is None else np.ascontiguousarray(rows, dtype=np.int64)
        out = np.empty(W.shape, dtype=np.float64)
        kernel = _nb_softmax.softmax_loss_grad_serial if serial else _nb_softmax.softmax_loss_grad
        total = kernel(np.ascontiguousarray(W), X, np.ascontiguousarray(y, dtype=np.int64), idx, 1.0 / n, scratch, out)
        return float(total) / n, out
    total, dW = _np.softmax_loss_grad(W, X, y, rows, SOFTMAX_BLOCK_ROWS)
    return total / n, dW

