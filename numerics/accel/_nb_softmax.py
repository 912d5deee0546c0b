r"""numba kernel of the softmax loss and gradient: one pass over the sampled rows, fused.

Imported only when numba is installed. Equal to :func:`numerics.accel._np.softmax_loss_grad`
up to rounding (sums are re-associated so that they vectorise), never in what it computes.

Eight rows at a time, the rows are read in chunks of :data:`_CHUNK` features: a chunk of the
eight rows and of ``W`` stays in the L1 cache while the ``C x 8`` scores accumulate, two
classes per pass (each loaded x feeds 16 multiply-adds, not 8: about 20% less time per
step than one class per pass, measured in CPU time on a loaded machine). After
the softmax of the eight rows, a second pass over the same (now cached) rows adds their
contribution to a gradient buffer. The rows are read through their indices, so an SGD batch
is never copied out of ``X``.

The rows are split into :data:`PARTS` fixed halves, each summed into its own buffer, and the
buffers are added at the end. The parallel kernel gives each half a thread; the serial
kernel does the same arithmetic one half after the other. So the two return **identical**
numbers, and a caller may switch between them for speed alone (on a busy machine, waiting
at every SGD step for a second thread that the OS has descheduled costs milliseconds).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from numerics.accel._cache import CACHE_DIR

__all__ = ["PARTS", "softmax_loss_grad", "softmax_loss_grad_serial"]

#: features per chunk: 8 rows and 10 rows of W, 256 float64 each, are 36 KiB (L1 is 48 KiB here)
_CHUNK = 256

#: gradient buffers: the rows are summed in this many fixed parts, whatever the thread count
PARTS = 2

#: re-association (vectorised sums) and fused multiply-add only: NaN and inf keep their meaning
_FM = {"reassoc", "contract"}


@njit(fastmath=_FM, inline="always")
def _dots8(w, x0, x1, x2, x3, x4, x5, x6, x7):  # type: ignore[no-untyped-def]
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    for d in range(w.shape[0]):
        wd = w[d]
        s0 += wd * x0[d]
        s1 += wd * x1[d]
        s2 += wd * x2[d]
        s3 += wd * x3[d]
        s4 += wd * x4[d]
        s5 += wd * x5[d]
        s6 += wd * x6[d]
        s7 += wd * x7[d]
    return s0, s1, s2, s3, s4, s5, s6, s7


@njit(fastmath=_FM, inline="always")
def _axpy8(g, c, x0, x1, x2, x3, x4, x5, x6, x7):  # type: ignore[no-untyped-def]
    c0, c1, c2, c3, c4, c5, c6, c7 = c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
    for d in range(g.shape[0]):
        g[d] += (c0 * x0[d] + c1 * x1[d] + c2 * x2[d] + c3 * x3[d]) + (c4 * x4[d] + c5 * x5[d] + c6 * x6[d] + c7 * x7[d])


@njit(fastmath=_FM, inline="always")
def _dots8x2(w0, w1, x0, x1, x2, x3, x4, x5, x6, x7):  # type: ignore[no-untyped-def]
    """:func:`_dots8` of two rows of W at once: each x is loaded once for 16 products."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    t0 = t1 = t2 = t3 = t4 = t5 = t6 = t7 = 0.0
    for d in range(w0.shape[0]):
        a = w0[d]
        b = w1[d]
        v = x0[d]
        s0 += a * v
        t0 += b * v
        v = x1[d]
        s1 += a * v
        t1 += b * v
        v = x2[d]
        s2 += a * v
        t2 += b * v
        v = x3[d]
        s3 += a * v
        t3 += b * v
        v = x4[d]
        s4 += a * v
        t4 += b * v
        v = x5[d]
        s5 += a * v
        t5 += b * v
        v = x6[d]
        s6 += a * v
        t6 += b * v
        v = x7[d]
        s7 += a * v
        t7 += b * v
    return (s0, s1, s2, s3, s4, s5, s6, s7), (t0, t1, t2, t3, t4, t5, t6, t7)


@njit(fastmath=_FM, inline="always")
def _axpy8x2(g0, g1, c, e, x0, x1, x2, x3, x4, x5, x6, x7):  # type: ignore[no-untyped-def]
    """:func:`_axpy8` into two rows of the gradient at once: each x is loaded once for both."""
    c0, c1, c2, c3, c4, c5, c6, c7 = c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
    e0, e1, e2, e3, e4, e5, e6, e7 = e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]
    for d in range(g0.shape[0]):
        v0, v1, v2, v3, v4, v5, v6, v7 = x0[d], x1[d], x2[d], x3[d], x4[d], x5[d], x6[d], x7[d]
        g0[d] += (c0 * v0 + c1 * v1 + c2 * v2 + c3 * v3) + (c4 * v4 + c5 * v5 + c6 * v6 + c7 * v7)
        g1[d] += (e0 * v0 + e1 * v1 + e2 * v2 + e3 * v3) + (e4 * v4 + e5 * v5 + e6 * v6 + e7 * v7)


