r"""Integer data in any dtype, recognised once and shifted to uint8 (the exact, fast kernels).

CIFAR-10 loaders hand out pixels as float64 (or float32) arrays. Their values are still
integers of a small range, and every kNN distance of such data is exact in integer
arithmetic: a shift by the data's minimum changes no distance,
:math:`\lVert (x - s) - (z - s) \rVert = \lVert x - z \rVert`, and the shifted values
fit uint8 when the data spans at most 256 integers. So the uint8 kernels
(:func:`numerics.accel.pairwise_u8`, the exact float32 Gram products) serve them, and the
result is bit-identical to the naive loop on the float input.

The scan is :func:`numerics.accel.int_span` (one pass: are all entries integers, and
their min and max); it is done once per array -- once per training set in
:class:`~numerics.knn.model.KNN` and :func:`~numerics.knn.cv.cross_validate`, once per
query batch -- and its result can be handed back in (``spans``).

Examples
--------
>>> import numpy as np
>>> A = np.array([[0.0, 255.0]]); B = np.array([[3.0, 4.0]])
>>> pixel_pair(A, B)
(array([[  0, 255]], dtype=uint8), array([[3, 4]], dtype=uint8))
>>> pixel_pair(A, B + 0.5) is None, pixel_pair(A, B + 253.0) is None   # not integers; 0 .. 257
(True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from numerics import accel

__all__ = ["Span", "span_of", "pixel_pair", "as_pixels"]

#: ``(min, max)`` of an array of integers, or None when it holds a non-integer
Span = tuple[int, int] | None


def span_of(X: NDArray[Any]) -> Span:
    """``(min, max)`` when every entry of the 2-D array ``X`` is an integer, else None (one scan).

    Float dtypes other than float32 and float64 (float16, longdouble) are not scanned: None.
    """
    if np.issubdtype(X.dtype, np.floating) and X.dtype not in (np.float32, np.float64):
        return None
    return accel.int_span(X)


def _joint(spans: tuple[Span, ...]) -> int | None:
    """The shift (joint minimum) when the spans together cover at most 256 integers, else None."""
    if any(s is None for s in spans):
        return None
    lo = min(s[0] for s in spans if s is not None)
    hi = max(s[1] for s in spans if s is not None)
    return lo if hi - lo <= 255 else None


def pixel_pair(
    A: NDArray[Any], B: NDArray[Any], spans: tuple[Span, Span] | None = None
) -> tuple[NDArray[np.uint8], NDArray[np.uint8]] | None:
    """``A`` and ``B`` shifted by their joint minimum to uint8, or None when they are not
    integers spanning at most 256 values together.

    Parameters
    ----------
    A, B : ndarray, 2-D, validated (finite)
    spans : (Span, Span), optional
        Their :func:`span_of`, when already known (not scanned again).

    Returns
    -------
    (ndarray, ndarray) of uint8, or None
        uint8 input is returned as it is when the shift is 0.
    """
    if A.dtype == np.uint8 and B.dtype == np.uint8:
        return A, B
    sa, sb = spans if spans is not None else (span_of(A), span_of(B) if B is not A else None)
    if B is A:
        sb = sa
    shift = _joint((sa, sb))
    if shift is None:
        return None
    A8 = accel.to_u8(A, shift)
    return A8, (A8 if B is A else accel.to_u8(B, shift))


def as_pixels(X: NDArray[Any], span: Span | bool = True) -> NDArray[Any]:
    """``X`` shifted to uint8 when it holds at most 256 distinct integer values, else ``X`` itself.

    ``span``: :func:`span_of` of ``X`` if known, ``True`` to scan. Distances between rows
    of the result equal those between rows of ``X`` exactly.
    """
    if X.dtype == np.uint8:
        return X
    s = span_of(X) if span is True else span
    shift = _joint((s,)) if s is not False else None
    return X if shift is None else accel.to_u8(X, shift)
