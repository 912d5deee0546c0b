r"""Pure-numpy kernels: the reference every numba kernel is tested equal to, and the default without numba.

Inputs are already validated and converted by the caller (:mod:`numerics.accel`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["pairwise_u8", "pairwise_float", "int_span", "to_u8", "nearest_k", "l2_nearest_chunks", "l2_topk_update", "shift_f32"]


def _rows_per_block(n_train: int, itemsize: int, max_block_bytes: int) -> int:
    return max(1, max_block_bytes // (itemsize * n_train))


def pairwise_u8(A: NDArray[np.uint8], B: NDArray[np.uint8], kind: str, max_block_bytes: int) -> NDArray[np.float64]:
    """L1 or L-infinity distances of uint8 rows with integer arithmetic, blocked over rows of ``A``.

    Differences are int16 (no wrap-around), L1 sums int32 (int64 when
    ``255 * n_features`` could overflow), maxima int16; the result is exact.
    """
    m, n_features = A.shape
    n = B.shape[0]
    acc_dtype: Any = np.int16 if kind == "linf" else (np.int32 if 255 * n_features < 2**31 else np.int64)
    A16 = A.astype(np.int16)
    BT16 = np.ascontiguousarray(B.T, dtype=np.int16)  # (n_features, n): one feature is a contiguous row
    rows = min(m, _rows_per_block(n, 2, max_block_bytes))
    out = np.empty((m, n), dtype=np.float64)
    tmp_all = np.empty((rows, n), dtype=np.int16)
    acc_all = np.empty((rows, n), dtype=acc_dtype)
    for t0 in range(0, m, rows):
        t1 = min(m, t0 + rows)
        tmp, acc = tmp_all[: t1 - t0], acc_all[: t1 - t0]
        acc.fill(0)
        for f in range(n_features):
            np.subtract(A16[t0:t1, f, None], BT16[f][None, :], out=tmp)
            np.abs(tmp, out=tmp)  # |x - z| <= 255 fits int16
            if kind == "l1":
                np.add(acc, tmp, out=acc)
            else:
                np.maximum(acc, tmp, out=acc)
        out[t0:t1] = acc
    return out


def pairwise_float(A: NDArray[np.floating[Any]], B: NDArray[np.floating[Any]], kind: str, max_block_bytes: int) -> NDArray[np.float64]:
    """L1 or L-infinity distances of float rows (both float64, or both float32), accumulated
    feature by feature in feature order, in the input's dtype; returned as float64."""
    m, n_features = A.shape
    n = B.shape[0]
    dtype = A.dtype
    rows = min(m, _rows_per_block(n, dtype.itemsize, max_block_bytes))
    BT = np.ascontiguousarray(B.T)  # (n_features, n)
    out = np.zeros((m, n), dtype=np.float64)
    acc_all = out if dtype == np.float64 else np.empty((rows, n), dtype=dtype)
    scratch = np.empty((rows, n), dtype=dtype)
    for t0 in range(0, m, rows):
        t1 = min(m, t0 + rows)
        acc, tmp = acc_all[t0:t1] if acc_all is out else acc_all[: t1 - t0], scratch[: t1 - t0]
        acc.fill(0)
        for f in range(n_features):
            np.subtract(A[t0:t1, f, None], BT[f][None, :], out=tmp)
            np.abs(tmp, out=tmp)
            if kind == "l1":
                acc += tmp  # ((0 + |d_0|) + |d_1|) + ...: the order the numba kernel keeps
            else:
                np.maximum(acc, tmp, out=acc)
        if acc_all is not out:
            out[t0:t1] = acc
    return out


