r"""The exact L2 nearest neighbours of integer data from chunked float32 products (numba or numpy).

:func:`shift_f32` converts integer rows for the exact float32 GEMMs of
:mod:`numerics.knn.gram`; :class:`L2TopK` keeps the k nearest training rows while the
chunk products arrive a column tile at a time; :func:`l2_nearest_chunks` is one tile.
Re-exported by :mod:`numerics.accel`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numerics.accel import _np
from numerics.accel.backends import NUMBA_MAX_K, check_k, pick_backend
from numerics.accel.backends import numba_kernels as _nb

__all__ = ["L2TopK", "l2_nearest_chunks", "shift_f32"]


def l2_nearest_chunks(
    G: NDArray[np.float32], sq: NDArray[np.float64], k: int, *, backend: str | None = None
) -> NDArray[np.int64]:
    r"""The ``k`` nearest by the exact keys :math:`\lVert z_j \rVert^2 - 2 \sum_c G_{cij}`.

    Parameters
    ----------
    G : ndarray of shape (n_chunks, m, n), float32
        Partial Gram matrices :math:`X_{test}^{(c)} X_{train}^{(c)\top}` over feature chunks,
        each an exact integer of magnitude at most :math:`2^{24}` (see :mod:`numerics.knn.gram`).
    sq : ndarray of shape (n,), float64
        Squared norms of the training rows.
    k : int
    backend : {"numpy", "numba"}, optional

    Returns
    -------
    ndarray of shape (m, k), int64

    Notes
    -----
    .. math:: \lVert x_i - z_j \rVert^2 = \lVert x_i \rVert^2 + \Bigl(\lVert z_j \rVert^2 - 2 \sum_c G_{cij}\Bigr)

    The first term is constant along a row, so the keys rank the training rows as the
    distances do; with exact integer keys the order, ties included, is the same.
    One :class:`L2TopK` over a single column tile.
    """
    if G.ndim != 3 or G.dtype != np.float32 or sq.shape != (G.shape[2],):
        raise ValueError(f"G, sq: expected shapes (c, m, n) float32 and (n,), got {G.shape} {G.dtype} and {sq.shape}")
    check_k(k, G.shape[2])
    top = L2TopK(sq, G.shape[0], G.shape[1], k, backend=backend)
    top.update(G, 0)
    return top.result()


class L2TopK:
    r"""The k nearest training rows of ``m`` test rows, fed the chunk products a column tile at a time.

    Parameters
    ----------
    sq : ndarray of shape (n,), float64
        Squared norms of all the training rows.
    n_chunks : int
        Feature chunks per product (``G.shape[0]`` of every tile).
    m : int
        Test rows.
    k : int, ``1 <= k <= n``
    backend : {"numpy", "numba"}, optional
        numba for ``k <= NUMBA_MAX_K`` and enough work (``m * n * n_chunks``).

    Notes
    -----
    :meth:`update` takes the tiles in column order. The numba kernel computes the keys
    :math:`sq_j - 2 \sum_c G_{cij}` in int32 when :math:`\max_j |sq_j| + 2^{25} n_{chunks} < 2^{31}`
    (uint8 pixels: 3 chunks, below :math:`1.6 \cdot 10^8`), else int64: exact, the chunk
    products being integers of magnitude at most :math:`2^{24}`. It computes them 256 at a
    time without branches (vectorised) and inserts into the sorted top-k only from the tiles
    whose minimum beats the current k-th key. The numpy path merges float64 keys with a stable
    partial sort. Both give ``np.argsort(keys, kind="stable")[:, :k]``.

    >>> import numpy as np
    >>> G = np.array([[[1.0, 3.0, 3.0, 0.0]]], dtype=np.float32)
    >>> top = L2TopK(np.array([2.0, 6.0, 6.0, 0.0]), 1, 1, 3, backend="numpy")
    >>> top.update(G[:, :, :2], 0); top.update(G[:, :, 2:], 2)
    >>> top.result()                          # keys 0, 0, 0, 0: ties by index
    array([[0, 1, 2]])
    """

    def __init__(self, sq: NDArray[np.float64], n_chunks: int, m: int, k: int, *, backend: str | None = None) -> None:
        check_k(k, sq.shape[0])
        self.sq, self.k = np.ascontiguousarray(sq, dtype=np.float64), k
        self.backend = pick_backend(backend, m * sq.shape[0] * n_chunks)
        self._sqk: NDArray[Any] | None = None
        if self.backend == "numba" and k <= NUMBA_MAX_K and np.array_equal(self.sq, np.rint(self.sq)):
            small = sq.size == 0 or float(np.abs(self.sq).max()) + 2.0**25 * n_chunks < 2.0**31
            self._sqk = self.sq.astype(np.int32 if small else np.int64)
            self.vals: NDArray[Any] = np.empty((m, k), dtype=self._sqk.dtype)
            self.idx = np.empty((m, k), dtype=np.int64)
            self._counts = np.zeros(m, dtype=np.int64)
        else:
            self.vals, self.idx = np.empty((m, 0)), np.empty((m, 0), dtype=np.int64)

    def update(self, G: NDArray[np.float32], j0: int) -> None:
        """Take the products ``G`` (shape (n_chunks, m, n_tile), float32) of the columns ``j0 .. j0 + n_tile``."""
        if self._sqk is not None:
            _nb.l2_topk_update(np.ascontiguousarray(G), self._sqk, j0, self.vals, self.idx, self._counts)
        else:
            self.vals, self.idx = _np.l2_topk_update(G, self.sq, self.k, j0, self.vals, self.idx)

    def result(self) -> NDArray[np.int64]:
        """Indices of the k nearest, shape (m, k), nearest first, ties by index."""
        return self.idx


def shift_f32(X: NDArray[Any], shift: int, chunk: int, *, backend: str | None = None) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
    r"""Integer rows shifted to float32, and their squared norms.

    Parameters
    ----------
    X : ndarray of shape (m, n_features), integer
        Every :math:`|x - shift| \le 2^{12}` (the caller's plan, :func:`numerics.knn.gram.exact_plan`).
    shift : int
    chunk : int
        Features per float32 partial sum of the numpy path: each is exact when
        :math:`chunk \cdot \max|x - shift|^2 \le 2^{24}` (the plan's chunk).
    backend : {"numpy", "numba"}, optional

    Returns
    -------
    data : ndarray of shape (m, n_features), float32
        :math:`x - shift`, exact.
    sq : ndarray of shape (m,), float64
        :math:`\sum_f (x_f - shift)^2`, exact (below :math:`2^{24} n_{features}`).

    Notes
    -----
    numba: one parallel pass per row, the sums in int64. numpy: ``astype``, a subtraction
    and float32 dot products over chunks of 1024 features (each exact), added in float64.

    >>> d, sq = shift_f32(np.array([[0, 255, 7]], dtype=np.uint8), 128, 1024, backend="numpy")
    >>> d.tolist(), sq.tolist()
    ([[-128.0, 127.0, -121.0]], [47154.0])
    """
    if pick_backend(backend, X.size) == "numba" and np.issubdtype(X.dtype, np.integer):
        data = np.empty(X.shape, dtype=np.float32)
        sq = np.empty(X.shape[0], dtype=np.int64)
        _nb.shift_f32(np.ascontiguousarray(X), np.int64(shift), data, sq)
        return data, sq.astype(np.float64)
    return _np.shift_f32(X, shift, chunk)