@njit(fastmath=_FM, nogil=True, cache=CACHE_DIR is not None)  # a call, not inlined: the parallel
# kernel's array analysis fails on its tuple unpacking
def _part(W, X, y, rows, lo, hi, scale, g):  # type: ignore[no-untyped-def]
    """Rows ``rows[lo:hi]``: their summed loss (NaN if a score is not finite); gradient into ``g``."""
    C, D = W.shape
    g[:] = 0.0
    S = np.empty((C, 8))  # scores, then scale * (P - onehot(y)), of the group's 8 rows
    r = np.empty(8, dtype=np.int64)
    total = 0.0
    for t0 in range(lo, hi, 8):
        live = min(8, hi - t0)
        for q in range(8):
            r[q] = rows[t0 + q] if q < live else rows[t0]  # a tail group repeats a row, with weight 0
        S[:] = 0.0
        for c0 in range(0, D, _CHUNK):
            c1 = min(D, c0 + _CHUNK)
            x0, x1, x2, x3 = X[r[0], c0:c1], X[r[1], c0:c1], X[r[2], c0:c1], X[r[3], c0:c1]
            x4, x5, x6, x7 = X[r[4], c0:c1], X[r[5], c0:c1], X[r[6], c0:c1], X[r[7], c0:c1]
            for k in range(0, C - 1, 2):  # two classes per pass over the chunk
                a, b = _dots8x2(W[k, c0:c1], W[k + 1, c0:c1], x0, x1, x2, x3, x4, x5, x6, x7)
                for q in range(8):
                    S[k, q] += a[q]
                    S[k + 1, q] += b[q]
            if C % 2:
                a = _dots8(W[C - 1, c0:c1], x0, x1, x2, x3, x4, x5, x6, x7)
                for q in range(8):
                    S[C - 1, q] += a[q]
        for q in range(8):
            if q >= live:
                S[:, q] = 0.0
                continue
            label = y[r[q]]
            mx = S[0, q]
            finite = True
            for k in range(C):
                finite = finite and math.isfinite(S[k, q])
                mx = max(mx, S[k, q])
            if not finite:
                total = math.nan
            correct = S[label, q] - mx
            z = 0.0
            for k in range(C):
                S[k, q] = math.exp(S[k, q] - mx)
                z += S[k, q]
            total += math.log(z) - correct  # logsumexp - s_y: finite even where P underflows
            f = scale / z
            for k in range(C):
                S[k, q] *= f
            S[label, q] -= scale  # scale * (P - onehot(y))
        for c0 in range(0, D, _CHUNK):
            c1 = min(D, c0 + _CHUNK)
            x0, x1, x2, x3 = X[r[0], c0:c1], X[r[1], c0:c1], X[r[2], c0:c1], X[r[3], c0:c1]
            x4, x5, x6, x7 = X[r[4], c0:c1], X[r[5], c0:c1], X[r[6], c0:c1], X[r[7], c0:c1]
            for k in range(0, C - 1, 2):
                _axpy8x2(g[k, c0:c1], g[k + 1, c0:c1], S[k], S[k + 1], x0, x1, x2, x3, x4, x5, x6, x7)
            if C % 2:
                _axpy8(g[C - 1, c0:c1], S[C - 1], x0, x1, x2, x3, x4, x5, x6, x7)
    return total


@njit(inline="always")
def _combine(parts, totals, out):  # type: ignore[no-untyped-def]
    """``out = sum_p parts[p]`` and the sum of ``totals``, in part order."""
    out[:] = parts[0]
    for p in range(1, PARTS):
        out += parts[p]
    total = totals[0]
    for p in range(1, PARTS):
        total += totals[p]
    return total


@njit(fastmath=_FM, parallel=True, nogil=True, cache=CACHE_DIR is not None)
def softmax_loss_grad(W, X, y, rows, scale, parts, out):  # type: ignore[no-untyped-def]
    """Sum of ``-log P[r, y_r]`` over ``rows`` (NaN if a score is not finite), and
    ``out = scale * sum_r (P[r] - onehot(y_r)) x_r^T``; ``parts`` is (PARTS, C, D) scratch.
    One thread per part."""
    n = rows.shape[0]
    totals = np.zeros(PARTS)
    for p in prange(PARTS):
        totals[p] = _part(W, X, y, rows, p * n // PARTS, (p + 1) * n // PARTS, scale, parts[p])
    return _combine(parts, totals, out)


@njit(fastmath=_FM, nogil=True, cache=CACHE_DIR is not None)
def softmax_loss_grad_serial(W, X, y, rows, scale, parts, out):  # type: ignore[no-untyped-def]
    """:func:`softmax_loss_grad` on the calling thread: the same parts, the same arithmetic."""
    n = rows.shape[0]
    totals = np.zeros(PARTS)
    for p in range(PARTS):
        totals[p] = _part(W, X, y, rows, p * n // PARTS, (p + 1) * n // PARTS, scale, parts[p])
    return _combine(parts, totals, out)
