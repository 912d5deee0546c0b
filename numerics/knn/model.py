r"""The homework's ``KNN`` class (SPEC interface) over the plain functions.

``train`` only stores the data: training is free (O(1) work), prediction pays
O(n_test · n_train · n_features) and keeps the whole training set in memory --
the trade-off the homework asks to discuss.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0, 0], [0, 1], [5, 5], [6, 5]], dtype=np.uint8)
>>> model = KNN().train(X, [0, 0, 1, 1])
>>> model.predict(np.array([[1, 1], [5, 6]], dtype=np.uint8), k=1)
array([0, 1])
>>> model.compute_L2_distances_vectorized([[0, 0]])
array([[0.        , 1.        , 7.07106781, 7.81024968]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from numerics import accel
from numerics.knn.distances import compute_distances, l2_distances, naive_distances
from numerics.knn.gram import chunk_grams, exact_plan, prepare
from numerics.knn.pixels import Span, pixel_pair, span_of
from numerics.knn.predict import check_distances, check_k, nearest_unchecked, vote
from numerics.validation import check_int, check_labels, check_matrix

__all__ = ["KNN", "DEFAULT_PREDICT_BYTES", "PREDICT_TILE_COLS"]

#: ``predict`` forms the distances of this many bytes of test rows at a time
DEFAULT_PREDICT_BYTES: int = 1 << 28

#: training rows per tile of the exact L2 path: 50,000 are cut in 4 tiles of 12,500, so the
#: default budget gives tiles of 2,684 test rows -- tall GEMMs, faster than short wide ones
PREDICT_TILE_COLS: int = 16384


class KNN:
    """k-nearest-neighbour classifier with the homework's interface.

    Attributes (after :meth:`train`)
    --------------------------------
    X_train_ : ndarray of shape (n_train, n_features)
        The training rows as given (validated, not copied, not converted: uint8 stays uint8).
    y_train_ : ndarray of shape (n_train,), int64
    n_classes_ : int
        ``max(y_train) + 1``.
    """

    def __init__(self) -> None:
        self.X_train_: NDArray[Any] | None = None
        self.y_train_: NDArray[np.int64] | None = None
        self.n_classes_: int = 0
        self._span: Span = None  # of X_train_, scanned once in train()
        self._pixels: tuple[int, NDArray[np.uint8]] | None = None  # X_train_ shifted to uint8, by shift

    def train(self, X: ArrayLike, y: ArrayLike) -> KNN:
        """Store the training data.

        Parameters
        ----------
        X : array_like of shape (n_train, n_features)
        y : array_like of shape (n_train,), int
            Non-negative labels.

        Returns
        -------
        KNN
            ``self``.
        """
        X_arr = check_matrix(X, "X")
        y_arr = check_labels(y, "y", n_samples=X_arr.shape[0])
        self.X_train_, self.y_train_ = X_arr, y_arr
        self.n_classes_ = int(y_arr.max()) + 1
        self._span, self._pixels = span_of(X_arr), None  # once per training set
        return self

    def _as_pixels(self, Xq: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
        """``(Xq, X_train_)``, both shifted to uint8 when together they hold at most 256 integer
        values (pixels stored as floats), else unchanged; every distance is the same.

        The query batch is scanned once; the training rows were scanned in :meth:`train`
        and are converted once per shift.
        """
        Xr = self.X_train_
        assert Xr is not None
        if (Xq.dtype == np.uint8 and Xr.dtype == np.uint8) or self._span is None:
            return Xq, Xr  # already uint8, or the training rows are not integers: no scan of Xq
        spans = (span_of(Xq), self._span)
        if self._pixels is not None and spans[0] is not None and self._span is not None:
            shift, Xr8 = self._pixels
            if shift <= min(spans[0][0], self._span[0]) and max(spans[0][1], self._span[1]) <= shift + 255:
                return accel.to_u8(Xq, shift), Xr8
        pair = pixel_pair(Xq, Xr, spans)
        if pair is None:
            return Xq, Xr
        shift = min(spans[0][0], self._span[0])  # type: ignore[index]
        self._pixels = (shift, pair[1])
        return pair

    def _fitted(self, X: ArrayLike) -> tuple[NDArray[Any], NDArray[Any], NDArray[np.int64]]:
        """Check the model was trained and ``X`` matches it; return (X, X_train_, y_train_)."""
        if self.X_train_ is None or self.y_train_ is None:
            raise ValueError("KNN: expected a trained model, got one without data; call train(X, y) first")
        Xq = check_matrix(X, "X", n_cols=self.X_train_.shape[1])
        return Xq, self.X_train_, self.y_train_

    def compute_distances(self, X: ArrayLike, norm: Callable[[NDArray[np.float64]], float] | None = None) -> NDArray[np.float64]:
        """Distances to every training row by the naive double loop.

        Parameters
        ----------
        X : array_like of shape (n_test, n_features)
        norm : callable, optional
            ``norm(vector) -> float``; default the L2 norm ``np.linalg.norm``.

        Returns
        -------
        ndarray of shape (n_test, n_train), float64
        """
        if norm is None:
            norm = np.linalg.norm
        if not callable(norm):
            raise ValueError(
                f"norm: expected a callable norm(vector) -> float or None, got {norm!r} "
                "(for a named norm use predict(X, norm=...) or numerics.knn.compute_distances)"
            )
        Xq, Xr, _ = self._fitted(X)
        return naive_distances(Xq, Xr, norm)

    def compute_L2_distances_vectorized(self, X: ArrayLike) -> NDArray[np.float64]:
        """Euclidean distances to every training row with no Python loop (:func:`l2_distances`).

        Parameters
        ----------
        X : array_like of shape (n_test, n_features)

        Returns
        -------
        ndarray of shape (n_test, n_train), float64
        """
        Xq, Xr, _ = self._fitted(X)
        return l2_distances(*self._as_pixels(Xq))

    def predict_labels(self, dists: ArrayLike, k: int = 1) -> NDArray[np.int64]:
        """Majority vote of the ``k`` nearest (ties to the smallest label).

        Parameters
        ----------
        dists : array_like of shape (n_test, n_train)
        k : int, default 1

        Returns
        -------
        ndarray of shape (n_test,), int64
        """
        if self.y_train_ is None:
            raise ValueError("KNN: expected a trained model, got one without data; call train(X, y) first")
        D = check_distances(dists)
        if D.shape[1] != self.y_train_.shape[0]:
            raise ValueError(
                f"dists: expected {self.y_train_.shape[0]} columns (one per training row), got shape {D.shape}"
            )
        k = check_k(k, D.shape[1])
        return vote(self.y_train_[nearest_unchecked(D, k)], k, self.n_classes_)

    def predict(
        self,
        X: ArrayLike,
        k: int = 1,
        norm: str | Callable[[NDArray[np.float64]], float] = "l2",
        *,
        max_block_bytes: int = DEFAULT_PREDICT_BYTES,
    ) -> NDArray[np.int64]:
        """Predict labels of ``X``, a block of test rows at a time.

        Parameters
        ----------
        X : array_like of shape (n_test, n_features)
        k : int, default 1
        norm : {"l1", "l2", "linf"} or callable, default "l2"
            As in :func:`~numerics.knn.distances.compute_distances`.
        max_block_bytes : int, default DEFAULT_PREDICT_BYTES
            Size of the distance block held at once (at least one test row): the full
            ``(n_test, n_train)`` matrix is never formed when it is larger.

        Returns
        -------
        ndarray of shape (n_test,), int64
            The same as ``predict_labels(compute_distances(X, norm), k)``.

        Notes
        -----
        Pixels stored as floats (integers, at most 256 values) are shifted to uint8 first:
        the same distances, computed by the exact integer kernels (the training rows are
        scanned once, in :meth:`train`, and converted once; ``X`` once per call).
        For ``norm="l2"`` and integer data of a small range (pixels) the distances are
        never formed: exact float32 Gram products feed a top-k directly
        (:meth:`_predict_l2_exact`), a tile of ``rows x cols`` (test x training rows) at a
        time with ``8 * rows * cols <= max_block_bytes`` (at least one test row).
        """
        Xq, Xr, y = self._fitted(X)
        k = check_k(k, Xr.shape[0])
        block = check_int(max_block_bytes, "max_block_bytes", low=1)
        if isinstance(norm, str):
            Xq, Xr = self._as_pixels(Xq)  # pixels stored as floats: the exact integer kernels
        rows = max(1, block // (8 * Xr.shape[0]))
        plan = exact_plan(Xq, Xr) if isinstance(norm, str) and norm == "l2" else None
        if plan is not None:
            return self._predict_l2_exact(Xq, Xr, y, k, plan, block)
        out = np.empty(Xq.shape[0], dtype=np.int64)
        for t0 in range(0, Xq.shape[0], rows):
            D = compute_distances(Xq[t0 : t0 + rows], Xr, norm)
            out[t0 : t0 + rows] = vote(y[nearest_unchecked(D, k)], k, self.n_classes_)
        return out

    def _predict_l2_exact(
        self, Xq: NDArray[Any], Xr: NDArray[Any], y: NDArray[np.int64], k: int, plan: tuple[int, int], block: int
    ) -> NDArray[np.int64]:
        r"""L2 predictions of integer data without forming distances.

        The training rows are converted once (:func:`numerics.knn.gram.prepare`). The
        products are formed a tile of ``rows x cols`` at a time (``cols`` about
        :data:`PREDICT_TILE_COLS` training rows, ``8 * rows * cols <= max_block_bytes``):
        the exact float32 chunk products go straight into a running top-k
        (:class:`numerics.accel.L2TopK`) on the keys :math:`\lVert z_j \rVert^2 - 2 x_i^\top z_j`,
        which rank the training rows exactly as the distances do (the same ties, the same
        order). Tall tiles keep the GEMMs as fast as one float32 GEMM of the whole shape.
        Extra memory: the float32 training copy, plus ``n_chunks * 4 * rows * cols`` bytes
        of products (one buffer, reused).
        """
        Pr = prepare(Xr, plan)
        n = Xr.shape[0]
        cols = -(-n // -(-n // PREDICT_TILE_COLS))  # equal tiles of at most PREDICT_TILE_COLS
        rows = min(Xq.shape[0], max(1, block // (8 * cols)))
        n_chunks = len(Pr.slices)
        buf = np.empty(n_chunks * rows * cols, dtype=np.float32)
        out = np.empty(Xq.shape[0], dtype=np.int64)
        for t0 in range(0, Xq.shape[0], rows):
            Pq = prepare(Xq[t0 : t0 + rows], plan)
            top = accel.L2TopK(Pr.sq, n_chunks, Pq.data.shape[0], k)
            for j0 in range(0, n, cols):
                top.update(chunk_grams(Pq, Pr, out=buf, rows=slice(j0, j0 + cols)), j0)
            out[t0 : t0 + rows] = vote(y[top.result()], k, self.n_classes_)
        return out
