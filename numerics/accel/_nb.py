r"""numba kernels: the same results as :mod:`numerics.accel._np`, bit for bit.

Imported only when numba is importable (a default dependency). Every
kernel runs over rows in parallel (``prange``) and writes into ``out``.

* uint8 L1 / L-infinity: four test rows against one training row at a time, so a
  training row is read once for four test rows; the per-pair loop over features is
  narrow integer arithmetic (``max - min`` of two uint8 is ``|x - z|`` without
  wrap-around) that LLVM vectorises. L1 sums chunks of 256 features in uint16
  (:math:`256 \cdot 255 < 2^{16}`): 16 pairs per 256-bit instruction instead of 8 with
  int32 sums. The chunks are views starting at index 0, so LLVM sees non-negative
  indices and emits plain vector loads (with an offset index it emitted gathers).
* float64 / float32 L1 / L-infinity: the tile's 32 training rows are first packed
  feature-major (one contiguous vector per feature, as a GEMM packs a panel), then four
  test rows at a time are compared with them, vectorised across the 32 training rows:
  each distance is summed over features in feature order, in the input's dtype, exactly as
  the numpy kernel does (no fast-math: every sum is bit-identical). Unpacked, the
  feature-major reads strided over the whole training matrix and ran 4-7x slower.
* integer detection: per row, whether every entry is an integer, and its min and max
  (one parallel pass); :func:`to_u8` then shifts float pixels to uint8.
* top-k: one pass per row keeping the k smallest (value, index) pairs in order; for the
  L2 keys, 256 integer keys at a time computed without branches, scanned only when their
  minimum can enter the top-k.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from numerics.accel._cache import CACHE_DIR

__all__ = ["l1_u8", "linf_u8", "l1_float", "linf_float", "int_span", "to_u8", "nearest_k", "l2_topk_update", "shift_f32"]

_OPTS = {"parallel": True, "nogil": True, "cache": CACHE_DIR is not None}  # on disk: see _cache

#: training rows per tile of the float kernels: 4 x 32 accumulators, and a packed panel of
#: 32 training rows read as one contiguous vector per feature
_TILE = 32

#: features per uint16 partial sum of the L1 kernel: 256 x 255 = 65280 < 2**16, so no overflow
_U16_CHUNK = 256


@njit(inline="always")
def _sad1(a, b):  # type: ignore[no-untyped-def]
    """sum |a - b| over one chunk of at most :data:`_U16_CHUNK` uint8 pairs, in uint16."""
    s = np.uint16(0)
    for f in range(a.shape[0]):
        x = a[f]
        y = b[f]
        s = np.uint16(s + np.uint8(max(x, y) - min(x, y)))
    return s


@njit(inline="always")
def _sad4(a0, a1, a2, a3, b):  # type: ignore[no-untyped-def]
    """:func:`_sad1` of four rows against one, reading each byte of ``b`` once."""
    s0 = s1 = s2 = s3 = np.uint16(0)
    for f in range(b.shape[0]):
        y = b[f]
        x = a0[f]
        s0 = np.uint16(s0 + np.uint8(max(x, y) - min(x, y)))
        x = a1[f]
        s1 = np.uint16(s1 + np.uint8(max(x, y) - min(x, y)))
        x = a2[f]
        s2 = np.uint16(s2 + np.uint8(max(x, y) - min(x, y)))
        x = a3[f]
        s3 = np.uint16(s3 + np.uint8(max(x, y) - min(x, y)))
    return s0, s1, s2, s3


@njit(**_OPTS)
def l1_u8(A, B, out):  # type: ignore[no-untyped-def]
    m, n_features = A.shape
    n = B.shape[0]
    for ib in prange((m + 3) // 4):
        i0 = ib * 4
        if i0 + 4 <= m:
            for j in range(n):
                t0 = t1 = t2 = t3 = 0
                for c0 in range(0, n_features, _U16_CHUNK):
                    c1 = min(n_features, c0 + _U16_CHUNK)
                    s0, s1, s2, s3 = _sad4(A[i0, c0:c1], A[i0 + 1, c0:c1], A[i0 + 2, c0:c1], A[i0 + 3, c0:c1], B[j, c0:c1])
                    t0 += s0
                    t1 += s1
                    t2 += s2
                    t3 += s3
                out[i0, j] = t0
                out[i0 + 1, j] = t1
                out[i0 + 2, j] = t2
                out[i0 + 3, j] = t3
        else:
            for i in range(i0, m):
                for j in range(n):
                    t = 0
                    for c0 in range(0, n_features, _U16_CHUNK):
                        c1 = min(n_features, c0 + _U16_CHUNK)
                        t += _sad1(A[i, c0:c1], B[j, c0:c1])
                    out[i, j] = t


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


@njit(inline="always")
def _l1_group(A, P, acc, i0, i1, i2, i3):  # type: ignore[no-untyped-def]
    """``acc[r, j] += |A[i_r, f] - P[f, j]|`` for every feature ``f`` in order (four rows)."""
    s0, s1, s2, s3 = acc[0], acc[1], acc[2], acc[3]
    for f in range(P.shape[0]):
        x0, x1, x2, x3 = A[i0, f], A[i1, f], A[i2, f], A[i3, f]
        p = P[f]
        for jj in range(_TILE):  # one feature at a time: the order of numpy's acc += |d|
            y = p[jj]
            s0[jj] += abs(x0 - y)
            s1[jj] += abs(x1 - y)
            s2[jj] += abs(x2 - y)
            s3[jj] += abs(x3 - y)


@njit(inline="always")
def _linf_group(A, P, acc, i0, i1, i2, i3):  # type: ignore[no-untyped-def]
    """``acc[r, j] = max(acc[r, j], |A[i_r, f] - P[f, j]|)`` over every feature ``f`` (four rows)."""
    s0, s1, s2, s3 = acc[0], acc[1], acc[2], acc[3]
    for f in range(P.shape[0]):
        x0, x1, x2, x3 = A[i0, f], A[i1, f], A[i2, f], A[i3, f]
        p = P[f]
        for jj in range(_TILE):
            y = p[jj]
            s0[jj] = max(s0[jj], abs(x0 - y))
            s1[jj] = max(s1[jj], abs(x1 - y))
            s2[jj] = max(s2[jj], abs(x2 - y))
            s3[jj] = max(s3[jj], abs(x3 - y))


@njit(**_OPTS)
def _float(A, B, out, is_l1):  # type: ignore[no-untyped-def]
    m, n_features = A.shape
    n = B.shape[0]
    for jt in prange((n + _TILE - 1) // _TILE):
        j0 = jt * _TILE
        w = min(n, j0 + _TILE) - j0
        # the tile's training rows packed feature-major: P[f] is one contiguous vector of _TILE values
        P = np.zeros((n_features, _TILE), dtype=B.dtype)
        for jj in range(w):
            b = B[j0 + jj]
            for f in range(n_features):
                P[f, jj] = b[f]
        acc = np.empty((4, _TILE), dtype=A.dtype)
        for i0 in range(0, m, 4):
            r = min(4, m - i0)
            i1, i2, i3 = i0 + min(1, r - 1), i0 + min(2, r - 1), i0 + min(3, r - 1)  # a short group repeats its last row
            acc[:] = 0
            if is_l1:  # decided once per group of rows, outside the loop over features
                _l1_group(A, P, acc, i0, i1, i2, i3)
            else:
                _linf_group(A, P, acc, i0, i1, i2, i3)
            for rr in range(r):
                for jj in range(w):
                    out[i0 + rr, j0 + jj] = acc[rr, jj]


def l1_float(A, B, out):  # type: ignore[no-untyped-def]
    _float(A, B, out, True)


def linf_float(A, B, out):  # type: ignore[no-untyped-def]
    _float(A, B, out, False)


@njit(**_OPTS)
def int_span(X, lo, hi):  # type: ignore[no-untyped-def]
    """Per row: whether every entry is an integer (returned, all rows), and its min and max into ``lo``, ``hi``."""
    m, n_features = X.shape
    ok = np.empty(m, dtype=np.bool_)
    for i in prange(m):
        row = X[i]
        a = row[0]
        b = row[0]
        bad = 0
        for f in range(n_features):
            v = row[f]
            bad |= np.int64(v != np.floor(v))
            a = min(a, v)
            b = max(b, v)
        ok[i] = bad == 0
        lo[i] = a
        hi[i] = b
    return ok.all()


@njit(**_OPTS)
def to_u8(X, shift, out):  # type: ignore[no-untyped-def]
    """``out = uint8(X - shift)``; the caller checked that every entry is an integer in ``shift .. shift + 255``."""
    m, n_features = X.shape
    for i in prange(m):
        x = X[i]
        o = out[i]
        for f in range(n_features):
            o[f] = np.uint8(np.int64(x[f]) - shift)


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

#: keys per tile of :func:`l2_topk_update`: computed branch-free (vectorised), then scanned
#: only when the tile's minimum can enter the top-k
_KEY_TILE = 256


@njit(**_OPTS)
def l2_topk_update(G, sqk, j0, vals, idx, counts):  # type: ignore[no-untyped-def]
    """Update the running top-k of every row with the keys of the columns ``j0 .. j0 + n``.

    ``key[j] = sqk[j] - 2 * sum_c G[c, i, j - j0]`` in the integer dtype of ``sqk`` (int32 or
    int64): exact when every ``G`` entry is an integer and every key fits the dtype (the caller
    checks the bound). ``vals`` (that dtype), ``idx`` and ``counts`` carry each row's k smallest
    (key, index) pairs from one column tile to the next; tiles come in index order.
    """
    n_chunks, m, n = G.shape
    k = vals.shape[1]
    for i in prange(m):
        keys = np.empty(_KEY_TILE, dtype=sqk.dtype)
        part = np.empty(_KEY_TILE, dtype=sqk.dtype)
        v = vals[i]
        ix = idx[i]
        count = counts[i]
        for t0 in range(0, n, _KEY_TILE):
            w = min(n, t0 + _KEY_TILE) - t0
            keys[:w] = sqk[j0 + t0 : j0 + t0 + w]
            for c in range(n_chunks):
                g = G[c, i, t0 : t0 + w]
                for t in range(w):
                    part[t] = g[t]  # exact: an integer
                for t in range(w):
                    keys[t] -= part[t] + part[t]
            lo = keys[0]
            for t in range(1, w):
                lo = min(lo, keys[t])
            if count == k and lo >= v[k - 1]:
                continue  # nothing in this tile is nearer than the k-th so far
            for t in range(w):
                count = _insert(v, ix, count, k, keys[t], j0 + t0 + t)
        counts[i] = count


@njit(**_OPTS)
def shift_f32(X, shift, out, sq):  # type: ignore[no-untyped-def]
    """``out = float32(X - shift)`` and ``sq[i] = sum_f (X[i, f] - shift)**2``, in one pass per row.

    The caller checks that every ``|X - shift|`` is exact in float32 and every ``sq`` in int64.
    """
    m, n_features = X.shape
    for i in prange(m):
        x = X[i]
        o = out[i]
        s = 0
        for f in range(n_features):
            v = np.int64(x[f]) - shift
            o[f] = v
            s += v * v
        sq[i] = s
