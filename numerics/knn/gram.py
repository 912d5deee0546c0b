r"""Exact Gram matrices of integer data from float32 matrix products (the fast L2 path).

For pixels, :math:`x^\top z` is an integer, and float64 represents it exactly -- but a
float32 GEMM runs about twice as fast as a float64 one. float32 is exact too as long as
every partial sum is an integer of magnitude at most :math:`2^{24}`. Two steps make
sure of that:

1. **shift** the data by an integer :math:`s` (the middle of its range): distances do
   not change, :math:`\lVert (x - s) - (z - s) \rVert = \lVert x - z \rVert`, and for
   uint8 the entries become :math:`-128 \dots 127`;
2. **chunk** the features so that a chunk's dot product cannot exceed :math:`2^{24}`:
   with :math:`|x_k - s| \le m`, a chunk of :math:`c = \lfloor 2^{24} / m^2 \rfloor`
   features (1024 for uint8) is exact in any summation order.

Each chunk is one float32 GEMM; the chunks are added in float64 (exact: integers below
:math:`2^{53}`). Data that is not integer, or whose range needs chunks narrower than
:data:`MIN_CHUNK`, keeps one float64 GEMM.

Examples
--------
>>> import numpy as np
>>> X = np.array([[0, 255, 7], [255, 255, 0]], dtype=np.uint8)
>>> P = prepare(X)
>>> P.exact32, P.shift, P.sq.tolist()        # squared norms of X - 128
(True, 128, [47154.0, 48642.0])
>>> gram(P, P).tolist() == ((X - 128.0) @ (X - 128.0).T).tolist()
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from numerics import accel
from numerics.validation import as_float

__all__ = ["MIN_CHUNK", "SELF_BLOCK_ROWS", "Prepared", "exact_plan", "prepare", "gram", "chunk_grams"]

#: narrower float32 chunks than this are not worth it: use one float64 GEMM instead
MIN_CHUNK: int = 64

_F32_EXACT = 2**24


@dataclass(frozen=True)
class Prepared:
    """Rows converted once for repeated Gram products.

    Attributes
    ----------
    data : ndarray of shape (n, n_features)
        float32 (shifted) when ``exact32``, else float64.
    sq : ndarray of shape (n,), float64
        Squared norms of the rows of ``data`` (exact for integer input).
    exact32 : bool
        Whether the chunked float32 path is used.
    chunk : int
        Features per chunk (``n_features`` for the float64 path).
    shift : int
        The integer subtracted from every entry (0 for the float64 path).
    """

    data: NDArray[Any]
    sq: NDArray[np.float64]
    exact32: bool
    chunk: int
    shift: int

    @property
    def slices(self) -> list[slice]:
        """The feature chunks, as column slices."""
        n_features = self.data.shape[1]
        return [slice(c, min(n_features, c + self.chunk)) for c in range(0, n_features, self.chunk)]


def exact_plan(*arrays: NDArray[Any]) -> tuple[int, int] | None:
    """``(shift, chunk)`` making chunked float32 products of these arrays exact, or None.

    Integer (and boolean) arrays only; uint8 needs no scan (shift 128, chunk 1024).

    >>> exact_plan(np.zeros((2, 3), dtype=np.uint8))
    (128, 1024)
    >>> exact_plan(np.array([[-3, 5]])), exact_plan(np.array([[0.5]])), exact_plan(np.array([[0, 5000]]))
    ((1, 1048576), None, None)
    """
    if not all(np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_ for a in arrays):
        return None
    if all(a.dtype == np.uint8 for a in arrays):
        lo, hi = 0, 255
    else:
        lo = min(int(a.min()) for a in arrays)
        hi = max(int(a.max()) for a in arrays)
    shift = (lo + hi + 1) // 2  # uint8: 128, entries -128 .. 127
    m = max(hi - shift, shift - lo)
    chunk = _F32_EXACT // (m * m) if m else _F32_EXACT
    return (shift, chunk) if chunk >= MIN_CHUNK else None


def prepare(X: NDArray[Any], plan: tuple[int, int] | None | bool = True) -> Prepared:
    """Convert validated rows for :func:`gram`.

    Parameters
    ----------
    X : ndarray of shape (n, n_features)
    plan : (shift, chunk), None or True
        ``True`` (default): :func:`exact_plan` of ``X`` alone. Pass the plan of both
        operands (``exact_plan(X_test, X_train)``) when they are multiplied together;
        ``None`` forces float64.

    Returns
    -------
    Prepared
    """
    if plan is True:
        plan = exact_plan(X)
    if plan is None or plan is False:
        data = np.ascontiguousarray(as_float(X), dtype=np.float64)
        return Prepared(data, np.einsum("ij,ij->i", data, data), False, max(1, X.shape[1]), 0)
    shift, chunk = plan
    chunk = min(chunk, max(1, X.shape[1]))
    data, sq = accel.shift_f32(X, shift, chunk)  # exact: |x - shift| <= 2**12
    return Prepared(data, sq, True, chunk, shift)


def _compatible(A: Prepared, B: Prepared) -> None:
    if (A.exact32, A.shift, A.chunk) != (B.exact32, B.shift, B.chunk):
        raise ValueError(
            "gram: expected operands prepared with the same plan, got "
            f"(exact32, shift, chunk) = {(A.exact32, A.shift, A.chunk)} and {(B.exact32, B.shift, B.chunk)}"
        )


def chunk_grams(
    A: Prepared, B: Prepared, out: NDArray[np.float32] | None = None, rows: slice | None = None
) -> NDArray[np.float32]:
    """The float32 partial products ``A_c @ B_c.T`` per feature chunk, shape (n_chunks, m, n).

    Each is an exact integer; ``out`` (optional) is a buffer of at least that shape to reuse.
    ``rows`` (optional, step 1) takes the products with those rows of ``B`` only (``n`` of them).
    """
    _compatible(A, B)
    if not A.exact32:
        raise ValueError("chunk_grams: expected operands on the exact float32 path, got float64 data")
    Bd = B.data if rows is None else B.data[rows]
    slices = A.slices
    shape = (len(slices), A.data.shape[0], Bd.shape[0])
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    else:
        out = out.reshape(-1)[: int(np.prod(shape))].reshape(shape)
    for c, s in enumerate(slices):
        np.matmul(A.data[:, s], Bd[:, s].T, out=out[c])
    return out


#: rows per block of the symmetric product ``gram(P, P)``
SELF_BLOCK_ROWS: int = 1024


def _gram_self(P: Prepared) -> NDArray[np.float64]:
    """``P P^T`` from the block rows on and above the diagonal, mirrored (about 0.6 of a full product)."""
    n = P.data.shape[0]
    out = np.zeros((n, n), dtype=np.float64)
    part = np.empty(min(n, SELF_BLOCK_ROWS) * n, dtype=np.float32)
    for i0 in range(0, n, SELF_BLOCK_ROWS):
        i1 = min(n, i0 + SELF_BLOCK_ROWS)
        block = part[: (i1 - i0) * (n - i0)].reshape(i1 - i0, n - i0)  # contiguous: BLAS writes it directly
        for s in P.slices:
            np.matmul(P.data[i0:i1, s], P.data[i0:, s].T, out=block)
            out[i0:i1, i0:] += block
        out[i1:, i0:i1] = out[i0:i1, i1:].T  # exact integers: the product is symmetric
    return out


def gram(A: Prepared, B: Prepared) -> NDArray[np.float64]:
    r"""The Gram matrix :math:`A B^\top` in float64, shape (m, n); exact on the float32 path.

    Notes
    -----
    .. math:: A B^\top = \sum_c A_{:,c} B_{:,c}^\top

    one float32 GEMM per chunk :math:`c`, added in float64. When ``A is B`` only the
    block rows on and above the diagonal are multiplied and the rest is mirrored.
    """
    _compatible(A, B)
    if not A.exact32:
        return A.data @ B.data.T
    if A is B:
        return _gram_self(A)
    out = np.zeros((A.data.shape[0], B.data.shape[0]), dtype=np.float64)
    part = np.empty(out.shape, dtype=np.float32)
    for s in A.slices:
        np.matmul(A.data[:, s], B.data[:, s].T, out=part)
        out += part
    return out
