r"""numba kernels: the same results as :mod:`numerics.accel._np`, bit for bit.

Imported only when numba is installed (``pip install 'gradproof[fast]'``). Every
kernel runs over rows in parallel (``prange``) and writes into ``out``.

* uint8 L1 / L-infinity: four test rows against one training row at a time, so a
  training row is read once for four test rows; the per-pair loop over features is
  narrow integer arithmetic (``max - min`` of two uint8 is ``|x - z|`` without
  wrap-around) that LLVM vectorises.
* float64 L1 / L-infinity: vectorised across a tile of training rows, summing over
  features in feature order, exactly as the numpy kernel does.
* top-k: one pass per row keeping the k smallest (value, index) pairs in order.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["l1_u8", "linf_u8", "l1_f64", "linf_f64", "nearest_k", "l2_nearest_chunks"]

_OPTS = {"parallel": True, "nogil": True, "cache": True}

#: training rows per tile of the float64 kernels (4 x 64 accumulators stay in L1)
_TILE = 64


@njit(**_OPTS)
def l1_u8(A, B, out):  # type: ignore[no-untyped-def]
    m, n_features = A.shape
    n = B.shape[0]
    for ib in prange((m + 3) // 4):
        i0 = ib * 4
        if i0 + 4 <= m:
            a0, a1, a2, a3 = A[i0], A[i0 + 1], A[i0 + 2], A[i0 + 3]
            for j in range(n):
                b = B[j]
                s0 = s1 = s2 = s3 = np.int32(0)
                for f in range(n_features):
                    y = b[f]
                    x = a0[f]
                    s0 = np.int32(s0 + np.uint8(max(x, y) - min(x, y)))
                    x = a1[f]
                    s1 = np.int32(s1 + np.uint8(max(x, y) - min(x, y)))
                    x = a2[f]
                    s2 = np.int32(s2 + np.uint8(max(x, y) - min(x, y)))
                    x = a3[f]
                    s3 = np.int32(s3 + np.uint8(max(x, y) - min(x, y)))
                out[i0, j] = s0
                out[i0 + 1, j] = s1
                out[i0 + 2, j] = s2
                out[i0 + 3, j] = s3
        else:
            for i in range(i0, m):
                a = A[i]
                for j in range(n):
                    b = B[j]
                    s = np.int32(0)
                    for f in range(n_features):
                        x = a[f]
                        y = b[f]
                        s = np.int32(s + np.uint8(max(x, y) - min(x, y)))
                    out[i, j] = s


@njit(**_OPTS)
def linf_u8(A, B, out):  # type: ignore[no-untyped-def]
    m, n_features = A.shape
    n = B.shape[0]
    for ib in prange((m + 3) // 4):
        i0 = ib * 4
        if i0 + 4 <= m:
            a0, a1, a2, a3 = A[i0], A[i0 + 1], A[i0 + 2], A[i0 + 3]
            for j in range(n):
                b = B[j]
                s0 = s1 = s2 = s3 = np.uint8(0)
                for f in range(n_features):
                    y = b[f]
                    x = a0[f]
                    s0 = max(s0, np.uint8(max(x, y) - min(x, y)))
                    x = a1[f]
                    s1 = max(s1, np.uint8(max(x, y) - min(x, y)))
                    x = a2[f]
                    s2 = max(s2, np.uint8(max(x, y) - min(x, y)))
                    x = a3[f]
                    s3 = max(s3, np.uint8(max(x, y) - min(x, y)))
                out[i0, j] = s0
                out[i0 + 1, j] = s1
                out[i0 + 2, j] = s2
                out[i0 + 3, j] = s3
        else:
            for i in range(i0, m):
                a = A[i]
                for j in range(n):
                    b = B[j]
                    s = np.uint8(0)
                    for f in range(n_features):
                        x = a[f]
                        y = b[f]
                        s = max(s, np.uint8(max(x, y) - min(x, y)))
                    out[i, j] = s


@njit(**_OPTS)
def _f64(A, BT, out, is_l1):  # type: ignore[no-untyped-def]
    m, n_features = A.shape
    n = BT.shape[1]
    for jt in prange((n + _TILE - 1) // _TILE):
        j0 = jt * _TILE
        w = min(n, j0 + _TILE) - j0
        acc = np.empty((4, _TILE))
        for i0 in range(0, m, 4):
            r = min(4, m - i0)
            acc[:] = 0.0
            for f in range(n_features):
                bt = BT[f, j0 : j0 + w]
                for rr in range(r):
                    x = A[i0 + rr, f]
                    row = acc[rr]
                    if is_l1:
                        for jj in range(w):
                            row[jj] += abs(x - bt[jj])  # feature order, as numpy's acc += tmp
                    else:
                        for jj in range(w):
                            row[jj] = max(row[jj], abs(x - bt[jj]))
            out[i0 : i0 + r, j0 : j0 + w] = acc[:r, :w]


def l1_f64(A, BT, out):  # type: ignore[no-untyped-def]
    _f64(A, BT, out, True)


def linf_f64(A, BT, out):  # type: ignore[no-untyped-def]
    _f64(A, BT, out, False)


@njit(inline="always")
def _insert(vals, idx, count, k, v, j):  # type: ignore[no-untyped-def]
    """Insert (v, j) into the sorted first ``count`` entries; j is larger than every index held."""
    if count == k and not v < vals[k - 1]:
        return count  # not nearer than the k-th: an equal value keeps the earlier index
    p = count if count < k else k - 1
    while p > 0 and vals[p - 1] > v:
        vals[p] = vals[p - 1]
        idx[p] = idx[p - 1]
        p -= 1
    vals[p] = v
    idx[p] = j
    return count + 1 if count < k else k


@njit(**_OPTS)
def nearest_k(D, k, out):  # type: ignore[no-untyped-def]
    m, n = D.shape
    for i in prange(m):
        vals = np.empty(k, dtype=np.float64)
        idx = np.empty(k, dtype=np.int64)
        count = 0
        row = D[i]
        for j in range(n):
            count = _insert(vals, idx, count, k, row[j], j)
        out[i, :] = idx


@njit(**_OPTS)
def l2_nearest_chunks(G, sq, k, out):  # type: ignore[no-untyped-def]
    n_chunks, m, n = G.shape
    for i in prange(m):
        vals = np.empty(k, dtype=np.float64)
        idx = np.empty(k, dtype=np.int64)
        count = 0
        for j in range(n):
            g = 0.0
            for c in range(n_chunks):
                g += np.float64(G[c, i, j])  # exact: integers below 2**53
            count = _insert(vals, idx, count, k, sq[j] - 2.0 * g, j)
        out[i, :] = idx