def int_span(X: NDArray[np.floating[Any]], max_block_bytes: int) -> tuple[float, float] | None:
    """``(min, max)`` of ``X`` when every entry is an integer, else None; blocks of rows of about ``max_block_bytes``."""
    rows = max(1, max_block_bytes // max(1, X.itemsize * X.shape[1]))
    lo, hi = np.inf, -np.inf
    for t0 in range(0, X.shape[0], rows):
        block = X[t0 : t0 + rows]
        if not np.array_equal(block, np.floor(block)):
            return None
        lo, hi = min(lo, float(block.min())), max(hi, float(block.max()))
    return lo, hi


def to_u8(X: NDArray[np.floating[Any]], shift: int, max_block_bytes: int) -> NDArray[np.uint8]:
    """``uint8(X - shift)``, a block of rows at a time (the caller checked the range)."""
    out = np.empty(X.shape, dtype=np.uint8)
    rows = max(1, max_block_bytes // max(1, X.itemsize * X.shape[1]))
    for t0 in range(0, X.shape[0], rows):
        np.subtract(X[t0 : t0 + rows], shift, out=out[t0 : t0 + rows], casting="unsafe")
    return out


def nearest_k(D: NDArray[Any], k: int) -> NDArray[np.int64]:
    """First ``k`` columns of a stable argsort of every row, by a partial sort."""
    n = D.shape[1]
    if k == n:
        return np.argsort(D, axis=1, kind="stable").astype(np.int64, copy=False)
    part = np.argpartition(D, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(D, part, axis=1).max(axis=1)
    # a run of equal values straddling the k-th place may have picked a higher index
    # over a lower one: redo those rows with a stable sort
    straddles = np.flatnonzero(np.count_nonzero(D <= kth[:, None], axis=1) > k)
    if straddles.size:
        part[straddles] = np.argsort(D[straddles], axis=1, kind="stable")[:, :k]
    order = np.lexsort((part, np.take_along_axis(D, part, axis=1)), axis=1)  # key (value, index)
    return np.take_along_axis(part, order, axis=1).astype(np.int64, copy=False)


def l2_keys(G: NDArray[np.float32], sq: NDArray[np.float64]) -> NDArray[np.float64]:
    """``sq[j] - 2 * sum_c G[c, i, j]`` in float64, shape (m, n)."""
    acc = G[0].astype(np.float64)
    for c in range(1, G.shape[0]):
        acc += G[c]
    acc *= -2.0
    acc += sq[None, :]
    return acc


def l2_nearest_chunks(G: NDArray[np.float32], sq: NDArray[np.float64], k: int) -> NDArray[np.int64]:
    """Stable k smallest of the keys ``sq[j] - 2 * sum_c G[c, i, j]`` per row ``i``."""
    return nearest_k(l2_keys(G, sq), k)


def l2_topk_update(
    G: NDArray[np.float32], sq: NDArray[np.float64], k: int, j0: int, vals: NDArray[np.float64], idx: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Merge the keys of columns ``j0 ..`` (``G``'s last axis) into the running k smallest ``(vals, idx)``.

    ``vals``/``idx`` (shape (m, <= k)) hold indices below ``j0``: they come first, so the
    stable partial sort keeps breaking ties by index.
    """
    keys = l2_keys(G, sq[j0 : j0 + G.shape[2]])
    cand = np.concatenate([vals, keys], axis=1)
    cand_idx = np.concatenate([idx, np.broadcast_to(np.arange(j0, j0 + G.shape[2]), keys.shape)], axis=1)
    pick = nearest_k(cand, min(k, cand.shape[1]))
    return np.take_along_axis(cand, pick, axis=1), np.take_along_axis(cand_idx, pick, axis=1)


def shift_f32(X: NDArray[Any], shift: int, chunk: int) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
    """``float32(X - shift)`` and its squared row norms: float32 dot products over ``chunk`` features
    (each exact by the caller's plan), added in float64."""
    data = X.astype(np.float32)
    if shift:
        data -= np.float32(shift)  # exact: |x - shift| <= 2**12
    sq = np.zeros(X.shape[0], dtype=np.float64)
    for c in range(0, X.shape[1], chunk):
        block = data[:, c : c + chunk]
        sq += np.einsum("ij,ij->i", block, block)
    return data, sq


def softmax_loss_grad(
    W: NDArray[np.float64], X: NDArray[Any], y: NDArray[np.int64], rows: NDArray[np.int64] | None, block_rows: int
) -> tuple[float, NDArray[np.float64]]:
    """Summed ``-log P[r, y_r]`` over the rows and the gradient of the mean, in blocks of ``block_rows`` rows.

    Per block: the scores (one small GEMM), their softmax, and the block's gradient
    contribution (a second small GEMM) while the block is still in cache. A non-finite
    score makes the returned sum NaN (the caller reports it).
    """
    Xs = X if rows is None else X[rows]
    ys = y if rows is None else y[rows]
    n = Xs.shape[0]
    dW = np.zeros(W.shape, dtype=np.result_type(W, Xs, np.float64))
    total = 0.0
    WT = W.T
    for b0 in range(0, n, block_rows):
        Xb, yb = Xs[b0 : b0 + block_rows], ys[b0 : b0 + block_rows]
        at = np.arange(Xb.shape[0])
        with np.errstate(over="ignore", invalid="ignore"):
            S = Xb @ WT  # (rows, C)
        if not np.isfinite(S).all():
            return float("nan"), dW
        S -= S.max(axis=1, keepdims=True)
        correct = S[at, yb]
        np.exp(S, out=S)
        Z = S.sum(axis=1)
        total += float(np.sum(np.log(Z) - correct))  # logsumexp - s_y: finite for scores of ±1e4
        S *= (1.0 / n) / Z[:, None]  # P / N: scale the small (rows, C) matrix, not the (C, D) product
        S[at, yb] -= 1.0 / n  # (P - Y) / N
        dW += S.T @ Xb  # BLAS reads S.T transposed: no copy
    return total, dW
